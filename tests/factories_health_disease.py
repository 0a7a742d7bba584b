"""Factories of the health_disease area; list-page models are added to LIST_FACTORIES."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.health import models as hm
from tests.factories import LIST_FACTORIES, CampusFactory, ChildFactory, SchoolClassFactory, UserFactory

__all__ = [
    "ClassQuarantineFactory",
    "ConcentrationTestFactory",
    "DiseaseCaseFactory",
    "DiseaseFactory",
    "HealthLessonFactory",
    "MedicationDoseFactory",
    "MedicationOrderFactory",
    "OutbreakAlertFactory",
    "PublicityBoardChangeFactory",
    "TerminalDisinfectionFactory",
]


def _today():
    return timezone.localdate()


class MedicationOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.MedicationOrder

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    child = factory.SubFactory(
        ChildFactory,
        campus=factory.SelfAttribute("..campus"),
        school_class=factory.SelfAttribute("..school_class"),
    )
    drug = "小儿氨酚黄那敏颗粒"
    dose = "半袋"
    times = factory.LazyFunction(lambda: ["09:00", "14:00"])
    start_date = factory.LazyFunction(_today)
    days = 3
    parent_name = "王女士"
    parent_confirmed = True
    registered_by = factory.SubFactory(UserFactory)


class MedicationDoseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.MedicationDose

    order = factory.SubFactory(MedicationOrderFactory)
    campus = factory.SelfAttribute("order.campus")
    child = factory.SelfAttribute("order.child")
    school_class = factory.SelfAttribute("order.school_class")
    date = factory.SelfAttribute("order.start_date")
    slot = dt.time(9, 0)
    status = hm.MedicationDose.Status.GIVEN
    confirmed_child = confirmed_class = confirmed_dose = True


class DiseaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.Disease

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"传染病{n}")
    isolation_days = 14
    quarantine_days = 10
    cluster_cases = 5
    cluster_days = 7


class TerminalDisinfectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.TerminalDisinfection

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    disease = factory.SubFactory(DiseaseFactory, campus=factory.SelfAttribute("..campus"))
    due_date = factory.LazyFunction(_today)


class DiseaseCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.DiseaseCase

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    child = factory.SubFactory(
        ChildFactory,
        campus=factory.SelfAttribute("..campus"),
        school_class=factory.SelfAttribute("..school_class"),
    )
    disease = factory.SubFactory(DiseaseFactory, campus=factory.SelfAttribute("..campus"))
    number = factory.Sequence(lambda n: f"CRB-2026-{n + 1:04d}")
    onset_date = factory.LazyFunction(_today)
    isolation_from = factory.SelfAttribute("onset_date")
    isolation_until = factory.LazyAttribute(lambda o: o.onset_date + dt.timedelta(days=13))


class ClassQuarantineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.ClassQuarantine

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    start_date = factory.LazyFunction(_today)
    end_date = factory.LazyFunction(lambda: _today() + dt.timedelta(days=9))
    status = hm.ClassQuarantine.Status.ACTIVE


class OutbreakAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.OutbreakAlert

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    disease = factory.SubFactory(DiseaseFactory, campus=factory.SelfAttribute("..campus"))
    number = factory.Sequence(lambda n: f"YQ-2026-{n + 1:04d}")
    rule = hm.OutbreakAlert.Rule.DAY
    rule_label = "3例/1天"
    case_count = 3
    first_onset = factory.LazyFunction(_today)
    last_onset = factory.LazyFunction(_today)
    report_due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=24))


class ConcentrationTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.ConcentrationTest

    campus = factory.SubFactory(CampusFactory)
    disinfectant = hm.ConcentrationTest.Disinfectant.CHLORINE
    purpose = "桌面、玩具擦拭"
    target_min = Decimal("250")
    target_max = Decimal("500")
    measured = Decimal("400")
    passed = True


class HealthLessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.HealthLesson

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    date = factory.LazyFunction(_today)
    topic = "勤洗手，防病毒"
    teacher = factory.SubFactory(UserFactory)


class PublicityBoardChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = hm.PublicityBoardChange

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(_today)
    topic = "秋冬季传染病预防"
    location = "保健室门口宣传栏"


for _model, _factory in (
    (hm.MedicationOrder, MedicationOrderFactory),
    (hm.Disease, DiseaseFactory),
    (hm.DiseaseCase, DiseaseCaseFactory),
    (hm.TerminalDisinfection, TerminalDisinfectionFactory),
    (hm.ClassQuarantine, ClassQuarantineFactory),
    (hm.OutbreakAlert, OutbreakAlertFactory),
    (hm.ConcentrationTest, ConcentrationTestFactory),
    (hm.HealthLesson, HealthLessonFactory),
    (hm.PublicityBoardChange, PublicityBoardChangeFactory),
):
    LIST_FACTORIES[_model] = _factory
