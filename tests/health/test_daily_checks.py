# ruff: noqa: F811  (pytest fixtures imported from daily_helpers)
"""Morning and midday checks (晨午检): exceptions only, fever threshold, actions and the
parent informed, permissions, absent and sent-home children, corrections and voids, the
handover and the gate's presence list; all-day observation notes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core.models import AuditEvent, CampusSettings
from houqin.health import daily_services as services
from houqin.health.models import ClassCheck, HealthCheck, ObservationNote
from houqin.health.selectors import present_children
from houqin.safety.gate_services import children_still_on_campus
from tests.health.daily_helpers import cook, health, klass, make_class, teacher, term, today  # noqa: F401

pytestmark = pytest.mark.django_db

HOME = {"outcome": "sent_home", "informed_person": "妈妈", "informed_how": "phone", "informed_at": "08:20"}


def _take(actor, cls, day, exceptions, session="morning"):
    return services.check_take(
        actor=actor, school_class=cls, date=day, session=session, exceptions=exceptions
    )


def test_only_exceptions_are_recorded(klass, health, today):
    cls, kids = klass
    roll = _take(health, cls, today, {
        kids[0].pk: {"temperature": "36.8"},  # all normal: dropped
        kids[1].pk: {"tag": "yellow", "symptoms": "咳嗽", "outcome": "observe", "throat_abnormal": True},
        kids[2].pk: {"tag": "green"},
        kids[3].pk: {"unsafe_object": True, "symptoms": "玻璃珠"},
    })  # fmt: skip
    assert (roll.checked_count, roll.exception_count, roll.fever_count, roll.sent_home_count) == (5, 3, 0, 0)
    rows = {h.child_id: h for h in HealthCheck.objects.all()}
    assert set(rows) == {kids[1].pk, kids[2].pk, kids[3].pk}
    assert rows[kids[1].pk].throat_abnormal and rows[kids[1].pk].findings()
    assert rows[kids[2].pk].tag == "green" and rows[kids[2].pk].outcome == "none"
    assert AuditEvent.objects.filter(action="check", object_id=str(roll.pk)).exists()
    assert AuditEvent.objects.filter(action="create", content_type__model="healthcheck").count() == 3


def test_fever_is_flagged_and_needs_an_action(klass, health, today):
    cls, kids = klass
    with pytest.raises(ValidationError) as exc:
        _take(health, cls, today, {kids[0].pk: {"temperature": "37.3"}})
    assert (
        gettext("%(child)s has a fever (%(t)s °C): choose an action (observe, isolate or send home).")
        % {"child": kids[0].name, "t": Decimal("37.3")}
        in exc.value.messages
    )
    assert not ClassCheck.objects.exists()
    roll = _take(health, cls, today, {kids[0].pk: {"temperature": "37.3", "outcome": "observe"},
                                      kids[1].pk: {"temperature": "37.2", "symptoms": "流涕"}})  # fmt: skip
    assert HealthCheck.objects.get(child=kids[0]).fever
    assert not HealthCheck.objects.get(child=kids[1]).fever
    assert roll.fever_count == 1


def test_fever_threshold_is_a_campus_setting(klass, health, campus, today):
    cls, kids = klass
    CampusSettings.objects.update_or_create(
        campus=campus, defaults={"values": {"health.fever_threshold_c": "37.5"}}
    )
    campus.refresh_from_db()
    assert services.fever_threshold(campus) == Decimal("37.5")
    cls.campus = campus
    _take(health, cls, today, {kids[0].pk: {"temperature": "37.4", "symptoms": "脸红"}})
    assert not HealthCheck.objects.get().fever


def test_sending_home_needs_the_parent_informed(klass, health, today):
    cls, kids = klass
    with pytest.raises(ValidationError) as exc:
        _take(health, cls, today, {kids[0].pk: {"temperature": "38.2", "outcome": "sent_home"}})
    assert gettext("Say which parent was informed.") in " ".join(exc.value.messages)
    roll = _take(health, cls, today, {kids[0].pk: {"temperature": "38.2", **HOME}})
    check = HealthCheck.objects.get()
    assert check.outcome == "sent_home" and check.informed_person == "妈妈"
    assert timezone.localtime(check.informed_at).strftime("%H:%M") == "08:20"
    assert roll.sent_home_count == 1 and roll.fever_count == 1


def test_isolation_and_sending_home_need_the_health_teacher(klass, teacher, today):
    cls, kids = klass
    with pytest.raises(PermissionDenied):
        _take(teacher, cls, today, {kids[0].pk: {"temperature": "38.2", **HOME}})
    assert not HealthCheck.objects.exists()
    _take(teacher, cls, today, {kids[0].pk: {"temperature": "38.2", "outcome": "observe"}})
    assert HealthCheck.objects.get().outcome == "observe"


def test_checks_need_the_permission(klass, cook, today):
    cls, _kids = klass
    with pytest.raises(PermissionDenied):
        _take(cook, cls, today, {})


def test_absent_children_are_not_checked(klass, teacher, health, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    roll, rows, absent, gone = services.check_roster(cls, today, "morning")
    assert [c for c, _h in rows] == kids[1:] and absent == [kids[0]]
    with pytest.raises(ValidationError) as exc:
        _take(health, cls, today, {kids[0].pk: {"symptoms": "x"}})
    assert (
        gettext("%(child)s is absent today and is not checked.") % {"child": kids[0].name}
        in exc.value.messages
    )
    assert _take(health, cls, today, {}).checked_count == 4


def test_midday_leaves_out_children_sent_home_in_the_morning(klass, health, today):
    cls, kids = klass
    _take(health, cls, today, {kids[0].pk: {"temperature": "38.0", **HOME}})
    _roll, rows, _absent, gone = services.check_roster(cls, today, "midday")
    assert gone == [kids[0]] and len(rows) == 4
    with pytest.raises(ValidationError) as exc:
        _take(health, cls, today, {kids[0].pk: {"symptoms": "x"}}, session="midday")
    assert gettext("%(child)s was sent home earlier today.") % {"child": kids[0].name} in exc.value.messages
    assert _take(health, cls, today, {}, session="midday").checked_count == 4


def test_rechecking_voids_changed_exceptions_only(klass, health, today):
    cls, kids = klass
    _take(health, cls, today, {kids[0].pk: {"tag": "yellow", "symptoms": "咳嗽", "outcome": "observe"},
                               kids[1].pk: {"tag": "green"}})  # fmt: skip
    kept = HealthCheck.objects.get(child=kids[1])
    roll = _take(health, cls, today, {kids[0].pk: {"tag": "yellow", "symptoms": "咳嗽加重", "outcome": "observe"},
                                      kids[1].pk: {"tag": "green"}})  # fmt: skip
    assert HealthCheck.objects.filter(child=kids[0]).count() == 2
    old = HealthCheck.objects.get(child=kids[0], voided_at__isnull=False)
    assert old.symptoms == "咳嗽" and old.void_reason
    assert HealthCheck.objects.get(child=kids[0], voided_at__isnull=True).symptoms == "咳嗽加重"
    assert HealthCheck.objects.get(child=kids[1]).pk == kept.pk and kept.voided_at is None
    roll = _take(health, cls, today, {kids[1].pk: {"tag": "green"}})  # kid 0 is fine now
    assert roll.exception_count == 1
    assert AuditEvent.objects.filter(action="recheck", object_id=str(roll.pk)).count() == 2


def test_unknown_tag_is_refused_and_tags_are_a_setting(klass, health, campus, today):
    cls, kids = klass
    with pytest.raises(ValidationError):
        _take(health, cls, today, {kids[0].pk: {"tag": "black"}})
    assert services.health_tags(campus) == [("red", "健康"), ("yellow", "观察"), ("green", "服药")]
    assert services.parse_health_tags("green=健康; blue=服药;bogus=x;") == [
        ("green", "健康"),
        ("blue", "服药"),
    ]
    assert services.parse_health_tags("nonsense") == [("red", "健康"), ("yellow", "观察"), ("green", "服药")]
    CampusSettings.objects.update_or_create(
        campus=campus, defaults={"values": {"health.daily.health_tags": "green=健康;yellow=观察;blue=服药"}}
    )
    campus.refresh_from_db()
    cls.campus = campus
    roll = _take(health, cls, today, {kids[0].pk: {"tag": "blue"}})
    assert roll.exception_count == 1 and HealthCheck.objects.get().tag == "blue"
    roll = _take(health, cls, today, {kids[0].pk: {"tag": "green"}})  # the new default: normal
    assert roll.exception_count == 0


def test_void_with_a_reason(klass, health, today):
    cls, kids = klass
    roll = _take(
        health, cls, today, {kids[0].pk: {"tag": "yellow", "symptoms": "咳嗽", "outcome": "observe"}}
    )
    check = HealthCheck.objects.get()
    with pytest.raises(ValidationError):
        services.check_void(actor=health, check=check, reason=" ")
    services.check_void(actor=health, check=check, reason="记错了孩子")
    check.refresh_from_db()
    roll.refresh_from_db()
    assert check.voided_at and check.void_reason == "记错了孩子" and roll.exception_count == 0
    with pytest.raises(ValidationError):
        services.check_void(actor=health, check=check, reason="again")
    assert AuditEvent.objects.filter(action="void", object_id=str(check.pk)).exists()


def test_leaving_takes_the_child_off_the_gate_list(klass, teacher, health, campus, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={})
    _take(health, cls, today, {kids[0].pk: {"temperature": "38.4", **HOME}, kids[1].pk: {"tag": "green"}})
    check = HealthCheck.objects.get(child=kids[0])
    assert kids[0] in present_children(campus, today)
    with pytest.raises(ValidationError):
        services.check_record_leaving(
            actor=health, check=HealthCheck.objects.get(child=kids[1]), left_at=None, collected_by="妈妈"
        )
    with pytest.raises(PermissionDenied):
        services.check_record_leaving(actor=teacher, check=check, left_at=None, collected_by="妈妈")
    with pytest.raises(ValidationError):
        services.check_record_leaving(actor=health, check=check, left_at=None, collected_by=" ")
    left_at = timezone.now() - dt.timedelta(minutes=1)
    if timezone.localtime(left_at).date() != today:
        left_at = timezone.now()
    services.check_record_leaving(actor=health, check=check, left_at=left_at, collected_by="妈妈")
    check.refresh_from_db()
    assert check.left_at and check.collected_by == "妈妈"
    assert kids[0] not in present_children(campus, today)
    assert kids[0] not in children_still_on_campus(campus, today)
    assert kids[1] in children_still_on_campus(campus, today)
    assert AuditEvent.objects.filter(action="leave", object_id=str(check.pk)).exists()


def test_leaving_can_be_given_at_the_check(klass, health, campus, today):
    cls, kids = klass
    now = timezone.localtime()
    at = now.strftime("%H:%M")
    _take(health, cls, today, {kids[0].pk: {"temperature": "38.4", **HOME, "informed_at": at, "left_at": at,
                                            "collected_by": "爸爸"}})  # fmt: skip
    assert HealthCheck.objects.get().collected_by == "爸爸"
    assert kids[0] not in present_children(campus, today)


def test_observation_notes(klass, teacher, health, cook, today):
    cls, kids = klass
    note = services.observation_add(
        actor=teacher, child=kids[0], date=today, aspect="food", finding="午餐吃得少"
    )
    assert note.school_class == cls and note.is_abnormal and note.recorded_by == teacher
    with pytest.raises(ValidationError):
        services.observation_add(actor=teacher, child=kids[0], date=today, aspect="food", finding=" ")
    with pytest.raises(ValidationError):
        services.observation_add(actor=teacher, child=kids[0], date=today, aspect="nope", finding="x")
    with pytest.raises(ValidationError):
        services.observation_add(actor=teacher, child=kids[0], date=today + dt.timedelta(days=1), aspect="food",
                                 finding="x")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.observation_add(actor=cook, child=kids[0], date=today, aspect="food", finding="x")
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[1].pk: "sick"})
    with pytest.raises(ValidationError) as exc:
        services.observation_add(actor=teacher, child=kids[1], date=today, aspect="mood", finding="x")
    assert gettext("%(child)s is absent that day.") % {"child": kids[1].name} in exc.value.messages
    with pytest.raises(ValidationError):
        services.observation_void(actor=teacher, note=note, reason="")
    services.observation_void(actor=teacher, note=note, reason="写错了")
    assert ObservationNote.objects.get().voided_at is not None


def test_summary(klass, teacher, health, campus, today):
    cls, kids = klass
    other, _ = make_class(campus, 3, name="中一班")
    services.attendance_take(actor=teacher, school_class=cls, date=today,
                             absences={kids[0].pk: "sick", kids[1].pk: "personal"})  # fmt: skip
    _take(health, cls, today, {kids[2].pk: {"temperature": "38.1", **HOME}})
    _take(health, cls, today, {}, session="midday")
    services.observation_add(actor=teacher, child=kids[3], date=today, aspect="sleep", finding="午睡不安")
    data = services.daily_summary(campus, today)
    rows = {r["class"].pk: r for r in data["rows"]}
    assert rows[cls.pk]["present"] == 3 and rows[cls.pk]["sick"] == 1 and rows[cls.pk]["personal"] == 1
    assert rows[cls.pk]["fever"] == 1 and rows[cls.pk]["sent_home"] == 1 and rows[cls.pk]["observations"] == 1
    assert rows[cls.pk]["midday"].checked_count == 2
    assert not rows[other.pk]["taken"]
    t = data["totals"]
    assert (t["enrolled"], t["present"], t["absent"], t["taken"], t["rate"]) == (8, 3, 2, 1, 60.0)
    assert [h.child for h in data["sent_home"]] == [kids[2]]
    assert len(data["absences"]) == 2
