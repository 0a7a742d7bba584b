"""The maintenance API: report, list mine / all, dispatch, start, record work and parts,
finish with an after-photo, sign off, send back, cancel, the statistics; the same rules
and visibility as the pages; campus isolation."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.core.roles import Role
from houqin.maintenance.models import RepairRequest
from tests import factories as f
from tests.maintenance.helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(make_member, member):
    return {
        "principal": member,
        "head": make_member(Role.LOGISTICS_HEAD, username="api-head"),
        "repair": make_member(Role.REPAIR_WORKER, username="api-repair"),
        "repair2": make_member(Role.REPAIR_WORKER, username="api-repair2"),
        "teacher": make_member(Role.CLASS_TEACHER, username="api-teacher"),
        "cook": make_member(Role.COOK, username="api-cook"),
        "accountant": make_member(Role.ACCOUNTANT, username="api-accountant"),
    }


@pytest.fixture
def apis(crew, api_for):
    return {name: api_for(user) for name, user in crew.items()}


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus, name="小一班活动室", code="A101")


BASE = "c/main"


def _report(apis, room, who="teacher", **data):
    payload = {"room": room.pk, "description": "卫生间水龙头漏水", **data}
    response = apis[who].post(f"{BASE}/repairs", payload)
    assert response.status_code == 201, response.content
    return response.json()


def _upload_after(apis, who, repair_id):
    return apis[who].client.post(
        f"/api/v1/{BASE}/repairs/{repair_id}/photos", {"file": png(), "kind": "after"}
    )


def test_the_whole_flow(apis, crew, room):
    created = _report(apis, room, urgency="urgent")
    rid = created["id"]
    assert created["number"].startswith("WX-") and created["status"] == "reported"
    assert created["category"] == "utilities" and created["reporter"] == crew["teacher"].pk and created["work_order"] is None

    response = apis["head"].post(f"{BASE}/repairs/{rid}/dispatch", {"worker": crew["repair"].pk, "instructions": "带阀芯"})
    assert response.status_code == 200, response.content
    order = response.json()["work_order"]
    assert response.json()["status"] == "dispatched" and order["worker"] == crew["repair"].pk
    due = dt.datetime.fromisoformat(order["due_at"])
    assert dt.timedelta(hours=1, minutes=55) < due - timezone.now() < dt.timedelta(hours=2, minutes=5)

    assert apis["repair2"].post(f"{BASE}/repairs/{rid}/start").status_code == 403  # not theirs
    assert apis["repair"].post(f"{BASE}/repairs/{rid}/start").json()["status"] == "in_progress"
    part = apis["repair"].post(
        f"{BASE}/repairs/{rid}/parts", {"description": "陶瓷阀芯", "unit": "个", "quantity": "2", "unit_price": "12.5"}
    )
    assert part.status_code == 201 and part.json()["amount"] == "25.00"
    work = apis["repair"].post(f"{BASE}/repairs/{rid}/work", {"labour_cost": "30"}).json()["work_order"]
    assert work["total_cost"] == "55.00" and len(work["parts"]) == 1

    no_photo = apis["repair"].post(f"{BASE}/repairs/{rid}/finish", {"work_done": "更换阀芯"})
    assert no_photo.status_code == 422 and "photos" in no_photo.json()["errors"]
    assert _upload_after(apis, "teacher", rid).status_code == 403
    assert _upload_after(apis, "repair", rid).status_code == 201
    finished = apis["repair"].post(f"{BASE}/repairs/{rid}/finish", {"work_done": "更换阀芯"})
    assert finished.status_code == 200 and finished.json()["status"] == "done"

    assert apis["head"].post(f"{BASE}/repairs/{rid}/sign-off", {}).status_code == 403  # not the reporter
    back = apis["teacher"].post(f"{BASE}/repairs/{rid}/send-back", {"reason": "还在滴水"})
    assert back.json()["status"] == "in_progress" and back.json()["work_order"]["reopened_count"] == 1
    _upload_after(apis, "repair", rid)
    apis["repair"].post(f"{BASE}/repairs/{rid}/finish", {"work_done": "重新安装"})
    closed = apis["teacher"].post(f"{BASE}/repairs/{rid}/sign-off", {"note": "好了"})
    assert closed.json()["status"] == "closed" and closed.json()["work_order"]["sign_off_note"] == "好了"


def test_lists_and_visibility(apis, crew, room):
    mine = _report(apis, room, who="teacher")
    other = _report(apis, room, who="cook", description="灶台打不着火")
    listed = apis["teacher"].get(f"{BASE}/repairs/mine").json()
    assert [r["id"] for r in listed["items"]] == [mine["id"]]
    assert apis["teacher"].get(f"{BASE}/repairs").status_code == 403
    assert apis["teacher"].get(f"{BASE}/repairs/{other['id']}").status_code == 404
    everything = apis["head"].get(f"{BASE}/repairs", {"status": "reported"}).json()
    assert everything["count"] == 2
    assert apis["head"].get(f"{BASE}/repairs", {"category": "kitchen"}).json()["count"] == 1
    apis["head"].post(f"{BASE}/repairs/{other['id']}/dispatch", {"worker": crew["repair"].pk})
    orders = apis["repair"].get(f"{BASE}/work-orders", {"mine": "true"}).json()
    assert [r["id"] for r in orders["items"]] == [other["id"]]
    assert apis["head"].get(f"{BASE}/work-orders", {"overdue": "true"}).json()["count"] == 0


def test_bad_input_is_422_and_saves_nothing(apis, crew, room, other_campus):
    foreign = f.RoomFactory(campus=other_campus)
    response = apis["teacher"].post(f"{BASE}/repairs", {"room": foreign.pk, "description": "门坏了"})
    assert response.status_code == 422 and "room" in response.json()["errors"]
    response = apis["teacher"].post(f"{BASE}/repairs", {"description": "门坏了"})
    assert response.status_code == 422 and "place_text" in response.json()["errors"]
    rid = _report(apis, room)["id"]
    outsider_worker = f.UserFactory(username="nobody-here")
    response = apis["head"].post(f"{BASE}/repairs/{rid}/dispatch", {"worker": outsider_worker.pk})
    assert response.status_code == 422 and "worker" in response.json()["errors"]
    response = apis["head"].post(f"{BASE}/repairs/{rid}/dispatch", {"worker": crew["cook"].pk})
    assert response.status_code == 422
    assert RepairRequest.objects.get().status == "reported"


def test_contractor_dispatch_and_cancel(apis, crew, room):
    rid = _report(apis, room)["id"]
    response = apis["head"].post(
        f"{BASE}/repairs/{rid}/dispatch", {"contractor_name": "安居管道疏通", "contractor_phone": "0571-88886666"}
    )
    assert response.json()["work_order"]["kind"] == "contractor"
    assert apis["teacher"].post(f"{BASE}/repairs/{rid}/cancel", {"reason": "不用修了"}).status_code == 403
    assert apis["head"].post(f"{BASE}/repairs/{rid}/cancel", {"reason": ""}).status_code == 422
    cancelled = apis["head"].post(f"{BASE}/repairs/{rid}/cancel", {"reason": "重复报修"})
    assert cancelled.json()["status"] == "cancelled"


def test_parts_from_the_warehouse(apis, crew, room, campus):
    from houqin.procurement.warehouse_services import stock_receive

    item = f.ItemFactory(campus=campus, name="T8灯管", unit="根")
    location = f.StockLocationFactory(campus=campus, name="维修间")
    stock_receive(actor=crew["head"], campus=campus, item=item, location=location, quantity="5", unit_cost="20")
    rid = _report(apis, room, description="灯管不亮")["id"]
    apis["head"].post(f"{BASE}/repairs/{rid}/dispatch", {"worker": crew["repair"].pk})
    part = apis["repair"].post(f"{BASE}/repairs/{rid}/parts", {"item": item.pk, "location": location.pk, "quantity": "2"})
    assert part.status_code == 201 and part.json()["kind"] == "stock" and part.json()["amount"] == "40.00"
    too_many = apis["repair"].post(f"{BASE}/repairs/{rid}/parts", {"item": item.pk, "location": location.pk, "quantity": "9"})
    assert too_many.status_code == 422
    voided = apis["repair"].post(f"{BASE}/repairs/{rid}/parts/{part.json()['id']}/void", {"reason": "型号不对"})
    assert voided.status_code == 200 and voided.json()["work_order"]["parts_cost"] == "0.00"


def test_update_and_report(apis, crew, room, campus):
    rid = _report(apis, room)["id"]
    assert apis["teacher"].patch(f"{BASE}/repairs/{rid}", {"category": "furniture"}).status_code == 403
    updated = apis["head"].patch(f"{BASE}/repairs/{rid}", {"category": "furniture", "urgency": "safety"})
    assert updated.json()["category"] == "furniture" and updated.json()["urgency"] == "safety"
    today = timezone.localdate()
    report = apis["accountant"].get(
        f"{BASE}/repairs/report", {"date_from": str(today - dt.timedelta(days=3)), "date_to": str(today)}
    )
    assert report.status_code == 200 and report.json()["totals"]["total"] == 1
    assert report.json()["by_category"][0]["open"] == 1
    term = f.TermFactory(campus=campus, start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=10))
    assert apis["accountant"].get(f"{BASE}/repairs/report", {"term": term.pk}).json()["totals"]["total"] == 1
    assert apis["accountant"].get(f"{BASE}/repairs/report").status_code == 422
    assert apis["teacher"].get(f"{BASE}/repairs/report", {"term": term.pk}).status_code == 403


def test_outsiders_see_nothing(apis, room, outsider_api):
    rid = _report(apis, room)["id"]
    assert outsider_api.get(f"{BASE}/repairs/{rid}").status_code == 404
    assert outsider_api.get("c/other/repairs").status_code == 200  # their own campus: empty
    assert outsider_api.get("c/other/repairs").json()["count"] == 0
