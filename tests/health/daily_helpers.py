"""Fixtures of the daily-area tests (import them into the test modules)."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.core.roles import Role
from tests import factories as f


def make_term(campus, *, weekdays=(0, 1, 2, 3, 4, 5, 6)):
    """A term around today on which every listed weekday is a school day."""
    today = timezone.localdate()
    year = f.SchoolYearFactory(
        campus=campus, start_date=today - dt.timedelta(days=300), end_date=today + dt.timedelta(days=300)
    )
    return f.TermFactory(
        campus=campus, school_year=year, start_date=today - dt.timedelta(days=120),
        end_date=today + dt.timedelta(days=120), school_weekdays=list(weekdays),
    )  # fmt: skip


def make_class(campus, n=5, name="小一班", teacher=None):
    cls = f.SchoolClassFactory(campus=campus, name=name, head_teacher=teacher)
    kids = [f.ChildFactory(campus=campus, school_class=cls, name=f"{name}孩子{i:02d}") for i in range(n)]
    return cls, kids


@pytest.fixture
def term(campus):
    return make_term(campus)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="d-teacher", real_name="李晓燕")


@pytest.fixture
def health(make_member):
    return make_member(Role.HEALTH_TEACHER, username="d-health", real_name="周慧")


@pytest.fixture
def cook(make_member):
    return make_member(Role.COOK, username="d-cook")


@pytest.fixture
def klass(campus, term, teacher):
    return make_class(campus, 5, teacher=teacher)
