"""Factories of the health_growth area; list-page models are added to LIST_FACTORIES."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.health import models as hm
from tests.factories import LIST_FACTORIES, CampusFactory, ChildFactory, SchoolClassFactory

__all__ = ["ExamFactory", "HealthCardFactory", "MeasurementFactory"]


class MeasurementFactory(factory.django.DjangoModelFactory):
    """A plain row (no evaluation): tests of the evaluation go through the services."""

    class Meta:
        model = hm.Measurement

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    child = factory.SubFactory(
        ChildFactory,
        campus=factory.SelfAttribute("..campus"),
        school_class=factory.SelfAttribute("..school_class"),
    )
    measured_on = factory.Sequence(lambda n: timezone.localdate() - dt.timedelta(days=n))
    age_months = 48
    height_cm = Decimal("104.9")
    weight_kg = Decimal("16.7")
    haz = Decimal("0.00")
    waz = Decimal("0.00")


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.Exam

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    child = factory.SubFactory(
        ChildFactory,
        campus=factory.SelfAttribute("..campus"),
        school_class=factory.SelfAttribute("..school_class"),
    )
    exam_date = factory.Sequence(lambda n: timezone.localdate() - dt.timedelta(days=n))
    age_months = 48
    hb_g_l = 120


class HealthCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.HealthCard

    campus = factory.SubFactory(CampusFactory)
    child = factory.SubFactory(ChildFactory, campus=factory.SelfAttribute("..campus"))
    exam_date = factory.Sequence(lambda n: timezone.localdate() - dt.timedelta(days=n))
    hospital = "西湖区妇幼保健所"


LIST_FACTORIES[hm.Measurement] = MeasurementFactory
LIST_FACTORIES[hm.Exam] = ExamFactory
LIST_FACTORIES[hm.HealthCard] = HealthCardFactory
