"""Factories of the health module's foundation (attendance); each area adds its own
module ``factories_health_<area>.py``."""

import factory
from django.utils import timezone

from houqin.health import models as hm
from tests.factories import LIST_FACTORIES, CampusFactory, ChildFactory, SchoolClassFactory

__all__ = ["AttendanceRecordFactory", "ClassAttendanceFactory"]


class ClassAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.ClassAttendance

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    date = factory.Sequence(lambda n: timezone.localdate() - timezone.timedelta(days=n))
    taken_at = factory.LazyFunction(timezone.now)


class AttendanceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.AttendanceRecord

    roll = factory.SubFactory(ClassAttendanceFactory)
    campus = factory.SelfAttribute("roll.campus")
    school_class = factory.SelfAttribute("roll.school_class")
    date = factory.SelfAttribute("roll.date")
    child = factory.SubFactory(
        ChildFactory, campus=factory.SelfAttribute("..campus"), school_class=factory.SelfAttribute("..school_class")
    )
    status = hm.AttendanceRecord.Status.PRESENT


LIST_FACTORIES[hm.ClassAttendance] = ClassAttendanceFactory
LIST_FACTORIES[hm.AttendanceRecord] = AttendanceRecordFactory
