# ruff: noqa: F811  (pytest fixtures imported from daily_helpers)
"""Attendance (出勤): the roll call service and its rules, corrections with an audit trail,
the sick-absence follow-ups it opens, and what the gate and the canteen read from it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core.models import AuditEvent, Notification
from houqin.health import daily_services as services
from houqin.health.models import AbsenceFollowUp, AttendanceRecord, ClassAttendance, HealthCheck
from houqin.health.selectors import present_children, present_counts_by_class
from tests import factories as f
from tests.health.daily_helpers import (  # noqa: F401
    cook,
    health,
    klass,
    make_class,
    make_term,
    teacher,
    term,
    today,
)

pytestmark = pytest.mark.django_db


def _events(obj, action=None):
    qs = AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return qs.filter(action=action) if action else qs


def test_everyone_present_except_the_absences(klass, teacher, today):
    cls, kids = klass
    roll = services.attendance_take(
        actor=teacher, school_class=cls, date=today,
        absences={kids[0].pk: {"reason": "sick", "note": "发烧"}, str(kids[1].pk): {"reason": "personal"}},
    )  # fmt: skip
    assert (roll.present_count, roll.absent_count, roll.sick_count) == (3, 2, 1)
    assert roll.taken_by == teacher and roll.taken_at is not None
    records = {r.child_id: r for r in AttendanceRecord.objects.filter(roll=roll)}
    assert len(records) == 5
    assert records[kids[0].pk].status == "absent" and records[kids[0].pk].absence_note == "发烧"
    assert records[kids[1].pk].absence_reason == "personal"
    assert all(records[k.pk].status == "present" for k in kids[2:])
    event = _events(roll, "take").get()
    assert event.actor == teacher and event.after["absent"] == 2
    assert event.after["absences"][kids[0].name].startswith("sick")


def test_retaking_corrects_with_an_audit_trail(klass, teacher, today):
    cls, kids = klass
    services.attendance_take(
        actor=teacher, school_class=cls, date=today, absences={kids[0].pk: {"reason": "sick"}}
    )
    roll = services.attendance_take(
        actor=teacher,
        school_class=cls,
        date=today,
        absences={kids[1].pk: {"reason": "other", "note": "下雨"}},
    )
    assert ClassAttendance.objects.count() == 1
    assert AttendanceRecord.objects.filter(roll=roll).count() == 5
    assert (roll.present_count, roll.absent_count, roll.sick_count) == (4, 1, 0)
    assert AttendanceRecord.objects.get(child=kids[0]).status == "present"
    assert AttendanceRecord.objects.get(child=kids[0]).absence_reason == ""
    retake = _events(roll, "retake").get()
    assert kids[0].name in retake.before["absences"] and kids[0].name not in retake.after["absences"]
    assert kids[1].name in retake.after["absences"]
    assert retake.message == gettext("Attendance corrected")


def test_counts_follow_children_enrolled_later(klass, teacher, campus, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    newcomer = f.ChildFactory(campus=campus, school_class=cls, name="新来的")
    roll = services.attendance_take(
        actor=teacher, school_class=cls, date=today, absences={newcomer.pk: "sick"}
    )
    assert (roll.present_count, roll.absent_count) == (5, 1)


def test_non_school_day_is_refused(klass, teacher, term, today):
    cls, kids = klass
    day = term.start_date - dt.timedelta(days=3)  # terms exist: a day outside them is no school day
    with pytest.raises(ValidationError) as exc:
        services.attendance_take(actor=teacher, school_class=cls, date=day, absences={})
    assert gettext("%(day)s is not a school day of the campus calendar: nothing is recorded.") % {
        "day": day
    } in (exc.value.messages)
    assert not ClassAttendance.objects.exists()


def test_holiday_is_not_a_school_day(campus, teacher, today):
    t = make_term(campus, weekdays=(0, 1, 2, 3, 4, 5, 6))
    f.HolidayFactory(term=t, name="放假", start_date=today, end_date=today)
    cls, _kids = make_class(campus, 2)
    with pytest.raises(ValidationError):
        services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})


def test_future_day_is_refused(klass, teacher, today):
    cls, _kids = klass
    with pytest.raises(ValidationError) as exc:
        services.attendance_take(
            actor=teacher, school_class=cls, date=today + dt.timedelta(days=1), absences={}
        )
    assert gettext("You cannot record a day in the future.") in exc.value.messages
    assert not ClassAttendance.objects.exists()


def test_only_enrolled_children_of_the_class(klass, teacher, campus, today):
    cls, kids = klass
    other_cls, others = make_class(campus, 1, name="中一班")
    left = f.ChildFactory(campus=campus, school_class=cls, status="left")
    for child in (others[0], left):
        with pytest.raises(ValidationError) as exc:
            services.attendance_take(actor=teacher, school_class=cls, date=today, absences={child.pk: "sick"})
        assert (
            gettext("Child %(id)s is not an enrolled child of this class.") % {"id": child.pk}
            in exc.value.messages
        )
    assert not ClassAttendance.objects.exists()
    roll = services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    assert AttendanceRecord.objects.filter(roll=roll).count() == 5  # the child who left is not on the roll


def test_reason_must_be_valid(klass, teacher, today):
    cls, kids = klass
    with pytest.raises(ValidationError) as exc:
        services.attendance_take(
            actor=teacher, school_class=cls, date=today, absences={kids[0].pk: {"reason": "x"}}
        )
    assert (
        gettext("Choose the reason of %(child)s's absence (sick, personal or other).")
        % {"child": kids[0].name}
        in exc.value.messages
    )
    assert not ClassAttendance.objects.exists()


def test_inactive_class_is_refused(klass, teacher, today):
    cls, _kids = klass
    cls.is_active = False
    cls.save()
    with pytest.raises(ValidationError):
        services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})


def test_permission_is_needed(klass, cook, today):
    cls, _kids = klass
    with pytest.raises(PermissionDenied):
        services.attendance_take(actor=cook, school_class=cls, date=today, absences={})


def test_a_child_on_another_roll_that_day_is_refused(klass, teacher, campus, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    other_cls, _ = make_class(campus, 1, name="中一班")
    kids[0].school_class = other_cls
    kids[0].save()
    with pytest.raises(ValidationError) as exc:
        services.attendance_take(actor=teacher, school_class=other_cls, date=today, absences={})
    assert (
        gettext("%(child)s is already on the roll of %(class)s on this day.")
        % {"child": kids[0].name, "class": cls.name}
        in exc.value.messages
    )


def test_sick_absence_opens_a_follow_up_corrections_cancel_and_reopen(klass, teacher, health, today):
    cls, kids = klass
    services.attendance_take(
        actor=teacher, school_class=cls, date=today,
        absences={kids[0].pk: {"reason": "sick", "note": "咳嗽"}, kids[1].pk: {"reason": "personal"}},
    )  # fmt: skip
    follow = AbsenceFollowUp.objects.get()
    assert follow.child == kids[0] and follow.status == "open" and follow.date == today
    assert follow.symptoms == "咳嗽"
    assert _events(follow, "create").exists()
    # The health teacher is told.
    note = Notification.objects.get(recipient=health)
    assert cls.name in note.title and kids[0].name in note.body
    services.attendance_take(
        actor=teacher, school_class=cls, date=today, absences={kids[0].pk: {"reason": "personal"}}
    )
    follow.refresh_from_db()
    assert follow.status == "cancelled" and follow.cancel_reason
    assert _events(follow, "cancel").exists()
    services.attendance_take(
        actor=teacher, school_class=cls, date=today, absences={kids[0].pk: {"reason": "sick"}}
    )
    follow.refresh_from_db()
    assert follow.status == "open" and not follow.cancel_reason
    assert AbsenceFollowUp.objects.count() == 1


def test_a_child_checked_today_cannot_be_marked_absent(klass, teacher, health, today):
    cls, kids = klass
    services.check_take(actor=health, school_class=cls, date=today, session="morning",
                        exceptions={kids[0].pk: {"symptoms": "流涕", "outcome": "observe"}})  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    assert (
        gettext(
            "%(child)s was checked in class today (%(check)s): void that check before marking them absent."
        )
        % {"child": kids[0].name, "check": HealthCheck.objects.get().get_session_display()}
        in exc.value.messages
    )


def test_selectors_follow_the_roll_call(klass, teacher, campus, today):
    cls, kids = klass
    before = present_counts_by_class(campus, today)[cls.pk]
    assert before["present"] == 5 and not before["taken"]
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    after = present_counts_by_class(campus, today)[cls.pk]
    assert after == {**after, "present": 4, "absent": 1, "sick": 1, "taken": True}
    assert set(present_children(campus, today)) == set(kids[1:])


def test_overview_and_classes_not_taken(klass, teacher, campus, today):
    cls, kids = klass
    other, _ = make_class(campus, 2, name="中一班")
    assert set(services.classes_not_taken(campus, today)) == {cls, other}
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    assert list(services.classes_not_taken(campus, today)) == [other]
    rows = {r["class"].pk: r for r in services.attendance_overview(campus, today)}
    assert rows[cls.pk]["taken"] and rows[cls.pk]["roll"].taken_by == teacher
    assert not rows[other.pk]["taken"]


def test_month_matrix(klass, teacher, campus, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    data = services.month_matrix(campus, today.year, today.month)
    rows = {r["child"].pk: r for r in data["rows"]}
    assert data["days"] == [today]
    assert rows[kids[0].pk]["marks"][today] == "病" and rows[kids[0].pk]["sick"] == 1
    assert rows[kids[1].pk]["marks"][today] == "√" and rows[kids[1].pk]["present"] == 1


def test_default_calendar_without_terms_is_monday_to_friday(campus, teacher):
    cls, _kids = make_class(campus, 1)
    day = timezone.localdate()
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.attendance_take(actor=teacher, school_class=cls, date=day, absences={})
    services.attendance_take(actor=teacher, school_class=cls, date=day - dt.timedelta(days=1), absences={})
