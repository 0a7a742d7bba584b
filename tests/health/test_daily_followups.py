# ruff: noqa: F811  (pytest fixtures imported from daily_helpers)
"""Sick-absence follow-up (因病缺勤追踪): completing, correcting, refusals, overdue, the link
to record an infectious disease case."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core.models import AuditEvent
from houqin.health import daily_services as services
from houqin.health.models import AbsenceFollowUp
from tests.health.daily_helpers import cook, health, klass, teacher, term, today  # noqa: F401

pytestmark = pytest.mark.django_db

DATA = {
    "symptoms": "发热38.5℃，咳嗽", "diagnosis": "上呼吸道感染", "infectious_suspected": False,
    "contacted_person": "妈妈", "contact_method": "phone",
}  # fmt: skip


@pytest.fixture
def follow(klass, teacher, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    return AbsenceFollowUp.objects.get()


def test_complete(follow, health, today):
    done = services.followup_complete(
        actor=health, followup=follow, data={**DATA, "expected_return": today + dt.timedelta(days=2)}
    )
    done.refresh_from_db()
    assert done.status == "done" and done.completed_by == health and done.contacted_at is not None
    assert done.expected_return == today + dt.timedelta(days=2)
    assert AuditEvent.objects.filter(action="complete", object_id=str(done.pk)).exists()
    corrected = services.followup_complete(
        actor=health, followup=done, data={"diagnosis": "流感", "infectious_suspected": True}
    )
    corrected.refresh_from_db()
    assert (
        corrected.diagnosis == "流感"
        and corrected.infectious_suspected
        and corrected.symptoms == DATA["symptoms"]
    )
    event = AuditEvent.objects.get(action="correct", object_id=str(done.pk))
    assert event.before["diagnosis"] == "上呼吸道感染" and event.after["diagnosis"] == "流感"


def test_required_fields_and_dates(follow, health, today):
    for data, field, msg in (
        ({**DATA, "symptoms": " "}, "symptoms", "Describe the symptoms (or write 无 when there are none)."),
        ({**DATA, "contacted_person": ""}, "contacted_person", "Say whom you contacted."),
        ({**DATA, "contact_method": ""}, "contact_method", "Say how you contacted them."),
        ({**DATA, "expected_return": today - dt.timedelta(days=1)}, "expected_return",
         "The expected return cannot be before the day of absence."),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            services.followup_complete(actor=health, followup=follow, data=data)
        assert gettext(msg) in exc.value.message_dict[field]
    follow.refresh_from_db()
    assert follow.status == "open" and not follow.completed_at
    with pytest.raises(ValidationError):
        services.followup_complete(
            actor=health,
            followup=follow,
            data={**DATA, "contacted_at": timezone.now() + dt.timedelta(hours=2)},
        )


def test_permissions(follow, cook, teacher):
    with pytest.raises(PermissionDenied):
        services.followup_complete(actor=cook, followup=follow, data=DATA)
    services.followup_complete(actor=teacher, followup=follow, data=DATA)  # the class teacher may too


def test_cancelled_follow_up_is_refused(follow, klass, teacher, health, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    follow.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.followup_complete(actor=health, followup=follow, data=DATA)
    assert (
        gettext("This follow-up was cancelled: the child is no longer recorded as absent sick.")
        in exc.value.messages
    )


def test_overdue(follow, campus, today):
    due = services.followup_due_time(campus)
    before_due = timezone.make_aware(dt.datetime.combine(today, dt.time(due.hour - 1)))
    after_due = timezone.make_aware(dt.datetime.combine(today, due))
    assert not follow.is_overdue_at(before_due, due)
    assert follow.is_overdue_at(after_due, due)
    assert not AbsenceFollowUp.objects.filter(services.overdue_q(campus, before_due)).exists()
    assert AbsenceFollowUp.objects.filter(services.overdue_q(campus, after_due)).exists()
    next_morning = before_due + dt.timedelta(days=1)
    assert AbsenceFollowUp.objects.filter(services.overdue_q(campus, next_morning)).exists()


def test_case_link_and_previous(follow, klass, teacher, health, campus, today):
    url = services.case_create_url(campus, follow.child_id, follow.date)
    assert url.endswith(f"?child={follow.child_id}&date={today:%Y-%m-%d}") and "/c/main/health/" in url
    services.followup_complete(actor=health, followup=follow, data=DATA)
    cls, kids = klass
    yesterday = today - dt.timedelta(days=1)
    services.attendance_take(actor=teacher, school_class=cls, date=yesterday, absences={kids[0].pk: "sick"})
    earlier = AbsenceFollowUp.objects.get(date=yesterday)
    assert services.previous_followup(earlier) is None
    assert services.previous_followup(AbsenceFollowUp.objects.get(date=today)) is None  # only earlier days
