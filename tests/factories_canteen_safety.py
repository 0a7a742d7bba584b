"""Factories of the canteen_safety area; list-page models are added to LIST_FACTORIES.
Rows as such (list pages, query counts); tests of the rules go through the services."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.canteen import models as cm
from tests.factories import LIST_FACTORIES, CampusFactory, UserFactory
from tests.factories_canteen import DishFactory, FoodBatchFactory

__all__ = [
    "FoodSampleFactory",
    "FridgeFactory",
    "HealthCertificateFactory",
    "KitchenDutyFactory",
    "KitchenStaffFactory",
    "PesticideTestFactory",
    "StaffMorningCheckFactory",
    "TablewareDisinfectionFactory",
    "TemperatureLogFactory",
    "TrainingRecordFactory",
    "UvDisinfectionFactory",
]


class FridgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Fridge

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"留样冰箱{n}")
    kind = cm.Fridge.Kind.SAMPLE
    min_c = Decimal("0")
    max_c = Decimal("8")


class TemperatureLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.TemperatureLog

    campus = factory.SubFactory(CampusFactory)
    fridge = factory.SubFactory(FridgeFactory, campus=factory.SelfAttribute("..campus"))
    recorded_at = factory.LazyFunction(timezone.now)
    temperature_c = Decimal("4.0")
    min_c = Decimal("0")
    max_c = Decimal("8")
    recorded_by = factory.SubFactory(UserFactory)


class FoodSampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.FoodSample

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    meal = cm.MealKind.LUNCH
    dish = factory.SubFactory(DishFactory, campus=factory.SelfAttribute("..campus"))
    weight_g = Decimal("130")
    fridge = factory.SubFactory(FridgeFactory, campus=factory.SelfAttribute("..campus"))
    taken_by = factory.SubFactory(UserFactory)
    taken_at = factory.LazyFunction(timezone.now)
    discard_not_before = factory.LazyAttribute(lambda o: o.taken_at + dt.timedelta(hours=48))
    reviewer = factory.SubFactory(UserFactory)


class TablewareDisinfectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.TablewareDisinfection

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    method = cm.DisinfectionMethod.BOILING
    started_at = factory.LazyFunction(timezone.now)
    duration_s = 900
    items = "餐盘、碗"
    performed_by = factory.SubFactory(UserFactory)


class UvDisinfectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.UvDisinfection

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    area = "厨房操作间"
    started_at = factory.LazyFunction(timezone.now)
    minutes = 30
    performed_by = factory.SubFactory(UserFactory)


class PesticideTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.PesticideTest

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    tested_at = factory.LazyFunction(timezone.now)
    batch = factory.SubFactory(FoodBatchFactory, campus=factory.SelfAttribute("..campus"))
    vegetable = "青菜"
    inhibition_pct = Decimal("12.5")
    threshold_pct = Decimal("50")
    result = cm.PesticideTest.Result.NEGATIVE
    operator = factory.SubFactory(UserFactory)


class KitchenStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.KitchenStaff

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"厨工{n}")
    position = cm.KitchenStaff.Position.CHEF


class HealthCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.HealthCertificate

    campus = factory.SubFactory(CampusFactory)
    staff = factory.SubFactory(KitchenStaffFactory, campus=factory.SelfAttribute("..campus"))
    number = factory.Sequence(lambda n: f"JKZ{n:06d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    valid_until = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=364))


class KitchenDutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.KitchenDuty

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    shift = cm.KitchenDuty.Shift.DAY
    staff = factory.SubFactory(KitchenStaffFactory, campus=factory.SelfAttribute("..campus"))


class StaffMorningCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.StaffMorningCheck

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    staff = factory.SubFactory(KitchenStaffFactory, campus=factory.SelfAttribute("..campus"))
    checked_at = factory.LazyFunction(timezone.now)
    temperature_c = Decimal("36.5")
    checked_by = factory.SubFactory(UserFactory)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.TrainingRecord
        skip_postgeneration_save = True

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    topic = factory.Sequence(lambda n: f"食品安全培训{n}")
    hours = Decimal("1.5")
    trainer = "郑海涛"

    @factory.post_generation
    def attendees(self, create, extracted, **kwargs):
        if create and extracted:
            self.attendees.set(extracted)


LIST_FACTORIES.update(
    {
        cm.Fridge: FridgeFactory,
        cm.TemperatureLog: TemperatureLogFactory,
        cm.FoodSample: FoodSampleFactory,
        cm.TablewareDisinfection: TablewareDisinfectionFactory,
        cm.UvDisinfection: UvDisinfectionFactory,
        cm.PesticideTest: PesticideTestFactory,
        cm.KitchenStaff: KitchenStaffFactory,
        cm.HealthCertificate: HealthCertificateFactory,
        cm.StaffMorningCheck: StaffMorningCheckFactory,
        cm.TrainingRecord: TrainingRecordFactory,
    }
)
