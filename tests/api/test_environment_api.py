"""The environment API: zones and routines, sheets, inspections with scores, rankings,
problems (send back, fix, verify), greening, functional rooms, dormitories and the term
report — same rules and permissions as the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.environment import services
from houqin.environment.models import CleaningZone, HygieneInspection, HygieneProblem, ScoringItem
from houqin.safety.models import Hazard
from tests import factories as f
from tests.environment.conftest import classes, people, png, sheet, term, zones  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "c/main/environment"


@pytest.fixture
def apis(people, api_for):  # noqa: F811
    return {name: api_for(user) for name, user in people.items()}


def upload(api, path, **data):
    return api.client.post(api.url(path), data)


def test_zones_with_their_routines(campus, term, classes, people, apis):  # noqa: F811
    room = classes["小一班"].room
    body = {
        "name": "小一班活动室",
        "rooms": [room.pk],
        "school_class": classes["小一班"].pk,
        "routines": True,
    }
    assert apis["teacher"].post(f"{BASE}/zones", body).status_code == 403
    response = apis["head"].post(f"{BASE}/zones", body)
    assert response.status_code == 201, response.content
    zone = response.json()
    assert zone["rooms"] == [room.pk] and zone["daily_routine"] and zone["weekly_routine"]
    assert zone["responsible_person"] == people["teacher"].display_name
    response = apis["head"].post(f"{BASE}/zones", {"name": "空", "responsible": people["cook"].pk})
    assert response.status_code == 422 and "area_text" in response.json()["errors"]
    foreign = f.RoomFactory(campus=f.CampusFactory(code="elsewhere"))
    response = apis["head"].post(f"{BASE}/zones", {**body, "name": "x", "rooms": [foreign.pk]})
    assert response.status_code == 422 and "rooms" in response.json()["errors"]
    response = apis["head"].patch(f"{BASE}/zones/{zone['id']}", {"responsible": people["teacher2"].pk})
    assert response.status_code == 200 and response.json()["responsible"] == people["teacher2"].pk
    detail = apis["teacher"].get(f"{BASE}/zones/{zone['id']}").json()
    assert detail["open_problems"] == 0 and "cleaning_this_term" in detail
    assert apis["cook"].get(f"{BASE}/zones").json()["count"] == 1


def test_sheets(campus, people, apis):  # noqa: F811
    body = {
        "name": "抽查表",
        "items": [{"label": "地面无纸屑", "max_points": "50"}, {"label": "窗明几净", "max_points": 50}],
    }
    response = apis["head"].post(f"{BASE}/sheets", body)
    assert response.status_code == 201
    created = response.json()
    assert created["is_default"] and created["full_marks"] == "100.0" and len(created["items"]) == 2
    assert apis["health"].post(f"{BASE}/sheets", body).status_code == 403
    items = [{"id": created["items"][0]["id"], "label": "地面无纸屑、无杂物", "max_points": 60}]
    response = apis["head"].patch(f"{BASE}/sheets/{created['id']}", {"name": "抽查表", "items": items})
    assert [i["label"] for i in response.json()["items"]] == ["地面无纸屑、无杂物"]


def test_inspection_with_scores_problems_and_ranking(campus, people, apis, zones, sheet):  # noqa: F811
    items = list(ScoringItem.objects.filter(sheet=sheet).order_by("order"))
    a, b = zones["小一班"], zones["中一班"]
    body = {
        "kind": "weekly",
        "scores": [
            {"zone": a.pk, "deductions": {str(items[0].pk): "3"}, "note": "地面有纸屑", "send_back": True},
            {"zone": b.pk, "deductions": {}},
        ],
        "submit": True,
    }
    assert apis["teacher"].post(f"{BASE}/inspections", body).status_code == 403
    bad = {**body, "scores": [{"zone": a.pk, "deductions": {str(items[0].pk): "99"}}]}
    response = apis["head"].post(f"{BASE}/inspections", bad)
    assert response.status_code == 422 and f"zone_{a.pk}" in response.json()["errors"]
    assert not HygieneInspection.objects.exists()  # all or nothing
    response = apis["head"].post(f"{BASE}/inspections", body)
    assert response.status_code == 201, response.content
    inspection = response.json()
    assert inspection["status"] == "submitted" and len(inspection["problems"]) == 1
    scores = {s["zone"]: s for s in inspection["scores"]}
    assert scores[a.pk]["total"] == "97.0" and scores[b.pk]["percent"] == "100.0"
    response = apis["head"].post(f"{BASE}/inspections/{inspection['id']}/scores", {"scores": body["scores"]})
    assert response.status_code == 422  # a record now
    response = apis["teacher"].get(
        f"{BASE}/rankings", {"period": "week", "date": timezone.localdate().isoformat()}
    )
    rows = response.json()["rows"]
    assert [(r["zone"], r["rank"]) for r in rows] == [(b.pk, 1), (a.pk, 2)] and rows[1][
        "responsible"
    ] == "李晓燕"
    assert apis["teacher"].get(f"{BASE}/rankings", {"group": "class"}).json()["rows"][0]["label"] == "中一班"
    assert apis["teacher"].get(f"{BASE}/rankings", {"period": "year"}).status_code == 422
    response = apis["head"].post(f"{BASE}/inspections/{inspection['id']}/void", {"reason": "录错"})
    assert response.json()["status"] == "void"
    assert HygieneProblem.objects.get().status == "void"


def test_a_draft_inspection_step_by_step(campus, people, apis, zones, sheet):  # noqa: F811
    response = apis["health"].post(f"{BASE}/inspections", {"kind": "spot"})
    draft = response.json()
    assert draft["status"] == "draft"
    zone = zones["楼道"]
    path = f"{BASE}/inspections/{draft['id']}/zones/{zone.pk}/photos"
    assert upload(apis["health"], path, file=png()).status_code == 404  # the zone is not scored yet
    apis["health"].post(f"{BASE}/inspections/{draft['id']}/scores", {"scores": [{"zone": zone.pk}]})
    assert upload(apis["health"], path, file=png()).status_code == 201
    response = apis["health"].post(f"{BASE}/inspections/{draft['id']}/submit")
    assert response.json()["status"] == "submitted"
    assert upload(apis["health"], path, file=png()).status_code == 422


def test_problem_round_trip(campus, people, apis, zones):  # noqa: F811
    zone = zones["小一班"]
    response = apis["head"].post(f"{BASE}/problems", {"zone": zone.pk, "description": "窗台有灰"})
    assert response.status_code == 201
    problem = response.json()
    assert problem["responsible"] == people["teacher"].pk and problem["number"].startswith("WS-")
    path = f"{BASE}/problems/{problem['id']}"
    assert apis["teacher"].post(f"{BASE}/problems", {"zone": zone.pk, "description": "x"}).status_code == 403
    response = apis["teacher"].post(f"{path}/fix", {"note": "已擦"})
    assert response.status_code == 422 and "photos" in response.json()["errors"]
    assert upload(apis["teacher2"], f"{path}/photos", file=png(), kind="after").status_code == 403
    assert upload(apis["teacher"], f"{path}/photos", file=png(), kind="after").status_code == 201
    assert apis["teacher"].post(f"{path}/fix", {"note": "已擦"}).json()["status"] == "fixed"
    assert apis["teacher"].post(f"{path}/verify", {}).status_code == 403
    response = apis["health"].post(f"{path}/send-back", {"reason": "还有灰"})
    assert response.json()["status"] == "open" and response.json()["return_count"] == 1
    upload(apis["teacher"], f"{path}/photos", file=png(), kind="after")
    apis["teacher"].post(f"{path}/fix", {"note": "再擦"})
    assert apis["health"].post(f"{path}/verify", {"note": "好"}).json()["status"] == "closed"
    mine = apis["teacher"].get(f"{BASE}/problems", {"mine": True}).json()
    assert mine["count"] == 0


def test_greening_areas_and_tasks(campus, term, people, apis):  # noqa: F811
    body = {"name": "操场草坪", "kind": "lawn", "area_m2": "800", "caretaker": people["repair"].pk}
    response = apis["head"].post(f"{BASE}/greening/areas", body)
    assert response.status_code == 201
    area = response.json()
    assert {t["kind"] for t in area["tasks"]} == {
        "watering",
        "fertilising",
        "pruning",
        "weeding",
        "pest_control",
    }
    assert apis["repair"].post(f"{BASE}/greening/areas", body).status_code == 403
    response = apis["head"].post(f"{BASE}/greening/areas", {"name": "盆栽", "kind": "potted", "tasks": []})
    potted = response.json()
    assert potted["tasks"] == []
    response = apis["head"].post(f"{BASE}/greening/areas/{potted['id']}/tasks", {"kinds": ["watering"]})
    assert [t["kind"] for t in response.json()["tasks"]] == ["watering"]
    response = apis["head"].post(f"{BASE}/greening/areas/{potted['id']}/tasks", {"kinds": ["weeding"]})
    assert response.status_code == 422
    detail = apis["repair"].get(f"{BASE}/greening/areas/{area['id']}").json()
    assert {w["kind"] for w in detail["week"]} == {t["kind"] for t in area["tasks"]}


def test_room_uses_and_stats(campus, people, apis, classes):  # noqa: F811
    music = f.RoomFactory(campus=campus, name="音乐室", code="B201", kind="functional")
    body = {"room": music.pk, "school_class": classes["小一班"].pk, "start_time": "09:30", "end_time": "10:10",
            "purpose": "律动"}  # fmt: skip
    response = apis["teacher"].post(f"{BASE}/room-uses", body)
    assert response.status_code == 201
    use = response.json()
    assert use["teacher"] == people["teacher"].pk and use["date"] == timezone.localdate().isoformat()
    response = apis["teacher2"].post(f"{BASE}/room-uses", {**body, "school_class": classes["中一班"].pk})
    assert response.status_code == 422  # the room is taken then
    assert apis["cook"].post(f"{BASE}/room-uses", body).status_code == 403
    stats = apis["head"].get(f"{BASE}/room-uses/stats").json()
    by_class = {c["name"]: c["by_room"] for c in stats["classes"]}
    assert stats["total"] == 1 and by_class == {"小一班": {str(music.pk): 1}, "中一班": {}}
    assert apis["teacher2"].post(f"{BASE}/room-uses/{use['id']}/void", {"reason": "x"}).status_code == 403
    assert (
        apis["teacher"].post(f"{BASE}/room-uses/{use['id']}/void", {"reason": "重复"}).json()["status"]
        == "void"
    )


def test_dormitory_inspection_opens_a_hazard(campus, people, apis):  # noqa: F811
    dorm = f.RoomFactory(campus=campus, name="教工宿舍101", code="E101", kind="bedroom")
    checklist = apis["duty"].get(f"{BASE}/dormitory-checklists/staff").json()
    results = {item["key"]: {"passed": True} for item in checklist}
    results["no_wiring"] = {"passed": False, "note": "私拉电线给电动车充电"}
    response = apis["duty"].post(
        f"{BASE}/dormitory-inspections", {"room": dorm.pk, "kind": "staff", "results": results}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    hazard_ids = [r["hazard"] for r in body["results"] if r["hazard"]]
    assert not body["passed"] and len(hazard_ids) == 1
    assert Hazard.objects.get(pk=hazard_ids[0]).category == "electrical"
    del results["exits"]
    response = apis["duty"].post(
        f"{BASE}/dormitory-inspections", {"room": dorm.pk, "kind": "staff", "results": results}
    )
    assert response.status_code == 422 and "item_exits" in response.json()["errors"]
    assert (
        apis["teacher"].post(f"{BASE}/dormitory-inspections", {"room": dorm.pk, "results": {}}).status_code
        == 403
    )
    assert apis["duty"].get(f"{BASE}/dormitory-checklists/palace").status_code == 422


def test_term_report(campus, term, people, apis, zones, sheet):  # noqa: F811
    services.zone_generate_routines(actor=people["head"], zone=zones["小一班"])
    inspection = services.inspection_create(actor=people["head"], campus=campus, date=timezone.localdate() - dt.timedelta(days=1),
                                            kind="spot")  # fmt: skip
    services.inspection_save_scores(actor=people["head"], inspection=inspection,
                                    rows=[{"zone": zones["小一班"], "deductions": {}}], submit=True)  # fmt: skip
    report = apis["principal"].get(f"{BASE}/reports/term").json()
    assert report["term"] == term.pk and report["inspections"] == 1
    by_zone = {z["name"]: z for z in report["zones"]}
    assert by_zone["小一班活动室"]["score"] == "100.0" and by_zone["小一班活动室"]["rank"] == 1
    assert report["classes"][0]["name"] == "小一班"


def test_other_campuses_stay_apart(campus, people, apis, zones, outsider_api):  # noqa: F811
    zone = zones["小一班"]
    assert outsider_api.get(f"{BASE}/zones/{zone.pk}").status_code == 404
    other = f.CampusFactory(code="west2")
    f.MembershipFactory(user=people["head"], campus=other, role="logistics_head")
    assert apis["head"].get(f"c/west2/environment/zones/{zone.pk}").status_code == 404
    response = apis["head"].post("c/west2/environment/problems", {"zone": zone.pk, "description": "x"})
    assert response.status_code == 404
    assert CleaningZone.objects.filter(campus=other).count() == 0
