"""Factories of the warehouse area; list-page models are added to LIST_FACTORIES."""

from decimal import Decimal

import factory

from houqin.procurement import models as pm
from tests.factories import LIST_FACTORIES, CampusFactory, SchoolClassFactory

__all__ = [
    "ItemCategoryFactory",
    "ItemFactory",
    "RequisitionFactory",
    "RequisitionLineFactory",
    "StockBalanceFactory",
    "StockCountFactory",
    "StockLocationFactory",
    "StockMoveFactory",
]


class ItemCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.ItemCategory

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"物品类别{n}")


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.StockLocation

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"仓库{n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Item

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"物品{n}")
    spec = "500ml"
    unit = "瓶"
    category = factory.SubFactory(ItemCategoryFactory, campus=factory.SelfAttribute("..campus"))


class StockBalanceFactory(factory.django.DjangoModelFactory):
    """A balance row as such (list pages); real balances come from the services."""

    class Meta:
        model = pm.StockBalance

    campus = factory.SubFactory(CampusFactory)
    item = factory.SubFactory(ItemFactory, campus=factory.SelfAttribute("..campus"))
    location = factory.SubFactory(StockLocationFactory, campus=factory.SelfAttribute("..campus"))
    quantity = Decimal("5")
    value = Decimal("25")


class StockMoveFactory(factory.django.DjangoModelFactory):
    """A ledger row as such (list pages); tests of the rules call the services."""

    class Meta:
        model = pm.StockMove

    campus = factory.SubFactory(CampusFactory)
    kind = pm.StockMove.Kind.IN
    item = factory.SubFactory(ItemFactory, campus=factory.SelfAttribute("..campus"))
    location = factory.SubFactory(StockLocationFactory, campus=factory.SelfAttribute("..campus"))
    quantity = Decimal("5")
    unit_cost = Decimal("5")
    value = Decimal("25")
    balance_after = Decimal("5")
    to_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))


class RequisitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Requisition

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"LY-2026-{n:04d}")
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    purpose = "日常领用"


class RequisitionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.RequisitionLine

    requisition = factory.SubFactory(RequisitionFactory)
    campus = factory.SelfAttribute("requisition.campus")
    item = factory.SubFactory(ItemFactory, campus=factory.SelfAttribute("..campus"))
    quantity = Decimal("2")


class StockCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.StockCount

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"PD-2026-{n:04d}")
    location = factory.SubFactory(StockLocationFactory, campus=factory.SelfAttribute("..campus"))


LIST_FACTORIES.update(
    {
        pm.ItemCategory: ItemCategoryFactory,
        pm.StockLocation: StockLocationFactory,
        pm.Item: ItemFactory,
        pm.StockBalance: StockBalanceFactory,
        pm.StockMove: StockMoveFactory,
        pm.Requisition: RequisitionFactory,
        pm.StockCount: StockCountFactory,
    }
)
