"""Routine services: completing checks (validation, photos, double completion, void),
the fail-action registry, the library, template changes."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from houqin.core import routine_library, routines
from houqin.core.models import (
    Attachment,
    AuditEvent,
    CampusSettings,
    GeneralRequest,
    Notification,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
)
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
Kind = RoutineItem.Kind


def photo(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def guard(make_member):
    return make_member(Role.GUARD, username="guard")


@pytest.fixture
def template(campus):
    t = f.RoutineTemplateFactory(
        campus=campus, name="每月消防器材检查", category="safety.fire", responsible_role=Role.GUARD,
        window_start=dt.time(0, 0), window_end=dt.time(23, 59),
    )  # fmt: skip
    f.RoutineItemFactory(template=t, order=1, label="灭火器压力表指针在绿区", photo_required=True)
    f.RoutineItemFactory(template=t, order=2, label="铅封完好")
    f.RoutineItemFactory(template=t, order=3, label="煮沸时长", kind=Kind.VALUE, unit="分钟", min_value=15, max_value=60)
    f.RoutineItemFactory(template=t, order=4, label="进餐情况", kind=Kind.CHOICE, choices=["良好", "较差"], failing_choices=["较差"])
    f.RoutineItemFactory(template=t, order=5, label="问题", kind=Kind.TEXT, required=False)
    return t


@pytest.fixture
def occurrence(template):
    return f.RoutineOccurrenceFactory(campus=template.campus, template=template)


def items(template):
    return {i.order: i for i in template.items.all()}


def good_results(template, overrides=None):
    it = items(template)
    rows = {
        1: {"item": it[1], "passed": True, "photos": [photo()]},
        2: {"item": it[2], "passed": True},
        3: {"item": it[3].pk, "value": "15"},
        4: {"item": it[4], "text": "良好"},
        5: {"item": it[5], "text": ""},
    }
    for order, change in (overrides or {}).items():
        rows[order] = {**rows[order], **change}
    return list(rows.values())


# --- completing ------------------------------------------------------------------------------


def test_complete_records_every_item_with_signer_time_and_photo(guard, occurrence, template):
    routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template), notes="正常")
    occurrence.refresh_from_db()
    assert occurrence.status == "done" and occurrence.completed_by == guard and occurrence.notes == "正常"
    assert occurrence.on_time
    results = list(RoutineResult.objects.filter(occurrence=occurrence).order_by("item__order"))
    assert [r.passed for r in results] == [True, True, True, True, None]
    assert results[2].value == Decimal("15") and results[2].unit == "分钟"
    assert Attachment.objects.filter(object_id=str(results[0].pk), content_type__model="routineresult").count() == 1
    event = AuditEvent.objects.get(action="complete", object_id=str(occurrence.pk))
    assert event.actor == guard and len(event.after["results"]) == 5


def test_value_outside_range_counts_as_failed_and_notifies_the_logistics_head(
    guard, occurrence, template, make_member
):
    head = make_member(Role.LOGISTICS_HEAD, username="head")
    routines.occurrence_complete(
        actor=guard, occurrence=occurrence, results=good_results(template, {3: {"value": "10"}, 4: {"text": "较差"}})
    )
    failed = RoutineResult.objects.filter(occurrence=occurrence, passed=False)
    assert {r.label for r in failed} == {"煮沸时长", "进餐情况"}
    assert Notification.objects.filter(recipient=head, event="routines.failed").count() == 1
    assert not Notification.objects.filter(recipient=guard).exists()


def test_value_above_maximum_fails_and_boundaries_pass(guard, template, campus):
    for value, passed in (("60", True), ("60.5", False), ("14.99", False)):
        occ = f.RoutineOccurrenceFactory(campus=campus, template=template, date=timezone.localdate() - dt.timedelta(days=len(value)))
        occ.window_start = timezone.now() - dt.timedelta(hours=1)
        occ.save()
        routines.occurrence_complete(actor=guard, occurrence=occ, results=good_results(template, {3: {"value": value}}))
        assert RoutineResult.objects.get(occurrence=occ, item__order=3).passed is passed, value


@pytest.mark.parametrize(
    "override,key,message",
    [
        ({2: {"passed": None}}, 2, "Choose pass or fail."),
        ({3: {"value": ""}}, 3, "Enter the measured value."),
        ({3: {"value": "abc"}}, 3, "Enter a number."),
        ({3: {"value": "1.234"}}, 3, "two decimal places"),
        ({4: {"text": "还行"}}, 4, "Choose one of the options."),
        ({1: {"photos": []}}, 1, "Take a photo"),
    ],
)
def test_invalid_results_save_nothing(guard, occurrence, template, override, key, message):
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template, override))
    errors = exc.value.message_dict[f"item_{items(template)[key].pk}"]
    assert any(message in e for e in errors), errors
    occurrence.refresh_from_db()
    assert occurrence.status == "pending"
    assert not RoutineResult.objects.exists() and not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="complete").exists()


def test_a_file_that_is_not_a_photo_is_refused(guard, occurrence, template):
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        routines.occurrence_complete(
            actor=guard, occurrence=occurrence, results=good_results(template, {1: {"photos": [bad]}})
        )
    assert not RoutineResult.objects.exists()


def test_an_item_of_another_checklist_is_refused(guard, occurrence, template, campus):
    other = f.RoutineItemFactory(template=f.RoutineTemplateFactory(campus=campus))
    with pytest.raises(ValidationError) as exc:
        routines.occurrence_complete(
            actor=guard, occurrence=occurrence, results=good_results(template) + [{"item": other, "passed": True}]
        )
    assert "results" in exc.value.message_dict


def test_double_completion_is_refused_void_then_redo(guard, member, occurrence, template):
    routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template))
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template))
    assert "void it first" in " ".join(exc.value.messages)

    with pytest.raises(ValidationError):
        routines.occurrence_void(actor=member, occurrence=occurrence, reason="  ")
    with pytest.raises(PermissionDenied):
        routines.occurrence_void(actor=guard, occurrence=occurrence, reason="记错了")
    routines.occurrence_void(actor=member, occurrence=occurrence, reason="记错了班级")
    occurrence.refresh_from_db()
    assert occurrence.status == "pending" and occurrence.reopened_at and occurrence.void_reason == "记错了班级"
    assert occurrence.completed_by is None
    assert RoutineResult.objects.filter(occurrence=occurrence, voided_at__isnull=False).count() == 5
    void_event = AuditEvent.objects.get(action="void", object_id=str(occurrence.pk))
    assert void_event.before["completed_by"] == guard.pk and len(void_event.before["results"]) == 5

    # reopened: not marked missed, and can be recorded again
    assert routines.mark_missed(now=timezone.now() + dt.timedelta(days=3)) == 0
    routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template, {2: {"passed": False}}))
    assert RoutineResult.objects.filter(occurrence=occurrence).count() == 10
    assert RoutineResult.objects.filter(occurrence=occurrence, voided_at__isnull=True, passed=False).count() == 1
    with pytest.raises(ValidationError):
        routines.occurrence_void(actor=member, occurrence=RoutineOccurrence.objects.create(
            campus=occurrence.campus, template=template, date=occurrence.date + dt.timedelta(days=1),
            window_start=occurrence.window_start, window_end=occurrence.window_end,
        ), reason="x")  # fmt: skip


def test_missed_and_cancelled_checks_cannot_be_completed(guard, occurrence, template):
    for status in ("missed", "cancelled"):
        RoutineOccurrence.objects.filter(pk=occurrence.pk).update(status=status)
        with pytest.raises(ValidationError):
            routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template))


def test_a_check_not_due_yet_cannot_be_completed(guard, campus, template):
    occ = f.RoutineOccurrenceFactory(campus=campus, template=template, date=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        routines.occurrence_complete(actor=guard, occurrence=occ, results=good_results(template))


def test_only_the_responsible_roles_and_leaders_complete(occurrence, template, other_role, member, make_member):
    with pytest.raises(PermissionDenied):
        routines.occurrence_complete(actor=other_role, occurrence=occurrence, results=good_results(template))  # cook
    parent = make_member(Role.PARENT, username="parent")
    with pytest.raises(PermissionDenied):
        routines.occurrence_complete(actor=parent, occurrence=occurrence, results=good_results(template))
    named = make_member(Role.COOK, username="named-cook")
    template.responsible_user = named
    template.save()
    occurrence.refresh_from_db()
    routines.occurrence_complete(actor=named, occurrence=occurrence, results=good_results(template))
    assert routines.may_complete(occurrence, user=member, roles={"principal"}, perms={"core.complete_routines", "core.manage_routines"})


# --- fail actions --------------------------------------------------------------------------


@pytest.fixture
def request_action():
    calls = []

    def handler(*, actor, result):
        calls.append(result.pk)
        return GeneralRequest.objects.create(
            campus_id=result.campus_id, title=f"整改：{result.label}", description=result.note, requested_by=actor
        )

    routines.register_fail_action(
        "test_request", label="Open a request", permission="core.create_requests", handler=handler, icon="ti-alert"
    )
    yield calls
    routines.unregister_fail_action("test_request")


def test_fail_action_links_the_created_object_and_is_audited(guard, occurrence, template, request_action):
    routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template, {2: {"passed": False, "note": "铅封脱落"}}))
    failed = RoutineResult.objects.get(occurrence=occurrence, passed=False)
    passed = RoutineResult.objects.filter(occurrence=occurrence, passed=True).first()
    assert "test_request" in [a.key for a in routines.fail_actions_for({"core.create_requests"})]
    assert routines.fail_actions_for({"core.view_routines"}) == [] or all(
        a.key != "test_request" for a in routines.fail_actions_for({"core.view_routines"})
    )
    created = routines.fail_action_run(actor=guard, result=failed, key="test_request")
    failed.refresh_from_db()
    assert failed.follow_up == created and failed.follow_up_kind == "test_request"
    assert created.title == "整改：铅封完好"
    assert AuditEvent.objects.filter(action="follow_up", object_id=str(occurrence.pk)).exists()
    with pytest.raises(ValidationError):  # only once
        routines.fail_action_run(actor=guard, result=failed, key="test_request")
    with pytest.raises(ValidationError):  # only failed items
        routines.fail_action_run(actor=guard, result=passed, key="test_request")
    with pytest.raises(ValidationError):
        routines.fail_action_run(actor=guard, result=failed, key="nope")
    assert request_action == [failed.pk]


def test_fail_action_needs_its_permission(make_member, campus, request_action):
    parent = make_member(Role.PARENT, username="parent")
    occ = f.RoutineOccurrenceFactory(campus=campus)
    item = f.RoutineItemFactory(template=occ.template)
    result = RoutineResult.objects.create(campus=campus, occurrence=occ, item=item, label="x", passed=False)
    with pytest.raises(PermissionDenied):
        routines.fail_action_run(actor=parent, result=result, key="test_request")


# --- library -------------------------------------------------------------------------------


def test_library_covers_every_frequency_and_validates(campus):
    kinds = {entry.frequency["frequency"] for entry in routine_library.LIBRARY}
    assert kinds == set(RoutineTemplate.Frequency.values)
    keys = [e.key for e in routine_library.LIBRARY]
    assert len(keys) == len(set(keys))
    for entry in routine_library.LIBRARY:
        template, items = routines.library_template(entry, campus)
        template.full_clean(exclude=["library_key"])
        assert items and template.frequency_label
        for item in items:
            item.full_clean(exclude=["template"])
    names = " ".join(e.name for e in routine_library.LIBRARY)
    for phrase in ("下班前水电门窗", "一日5巡", "一日三巡", "紫外线", "开窗通风", "口杯", "大型玩具", "燃气", "自查",
                   "每周一、四", "每两周", "消防器材", "空调", "安全找茬", "消防月报表", "财产盘点", "期中"):  # fmt: skip
        assert phrase in names, phrase
    assert sum(1 for e in routine_library.LIBRARY if "一日5巡" in e.tags) == 5
    assert sum(1 for e in routine_library.LIBRARY if "一日三巡" in e.tags) == 3


def test_enable_from_library_is_idempotent_and_uses_the_campus(member, campus, terms_now):
    f.RoomFactory(campus=campus, name="厨房", kind="kitchen", code="C101")
    CampusSettings.objects.create(campus=campus, values={"canteen.boiling_minutes": 20})
    created = routines.routine_enable_from_library(
        actor=member, campus=campus, library_keys=["canteen.tableware_boiling", "safety.gate_patrol_1"]
    )
    assert len(created) == 2
    boiling = RoutineTemplate.objects.get(campus=campus, library_key="canteen.tableware_boiling")
    assert boiling.weekdays == [0, 3] and boiling.responsible_role == Role.COOK
    assert boiling.room.name == "厨房" and boiling.zone == ""
    minutes = boiling.items.get(kind=Kind.VALUE)
    assert minutes.min_value == 20 and minutes.unit == "分钟"
    assert AuditEvent.objects.filter(action="create", object_id=str(boiling.pk), content_type__model="routinetemplate").exists()
    again = routines.routine_enable_from_library(
        actor=member, campus=campus, library_keys=["canteen.tableware_boiling", "safety.closing_check"]
    )
    assert [t.library_key for t in again] == ["safety.closing_check"]
    with pytest.raises(ValidationError):
        routines.routine_enable_from_library(actor=member, campus=campus, library_keys=["no.such.routine"])
    with pytest.raises(ValidationError):
        routines.routine_enable_from_library(actor=member, campus=campus, library_keys=[])


@pytest.fixture
def terms_now(campus):
    """A term around today, so that enabling plans checks."""
    today = timezone.localdate()
    year = f.SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=200), end_date=today + dt.timedelta(days=200))
    return f.TermFactory(
        campus=campus, school_year=year, start_date=today - dt.timedelta(days=100),
        end_date=today + dt.timedelta(days=100), school_weekdays=[0, 1, 2, 3, 4, 5, 6],
    )  # fmt: skip


def test_enabling_plans_the_next_week(member, campus, terms_now):
    created = routines.routine_enable_from_library(actor=member, campus=campus, library_keys=["health.ventilation"])
    planned = RoutineOccurrence.objects.filter(template=created[0])
    assert 7 <= planned.count() <= 8  # the rest of today (if its window is still open) and the next 7 days


# --- template changes --------------------------------------------------------------------------


def test_removed_item_with_results_is_retired_not_deleted(guard, member, occurrence, template):
    routines.occurrence_complete(actor=guard, occurrence=occurrence, results=good_results(template))
    it = items(template)
    spare = f.RoutineItemFactory(template=template, order=9, label="多余")
    routines.routine_template_update(actor=member, template=template, before=None, removed_items=[it[2], spare])
    it[2].refresh_from_db()
    assert it[2].is_active is False
    assert not RoutineItem.objects.filter(pk=spare.pk).exists()
    assert AuditEvent.objects.filter(action="retire", object_id=str(it[2].pk)).exists()


def test_auto_follow_up_runs_for_every_failed_item_without_the_actors_permission(
    guard, occurrence, template, request_action
):
    """A routine set to open a follow-up by itself does so for each failed item when the
    check is completed — even by someone who could not open it by hand."""
    routines.register_fail_action(
        "test_request", label="Open a request", permission="core.no_such_permission",
        handler=routines.get_fail_action("test_request").handler,
    )  # fmt: skip
    template.auto_follow_up = "test_request"
    template.full_clean()
    template.save()
    routines.occurrence_complete(
        actor=guard,
        occurrence=occurrence,
        results=good_results(template, {1: {"passed": False}, 2: {"passed": False, "note": "铅封脱落"}}),
    )
    failed = list(RoutineResult.objects.filter(occurrence=occurrence, passed=False).order_by("item__order"))
    assert len(failed) == 2
    assert sorted(request_action) == sorted(r.pk for r in failed)
    assert all(r.follow_up_kind == "test_request" and r.follow_up is not None for r in failed)


def test_auto_follow_up_must_be_a_known_action(template):
    template.auto_follow_up = "no-such-action"
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "auto_follow_up" in exc.value.message_dict
