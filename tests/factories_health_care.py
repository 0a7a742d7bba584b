"""Factories of the health_care area; list-page models are added to LIST_FACTORIES."""

import factory
from django.utils import timezone

from houqin.health import models as hm
from tests.factories import LIST_FACTORIES, CampusFactory, ChildFactory

__all__ = ["CareFollowUpFactory", "SpecialCareCaseFactory"]


class SpecialCareCaseFactory(factory.django.DjangoModelFactory):
    """An open case (rows made directly: use ``care_services`` in tests of the rules)."""

    class Meta:
        model = hm.SpecialCareCase

    campus = factory.SubFactory(CampusFactory)
    child = factory.SubFactory(ChildFactory, campus=factory.SelfAttribute("..campus"))
    category = hm.SpecialCareCase.Category.ANAEMIA
    severity = "moderate"
    detail = "Hb 86 g/L"
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=20))
    source = hm.SpecialCareCase.Source.MANUAL
    next_recheck_on = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=10))


class CareFollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.CareFollowUp

    case = factory.SubFactory(SpecialCareCaseFactory)
    campus = factory.SelfAttribute("case.campus")
    date = factory.LazyFunction(timezone.localdate)
    hb_g_l = 100
    note = "复查"


LIST_FACTORIES[hm.SpecialCareCase] = SpecialCareCaseFactory
