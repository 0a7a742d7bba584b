"""The routines API: routines and the library, checks (today, list, detail, complete with
photos, void), follow-ups of failed items and completion rates; permissions."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from houqin.core import routines
from houqin.core.models import GeneralRequest, RoutineItem, RoutineOccurrence, RoutineResult, RoutineTemplate
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
Kind = RoutineItem.Kind
BASE = "c/main"


@pytest.fixture
def guard(make_member):
    return make_member(Role.GUARD, username="guard")


@pytest.fixture
def guard_api(guard, api_for):
    return api_for(guard)


@pytest.fixture
def patrol(campus):
    t = f.RoutineTemplateFactory(campus=campus, name="门卫巡查", responsible_role=Role.GUARD, category="safety.patrol")
    f.RoutineItemFactory(template=t, order=1, label="大门完好")
    f.RoutineItemFactory(template=t, order=2, label="巡查时长", kind=Kind.VALUE, unit="分钟", min_value=10)
    return t


@pytest.fixture
def occurrence(patrol):
    return f.RoutineOccurrenceFactory(campus=patrol.campus, template=patrol)


def items(template):
    return {i.order: i for i in template.items.all()}


def test_templates_list_detail_create(member_api, other_role_api, patrol):
    listed = member_api.get(f"{BASE}/routines")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    row = listed.json()["items"][0]
    assert row["name"] == "门卫巡查" and len(row["items"]) == 2 and row["frequency_label"]
    assert member_api.get(f"{BASE}/routines/{patrol.pk}").json()["responsible_role"] == "guard"
    payload = {
        "name": "每两周周四卫生检查",
        "category": "environment",
        "responsible_role": "logistics_head",
        "frequency": "every_n_weeks",
        "interval_weeks": 2,
        "weekday": 3,
        "window_start": "09:00",
        "window_end": "12:00",
        "items": [
            {"label": "活动室卫生"},
            {"label": "幼儿进餐情况", "kind": "choice", "choices": ["良好", "较差"], "failing_choices": ["较差"]},
        ],
    }
    assert other_role_api.post(f"{BASE}/routines", payload).status_code == 403  # cook
    created = member_api.post(f"{BASE}/routines", payload)
    assert created.status_code == 201, created.content
    assert [i["label"] for i in created.json()["items"]] == ["活动室卫生", "幼儿进餐情况"]
    bad = member_api.post(f"{BASE}/routines", {**payload, "frequency": "weekdays", "weekdays": []})
    assert bad.status_code == 422 and "weekdays" in bad.json()["errors"]
    bad_item = member_api.post(f"{BASE}/routines", {**payload, "items": [{"label": "x", "kind": "choice", "choices": ["a"]}]})
    assert bad_item.status_code == 422 and "items.0.choices" in bad_item.json()["errors"]
    assert member_api.post(f"{BASE}/routines", {**payload, "items": []}).status_code == 422
    patched = member_api.patch(f"{BASE}/routines/{patrol.pk}", {"window_start": "07:00", "window_end": "07:40"})
    assert patched.status_code == 200 and patched.json()["window_start"] == "07:00:00"


def test_library_list_and_enable(member_api, other_role_api, campus):
    library = member_api.get(f"{BASE}/routine-library").json()
    assert len(library) >= 20 and not any(e["enabled"] for e in library)
    assert other_role_api.post(f"{BASE}/routine-library/enable", {"keys": ["safety.closing_check"]}).status_code == 403
    enabled = member_api.post(f"{BASE}/routine-library/enable", {"keys": ["safety.closing_check", "safety.gate_patrol_2"]})
    assert enabled.status_code == 201 and len(enabled.json()) == 2
    assert member_api.post(f"{BASE}/routine-library/enable", {"keys": ["safety.closing_check"]}).json() == []
    assert member_api.post(f"{BASE}/routine-library/enable", {"keys": ["nope"]}).status_code == 422
    assert sum(e["enabled"] for e in member_api.get(f"{BASE}/routine-library").json()) == 2


def test_today_and_complete_by_json(guard_api, other_role_api, occurrence, patrol, campus):
    today = guard_api.get(f"{BASE}/routine-checks/today")
    assert today.status_code == 200 and [o["id"] for o in today.json()] == [occurrence.pk]
    assert other_role_api.get(f"{BASE}/routine-checks/today").json() == []
    detail = guard_api.get(f"{BASE}/routine-checks/{occurrence.pk}").json()
    assert detail["can_complete"] and [i["label"] for i in detail["items"]] == ["大门完好", "巡查时长"]
    it = items(patrol)
    body = {"results": [{"item": it[1].pk, "passed": True}, {"item": it[2].pk, "value": 8}], "notes": "夜巡"}
    assert other_role_api.post(f"{BASE}/routine-checks/{occurrence.pk}/complete", body).status_code == 403
    incomplete = guard_api.post(f"{BASE}/routine-checks/{occurrence.pk}/complete", {"results": [{"item": it[1].pk, "passed": True}]})
    assert incomplete.status_code == 422 and f"item_{it[2].pk}" in incomplete.json()["errors"]
    bad_json = guard_api.post(f"{BASE}/routine-checks/{occurrence.pk}/complete", {"results": [{"passed": True}]})
    assert bad_json.status_code == 422 and "results.0.item" in bad_json.json()["errors"]
    done = guard_api.post(f"{BASE}/routine-checks/{occurrence.pk}/complete", body)
    assert done.status_code == 200, done.content
    data = done.json()
    assert data["status"] == "done" and data["failed_count"] == 1 and data["notes"] == "夜巡"
    assert [r["passed"] for r in data["results"]] == [True, False]
    again = guard_api.post(f"{BASE}/routine-checks/{occurrence.pk}/complete", body)
    assert again.status_code == 422


def test_complete_with_photos_by_multipart(guard, api_for, campus):
    template = f.RoutineTemplateFactory(campus=campus, responsible_role=Role.GUARD)
    item = f.RoutineItemFactory(template=template, label="灭火器压力表", photo_required=True)
    occ = f.RoutineOccurrenceFactory(campus=campus, template=template)
    api = api_for(guard)
    body = {"results": [{"item": item.pk, "passed": True}]}
    assert api.post(f"{BASE}/routine-checks/{occ.pk}/complete", body).status_code == 422  # photo required
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 200, 0)).save(out, "JPEG")
    response = api.client.post(
        f"/api/v1/{BASE}/routine-checks/{occ.pk}/complete",
        {"data": json.dumps(body), f"photo_{item.pk}": SimpleUploadedFile("g.jpg", out.getvalue(), "image/jpeg")},
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["results"][0]["photos"]) == 1


def test_list_filters_void_and_follow_up(member_api, guard_api, guard, occurrence, patrol, campus):
    request_action = []

    def handler(*, actor, result):
        obj = GeneralRequest.objects.create(campus_id=result.campus_id, title="整改", requested_by=actor)
        request_action.append(obj)
        return obj

    routines.register_fail_action("test_request", label="Open a request", permission="core.create_requests", handler=handler)
    try:
        it = items(patrol)
        guard_api.post(
            f"{BASE}/routine-checks/{occurrence.pk}/complete",
            {"results": [{"item": it[1].pk, "passed": False, "note": "锁坏"}, {"item": it[2].pk, "value": 12}]},
        )
        missed = f.RoutineOccurrenceFactory(campus=campus, template=patrol, date=timezone.localdate() - dt.timedelta(days=1), status="missed")
        listed = member_api.get(f"{BASE}/routine-checks", {"status": "missed"}).json()
        assert [o["id"] for o in listed["items"]] == [missed.pk]
        assert [o["id"] for o in member_api.get(f"{BASE}/routine-checks", {"failed": "true"}).json()["items"]] == [occurrence.pk]
        assert member_api.get(f"{BASE}/routine-checks", {"person": guard.pk}).json()["count"] == 1
        detail = member_api.get(f"{BASE}/routine-checks/{occurrence.pk}").json()
        assert "test_request" in [a["key"] for a in detail["follow_up_actions"]]
        failed = RoutineResult.objects.get(occurrence=occurrence, passed=False)
        follow = guard_api.post(f"{BASE}/routine-results/{failed.pk}/follow-up", {"action": "test_request"})
        assert follow.status_code == 201 and follow.json()["type"] == "core.generalrequest"
        assert guard_api.post(f"{BASE}/routine-results/{failed.pk}/follow-up", {"action": "test_request"}).status_code == 422
        assert guard_api.post(f"{BASE}/routine-results/{failed.pk}/follow-up", {"action": "nope"}).status_code == 422
        detail = member_api.get(f"{BASE}/routine-checks/{occurrence.pk}").json()
        assert detail["results"][0]["follow_up"]["kind"] == "test_request"
        # void
        assert guard_api.post(f"{BASE}/routine-checks/{occurrence.pk}/void", {"reason": "x"}).status_code == 403
        assert member_api.post(f"{BASE}/routine-checks/{occurrence.pk}/void", {"reason": ""}).status_code == 422
        voided = member_api.post(f"{BASE}/routine-checks/{occurrence.pk}/void", {"reason": "记录有误"})
        assert voided.status_code == 200 and voided.json()["status"] == "pending"
        assert all(r["voided_at"] for r in voided.json()["results"])
    finally:
        routines.unregister_fail_action("test_request")


def test_report(member_api, guard, patrol, campus):
    today = timezone.localdate()
    occ = f.RoutineOccurrenceFactory(campus=campus, template=patrol, date=today - dt.timedelta(days=2), status="done")
    occ.completed_by, occ.completed_at = guard, occ.window_start
    occ.save()
    f.RoutineOccurrenceFactory(campus=campus, template=patrol, date=today - dt.timedelta(days=1), status="missed")
    report = member_api.get(f"{BASE}/routine-report", {"by": "routine"}).json()
    assert report["rows"][0]["rate"] == 50.0 and report["totals"]["missed"] == 1
    assert member_api.get(f"{BASE}/routine-report", {"by": "completer"}).json()["rows"][0]["done"] == 1
    assert member_api.get(f"{BASE}/routine-report", {"by": "nope"}).status_code == 422


def test_outsider_and_other_campus(outsider_api, member_api, other_campus):
    occ = f.RoutineOccurrenceFactory(campus=other_campus)
    assert outsider_api.get(f"{BASE}/routine-checks").status_code == 404
    assert member_api.get(f"{BASE}/routine-checks/{occ.pk}").status_code == 404
    assert member_api.get(f"{BASE}/routines/{occ.template_id}").status_code == 404


def test_list_queries_do_not_grow(member_api, campus, django_assert_max_num_queries):
    f.RoutineOccurrenceFactory.create_batch(5, campus=campus)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member_api.get(f"{BASE}/routine-checks")  # warm-up (token bookkeeping)
    counts = []
    for n in (5, 60):
        f.RoutineOccurrenceFactory.create_batch(n - RoutineOccurrence.objects.count(), campus=campus)
        with CaptureQueriesContext(connection) as ctx:
            assert member_api.get(f"{BASE}/routine-checks", {"limit": 200}).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        member_api.get(f"{BASE}/routines", {"limit": 200})
    assert RoutineTemplate.objects.count() >= 60
