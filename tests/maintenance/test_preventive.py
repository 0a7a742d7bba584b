"""Preventive maintenance (定期检修) as routines: the library's maintenance routines open a
work order by themselves for every failed item; any failed item opens a repair in one
tap; the repair carries the routine's place, the item and its photos."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.core import routine_library, routines
from houqin.core.attachments import attachments_for
from houqin.core.models import RoutineItem, RoutineResult, RoutineTemplate
from houqin.core.roles import Role
from houqin.maintenance.models import RepairRequest
from tests import factories as f
from tests.conftest import login
from tests.maintenance.helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def term(campus):
    today = timezone.localdate()
    return f.TermFactory(campus=campus, start_date=today - dt.timedelta(days=40), end_date=today + dt.timedelta(days=60))


@pytest.fixture
def toy_area(campus):
    return f.RoomFactory(campus=campus, name="大型玩具区", code="D103", kind="outdoor")


def _complete_with_one_failure(template, actor, fail_label, note="滑梯二层护栏螺丝松动"):
    occurrence = f.RoutineOccurrenceFactory(campus=template.campus, template=template, date=timezone.localdate())
    results = []
    for item in RoutineItem.objects.filter(template=template, is_active=True).order_by("order"):
        entry = {"item": item, "passed": item.label != fail_label}
        if item.label == fail_label:
            entry["note"] = note
        if item.photo_required:
            entry["photos"] = [png()]
        results.append(entry)
    routines.occurrence_complete(actor=actor, occurrence=occurrence, results=results)
    return occurrence


def test_weekly_large_toy_check_opens_a_repair_for_the_failed_item(campus, term, toy_area, make_member):
    worker = make_member(Role.REPAIR_WORKER, username="weixiu")
    (template,) = routines.routine_enable_from_library(
        actor=None, campus=campus, library_keys=["safety.weekly_large_toys"], generate=False
    )
    assert template.auto_follow_up == "repair" and template.room == toy_area
    failing = "大型玩具结构稳固，螺丝无松动"
    occurrence = _complete_with_one_failure(template, worker, failing)

    repair = RepairRequest.objects.get()
    result = RoutineResult.objects.get(occurrence=occurrence, passed=False)
    assert result.follow_up == repair and result.follow_up_kind == "repair"
    assert repair.origin == result and repair.source == RepairRequest.Source.ROUTINE
    assert repair.room == toy_area and repair.building == toy_area.building
    assert failing in repair.description and "滑梯二层护栏螺丝松动" in repair.description
    assert repair.category == RepairRequest.Category.LARGE_TOYS
    assert repair.urgency == RepairRequest.Urgency.URGENT  # the item says: stop using it at once
    assert repair.reporter == worker and repair.status == RepairRequest.Status.REPORTED
    assert attachments_for(repair).filter(kind="before").count() == 1  # the item's photo came along
    # the passed items opened nothing
    assert RoutineResult.objects.filter(occurrence=occurrence, follow_up_type__isnull=False).count() == 1


def test_a_routine_without_automatic_follow_up_opens_a_repair_in_one_tap(campus, term, make_member):
    guard = make_member(Role.GUARD, username="menwei")
    room = f.RoomFactory(campus=campus, name="小一班活动室")
    template = f.RoutineTemplateFactory(campus=campus, name="下班前水电门窗检查", responsible_role=Role.GUARD, room=room)
    f.RoutineItemFactory(template=template, order=1, label="水龙头已关闭，无滴漏")
    f.RoutineItemFactory(template=template, order=2, label="门窗已关好上锁")
    occurrence = _complete_with_one_failure(template, guard, "门窗已关好上锁", note="窗户锁扣坏了，锁不上")
    assert not RepairRequest.objects.exists()
    result = RoutineResult.objects.get(occurrence=occurrence, passed=False)

    client = login(guard)
    url = reverse("core:routine_fail_action", kwargs={"campus": campus.code, "pk": result.pk, "key": "repair"})
    response = client.post(url)
    repair = RepairRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("maintenance:repair_detail", kwargs={"campus": campus.code, "pk": repair.pk})
    assert repair.room == room and repair.category == RepairRequest.Category.DOORS_WINDOWS
    result.refresh_from_db()
    assert result.follow_up == repair
    with pytest.raises(ValidationError):
        routines.fail_action_run(actor=guard, result=result, key="repair")
    assert RepairRequest.objects.count() == 1


def test_the_repair_action_is_registered_with_its_permission():
    action = routines.get_fail_action("repair")
    assert action is not None and action.permission == "maintenance.report_repairs"


def test_library_maintenance_routines_open_work_orders():
    keys = [e.key for e in routine_library.LIBRARY]
    assert len(keys) == len(set(keys))
    for key in (
        "maintenance.monthly_ac",
        "maintenance.ac_clean_summer",
        "maintenance.ac_clean_winter",
        "maintenance.term_start_utilities",
        "safety.monthly_lighting_stairs",
        "safety.weekly_large_toys",
    ):
        assert routine_library.get(key).auto_follow_up == "repair", key
    summer = routine_library.get("maintenance.ac_clean_summer")
    assert any("每台空调" in item.label for item in summer.items)
    assert summer.frequency == {"frequency": "yearly", "month": 5, "month_day": 10}
    utilities = routine_library.get("maintenance.term_start_utilities")
    assert utilities.frequency["frequency"] == RoutineTemplate.Frequency.TERM_START
    assert utilities.role == Role.REPAIR_WORKER


def test_term_start_utilities_check_is_due_on_the_first_school_day(campus, term):
    (template,) = routines.routine_enable_from_library(
        actor=None, campus=campus, library_keys=["maintenance.term_start_utilities"], generate=False
    )
    dates = routines.occurrence_dates(template, term)
    assert len(dates) == 1 and dates[0] >= term.start_date and dates[0] - term.start_date < dt.timedelta(days=4)
