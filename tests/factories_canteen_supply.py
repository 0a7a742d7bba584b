"""Factories of the canteen_supply area; list-page models are added to LIST_FACTORIES.

Rows made here skip the services (list pages, query counts); tests of the rules go
through :mod:`houqin.canteen.supply_services`."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.canteen import models as cm
from tests.factories import LIST_FACTORIES, CampusFactory, UserFactory
from tests.factories_canteen import FoodBatchFactory
from tests.factories_purchasing import SupplierFactory

__all__ = [
    "FoodDisposalFactory",
    "FoodSupplierFactory",
    "ReceivingFactory",
    "ReceivingLineFactory",
    "StockOutFactory",
    "StockOutLineFactory",
    "SupplierCertificateFactory",
    "SupplyContractFactory",
]


class FoodSupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.FoodSupplier

    campus = factory.SubFactory(CampusFactory)
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"), scope="蔬菜")
    is_designated = True
    categories = ",vegetable,"


class SupplierCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.SupplierCertificate

    campus = factory.SubFactory(CampusFactory)
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    kind = cm.CertificateKind.BUSINESS_LICENCE
    number = factory.Sequence(lambda n: f"91330100MA{n:08d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


class SupplyContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.SupplyContract

    campus = factory.SubFactory(CampusFactory)
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    number = factory.Sequence(lambda n: f"HT-{n:04d}")
    title = "食材供货合同"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=265))


class ReceivingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Receiving
        skip_postgeneration_save = True  # the hook saves its own lines

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"JH-2026-{n + 1:05d}")
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    delivered_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def with_lines(self, create, extracted, **kwargs):
        if create and extracted is not False:
            ReceivingLineFactory(receiving=self, campus=self.campus)


class ReceivingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.ReceivingLine

    receiving = factory.SubFactory(ReceivingFactory, with_lines=False)
    campus = factory.SelfAttribute("receiving.campus")
    name = "青菜"
    quantity = Decimal("10")
    unit_price = Decimal("4.50")
    is_fresh_produce = True


class StockOutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.StockOut
        skip_postgeneration_save = True  # the hook saves its own lines

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"CK-2026-{n + 1:05d}")
    date = factory.LazyFunction(timezone.localdate)
    meal = cm.MealKind.LUNCH
    recorded_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def with_lines(self, create, extracted, **kwargs):
        if create and extracted is not False:
            StockOutLineFactory(stock_out=self, campus=self.campus)


class StockOutLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.StockOutLine

    stock_out = factory.SubFactory(StockOutFactory, with_lines=False)
    campus = factory.SelfAttribute("stock_out.campus")
    batch = factory.SubFactory(FoodBatchFactory, campus=factory.SelfAttribute("..campus"))
    quantity = Decimal("2")


class FoodDisposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.FoodDisposal

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"XH-2026-{n + 1:05d}")
    batch = factory.SubFactory(FoodBatchFactory, campus=factory.SelfAttribute("..campus"))
    quantity = Decimal("1")
    disposed_on = factory.LazyFunction(timezone.localdate)
    reason = cm.FoodDisposal.Reason.EXPIRED
    recorded_by = factory.SubFactory(UserFactory)
    witness = factory.SubFactory(UserFactory)


LIST_FACTORIES[cm.FoodSupplier] = FoodSupplierFactory
LIST_FACTORIES[cm.SupplierCertificate] = SupplierCertificateFactory
LIST_FACTORIES[cm.SupplyContract] = SupplyContractFactory
LIST_FACTORIES[cm.Receiving] = ReceivingFactory
LIST_FACTORIES[cm.StockOut] = StockOutFactory
LIST_FACTORIES[cm.FoodDisposal] = FoodDisposalFactory
