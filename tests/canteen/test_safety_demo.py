"""The safety demo data (order 460) on a small demo group built with the core's demo builder,
with published menus for the last weeks (what the nutrition demo at 455 provides)."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.canteen import safety_demo
from houqin.canteen import safety_services as ss
from houqin.canteen.models import (
    FoodBatch,
    FoodSample,
    Fridge,
    HealthCertificate,
    KitchenDuty,
    KitchenStaff,
    MealKind,
    Menu,
    PesticideTest,
    StaffMorningCheck,
    TablewareDisinfection,
    TemperatureLog,
    TrainingRecord,
    UvDisinfection,
)
from houqin.core import demo
from houqin.core.models import Campus, Organization
from tests.factories_canteen import DishFactory, MenuFactory, MenuItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    builder = demo._DemoBuilder()
    org = builder.save(Organization(name=demo.ORG_NAME, code=demo.ORG_CODE, kind=Organization.Kind.GROUP))
    builder.ctx = demo.DemoContext(actor=None, organization=org, names=builder.names)
    builder.ctx.campuses = {
        code: builder.save(Campus(organization=org, name=name, code=code))
        for code, name in ((demo.MAIN_CODE, "示范幼儿园总园"), (demo.WEST_CODE, "示范幼儿园西区分园"))
    }
    builder.make_users()
    for code, buildings in ((demo.MAIN_CODE, demo.MAIN_BUILDINGS), (demo.WEST_CODE, demo.WEST_BUILDINGS)):
        builder.make_places(builder.ctx.campuses[code], buildings)
        builder.make_calendar(builder.ctx.campuses[code])
    main = builder.ctx.campuses[demo.MAIN_CODE]
    dishes = {
        meal: [DishFactory(campus=main) for _ in range(2)]
        for meal in ("morning_snack", "lunch", "afternoon_snack")
    }
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    for weeks in range(5):
        week = monday - dt.timedelta(weeks=weeks)
        menu = MenuFactory(campus=main, week_start=week, status=Menu.Status.PUBLISHED)
        for offset in range(5):
            for meal, meal_dishes in dishes.items():
                for dish in meal_dishes:
                    MenuItemFactory(menu=menu, date=week + dt.timedelta(days=offset), meal=meal, dish=dish)
    return builder.ctx


def test_demo_rows(ctx):
    with demo.audit.audit_context(source="cli"):
        safety_demo.add_demo_rows(ctx)
    main = ctx.campuses[demo.MAIN_CODE]
    now = timezone.now()
    today = timezone.localdate()
    assert Fridge.objects.filter(campus=main).count() == 4
    assert Fridge.objects.filter(campus=main, kind=Fridge.Kind.SAMPLE).exists()
    samples = FoodSample.objects.filter(campus=main)
    assert samples.count() > 50
    # every served dish of every past school day has its sample, reviewed by someone else
    past = today - dt.timedelta(days=7)
    if ss.served_dishes(main, past):
        for meal, dishes in ss.served_dishes(main, past).items():
            assert samples.filter(date=past, meal=meal).count() == len(dishes)
    assert not samples.exclude(reviewer__isnull=True).filter(reviewer=models_f("taken_by")).exists()
    assert samples.filter(disposed_at__isnull=False).exists()
    assert not samples.filter(disposed_at__lt=models_f("discard_not_before")).exists()
    lunch_today = [m for m in ss.meal_status(main, today, now=now) if m["meal"] == MealKind.LUNCH]
    if lunch_today and today.weekday() < 5:
        assert lunch_today[0]["missing"]  # today's lunch partly sampled
    assert TemperatureLog.objects.filter(campus=main).count() > 40
    assert TablewareDisinfection.objects.filter(campus=main, is_compliant=False).count() == 1
    assert TablewareDisinfection.objects.filter(campus=main, method="boiling").exists()
    assert UvDisinfection.objects.filter(campus=main, is_compliant=False).count() == 1
    tests = PesticideTest.objects.filter(campus=main)
    assert tests.count() > 10
    positive = tests.get(result=PesticideTest.Result.POSITIVE)
    assert FoodBatch.objects.get(pk=positive.batch_id).is_blocked
    staff = KitchenStaff.objects.filter(campus=main)
    assert staff.count() == len(safety_demo.MAIN_STAFF)
    assert HealthCertificate.objects.filter(campus=main).count() == len(safety_demo.MAIN_STAFF)
    attention = {r["staff"].name: r["state"] for r in ss.certificate_attention(main, today)}
    assert attention == {"李春梅": "expiring", "张建华": "invalid"}
    expired = staff.get(name="张建华")
    assert not KitchenDuty.objects.filter(staff=expired, date__gte=today - dt.timedelta(days=19)).exists()
    assert KitchenDuty.objects.filter(campus=main, date__gt=today).exists()
    assert StaffMorningCheck.objects.filter(campus=main, is_fit=False).exists()
    assert TrainingRecord.objects.filter(campus=main).count() == 3
    assert Fridge.objects.filter(campus=ctx.campuses[demo.WEST_CODE]).count() == 4


def models_f(name):
    from django.db.models import F

    return F(name)
