"""Factories of the environment area; list-page models are added to LIST_FACTORIES."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.environment import models as em
from tests.factories import (
    LIST_FACTORIES,
    CampusFactory,
    RoomFactory,
    SchoolClassFactory,
    UserFactory,
)

__all__ = [
    "CleaningZoneFactory",
    "DormitoryInspectionFactory",
    "GreeningAreaFactory",
    "HygieneInspectionFactory",
    "HygieneProblemFactory",
    "RoomUseFactory",
    "ScoringItemFactory",
    "ScoringSheetFactory",
    "ZoneScoreFactory",
]


class CleaningZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.CleaningZone

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"责任区{n}")
    area_text = "操场东侧"
    responsible = factory.SubFactory(UserFactory)


class ScoringSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.ScoringSheet

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"卫生检查评分表{n}")
    is_default = True


class ScoringItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.ScoringItem

    sheet = factory.SubFactory(ScoringSheetFactory)
    campus = factory.SelfAttribute("sheet.campus")
    order = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"地面无纸屑{n}")
    max_points = Decimal("10")


class HygieneInspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.HygieneInspection

    campus = factory.SubFactory(CampusFactory)
    sheet = factory.SubFactory(ScoringSheetFactory, campus=factory.SelfAttribute("..campus"))
    date = factory.LazyFunction(timezone.localdate)
    kind = em.HygieneInspection.Kind.SPOT
    inspector = factory.SubFactory(UserFactory)
    status = em.HygieneInspection.Status.SUBMITTED


class ZoneScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.ZoneScore

    campus = factory.SubFactory(CampusFactory)
    inspection = factory.SubFactory(HygieneInspectionFactory, campus=factory.SelfAttribute("..campus"))
    zone = factory.SubFactory(CleaningZoneFactory, campus=factory.SelfAttribute("..campus"))
    total = Decimal("92")
    max_total = Decimal("100")


class HygieneProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.HygieneProblem

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"WS-2026-{n + 1:04d}")
    zone = factory.SubFactory(CleaningZoneFactory, campus=factory.SelfAttribute("..campus"))
    description = factory.Sequence(lambda n: f"柜底有积灰{n}")
    responsible = factory.SelfAttribute("zone.responsible")
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=2))


class GreeningAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.GreeningArea

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"花坛{n}")
    kind = em.GreeningArea.Kind.FLOWERBED
    location = "大门内侧"


class RoomUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.RoomUse

    campus = factory.SubFactory(CampusFactory)
    room = factory.SubFactory(RoomFactory, campus=factory.SelfAttribute("..campus"), kind="functional")
    date = factory.LazyFunction(timezone.localdate)
    period = factory.Sequence(lambda n: f"第{n % 8 + 1}节")
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    teacher = factory.SubFactory(UserFactory)
    purpose = "绘本阅读"


class DormitoryInspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.DormitoryInspection

    campus = factory.SubFactory(CampusFactory)
    room = factory.SubFactory(RoomFactory, campus=factory.SelfAttribute("..campus"), kind="bedroom")
    kind = em.DormitoryInspection.Kind.STAFF
    inspector = factory.SubFactory(UserFactory)


LIST_FACTORIES.update(
    {
        em.CleaningZone: CleaningZoneFactory,
        em.ScoringSheet: ScoringSheetFactory,
        em.HygieneInspection: HygieneInspectionFactory,
        em.HygieneProblem: HygieneProblemFactory,
        em.GreeningArea: GreeningAreaFactory,
        em.RoomUse: RoomUseFactory,
        em.DormitoryInspection: DormitoryInspectionFactory,
    }
)
