"""Hygiene logs: tableware and UV disinfection standards, pesticide tests blocking batches,
fridge temperatures with out-of-range alerts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import safety_services as ss
from houqin.canteen.models import DisinfectionMethod, FoodBatch, Fridge, PesticideTest
from houqin.core.models import AuditEvent, Campus, CampusSettings, Notification
from tests.canteen.safety_helpers import *  # noqa: F403 (fixtures)
from tests.canteen.safety_helpers import TODAY, at
from tests.factories_canteen import FoodBatchFactory

pytestmark = pytest.mark.django_db

M = DisinfectionMethod


def record(campus, actor, method, seconds, **kwargs):
    start = at(TODAY, 12, 40)
    return ss.tableware_record(
        actor=actor,
        campus=campus,
        method=method,
        started_at=start,
        duration_s=seconds,
        items="餐盘、碗",
        now=start + dt.timedelta(hours=1),
        **kwargs,
    )


# --- Tableware disinfection ---------------------------------------------------------------


def test_kindergarten_boils_15_min_schools_10(campus, other_campus):
    assert ss.disinfection_standard(campus, M.BOILING)["seconds"] == 15 * 60
    other_campus.kind = Campus.Kind.PRIMARY
    other_campus.save()
    assert ss.disinfection_standard(other_campus, M.BOILING)["seconds"] == 10 * 60
    CampusSettings.objects.create(campus=other_campus, values={"canteen.boiling_minutes": 20})
    other_campus.__dict__.pop("_settings_cache", None)
    assert ss.disinfection_standard(other_campus, M.BOILING)["seconds"] == 20 * 60


def test_standard_table(campus):
    table = {row["method"]: row for row in ss.disinfection_table(campus)}
    assert table["steam"]["seconds"] == 600
    assert (table["infrared"]["seconds"], table["infrared"]["temperature_c"]) == (600, Decimal("120"))
    assert (table["chlorine"]["seconds"], table["chlorine"]["concentration_mg_l"]) == (300, Decimal("250"))
    assert (table["dishwasher"]["seconds"], table["dishwasher"]["temperature_c"]) == (40, Decimal("85"))


def test_boiling_14_min_is_flagged_15_min_compliant(campus, cook, head):
    short = record(campus, cook, M.BOILING, 14 * 60)
    assert not short.is_compliant
    assert short.problem == gettext("time %(actual)s is shorter than the required %(min)s") % {
        "actual": ss.duration_label(14 * 60), "min": ss.duration_label(15 * 60),
    }  # fmt: skip
    assert Notification.objects.filter(recipient=head, level="warning").exists()
    ok = record(campus, cook, M.BOILING, 15 * 60)
    assert ok.is_compliant and ok.problem == ""


@pytest.mark.parametrize(
    ("method", "seconds", "extra", "compliant"),
    [
        (M.STEAM, 9 * 60 + 59, {}, False),
        (M.STEAM, 10 * 60, {}, True),
        (M.INFRARED, 10 * 60, {"temperature_c": Decimal("119")}, False),
        (M.INFRARED, 10 * 60, {"temperature_c": Decimal("120")}, True),
        (M.INFRARED, 9 * 60, {"temperature_c": Decimal("125")}, False),
        (M.CHLORINE, 5 * 60, {"concentration_mg_l": Decimal("249")}, False),
        (M.CHLORINE, 5 * 60, {"concentration_mg_l": Decimal("250")}, True),
        (M.DISHWASHER, 39, {"temperature_c": Decimal("85")}, False),
        (M.DISHWASHER, 40, {"temperature_c": Decimal("84.9")}, False),
        (M.DISHWASHER, 40, {"temperature_c": Decimal("85")}, True),
    ],
)
def test_method_minimums(campus, cook, method, seconds, extra, compliant):
    assert record(campus, cook, method, seconds, **extra).is_compliant is compliant


def test_infrared_needs_temperature_chlorine_needs_concentration(campus, cook):
    with pytest.raises(ValidationError) as exc:
        record(campus, cook, M.INFRARED, 900)
    assert "temperature_c" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(campus, cook, M.CHLORINE, 900)
    assert "concentration_mg_l" in exc.value.message_dict


def test_tableware_void_and_permission(campus, cook, teacher):
    r = record(campus, cook, M.STEAM, 600)
    voided = ss.tableware_void(actor=cook, record=r, reason="记错方式")
    assert voided.is_void and AuditEvent.objects.filter(action="void", object_id=str(r.pk)).exists()
    with pytest.raises(ValidationError):
        ss.tableware_void(actor=cook, record=voided, reason="again")
    with pytest.raises(PermissionDenied):
        record(campus, teacher, M.STEAM, 600)


def test_uv_minimum_30_min_setting(campus, cook):
    start = at(TODAY, 16)
    short = ss.uv_record(actor=cook, campus=campus, area="厨房", started_at=start, minutes=29, now=start)
    ok = ss.uv_record(actor=cook, campus=campus, area="厨房", started_at=start, minutes=30, now=start)
    assert (short.is_compliant, ok.is_compliant) == (False, True)
    CampusSettings.objects.create(campus=campus, values={"canteen.safety.uv_minutes": 60})
    campus.__dict__.pop("_settings_cache", None)
    assert not ss.uv_record(
        actor=cook, campus=campus, area="厨房", started_at=start, minutes=45, now=start
    ).is_compliant


# --- Pesticide rapid tests ----------------------------------------------------------------


def rapid_test(campus, actor, batch, pct):
    return ss.pesticide_test_record(
        actor=actor, campus=campus, batch=batch, inhibition_pct=Decimal(pct), kit_lot="K1"
    )


def test_49_9_is_negative_and_leaves_the_batch(campus, cook, batch):
    t = rapid_test(campus, cook, batch, "49.9")
    batch.refresh_from_db()
    assert t.result == PesticideTest.Result.NEGATIVE and t.threshold_pct == Decimal("50")
    assert not batch.is_blocked


def test_50_is_positive_and_blocks_the_batch(campus, cook, head, batch):
    t = rapid_test(campus, cook, batch, "50")
    batch.refresh_from_db()
    assert t.is_positive and t.vegetable == "青菜"
    assert batch.is_blocked and batch.blocked_by == cook and "50" in batch.blocked_reason
    assert Notification.objects.filter(recipient=head, level="danger").exists()
    assert AuditEvent.objects.filter(object_id=str(batch.pk), after__is_blocked=True).exists()
    # voiding the test does not release the batch
    ss.pesticide_void(actor=cook, test=t, reason="录入错误")
    batch.refresh_from_db()
    assert batch.is_blocked


def test_threshold_is_a_campus_setting(campus, cook, batch):
    CampusSettings.objects.create(campus=campus, values={"canteen.pesticide_positive_pct": "40"})
    campus.__dict__.pop("_settings_cache", None)
    assert rapid_test(campus, cook, batch, "45").is_positive


def test_pesticide_refusals(campus, other_campus, cook, teacher, batch):
    with pytest.raises(ValidationError):
        rapid_test(campus, cook, batch, "100.1")
    with pytest.raises(ValidationError):
        rapid_test(campus, cook, FoodBatchFactory(campus=other_campus), "10")
    with pytest.raises(PermissionDenied):
        rapid_test(campus, teacher, batch, "10")
    assert not PesticideTest.objects.exists()
    assert not FoodBatch.objects.filter(is_blocked=True).exists()


# --- Temperatures -------------------------------------------------------------------------


def test_out_of_range_reading_alerts(campus, cook, head, fridge):
    ok = ss.temperature_record(actor=cook, fridge=fridge, temperature_c="8.0")
    assert not ok.is_out_of_range and not Notification.objects.exists()
    bad = ss.temperature_record(actor=cook, fridge=fridge, temperature_c="8.1", action_taken="调低温控")
    assert bad.is_out_of_range and (bad.min_c, bad.max_c) == (Decimal("0"), Decimal("8"))
    note = Notification.objects.get(recipient=head)
    assert note.level == "danger" and fridge.name in note.title
    assert list(ss.temperature_alerts(campus)) == [bad]
    fridge.refresh_from_db()
    assert fridge.last_temperature_c == Decimal("8.1") and fridge.is_out_of_range
    # voided, the fridge shows the previous reading again
    ss.temperature_void(actor=cook, log=bad, reason="读错")
    fridge.refresh_from_db()
    assert fridge.last_temperature_c == Decimal("8.0")
    assert not ss.temperature_alerts(campus).exists()


def test_freezer_range(campus, head, cook):
    freezer = ss.fridge_save(actor=head, campus=campus, data={"name": "冷冻柜", "kind": Fridge.Kind.FREEZER})
    assert not ss.temperature_record(actor=cook, fridge=freezer, temperature_c="-20").is_out_of_range
    assert ss.temperature_record(actor=cook, fridge=freezer, temperature_c="-15").is_out_of_range


def test_old_alerts_leave_the_dashboard(campus, cook, fridge):
    when = at(TODAY, 8) - dt.timedelta(days=2)
    ss.temperature_record(actor=cook, fridge=fridge, temperature_c="12", recorded_at=when, now=when)
    assert not ss.temperature_alerts(campus, now=when + dt.timedelta(hours=25)).exists()
    assert ss.temperature_alerts(campus, now=when + dt.timedelta(hours=23)).exists()
