"""The environment demo data (order 350), on a small demo group built with the core's demo
builder: zones with their routine history, a term of weekly inspections with problems,
greening areas with tasks, functional room uses and dormitory inspections."""

import pytest
from django.db.models import Count
from django.utils import timezone

from houqin.core import demo
from houqin.core.models import AuditEvent, Campus, Organization, RoutineOccurrence
from houqin.environment import environment_demo, selectors
from houqin.environment.models import (
    CleaningZone,
    DormitoryInspection,
    GreeningArea,
    GreeningTask,
    HygieneInspection,
    HygieneProblem,
    RoomUse,
    ScoringSheet,
)
from houqin.safety.models import Hazard

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
    main, west = builder.ctx.campuses[demo.MAIN_CODE], builder.ctx.campuses[demo.WEST_CODE]
    builder.make_places(main, demo.MAIN_BUILDINGS)
    builder.make_places(west, demo.WEST_BUILDINGS)
    builder.make_calendar(main)
    builder.make_calendar(west)
    builder.make_classes(main, [("小一班", "junior"), ("中二班", "middle"), ("大一班", "senior")], 2)
    builder.make_classes(west, [("小一班", "junior"), ("中一班", "middle")], 2)
    return builder.ctx


def test_demo_rows(ctx):
    with demo.audit.audit_context(source="cli"):
        environment_demo.add_demo_rows(ctx)
    main = ctx.campuses[demo.MAIN_CODE]
    today = timezone.localdate()
    assert ScoringSheet.objects.filter(campus=main, is_default=True).count() == 1
    zones = CleaningZone.objects.filter(campus=main)
    assert zones.count() == 3 + len(environment_demo.MAIN_PUBLIC)
    assert not zones.filter(daily_routine__isnull=True).exists() and not zones.filter(
        weekly_routine__isnull=True
    )
    assert GreeningArea.objects.filter(campus=main).count() == len(environment_demo.MAIN_AREAS)
    assert GreeningTask.objects.filter(campus=main).count() >= 15
    term = environment_demo._term(ctx, demo.MAIN_CODE, today)
    if term is None:  # the demo calendar has not started yet
        return
    # the routines' history: most checks done, a few missed, none left open in the past
    past = RoutineOccurrence.objects.filter(
        campus=main, date__lt=today, template__category__startswith="environment"
    )
    by_status = dict(past.values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())
    assert total > 100 and by_status["done"] / total > 0.85 and set(by_status) <= {"done", "missed"}
    assert AuditEvent.objects.filter(campus=main, action="complete").count() == by_status["done"]
    # a term of weekly inspections: one voided and scored again, a spot check
    weekly = HygieneInspection.objects.filter(campus=main, kind="weekly")
    days = environment_demo._inspection_days(term, today)
    assert weekly.filter(status="submitted").count() == len(days)
    if len(days) > 4:
        assert weekly.filter(status="void").exclude(void_reason="").count() == 1
        assert HygieneInspection.objects.filter(campus=main, kind="spot", status="submitted").exists()
    last_week = selectors.week_bounds(days[-1])
    rows = selectors.ranking(main, *last_week)
    assert len(rows) == zones.count() and len({r["score"] for r in rows}) > 1  # varied scores
    problems = HygieneProblem.objects.filter(campus=main)
    if len(days) >= 8:
        assert problems.filter(status="closed").exists()
        assert problems.filter(status="open", deadline__lt=today).count() >= 1  # one overdue
        assert problems.filter(status="void").exists()  # of the voided inspection
    # functional rooms and dormitories
    assert RoomUse.objects.filter(campus=main).count() > 10
    assert RoomUse.objects.filter(campus=main, condition="problem").count() == 1
    dorms = DormitoryInspection.objects.filter(campus=main)
    assert {d.kind for d in dorms} == {"staff", "nap"} and dorms.filter(passed=False).exists()
    assert Hazard.objects.filter(campus=main, category="electrical", description__contains="电热毯").exists()
    # the west campus has its zones and inspections too
    west = ctx.campuses[demo.WEST_CODE]
    assert HygieneInspection.objects.filter(campus=west, status="submitted").exists()
