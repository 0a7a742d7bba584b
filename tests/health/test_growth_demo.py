"""The growth demo on a fresh campus: cards, two rounds of measurements with a realistic
spread, the yearly exam with a few anaemic children, everything audited."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from houqin.core.audit import audit_context
from houqin.core.demo import DemoContext
from houqin.core.models import AuditEvent
from houqin.core.roles import Role
from houqin.health import growth_demo
from houqin.health import growth_services as services
from houqin.health.models import Exam, HealthCard, Measurement
from tests import factories as f
from tests.health.growth_helpers import months_ago

pytestmark = pytest.mark.django_db


def test_demo_rows(campus, make_member, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_auto_enrol", lambda **kw: calls.append(kw))
    health = make_member(Role.HEALTH_TEACHER, username="health")
    rng = random.Random(1)
    classes = {}
    for i, (name, grade, age) in enumerate((("托一班", "nursery", 30), ("小一班", "junior", 40),
                                            ("中一班", "middle", 52), ("大一班", "senior", 64)), start=1):  # fmt: skip
        sc = f.SchoolClassFactory(campus=campus, name=name, grade=grade, sort_order=i)
        classes[("main", name)] = sc
        for n in range(25):
            f.ChildFactory(campus=campus, school_class=sc, name=f"{name}{n}", sex=rng.choice("MF"),
                           birth_date=months_ago(age, days=rng.randint(0, 330)),
                           enrolled_on=timezone.localdate() - dt.timedelta(days=80))  # fmt: skip
    ctx = DemoContext(actor=None, organization=campus.organization, campuses={"main": campus},
                      users={"health": health}, classes=classes)  # fmt: skip
    with audit_context(source="cli"):
        growth_demo.add_demo_rows(ctx)
    measurements = Measurement.objects.filter(campus=campus, is_void=False)
    assert measurements.count() >= 180  # two rounds, a few absent
    assert len(set(measurements.values_list("measured_on", flat=True))) == 2
    assert measurements.filter(obesity=True).exists() or measurements.filter(overweight=True).count() >= 3
    assert measurements.filter(stunting=False, underweight=False, wasting=False, overweight=False,
                               obesity=False).count() > measurements.count() * 0.7  # fmt: skip
    exams = Exam.objects.filter(campus=campus)
    assert exams.count() == 100
    assert 1 <= exams.exclude(anaemia="").count() <= 15
    assert exams.filter(vision_left__isnull=False).exists() and exams.exclude(hearing="").exists()
    assert HealthCard.objects.filter(campus=campus).count() >= 95
    assert AuditEvent.objects.filter(content_type__model="measurement").count() == measurements.count()
    assert {c["category"] for c in calls} >= {"anaemia"}
    # the demo's values are plausible for the due lists: nobody is due for a measurement
    assert (
        services.due_lists(campus)["measurement"] == [] or len(services.due_lists(campus)["measurement"]) < 10
    )
