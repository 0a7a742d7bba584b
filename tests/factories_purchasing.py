"""Factories of procurement (suppliers, purchasing); list-page models are added to LIST_FACTORIES."""

import factory

from houqin.procurement import models as pm
from tests.factories import LIST_FACTORIES, CampusFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Supplier

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"供应商{n}")
    contact = "王经理"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    scope = "办公用品"


LIST_FACTORIES[pm.Supplier] = SupplierFactory
