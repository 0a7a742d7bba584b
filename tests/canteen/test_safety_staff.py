"""Kitchen staff: certificate validity (12 months), no duty without a valid certificate,
morning checks making people unfit and taking them off duty, trainings, staff_on_duty."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import safety_services as ss
from houqin.canteen.models import KitchenDuty, StaffMorningCheck
from houqin.core.models import AuditEvent, Notification
from tests.canteen.safety_helpers import *  # noqa: F403 (fixtures)
from tests.canteen.safety_helpers import TODAY, at
from tests.factories_canteen_safety import HealthCertificateFactory, KitchenStaffFactory

pytestmark = pytest.mark.django_db


def test_add_months():
    assert ss.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert ss.add_months(dt.date(2024, 3, 1), 12) == dt.date(2025, 3, 1)


def test_certificate_is_valid_12_months(campus, head, teacher):
    person = KitchenStaffFactory(campus=campus)
    issued = TODAY - dt.timedelta(days=10)
    cert = ss.certificate_add(actor=head, staff=person, number="JK001", issued_on=issued)
    assert cert.valid_until == ss.add_months(issued, 12) - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        ss.certificate_add(actor=head, staff=person, number="JK002", issued_on=issued,
                           valid_until=ss.add_months(issued, 12))  # fmt: skip
    assert "valid_until" in exc.value.message_dict
    with pytest.raises(ValidationError):
        ss.certificate_add(actor=head, staff=person, number="JK003", issued_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        ss.certificate_add(actor=teacher, staff=person, number="JK004", issued_on=issued)


def test_no_duty_without_a_certificate(campus, head):
    person = KitchenStaffFactory(campus=campus, name="张建华")
    with pytest.raises(ValidationError) as exc:
        ss.duty_assign(actor=head, campus=campus, staff=person, date=TODAY)
    expected = gettext("%(name)s cannot be put on duty: %(reason)s.") % {
        "name": "张建华", "reason": gettext("no health certificate on record"),
    }  # fmt: skip
    assert exc.value.message_dict["staff"] == [expected]
    assert not KitchenDuty.objects.exists()


def test_expired_certificate_blocks_duty_from_the_day_after(campus, head):
    person = KitchenStaffFactory(campus=campus)
    HealthCertificateFactory(campus=campus, staff=person, issued_on=TODAY - dt.timedelta(days=370),
                             valid_until=TODAY - dt.timedelta(days=1))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        ss.duty_assign(actor=head, campus=campus, staff=person, date=TODAY)
    assert (TODAY - dt.timedelta(days=1)).isoformat() in exc.value.messages[0]
    # the last valid day is fine
    assert ss.duty_assign(actor=head, campus=campus, staff=person, date=TODAY - dt.timedelta(days=1))


def test_renewed_certificate_allows_duty_again(campus, head):
    person = KitchenStaffFactory(campus=campus)
    HealthCertificateFactory(campus=campus, staff=person, issued_on=TODAY - dt.timedelta(days=400),
                             valid_until=TODAY - dt.timedelta(days=40))  # fmt: skip
    ss.certificate_add(actor=head, staff=person, number="NEW", issued_on=TODAY - dt.timedelta(days=2))
    assert ss.duty_assign(actor=head, campus=campus, staff=person, date=TODAY)


def test_voided_certificate_does_not_count(campus, head, staff):
    cert = staff.certificates.get()
    ss.certificate_void(actor=head, certificate=cert, reason="照片不清，重新登记")
    with pytest.raises(ValidationError):
        ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY)


def test_duty_twice_refused_and_removal(campus, head, staff):
    duty = ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.EARLY)
    with pytest.raises(ValidationError):
        ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.EARLY)
    assert ss.staff_on_duty(campus, TODAY) == [staff]
    removed = ss.duty_remove(actor=head, duty=duty, reason="调班")
    assert removed.removed_at and removed.removed_reason == "调班"
    assert ss.staff_on_duty(campus, TODAY) == []
    assert ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.EARLY)


def test_duty_needs_manage_permission(campus, cook, staff):
    with pytest.raises(PermissionDenied):
        ss.duty_assign(actor=cook, campus=campus, staff=staff, date=TODAY)


def test_certificate_attention(campus):
    ok = KitchenStaffFactory(campus=campus, name="甲")
    HealthCertificateFactory(campus=campus, staff=ok, valid_until=TODAY + dt.timedelta(days=31))
    soon = KitchenStaffFactory(campus=campus, name="乙")
    HealthCertificateFactory(campus=campus, staff=soon, valid_until=TODAY + dt.timedelta(days=30))
    gone = KitchenStaffFactory(campus=campus, name="丙")
    HealthCertificateFactory(campus=campus, staff=gone, issued_on=TODAY - dt.timedelta(days=400),
                             valid_until=TODAY - dt.timedelta(days=3))  # fmt: skip
    KitchenStaffFactory(campus=campus, name="丁")  # none
    KitchenStaffFactory(campus=campus, name="戊", is_active=False)  # left: not listed
    rows = {r["staff"].name: r for r in ss.certificate_attention(campus, TODAY)}
    assert set(rows) == {"乙", "丙", "丁"}
    assert rows["乙"]["state"] == "expiring" and rows["乙"]["days"] == 30
    assert rows["丙"]["state"] == "invalid" and rows["丁"]["state"] == "invalid"


def test_fit_morning_check(campus, health, staff):
    check, removed = ss.morning_check_record(actor=health, campus=campus, staff=staff, temperature_c="36.6")
    assert check.is_fit and removed == []


@pytest.mark.parametrize(
    "findings",
    [
        {"fever": True},
        {"diarrhoea": True},
        {"sore_throat": True},
        {"hand_wound": True},
        {"temperature_c": Decimal("37.3")},
        {"other": "咳嗽"},
    ],  # fmt: skip
)
def test_unfit_check_takes_off_duty_and_blocks_new_duty(campus, head, health, staff, findings):
    ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.EARLY)
    ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.LATE)
    tomorrow = ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY + dt.timedelta(days=1))
    check, removed = ss.morning_check_record(actor=health, campus=campus, staff=staff, date=TODAY, **findings)
    assert not check.is_fit
    assert len(removed) == 2 and all(d.removed_at and d.removed_reason.startswith(
        gettext("Unfit at the morning check: %(findings)s") % {"findings": ""}) for d in removed)  # fmt: skip
    tomorrow.refresh_from_db()
    assert tomorrow.removed_at is None
    assert ss.staff_on_duty(campus, TODAY) == []
    assert Notification.objects.filter(recipient=head).exists()
    with pytest.raises(ValidationError) as exc:
        ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY, shift=KitchenDuty.Shift.DAY)
    assert staff.name in exc.value.messages[0]


def test_temperature_below_fever_threshold_is_fit(campus, health, staff):
    check, _removed = ss.morning_check_record(actor=health, campus=campus, staff=staff, temperature_c="37.2")
    assert check.is_fit and not check.fever


def test_second_check_replaces_the_first(campus, health, staff):
    first, _ = ss.morning_check_record(actor=health, campus=campus, staff=staff, hand_wound=True)
    second, _ = ss.morning_check_record(actor=health, campus=campus, staff=staff, temperature_c="36.5")
    first.refresh_from_db()
    assert first.is_void and second.is_fit
    assert StaffMorningCheck.objects.filter(is_void=False).get() == second


def test_morning_check_permission_and_future_date(campus, cook, health, staff):
    with pytest.raises(PermissionDenied):
        ss.morning_check_record(actor=cook, campus=campus, staff=staff)
    with pytest.raises(ValidationError):
        ss.morning_check_record(actor=health, campus=campus, staff=staff, date=TODAY + dt.timedelta(days=1))


def test_checks_in_bulk_are_all_or_nothing(campus, health, staff, other_campus):
    foreign = KitchenStaffFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        ss.morning_checks_record(
            actor=health, campus=campus, date=TODAY, entries=[{"staff": staff}, {"staff": foreign}]
        )
    assert not StaffMorningCheck.objects.exists()


def test_training_with_attendees_audited(campus, head, staff, other_campus):
    training = ss.training_save(
        actor=head, campus=campus, attendees=[staff],
        data={"date": TODAY, "topic": "留样规范", "hours": Decimal("1.0"), "trainer": "郑海涛"},
    )  # fmt: skip
    assert list(training.attendees.all()) == [staff]
    event = AuditEvent.objects.get(action="create", object_id=str(training.pk))
    assert event.after["attendees"] == [staff.pk]
    with pytest.raises(ValidationError):
        ss.training_save(actor=head, campus=campus, training=training, data={},
                         attendees=[KitchenStaffFactory(campus=other_campus)])  # fmt: skip


def test_staff_account_must_be_a_campus_member(campus, head, outsider, cook):
    with pytest.raises(ValidationError):
        ss.staff_save(actor=head, campus=campus, data={"name": "外人", "user": outsider})
    person = ss.staff_save(actor=head, campus=campus, data={"name": "冯德明", "user": cook})
    with pytest.raises(ValidationError):
        ss.staff_save(actor=head, campus=campus, data={"name": "冯德明2", "user": cook})
    assert person.user == cook


def test_staff_on_duty_is_per_campus(campus, other_campus, head, staff):
    ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY)
    assert ss.staff_on_duty(other_campus, TODAY) == []
    assert at(TODAY, 7)  # helper sanity
