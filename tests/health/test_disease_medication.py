"""Medication (喂药): registration rules, the three confirmations, signing with the giver's
login, missed doses after the campus grace, not given with a reason, void never edit, the
dosing list pages (query bound for 40 children), permissions and campus isolation."""

import base64
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from houqin.core.models import AuditEvent, CampusSettings
from houqin.health import disease_services as services
from houqin.health.models import AttendanceRecord, MedicationDose, MedicationOrder
from tests import factories as f
from tests.conftest import login
from tests.health.disease_helpers import at, kids, klass, people, png  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def order_data(**extra):
    data = {
        "drug": "小儿氨酚黄那敏颗粒", "dose": "半袋", "route": "oral", "times": "09:00, 14:00",
        "start_date": TODAY - dt.timedelta(days=1), "days": 3, "parent_name": "王女士", "parent_phone": "13800001111",
        "parent_confirmed": True,
    }  # fmt: skip
    data.update(extra)
    return data


def register(people, child, **extra):  # noqa: F811
    photos = extra.pop("photos", ())
    signature = extra.pop("signature", None)
    return services.medication_register(
        actor=people["teacher"], campus=child.campus, child=child, data=order_data(**extra), photos=photos,
        signature=signature,
    )  # fmt: skip


def signature_url():
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (255, 255, 255)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# --- Registration ---------------------------------------------------------------------------


def test_register_computes_the_days_and_keeps_the_signature(people, kids):  # noqa: F811
    order = register(people, kids[0], signature=signature_url())
    assert order.times == ["09:00", "14:00"]
    assert order.end_date == TODAY + dt.timedelta(days=1)  # 3 days from yesterday
    assert order.school_class == kids[0].school_class and order.has_signature
    from houqin.core.attachments import attachments_for

    assert [a.kind for a in attachments_for(order)] == ["signature"]
    assert AuditEvent.objects.filter(action="medication_register", object_id=str(order.pk)).exists()


def test_antibiotic_needs_the_hospital_record_photo(people, kids):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        register(people, kids[0], is_antibiotic=True, drug="阿莫西林颗粒")
    assert (
        gettext("An antibiotic needs a photo of the hospital record (病历/处方).")
        in exc.value.message_dict["photos"]
    )
    assert not MedicationOrder.objects.exists()
    order = register(people, kids[0], is_antibiotic=True, drug="阿莫西林颗粒", photos=[png()])
    from houqin.core.attachments import attachments_for

    assert [a.kind for a in attachments_for(order)] == ["scan"]


def test_parent_confirmation_and_times_are_required(people, kids):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        register(people, kids[0], parent_confirmed=False)
    assert "parent_confirmed" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register(people, kids[0], times="")
    assert "times" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register(people, kids[0], times="25:00")
    assert "times" in exc.value.message_dict
    with pytest.raises(ValidationError):
        register(people, kids[0], days=0)
    assert not MedicationOrder.objects.exists()


def test_a_cook_cannot_register(people, kids):  # noqa: F811
    with pytest.raises(PermissionDenied):
        services.medication_register(
            actor=people["cook"], campus=kids[0].campus, child=kids[0], data=order_data()
        )


# --- Giving -----------------------------------------------------------------------------------


def give(order, actor, *, checks=(True, True, True), day=TODAY, slot=dt.time(9, 0), now=None):
    return services.dose_give(
        actor=actor, order=order, date=day, slot=slot, confirmed_child=checks[0], confirmed_class=checks[1],
        confirmed_dose=checks[2], now=now or at(day, 9, 5),
    )  # fmt: skip


def test_three_confirmations_are_required(people, kids):  # noqa: F811
    order = register(people, kids[0])
    for checks in ((False, True, True), (True, False, True), (True, True, False), (False, False, False)):
        with pytest.raises(ValidationError) as exc:
            give(order, people["childcare"], checks=checks)
        assert "__all__" in exc.value.message_dict
    assert not MedicationDose.objects.exists()
    dose = give(order, people["childcare"])
    assert dose.status == "given" and dose.recorded_by == people["childcare"]
    assert dose.recorded_at == at(TODAY, 9, 5)
    assert AuditEvent.objects.filter(action="dose_give", object_id=str(dose.pk)).exists()


def test_a_dose_once_per_slot_not_too_early_not_in_the_future(people, kids):  # noqa: F811
    order = register(people, kids[0])
    with pytest.raises(ValidationError) as exc:
        give(order, people["childcare"], now=at(TODAY, 7, 59))  # 61 min before 09:00
    assert "slot" in exc.value.message_dict
    give(order, people["childcare"], now=at(TODAY, 8, 0))  # within the 60-minute grace before
    with pytest.raises(ValidationError):
        give(order, people["childcare2"])
    with pytest.raises(ValidationError):
        give(order, people["childcare"], slot=dt.time(10, 0))  # not one of its times
    with pytest.raises(ValidationError):
        give(order, people["childcare"], day=TODAY + dt.timedelta(days=1), now=at(TODAY, 9, 0))
    with pytest.raises(ValidationError):
        give(
            order,
            people["childcare"],
            day=TODAY + dt.timedelta(days=5),
            now=at(TODAY + dt.timedelta(days=5), 9),
        )
    assert MedicationDose.objects.count() == 1


def test_signed_by_a_logged_in_giver_with_the_permission(people, kids):  # noqa: F811
    order = register(people, kids[0])
    with pytest.raises(PermissionDenied):
        give(order, None)
    with pytest.raises(PermissionDenied):
        give(order, people["cook"])


def test_not_given_needs_a_reason(people, kids):  # noqa: F811
    order = register(people, kids[0])
    with pytest.raises(ValidationError):
        services.dose_not_given(
            actor=people["childcare"], order=order, date=TODAY, slot=dt.time(9), reason=""
        )
    with pytest.raises(ValidationError) as exc:
        services.dose_not_given(
            actor=people["childcare"], order=order, date=TODAY, slot=dt.time(9), reason="other"
        )
    assert "note" in exc.value.message_dict
    dose = services.dose_not_given(actor=people["childcare"], order=order, date=TODAY, slot=dt.time(9),
                                   reason="absent", now=at(TODAY, 9, 30))  # fmt: skip
    assert dose.status == "not_given" and dose.get_reason_display() == gettext("Child absent")


def test_a_given_dose_is_voided_never_edited(people, kids):  # noqa: F811
    order = register(people, kids[0])
    dose = give(order, people["childcare"])
    with pytest.raises(
        PermissionDenied
    ):  # another childcare worker is neither the signer nor the health teacher
        services.dose_void(actor=people["childcare2"], dose=dose, reason="记错了")
    with pytest.raises(ValidationError):
        services.dose_void(actor=people["childcare"], dose=dose, reason=" ")
    services.dose_void(actor=people["childcare"], dose=dose, reason="喂错了孩子，登记在别人名下")
    dose.refresh_from_db()
    assert dose.is_void and dose.status == "given" and dose.voided_by == people["childcare"]
    again = give(order, people["health"])  # the slot can be recorded again
    services.dose_void(actor=people["health"], dose=again, reason="测试")  # the health teacher may void any
    with pytest.raises(ValidationError):
        services.dose_void(actor=people["health"], dose=again, reason="again")
    with pytest.raises(
        ValidationError
    ):  # the order cannot be voided once a dose was given… (void ones excepted)
        give(order, people["childcare"])
        services.medication_void(actor=people["teacher"], order=order, reason="登记错误")


def test_missed_doses_after_the_grace(people, kids, campus):  # noqa: F811
    order = register(people, kids[0])
    states = {s.slot: s.state for s in services.dose_slots(campus, TODAY, now=at(TODAY, 8, 0))}
    assert states == {dt.time(9): "pending", dt.time(14): "pending"}
    states = {s.slot: s.state for s in services.dose_slots(campus, TODAY, now=at(TODAY, 10, 0))}
    assert states[dt.time(9)] == "due"  # exactly 60 minutes after: not missed yet
    states = {s.slot: s.state for s in services.dose_slots(campus, TODAY, now=at(TODAY, 10, 1))}
    assert states[dt.time(9)] == "missed" and states[dt.time(14)] == "pending"
    assert [s.slot for s in services.missed_doses(campus, TODAY, now=at(TODAY, 10, 1))] == [dt.time(9)]
    CampusSettings.objects.create(campus=campus, values={services.S_GRACE: 30})
    campus = type(campus).objects.get(pk=campus.pk)  # a fresh instance: settings are cached per instance
    states = {s.slot: s.state for s in services.dose_slots(campus, TODAY, now=at(TODAY, 9, 31))}
    assert states[dt.time(9)] == "missed"
    give(order, people["childcare"], now=at(TODAY, 9, 40))
    assert services.missed_doses(campus, TODAY, now=at(TODAY, 10, 1)) == []
    # yesterday's two doses were never recorded: both missed
    assert len(services.missed_doses(campus, TODAY - dt.timedelta(days=1), now=at(TODAY, 8))) == 2
    assert order.end_date == TODAY + dt.timedelta(days=1)
    assert services.dose_slots(campus, TODAY + dt.timedelta(days=2), now=at(TODAY, 8)) == []


def test_absent_children_and_stopped_medicines(people, kids, campus):  # noqa: F811
    register(people, kids[0])
    roll = f.ClassAttendanceFactory(campus=campus, school_class=kids[0].school_class, date=TODAY)
    AttendanceRecord.objects.create(campus=campus, roll=roll, child=kids[0], school_class=kids[0].school_class,
                                    date=TODAY, status="absent", absence_reason="sick")  # fmt: skip
    assert {s.state for s in services.dose_slots(campus, TODAY, now=at(TODAY, 16))} == {"absent"}
    other = register(people, kids[1])
    services.medication_stop(actor=people["teacher"], order=other, reason="家长取回药品", now=at(TODAY, 12))
    slots = [s for s in services.dose_slots(campus, TODAY, now=at(TODAY, 16)) if s.order.pk == other.pk]
    assert [s.slot for s in slots] == [dt.time(9)]  # the 14:00 slot after the stop is gone
    with pytest.raises(ValidationError):
        give(other, people["childcare"], slot=dt.time(14), now=at(TODAY, 14))


def test_void_registration_only_without_given_doses(people, kids):  # noqa: F811
    order = register(people, kids[0])
    give(order, people["childcare"])
    with pytest.raises(ValidationError):
        services.medication_void(actor=people["teacher"], order=order, reason="登记错误")
    fresh = register(people, kids[1])
    services.medication_void(actor=people["teacher"], order=fresh, reason="登记错误")
    fresh.refresh_from_db()
    assert fresh.is_void and fresh.status == "void"
    assert not [s for s in services.dose_slots(fresh.campus, TODAY) if s.order.pk == fresh.pk]


# --- Pages -----------------------------------------------------------------------------------------


def test_register_page_and_give_page(people, kids, campus):  # noqa: F811
    client = login(people["teacher"])
    response = client.post(f"/c/{campus.code}/health/medication/new/", {
        "child": kids[0].pk, "drug": "阿莫西林", "dose": "5ml", "route": "oral", "times": "09:00",
        "start_date": TODAY.isoformat(), "days": 2, "is_antibiotic": "on", "parent_name": "王女士",
        "parent_confirmed": "on",
    })  # fmt: skip
    assert response.status_code == 200 and not MedicationOrder.objects.exists()
    assert (
        gettext("An antibiotic needs a photo of the hospital record (病历/处方).")
        in response.content.decode()
    )
    response = client.post(f"/c/{campus.code}/health/medication/new/", {
        "child": kids[0].pk, "drug": "阿莫西林", "dose": "5ml", "route": "oral", "times": "09:00",
        "start_date": TODAY.isoformat(), "days": 2, "is_antibiotic": "on", "parent_name": "王女士",
        "parent_confirmed": "on", "photos": png(), "signature": signature_url(),
    })  # fmt: skip
    order = MedicationOrder.objects.get()
    assert response.status_code == 302 and order.has_signature
    assert (
        login(people["childcare"]).get(f"/c/{campus.code}/health/medication/{order.pk}/").status_code == 200
    )

    give_url = f"/c/{campus.code}/health/medication/{order.pk}/give/{TODAY.isoformat()}/0900/"
    giver = login(people["childcare"])
    page = giver.get(give_url)
    assert page.status_code == 200 and kids[0].name in page.content.decode()
    response = giver.post(
        give_url, {"action": "give", "confirm_child": "on", "confirm_class": "on"}, follow=True
    )
    assert not MedicationDose.objects.exists()
    assert (
        gettext("Confirm %(what)s before giving the medicine.") % {"what": gettext("the dose")}
        in response.content.decode()
    )
    now = timezone.now()
    giver.post(
        give_url, {"action": "give", "confirm_child": "on", "confirm_class": "on", "confirm_dose": "on"}
    )
    if now < at(TODAY, 8, 0):  # before the grace the page refuses, like the service
        assert not MedicationDose.objects.exists()
    else:
        dose = MedicationDose.objects.get()
        assert dose.recorded_by == people["childcare"]
    assert giver.get(f"/c/{campus.code}/health/medication/today/").status_code == 200
    assert login(people["cook"]).get(give_url).status_code == 403
    assert login(people["teacher"]).get(f"/c/{campus.code}/health/medication/999999/").status_code == 404


def test_not_given_page(people, kids, campus):  # noqa: F811
    order = register(people, kids[0])
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    url = f"/c/{campus.code}/health/medication/{order.pk}/give/{yesterday}/1400/"
    response = login(people["childcare"]).post(
        url, {"action": "skip", "skip-reason": "withdrawn", "skip-note": "家长带回"}
    )
    assert response.status_code == 302
    dose = MedicationDose.objects.get()
    assert dose.status == "not_given" and dose.reason == "withdrawn"
    assert (
        login(people["childcare"])
        .get(f"/c/{campus.code}/health/medication/{order.pk}/give/{yesterday}/1500/")
        .status_code
        == 404
    )


def test_outsider_and_other_campus(people, kids, campus, outsider, other_campus):  # noqa: F811
    order = register(people, kids[0])
    assert login(outsider).get(f"/c/{campus.code}/health/medication/").status_code == 404
    theirs = f.MedicationOrderFactory(campus=other_campus)
    assert login(people["teacher"]).get(f"/c/{campus.code}/health/medication/{theirs.pk}/").status_code == 404
    assert login(people["cook"]).get(f"/c/{campus.code}/health/medication/{order.pk}/").status_code == 403
    assert login(people["duty"]).get(f"/c/{campus.code}/health/medication/today/").status_code == 403


def test_dosing_list_queries_stay_bounded_for_40_children(
    people,  # noqa: F811
    campus,
    klass,  # noqa: F811
    django_assert_max_num_queries,
):
    for i in range(40):
        child = f.ChildFactory(campus=campus, school_class=klass, name=f"孩子{i:02d}")
        order = f.MedicationOrderFactory(campus=campus, school_class=klass, child=child,
                                         times=["09:00", "11:30", "14:00"], start_date=TODAY - dt.timedelta(days=1))  # fmt: skip
        if i % 2:
            f.MedicationDoseFactory(
                order=order, date=TODAY, slot=dt.time(9, 0), recorded_by=people["childcare"]
            )
    client = login(people["childcare"])
    client.get(f"/c/{campus.code}/health/medication/today/")  # warm the session/caches
    with django_assert_max_num_queries(14):
        response = client.get(f"/c/{campus.code}/health/medication/today/?class={klass.pk}")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="dose-row"') == 120
    with django_assert_max_num_queries(8):
        assert len(services.dose_slots(campus, TODAY)) == 120
