"""The daily demo data builds on a fresh campus: a month of roll calls and checks with
realistic absences, follow-ups, fevers sent home, all audited."""

import random

import pytest
from django.db.models import Sum
from django.utils import timezone

from houqin.core.demo import DemoContext
from houqin.core.models import AuditEvent, RoutineTemplate
from houqin.core.roles import Role
from houqin.health.daily_demo import add_demo_rows
from houqin.health.models import AbsenceFollowUp, AttendanceRecord, ClassAttendance, ClassCheck, HealthCheck
from tests.health.daily_helpers import make_class, make_term

pytestmark = pytest.mark.django_db


def test_demo_builds(campus, make_member):
    term = make_term(campus, weekdays=(0, 1, 2, 3, 4))
    health = make_member(Role.HEALTH_TEACHER, username="health")
    classes = {}
    for i, name in enumerate(("小一班", "中一班", "大一班", "大二班")):
        cls, _kids = make_class(campus, 30, name=name)
        cls.sort_order = i
        cls.save()
        classes[("main", name)] = cls
    ctx = DemoContext(actor=None, organization=campus.organization, campuses={"main": campus},
                      users={"health": health}, classes=classes, terms={("main", "autumn"): term},
                      rng=random.Random(1))  # fmt: skip
    add_demo_rows(ctx)
    days = term.school_days(
        start=timezone.localdate() - timezone.timedelta(days=31), end=timezone.localdate()
    )
    rolls = ClassAttendance.objects.filter(campus=campus)
    expected = len(days) * 4 - (3 if timezone.localdate() in days else 0)
    assert rolls.count() == expected
    totals = rolls.aggregate(p=Sum("present_count"), a=Sum("absent_count"), s=Sum("sick_count"))
    rate = totals["a"] / (totals["p"] + totals["a"])
    assert 0.03 < rate < 0.10, rate
    assert AttendanceRecord.objects.filter(campus=campus).count() == totals["p"] + totals["a"]
    assert AbsenceFollowUp.objects.filter(campus=campus).count() == totals["s"] > 0
    assert AbsenceFollowUp.objects.filter(status="done").exists()
    assert HealthCheck.objects.filter(outcome="sent_home", fever=True).exists()
    assert ClassCheck.objects.filter(session="midday").exists()
    # Counts agree with the rows.
    for check in ClassCheck.objects.all()[:20]:
        assert check.exception_count == HealthCheck.objects.filter(roll=check).count()
    assert (
        AuditEvent.objects.filter(content_type__model="classattendance", action="create").count() == expected
    )
    assert RoutineTemplate.objects.filter(campus=campus).count() == 2
