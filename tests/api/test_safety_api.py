"""The safety API: hazards through to closure, drills, agreements, education, emergency
plans, duty swaps and the fire report — same rules and permissions as the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.core import approvals
from houqin.safety.models import DutySwap, Hazard
from tests import factories as f
from tests.safety.hazard_helpers import make_people, png

pytestmark = pytest.mark.django_db
BASE = "c/main"


@pytest.fixture
def people(make_member, member):
    return make_people(make_member, member)


@pytest.fixture
def apis(people, api_for):
    return {name: api_for(user) for name, user in people.items()}


def upload(api, path, **data):
    return api.client.post(api.url(path), data)


def test_hazard_flow_to_closure(campus, people, apis):
    room = f.RoomFactory(campus=campus)
    response = apis["cook"].post(f"{BASE}/hazards", {"room": room.pk, "description": "电线裸露", "severity": "medium",
                                                     "owner": people["cook"].pk})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    hazard_id = body["id"]
    assert body["number"].startswith("YH-") and body["status"] == "reported"  # a cook cannot assign
    assert body["building"] == room.building_id and body["is_overdue"] is False
    assert (
        upload(apis["cook"], f"{BASE}/hazards/{hazard_id}/photos", file=png(), kind="before").status_code
        == 201
    )
    assert (
        apis["cook"].post(f"{BASE}/hazards/{hazard_id}/assign", {"owner": people["repair"].pk}).status_code
        == 403
    )
    response = apis["head"].post(f"{BASE}/hazards/{hazard_id}/assign", {"owner": people["repair"].pk})
    assert response.status_code == 200 and response.json()["status"] == "assigned"
    # rectify without an after-photo: 422 with the field
    response = apis["repair"].post(f"{BASE}/hazards/{hazard_id}/rectify", {"note": "已包扎"})
    assert response.status_code == 422 and "photos" in response.json()["errors"]
    # only the owner (or a manager) adds after-photos
    assert (
        upload(apis["cook"], f"{BASE}/hazards/{hazard_id}/photos", file=png(), kind="after").status_code
        == 403
    )
    assert (
        upload(apis["repair"], f"{BASE}/hazards/{hazard_id}/photos", file=png(), kind="after").status_code
        == 201
    )
    response = apis["repair"].post(f"{BASE}/hazards/{hazard_id}/rectify", {"note": "已更换电线"})
    assert response.status_code == 200 and response.json()["status"] == "rectified"
    assert Hazard.objects.get(pk=hazard_id).rectified_by == people["repair"]
    response = apis["head"].post(f"{BASE}/hazards/{hazard_id}/send-back", {"reason": ""})
    assert response.status_code == 422
    response = apis["head"].post(f"{BASE}/hazards/{hazard_id}/verify", {"note": "合格"})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert response.json()["verified_by"] == people["head"].pk
    response = apis["head"].post(f"{BASE}/hazards/{hazard_id}/reopen", {"reason": "又裸露了"})
    assert response.status_code == 200 and response.json()["status"] == "assigned"
    assert response.json()["reopen_count"] == 1


def test_verifier_must_differ_via_api(campus, people, apis):
    room = f.RoomFactory(campus=campus)
    hazard_id = (
        apis["head"]
        .post(f"{BASE}/hazards", {"room": room.pk, "description": "门锁坏", "owner": people["head"].pk})
        .json()["id"]
    )
    upload(apis["head"], f"{BASE}/hazards/{hazard_id}/photos", file=png(), kind="after")
    apis["head"].post(f"{BASE}/hazards/{hazard_id}/rectify", {"note": "换锁"})
    response = apis["head"].post(f"{BASE}/hazards/{hazard_id}/verify", {})
    assert response.status_code == 403 and response.json()["detail"]
    assert apis["principal"].post(f"{BASE}/hazards/{hazard_id}/verify", {}).json()["status"] == "closed"


def test_hazard_list_filters_and_campus_isolation(campus, other_campus, people, apis):
    overdue = f.HazardFactory(campus=campus, status="assigned", owner=people["repair"],
                              deadline=timezone.localdate() - dt.timedelta(days=1), severity="high")  # fmt: skip
    f.HazardFactory(campus=campus)
    foreign = f.HazardFactory(campus=other_campus)
    items = apis["cook"].get(f"{BASE}/hazards").json()
    assert items["count"] == 2
    assert [h["id"] for h in apis["cook"].get(f"{BASE}/hazards", {"overdue": "true"}).json()["items"]] == [
        overdue.pk
    ]
    assert apis["cook"].get(f"{BASE}/hazards", {"severity": "high"}).json()["count"] == 1
    assert apis["cook"].get(f"{BASE}/hazards/{foreign.pk}").status_code == 404
    foreign_room = f.RoomFactory(campus=other_campus)
    response = apis["cook"].post(f"{BASE}/hazards", {"room": foreign_room.pk, "description": "x"})
    assert response.status_code == 422 and "room" in response.json()["errors"]


def test_drill_record_and_follow_up(campus, people, apis):
    planned = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    drill = apis["head"].post(
        f"{BASE}/drills", {"title": "地震演练", "kind": "earthquake", "planned_at": planned}
    )
    assert drill.status_code == 201
    drill_id = drill.json()["id"]
    assert apis["cook"].post(f"{BASE}/drills", {"title": "x", "planned_at": planned}).status_code == 403
    group = apis["head"].post(
        f"{BASE}/drills/{drill_id}/groups", {"role": "guide", "leader": people["teacher"].pk}
    )
    assert group.status_code == 201 and group.json()["leader_name"] == people["teacher"].display_name
    record = apis["head"].post(
        f"{BASE}/drills/{drill_id}/record",
        {
            "held_at": planned,
            "children_count": 200,
            "staff_count": 30,
            "evacuation_seconds": 140,
            "reflection": "有序",
        },
    )
    assert (
        record.status_code == 200 and record.json()["status"] == "done" and len(record.json()["groups"]) == 1
    )
    fu = apis["head"].post(
        f"{BASE}/drills/{drill_id}/follow-ups", {"description": "明确搜救分区", "owner": people["repair"].pk}
    )
    hazard = apis["head"].post(
        f"{BASE}/drills/{drill_id}/follow-ups/{fu.json()['id']}/hazard", {"severity": "low"}
    )
    assert (
        hazard.status_code == 201
        and hazard.json()["source"] == "drill"
        and hazard.json()["status"] == "assigned"
    )


def test_agreements(campus, people, apis):
    term = f.TermFactory(campus=campus)
    response = apis["head"].post(
        f"{BASE}/agreements", {"term": term.pk, "title": "安全责任书", "roles": ["cook", "guard"]}
    )
    assert response.status_code == 201, response.content
    agreement = response.json()
    assert agreement["required"] == 2 and agreement["signed"] == 0 and len(agreement["missing"]) == 2
    signed = apis["cook"].post(f"{BASE}/agreements/{agreement['id']}/confirm")
    assert signed.status_code == 201 and signed.json()["method"] == "onscreen"
    assert apis["cook"].post(f"{BASE}/agreements/{agreement['id']}/confirm").status_code == 422
    assert apis["teacher"].post(f"{BASE}/agreements/{agreement['id']}/confirm").status_code == 403
    scan = upload(
        apis["head"], f"{BASE}/agreements/{agreement['id']}/signatures", scan=png(), user=people["guard"].pk
    )
    assert scan.status_code == 201, scan.content
    detail = apis["teacher"].get(f"{BASE}/agreements/{agreement['id']}").json()
    assert detail["signed"] == 2 and detail["rate"] == 100.0 and detail["missing"] == []
    mine = apis["cook"].get(f"{BASE}/my/agreements").json()
    assert mine[0]["signed_at"]
    bad = apis["head"].post(f"{BASE}/agreements", {"term": term.pk, "title": "x", "roles": ["nobody"]})
    assert bad.status_code == 422


def test_education_and_1530(campus, people, apis):
    today = timezone.localdate()
    term = f.TermFactory(
        campus=campus, start_date=today - dt.timedelta(days=20), end_date=today + dt.timedelta(days=60)
    )
    themes = apis["head"].post(f"{BASE}/education/prefill", {"term": term.pk})
    assert themes.status_code == 201 and themes.json()
    cls = f.SchoolClassFactory(campus=campus)
    record = apis["teacher"].post(
        f"{BASE}/education/records",
        {"theme": themes.json()[0]["id"], "school_class": cls.pk, "held_on": today.isoformat()},
    )
    assert record.status_code == 201, record.content
    assert apis["cook"].get(f"{BASE}/education/themes").status_code == 403
    due = apis["teacher"].get(f"{BASE}/education/1530/classes/{cls.pk}").json()
    first = due[0]
    assert first["reason"] == "holiday" and first["minutes"] == 30 and not first["done"]
    talk = apis["teacher"].post(
        f"{BASE}/education/1530/talks", {"school_class": cls.pk, "date": first["date"], "slot": first["slot"]}
    )
    assert talk.status_code == 201 and talk.json()["minutes"] == 30
    overview = apis["teacher"].get(f"{BASE}/education/1530").json()
    assert overview[0]["done"] == 1 and overview[0]["due"] == len(due)


def test_activity_plan_approval(campus, people, apis):
    starts = (timezone.now() + dt.timedelta(days=7)).isoformat()
    plan = apis["teacher"].post(
        f"{BASE}/activity-plans",
        {
            "title": "秋游",
            "starts_at": starts,
            "destination": "植物园",
            "risks": "走失",
            "measures": "清点人数",
        },
    )
    assert plan.status_code == 201, plan.content
    plan_id = plan.json()["id"]
    assert apis["teacher"].post(f"{BASE}/activity-plans/{plan_id}/submit").json()["status"] == "pending"
    from houqin.safety.models import ActivityPlan

    approval = approvals.current_request(ActivityPlan.objects.get(pk=plan_id))
    apis["head"].post(f"{BASE}/approvals/{approval.pk}/decide", {"decision": "approve"})
    apis["principal"].post(f"{BASE}/approvals/{approval.pk}/decide", {"decision": "approve"})
    assert apis["teacher"].get(f"{BASE}/activity-plans/{plan_id}").json()["status"] == "approved"


def test_emergency_plans(campus, people, apis):
    plan = apis["head"].post(f"{BASE}/emergency-plans", {"title": "火灾应急预案", "category": "fire"}).json()
    assert apis["cook"].post(f"{BASE}/emergency-plans/{plan['id']}/acknowledge").status_code == 422
    published = apis["head"].post(
        f"{BASE}/emergency-plans/{plan['id']}/versions", {"version": "V1", "text": "报警"}
    )
    assert published.status_code == 201 and published.json()["current_version"]["version"] == "V1"
    read = apis["cook"].post(f"{BASE}/emergency-plans/{plan['id']}/acknowledge")
    assert read.status_code == 200 and read.json()["read_by_me"] is True and read.json()["read_count"] == 1
    unread = {p["id"] for p in apis["head"].get(f"{BASE}/emergency-plans/{plan['id']}/unread").json()}
    assert people["cook"].pk not in unread and people["guard"].pk in unread
    apis["head"].post(f"{BASE}/emergency-plans/{plan['id']}/versions", {"version": "V2", "text": "修订"})
    assert apis["cook"].get(f"{BASE}/emergency-plans/{plan['id']}").json()["read_by_me"] is False
    assert apis["cook"].get(f"{BASE}/emergency-plans/{plan['id']}/unread").status_code == 403


def test_duty_swap_via_api(campus, people, apis):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    shift = apis["head"].post(
        f"{BASE}/duty/shifts", {"date": tomorrow, "kind": "admin", "person": people["duty"].pk}
    )
    assert shift.status_code == 201
    shift_id = shift.json()["id"]
    assert (
        apis["cook"].post(f"{BASE}/duty/shifts", {"date": tomorrow, "person": people["cook"].pk}).status_code
        == 403
    )
    assert (
        apis["guard"]
        .post(f"{BASE}/duty/shifts/{shift_id}/swap", {"replacement": people["head"].pk, "reason": "x"})
        .status_code
        == 403
    )
    swap = apis["duty"].post(
        f"{BASE}/duty/shifts/{shift_id}/swap", {"replacement": people["principal"].pk, "reason": "培训"}
    )
    assert swap.status_code == 201 and swap.json()["status"] == "pending"
    approval = approvals.current_request(DutySwap.objects.get())
    assert (
        apis["head"].post(f"{BASE}/approvals/{approval.pk}/decide", {"decision": "approve"}).status_code
        == 200
    )
    assert apis["cook"].get(f"{BASE}/duty/shifts/{shift_id}").json()["person"] == people["principal"].pk
    today = apis["cook"].get(f"{BASE}/duty/today")
    assert today.status_code == 200 and today.json() == []


def test_fire_report(campus, people, apis):
    f.HazardFactory(campus=campus, category="fire")
    report = apis["head"].get(f"{BASE}/fire-report", {"month": timezone.localdate().strftime("%Y-%m")})
    assert report.status_code == 200
    assert report.json()["hazards_found"] == 1
    assert apis["head"].get(f"{BASE}/fire-report", {"month": "2026-13"}).status_code == 422
    assert apis["cook"].get(f"{BASE}/fire-report").status_code == 403
    duty_admin = apis["duty"]
    assert duty_admin.get(f"{BASE}/fire-report").status_code == 200


@pytest.mark.parametrize(
    "path,make",
    [
        ("hazards", lambda c, u: f.HazardFactory(campus=c, owner=u)),
        ("agreements", lambda c, u: f.AgreementFactory(campus=c)),
        ("emergency-plans", lambda c, u: f.EmergencyPlanFactory(campus=c)),
        ("duty/shifts", lambda c, u: f.DutyShiftFactory(campus=c, person=u)),
        ("drills", lambda c, u: f.DrillFactory(campus=c)),
        ("activity-plans", lambda c, u: f.ActivityPlanFactory(campus=c)),
        ("duty/swaps", lambda c, u: f.DutySwapFactory(campus=c)),
    ],
)
def test_list_query_counts_are_bounded(campus, people, apis, path, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        make(campus, people["repair"])
    apis["head"].get(f"{BASE}/{path}")  # the first call also records the token's use
    with CaptureQueriesContext(connection) as small:
        assert apis["head"].get(f"{BASE}/{path}").status_code == 200
    for _ in range(30):
        make(campus, people["cook"])
    with CaptureQueriesContext(connection) as big:
        response = apis["head"].get(f"{BASE}/{path}")
    assert response.json()["count"] == 33
    assert len(small) == len(big), path
