"""Factories of the health_daily area; list-page models are added to LIST_FACTORIES."""

import factory
from django.utils import timezone

from houqin.health import models as hm
from tests.factories import LIST_FACTORIES, CampusFactory, ChildFactory, SchoolClassFactory
from tests.factories_health import AttendanceRecordFactory

__all__ = ["AbsenceFollowUpFactory", "ClassCheckFactory", "HealthCheckFactory", "ObservationNoteFactory"]


class AbsenceFollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.AbsenceFollowUp

    campus = factory.SubFactory(CampusFactory)
    record = factory.SubFactory(
        AttendanceRecordFactory,
        roll__campus=factory.SelfAttribute("...campus"),
        status=hm.AttendanceRecord.Status.ABSENT,
        absence_reason=hm.AttendanceRecord.AbsenceReason.SICK,
        absence_note="发烧",
    )
    child = factory.SelfAttribute("record.child")
    school_class = factory.SelfAttribute("record.school_class")
    date = factory.SelfAttribute("record.date")
    symptoms = "发烧"


class ClassCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.ClassCheck

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    date = factory.Sequence(lambda n: timezone.localdate() - timezone.timedelta(days=n))
    session = hm.ClassCheck.Session.MORNING
    checked_count = 25
    checked_at = factory.LazyFunction(timezone.now)


class HealthCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.HealthCheck

    campus = factory.SubFactory(CampusFactory)
    roll = factory.SubFactory(ClassCheckFactory, campus=factory.SelfAttribute("..campus"))
    school_class = factory.SelfAttribute("roll.school_class")
    child = factory.SubFactory(
        ChildFactory,
        campus=factory.SelfAttribute("..campus"),
        school_class=factory.SelfAttribute("..school_class"),
    )
    date = factory.SelfAttribute("roll.date")
    session = factory.SelfAttribute("roll.session")
    tag = "yellow"
    symptoms = "咳嗽"
    outcome = hm.HealthCheck.Outcome.OBSERVE
    checked_at = factory.LazyFunction(timezone.now)


class ObservationNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.ObservationNote

    campus = factory.SubFactory(CampusFactory)
    child = factory.SubFactory(ChildFactory, campus=factory.SelfAttribute("..campus"))
    school_class = factory.SelfAttribute("child.school_class")
    date = factory.LazyFunction(timezone.localdate)
    observed_at = factory.LazyFunction(timezone.now)
    aspect = hm.ObservationNote.Aspect.FOOD
    finding = "午餐吃得少"


LIST_FACTORIES[hm.AbsenceFollowUp] = AbsenceFollowUpFactory
LIST_FACTORIES[hm.HealthCheck] = HealthCheckFactory
LIST_FACTORIES[hm.ObservationNote] = ObservationNoteFactory
