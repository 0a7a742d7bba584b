"""Routine pages: today's checks on a phone, completing one with a photo and a failed item
followed up in one tap, the records with filters and export, routines and their
checklists, the library, the report, the dashboard; permissions and query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from houqin.core import routines
from houqin.core.models import (
    AuditEvent,
    GeneralRequest,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
)
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db
Kind = RoutineItem.Kind


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def photo():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 20)).save(out, "JPEG")
    return SimpleUploadedFile("gauge.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def guard(make_member):
    return make_member(Role.GUARD, username="guard")


@pytest.fixture
def guard_client(guard):
    return login(guard)


@pytest.fixture
def patrol(campus):
    t = f.RoutineTemplateFactory(campus=campus, name="门卫巡查", responsible_role=Role.GUARD)
    f.RoutineItemFactory(template=t, order=1, label="大门完好")
    f.RoutineItemFactory(template=t, order=2, label="灭火器压力", photo_required=True)
    f.RoutineItemFactory(template=t, order=3, label="巡查时长", kind=Kind.VALUE, unit="分钟", min_value=10)
    return t


def occ_for(template, *, date=None, start=None, end=None, **kwargs):
    date = date or timezone.localdate()
    occ = f.RoutineOccurrenceFactory(campus=template.campus, template=template, date=date, **kwargs)
    if start is not None:
        occ.window_start, occ.window_end = start, end
        occ.save()
    return occ


@pytest.fixture
def request_action():
    def handler(*, actor, result):
        return GeneralRequest.objects.create(
            campus_id=result.campus_id, title=f"整改：{result.label}", requested_by=actor
        )

    routines.register_fail_action(
        "test_request", label="Open a request", permission="core.create_requests", handler=handler
    )
    yield
    routines.unregister_fail_action("test_request")


# --- today ---------------------------------------------------------------------------------


def test_today_shows_my_checks_overdue_first(guard_client, campus, patrol, other_role_client):
    now = timezone.now()
    later = occ_for(patrol, start=now + dt.timedelta(hours=1), end=now + dt.timedelta(hours=2))
    other = f.RoutineTemplateFactory(campus=campus, name="早巡", responsible_role=Role.GUARD)
    overdue = occ_for(other, start=now - dt.timedelta(hours=3), end=now - dt.timedelta(hours=2))
    kitchen = f.RoutineTemplateFactory(campus=campus, name="厨房紫外线消毒", responsible_role=Role.COOK)
    occ_for(kitchen)
    response = guard_client.get(url("core:routine_today", campus))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("早巡") < body.index("门卫巡查")  # overdue first
    assert "厨房紫外线消毒" not in body
    assert url("core:routine_complete", campus, pk=later.pk) in body
    assert url("core:routine_complete", campus, pk=overdue.pk) in body
    assert 'name="viewport"' in body
    cook_page = other_role_client.get(url("core:routine_today", campus)).content.decode()
    assert "厨房紫外线消毒" in cook_page and "门卫巡查" not in cook_page


def test_leaders_can_see_the_whole_campus(member_client, campus, patrol):
    occ_for(patrol)
    assert "门卫巡查" not in member_client.get(url("core:routine_today", campus)).content.decode()
    assert "门卫巡查" in member_client.get(url("core:routine_today", campus) + "?all=1").content.decode()


def test_named_person_sees_the_check(make_member, campus, patrol):
    cook = make_member(Role.COOK, username="cook2")
    patrol.responsible_user = cook
    patrol.save()
    occ_for(patrol)
    assert "门卫巡查" in login(cook).get(url("core:routine_today", campus)).content.decode()


def test_today_query_count_is_bounded(guard_client, campus):
    counts = []
    for n in (3, 30):
        while RoutineOccurrence.objects.count() < n:
            occ_for(f.RoutineTemplateFactory(campus=campus, responsible_role=Role.GUARD))
        with CaptureQueriesContext(connection) as ctx:
            assert guard_client.get(url("core:routine_today", campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


# --- completing ----------------------------------------------------------------------------


def test_complete_on_the_phone_with_photo_and_one_tap_follow_up(guard_client, guard, campus, patrol, request_action):
    occ = occ_for(patrol)
    page = guard_client.get(url("core:routine_complete", campus, pk=occ.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'capture="environment"' in body and "大门完好" in body and "≥ 10 分钟" in body
    items = {i.order: i for i in patrol.items.all()}
    data = {
        f"item_{items[1].pk}_passed": "0",
        f"item_{items[1].pk}_note": "大门锁坏了",
        f"item_{items[2].pk}_passed": "1",
        f"item_{items[2].pk}_photo": photo(),
        f"item_{items[3].pk}_value": "12",
        "notes": "",
    }
    response = guard_client.post(url("core:routine_complete", campus, pk=occ.pk), data)
    assert response.status_code == 302
    detail_url = url("core:occurrence_detail", campus, pk=occ.pk)
    assert response["Location"].startswith(detail_url)
    occ.refresh_from_db()
    assert occ.status == "done" and occ.completed_by == guard
    detail = guard_client.get(detail_url).content.decode()
    failed = RoutineResult.objects.get(occurrence=occ, passed=False)
    action_url = url("core:routine_fail_action", campus, pk=failed.pk, key="test_request")
    assert action_url in detail and 'data-testid="fail-action-test_request"' in detail
    assert "gauge.jpg" in detail or "attachment" in detail
    # one tap opens the follow-up and links it
    done = guard_client.post(action_url)
    assert done.status_code == 302
    failed.refresh_from_db()
    assert failed.follow_up_kind == "test_request" and isinstance(failed.follow_up, GeneralRequest)
    again = guard_client.get(detail_url).content.decode()
    assert 'data-testid="follow-up"' in again and action_url not in again
    # completing again is refused: the page redirects to the record
    assert guard_client.get(url("core:routine_complete", campus, pk=occ.pk)).status_code == 302


def test_complete_with_errors_keeps_the_answers_and_saves_nothing(guard_client, campus, patrol):
    occ = occ_for(patrol)
    items = {i.order: i for i in patrol.items.all()}
    response = guard_client.post(
        url("core:routine_complete", campus, pk=occ.pk),
        {f"item_{items[1].pk}_passed": "1", f"item_{items[3].pk}_value": "8"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="item-error"') == 1  # item 2: no pass/fail and no photo
    assert 'value="8"' in body
    assert not RoutineResult.objects.exists()
    occ.refresh_from_db()
    assert occ.status == "pending"


def test_cook_cannot_complete_the_guards_check(other_role_client, campus, patrol):
    occ = occ_for(patrol)
    assert other_role_client.get(url("core:routine_complete", campus, pk=occ.pk)).status_code == 403
    assert other_role_client.post(url("core:routine_complete", campus, pk=occ.pk), {}).status_code == 403


def test_void_page(member_client, guard, campus, patrol):
    occ = occ_for(patrol)
    items = {i.order: i for i in patrol.items.all()}
    routines.occurrence_complete(
        actor=guard,
        occurrence=occ,
        results=[
            {"item": items[1], "passed": True},
            {"item": items[2], "passed": True, "photos": [photo()]},
            {"item": items[3], "value": 20},
        ],
    )
    detail = member_client.get(url("core:occurrence_detail", campus, pk=occ.pk)).content.decode()
    assert 'data-testid="void-button"' in detail
    assert member_client.get(url("core:occurrence_void", campus, pk=occ.pk)).status_code == 200
    response = member_client.post(url("core:occurrence_void", campus, pk=occ.pk), {"reason": ""})
    assert response.status_code == 200
    response = member_client.post(url("core:occurrence_void", campus, pk=occ.pk), {"reason": "签错人"})
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.status == "pending"
    detail = member_client.get(url("core:occurrence_detail", campus, pk=occ.pk)).content.decode()
    assert 'data-testid="voided-results"' in detail and "签错人" in detail


def test_guard_cannot_void(guard_client, campus, patrol):
    occ = occ_for(patrol, status="done")
    assert guard_client.post(url("core:occurrence_void", campus, pk=occ.pk), {"reason": "x"}).status_code == 403


# --- records -------------------------------------------------------------------------------


def test_records_filters_and_export(member_client, campus, patrol, guard):
    today = timezone.localdate()
    done = occ_for(patrol, date=today - dt.timedelta(days=2), status="done", completed_by=guard,
                   completed_at=timezone.now() - dt.timedelta(days=2))  # fmt: skip
    occ_for(patrol, date=today - dt.timedelta(days=1), status="missed")
    item = patrol.items.first()
    RoutineResult.objects.create(campus=campus, occurrence=done, item=item, label=item.label, passed=False)
    base = url("core:occurrence_list", campus)
    page = member_client.get(base)
    assert page.status_code == 200
    assert member_client.get(base + "?status=missed").content.decode().count('data-testid="object-table"') == 1
    missed_only = member_client.get(base + "?status=missed").context["rows"]
    assert [r["obj"].status for r in missed_only] == ["missed"]
    failed_only = member_client.get(base + "?failed=true").context["rows"]
    assert [r["obj"].pk for r in failed_only] == [done.pk]
    person = member_client.get(base + f"?person={guard.pk}").context["rows"]
    assert [r["obj"].pk for r in person] == [done.pk]
    ranged = member_client.get(base + f"?date_from={today - dt.timedelta(days=1):%Y-%m-%d}").context["rows"]
    assert len(ranged) == 1
    export = member_client.get(base + "?export=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("门卫巡查" in str(v) for row in values for v in row)


def test_records_list_queries_do_not_grow(member_client, campus):
    counts = []
    for n in (10, 200):
        f.RoutineOccurrenceFactory.create_batch(n - RoutineOccurrence.objects.count(), campus=campus)
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(url("core:occurrence_list", campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_occurrence_detail_queries_are_bounded(member_client, campus, patrol, guard):
    occ = occ_for(patrol)
    items = {i.order: i for i in patrol.items.all()}
    routines.occurrence_complete(
        actor=guard,
        occurrence=occ,
        results=[
            {"item": items[1], "passed": False},
            {"item": items[2], "passed": True, "photos": [photo(), photo()]},
            {"item": items[3], "value": 9},
        ],
    )
    with CaptureQueriesContext(connection) as ctx:
        assert member_client.get(url("core:occurrence_detail", campus, pk=occ.pk)).status_code == 200
    assert len(ctx) <= 30


# --- routines (templates) --------------------------------------------------------------------


def test_create_a_routine_with_its_checklist(member_client, campus):
    page = member_client.get(url("core:routine_create", campus))
    assert page.status_code == 200 and 'data-freq="weekdays"' in page.content.decode()
    data = {
        "name": "每周一大型玩具检查",
        "category": "safety.facilities",
        "responsible_role": "repair_worker",
        "frequency": "weekdays",
        "weekdays": ["0"],
        "interval_weeks": "1",
        "offset_days": "0",
        "grace_days": "0",
        "window_start": "07:30",
        "window_end": "09:00",
        "school_days_only": "on",
        "is_active": "on",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "60",
        "items-0-order": "1",
        "items-0-label": "螺丝无松动",
        "items-0-kind": "pass_fail",
        "items-0-required": "on",
        "items-1-order": "2",
        "items-1-label": "滑梯表面温度",
        "items-1-kind": "value",
        "items-1-unit": "℃",
        "items-1-max_value": "50",
        "items-1-required": "on",
        "items-2-order": "0",
        "items-2-kind": "pass_fail",
        "items-2-required": "on",  # an untouched empty row, as the browser sends it
    }
    response = member_client.post(url("core:routine_create", campus), data)
    assert response.status_code == 302, response.context["formset"].errors if response.context else response
    template = RoutineTemplate.objects.get(name="每周一大型玩具检查")
    assert template.weekdays == [0] and template.window_start == dt.time(7, 30)
    assert list(template.items.values_list("label", flat=True)) == ["螺丝无松动", "滑梯表面温度"]
    detail = member_client.get(url("core:routine_detail", campus, pk=template.pk)).content.decode()
    assert "滑梯表面温度" in detail and "≤ 50 ℃" in detail

    # edit: a choice item, remove the first
    items = list(template.items.order_by("order"))
    edit = {
        **{k: v for k, v in data.items() if not k.startswith("items-")},
        "weekdays": ["0", "3"],
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "2",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "60",
        "items-0-id": str(items[0].pk),
        "items-0-order": "1",
        "items-0-label": "螺丝无松动",
        "items-0-kind": "pass_fail",
        "items-0-DELETE": "on",
        "items-1-id": str(items[1].pk),
        "items-1-order": "2",
        "items-1-label": "滑梯表面温度",
        "items-1-kind": "value",
        "items-1-unit": "℃",
        "items-1-max_value": "50",
        "items-1-required": "on",
        "items-2-order": "3",
        "items-2-label": "整体状况",
        "items-2-kind": "choice",
        "items-2-choices": "良好 / 一般 / 损坏",
        "items-2-failing_choices": "损坏",
        "items-2-required": "on",
    }
    response = member_client.post(url("core:routine_update", campus, pk=template.pk), edit)
    assert response.status_code == 302, response.context["formset"].errors if response.context else response
    template.refresh_from_db()
    assert template.weekdays == [0, 3]
    labels = list(RoutineItem.objects.filter(template=template).values_list("label", "choices", "failing_choices"))
    assert labels == [("滑梯表面温度", [], []), ("整体状况", ["良好", "一般", "损坏"], ["损坏"])]
    assert AuditEvent.objects.filter(action="delete", object_repr="螺丝无松动").exists()


def test_routine_form_rejects_an_inconsistent_frequency(member_client, campus):
    data = {
        "name": "x", "category": "safety.patrol", "frequency": "monthly_day", "interval_weeks": "1",
        "offset_days": "0", "grace_days": "0", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1", "items-MAX_NUM_FORMS": "60", "items-0-order": "1", "items-0-label": "a",
        "items-0-kind": "pass_fail",
    }  # fmt: skip
    response = member_client.post(url("core:routine_create", campus), data)
    assert response.status_code == 200
    assert "month_day" in response.context["form"].errors
    assert not RoutineTemplate.objects.exists()


def test_cook_cannot_manage_routines(other_role_client, campus, patrol):
    assert other_role_client.get(url("core:routine_list", campus)).status_code == 200
    assert other_role_client.get(url("core:routine_detail", campus, pk=patrol.pk)).status_code == 200
    assert other_role_client.get(url("core:routine_create", campus)).status_code == 403
    assert other_role_client.get(url("core:routine_update", campus, pk=patrol.pk)).status_code == 403
    assert other_role_client.post(url("core:routine_library", campus), {"keys": ["safety.closing_check"]}).status_code == 403


def test_outsider_gets_404(outsider_client, campus, patrol):
    occ = occ_for(patrol)
    for path in (
        url("core:routine_today", campus),
        url("core:routine_detail", campus, pk=patrol.pk),
        url("core:occurrence_detail", campus, pk=occ.pk),
        url("core:routine_complete", campus, pk=occ.pk),
        url("core:routine_report", campus),
    ):
        assert outsider_client.get(path).status_code == 404


def test_another_campus_check_is_404_for_a_member(member_client, other_campus):
    occ = f.RoutineOccurrenceFactory(campus=other_campus)
    assert member_client.get(url("core:occurrence_detail", other_campus.organization.campuses.first(), pk=occ.pk)).status_code == 404


# --- library, report, dashboard ------------------------------------------------------------------


def test_library_page_enables_routines(member_client, campus):
    page = member_client.get(url("core:routine_library", campus))
    assert page.status_code == 200
    body = page.content.decode()
    assert "门卫一日5巡" in body and "每两周" in body
    response = member_client.post(url("core:routine_library", campus), {"keys": ["safety.closing_check", "safety.gate_patrol_1"]})
    assert response.status_code == 302
    assert RoutineTemplate.objects.filter(campus=campus).count() == 2
    body = member_client.get(url("core:routine_library", campus)).content.decode()
    assert body.count("checked disabled") == 2
    assert member_client.post(url("core:routine_library", campus), {}).status_code == 200  # nothing chosen


def test_report_rates_chart_and_export(member_client, campus, patrol, guard):
    today = timezone.localdate()
    for days, status in ((3, "done"), (2, "done"), (1, "missed")):
        occ = occ_for(patrol, date=today - dt.timedelta(days=days), status=status)
        if status == "done":
            occ.completed_by, occ.completed_at = guard, occ.window_start + dt.timedelta(minutes=5)
            occ.save()
    base = url("core:routine_report", campus)
    query = f"?date_from={today - dt.timedelta(days=7):%Y-%m-%d}&date_to={today:%Y-%m-%d}&by=routine"
    page = member_client.get(base + query)
    assert page.status_code == 200
    report = page.context["report"]
    row = next(r for r in report["rows"] if r["label"] == "门卫巡查")
    assert (row["done"], row["missed"], row["rate"]) == (2, 1, 66.7)
    assert 'data-testid="chart-routines"' in page.content.decode()
    for by in ("place", "responsible", "completer"):
        assert member_client.get(base + query.replace("by=routine", f"by={by}")).status_code == 200
    export = member_client.get(base + query + "&export=xlsx")
    assert export.status_code == 200
    assert member_client.get(base).status_code == 200  # default range
    assert member_client.get(base + "?date_from=2026-12-01&date_to=2026-01-01&by=routine").context["report"] is None


def test_dashboard_shows_overdue_and_due_checks(guard_client, campus, patrol):
    now = timezone.now()
    occ_for(patrol, start=now - dt.timedelta(hours=2), end=now - dt.timedelta(hours=1))
    later = f.RoutineTemplateFactory(campus=campus, name="午巡", responsible_role=Role.GUARD)
    occ_for(later, start=now + dt.timedelta(minutes=30), end=now + dt.timedelta(hours=1))
    body = guard_client.get(url("core:dashboard", campus)).content.decode()
    assert "门卫巡查" in body and "午巡" in body
    cards = guard_client.get(url("core:dashboard", campus)).context["cards"]
    levels = {c.title: c.level for c in cards}
    assert "danger" in levels.values() and "warning" in levels.values()


def test_missed_card_for_leaders(member_client, campus, patrol):
    occ_for(patrol, date=timezone.localdate() - dt.timedelta(days=1), status="missed")
    cards = member_client.get(url("core:dashboard", campus)).context["cards"]
    assert any(c.count == 1 and c.level == "danger" for c in cards)
