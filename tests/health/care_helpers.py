"""Fixtures and builders of the care area's tests (special care and health statistics)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from houqin.core.roles import Role
from houqin.health.models import AttendanceRecord, ClassAttendance
from tests import factories as f


@pytest.fixture
def health_user(make_member):
    return make_member(Role.HEALTH_TEACHER, username="care-health")


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="care-teacher")


@pytest.fixture
def cook(make_member):
    return make_member(Role.COOK, username="care-cook")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def health_client(health_user):
    return client_for(health_user)


@pytest.fixture
def klass(campus):
    return f.SchoolClassFactory(campus=campus, name="小一班", sort_order=1)


@pytest.fixture
def child(campus, klass):
    return f.ChildFactory(campus=campus, school_class=klass, name="张小明")


def days_ago(n):
    return timezone.localdate() - dt.timedelta(days=n)


# --- Growth-area rows, written directly (the growth services are tested by that area) -----------


def measurement(child, on, *, flags=(), degree="", severity="", void=False, height="105.0", weight="17.00"):
    from houqin.health.models import Measurement

    return Measurement.objects.create(
        campus=child.campus, child=child, school_class=child.school_class, measured_on=on, age_months=50,
        height_cm=Decimal(height), weight_kg=Decimal(weight), obesity_degree=degree, malnutrition_severity=severity,
        is_void=void, void_reason="错录" if void else "", **dict.fromkeys(flags, True),
    )  # fmt: skip


def exam(child, on, *, passed=True, hb=120, anaemia="", vision=False, caries=0, void=False):
    from houqin.health.models import Exam

    return Exam.objects.create(
        campus=child.campus, child=child, school_class=child.school_class, exam_date=on, age_months=50,
        hb_g_l=hb, anaemia=anaemia, vision_abnormal=vision, caries_count=caries, passed=passed,
        is_void=void, void_reason="错录" if void else "",
    )  # fmt: skip


# --- Attendance rows ---------------------------------------------------------------------------


def roll_call(school_class, children, day, *, sick=(), personal=()):
    """A class's roll call on ``day`` with one record per child and consistent counts."""
    sick, personal = set(sick), set(personal)
    absent = sick | personal
    roll = ClassAttendance.objects.create(
        campus=school_class.campus, school_class=school_class, date=day, present_count=len(children) - len(absent),
        absent_count=len(absent), sick_count=len(sick), taken_at=timezone.now(),
    )  # fmt: skip
    for c in children:
        if c in sick:
            status, reason = AttendanceRecord.Status.ABSENT, AttendanceRecord.AbsenceReason.SICK
        elif c in personal:
            status, reason = AttendanceRecord.Status.ABSENT, AttendanceRecord.AbsenceReason.PERSONAL
        else:
            status, reason = AttendanceRecord.Status.PRESENT, ""
        AttendanceRecord.objects.create(
            campus=school_class.campus, roll=roll, child=c, school_class=school_class, date=day, status=status,
            absence_reason=reason,
        )  # fmt: skip
    return roll


def api_client(user):
    """A token client for /api/v1/ (the helper of tests/api)."""
    from tests.api.conftest import ApiClient, token_for

    return ApiClient(token_for(user))
