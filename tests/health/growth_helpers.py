"""Fixtures and helpers of the growth tests (import the fixtures into a test module)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login


def months_ago(months, days=0):
    """A birth date making a child exactly ``months`` old today (minus ``days``)."""
    today = timezone.localdate()
    month = today.month - 1 - months
    year = today.year + month // 12
    month = month % 12 + 1
    import calendar

    day = min(today.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) - dt.timedelta(days=days)


def url(campus, name, **kwargs):
    return reverse(f"health:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def health_teacher(make_member):
    return make_member(Role.HEALTH_TEACHER, username="health")


@pytest.fixture
def class_teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher")


@pytest.fixture
def childcare(make_member):
    return make_member(Role.CHILDCARE_WORKER, username="childcare")


@pytest.fixture
def school_class(campus):
    return f.SchoolClassFactory(campus=campus, name="中一班", grade="middle")


@pytest.fixture
def boy(campus, school_class):
    """A boy of exactly 48 months."""
    return f.ChildFactory(
        campus=campus, school_class=school_class, name="张小明", sex="M", birth_date=months_ago(48)
    )


@pytest.fixture
def girl(campus, school_class):
    return f.ChildFactory(
        campus=campus, school_class=school_class, name="李思琪", sex="F", birth_date=months_ago(50)
    )


@pytest.fixture
def health_client(health_teacher):
    return login(health_teacher)


def make_children(campus, school_class, n, *, months=48):
    return [
        f.ChildFactory(campus=campus, school_class=school_class, name=f"孩子{i:02d}", sex="MF"[i % 2],
                       birth_date=months_ago(months, days=i))
        for i in range(n)
    ]  # fmt: skip
