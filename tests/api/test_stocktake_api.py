"""The stocktake API: create, list, detail with progress, scan, manual tick, quantity, undo,
close, result, adjustments and their submission — same rules and permissions as the pages."""

from decimal import Decimal

import pytest

from houqin.assets.models import Stocktake, StocktakeLine
from houqin.core import approvals
from houqin.core.models import ApprovalRequest
from tests import factories as f
from tests.factories_stocktake import make_stocktake, stocktake_people

pytestmark = pytest.mark.django_db
BASE = "c/main"


@pytest.fixture
def people(make_member):
    return stocktake_people(make_member)


@pytest.fixture
def apis(people, api_for):
    return {name: api_for(user) for name, user in people.items()}


@pytest.fixture
def place(campus, people):
    a = f.RoomFactory(campus=campus, code="A101", name="小一班活动室", keeper=people["teacher"])
    b = f.RoomFactory(campus=campus, code="A102", name="小二班活动室", keeper=people["teacher2"])
    toys = f.AssetCategoryFactory(campus=campus, name="教玩具", kind="low_value")
    assets = {
        "piano": f.AssetFactory(campus=campus, room=a, tag="ZC-0001", name="电钢琴", price=Decimal("4000")),
        "board": f.AssetFactory(
            campus=campus, room=a, tag="ZC-0002", name="交互智能平板", price=Decimal("12000")
        ),
        "blocks": f.AssetFactory(
            campus=campus, room=a, tag="ZC-0003", name="积木", category=toys, quantity=10, price=Decimal("30")
        ),  # fmt: skip
        "tv": f.AssetFactory(campus=campus, room=b, tag="ZC-0004", name="电视机", price=Decimal("3000")),
    }
    return {"a": a, "b": b, "toys": toys, "assets": assets}


def test_create_list_detail(campus, people, apis, place, other_campus):
    payload = {"title": "2026年秋季学期期末盘点", "scope": "rooms", "rooms": [place["a"].pk, place["b"].pk],
               "start_date": "2026-12-20", "end_date": "2026-12-25"}  # fmt: skip
    assert apis["teacher"].post(f"{BASE}/stocktakes", payload).status_code == 403
    response = apis["keeper"].post(f"{BASE}/stocktakes", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("PD-") and body["status"] == "draft"
    assert (body["expected"], body["counted"]) == (4, 0)
    rooms = {r["code"]: r for r in body["rooms"]}
    assert rooms["A101"]["expected"] == 3 and rooms["A101"]["counters"] == [people["teacher"].pk]

    listing = apis["accountant"].get(f"{BASE}/stocktakes").json()
    assert listing["count"] == 1 and listing["items"][0]["expected"] == 4
    assert apis["cook"].get(f"{BASE}/stocktakes").status_code == 403
    assert apis["accountant"].get(f"{BASE}/stocktakes/{body['id']}").json()["title"] == payload["title"]

    # refs of another campus, bad dates, an empty scope: 422 and nothing made
    foreign = f.RoomFactory(campus=other_campus, code="X1")
    response = apis["keeper"].post(f"{BASE}/stocktakes", {**payload, "rooms": [foreign.pk]})
    assert response.status_code == 422 and "rooms" in response.json()["errors"]
    response = apis["keeper"].post(f"{BASE}/stocktakes", {**payload, "end_date": "2026-12-01"})
    assert response.status_code == 422 and "end_date" in response.json()["errors"]
    empty = f.RoomFactory(campus=campus, code="E1")
    assert apis["keeper"].post(f"{BASE}/stocktakes", {**payload, "rooms": [empty.pk]}).status_code == 422
    assert Stocktake.objects.count() == 1


def test_count_close_and_submit(campus, people, apis, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]])
    path = f"{BASE}/stocktakes/{s.pk}"
    teacher = apis["teacher"]

    response = teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": "zc-0001"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "found" and body["line"]["result"] == "found"
    assert body["progress"] == {"expected": 3, "counted": 1, "extra": 0}
    assert (
        teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": "ZC-0001"}).json()["outcome"]
        == "already"
    )
    body = teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": "ZC-0004"}).json()
    assert body["outcome"] == "wrong_room" and body["progress"]["extra"] == 1
    body = teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": "ZC-0003", "quantity": 7}).json()
    assert body["line"]["counted_quantity"] == 7
    line_id = body["line"]["id"]
    assert teacher.post(f"{path}/lines/{line_id}/quantity", {"quantity": 9}).json()["counted_quantity"] == 9
    body = teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": "旧标签-7"}).json()
    assert body["outcome"] == "unknown" and body["line"]["asset"] is None
    body = teacher.post(f"{path}/scan", {"room": place["a"].pk, "text": f"/q/{place['b'].qr_token}/"}).json()
    assert body["outcome"] == "room" and body["room"] == place["b"].pk
    # the teacher is not named for room B; an unknown room is a field error
    assert teacher.post(f"{path}/scan", {"room": place["b"].pk, "text": "ZC-0004"}).status_code == 403
    response = teacher.post(f"{path}/scan", {"room": 999999, "text": "ZC-0004"})
    assert response.status_code == 422 and "room" in response.json()["errors"]
    assert (
        apis["accountant"].post(f"{path}/scan", {"room": place["a"].pk, "text": "ZC-0002"}).status_code == 403
    )

    # manual tick and undo
    board = StocktakeLine.objects.get(stocktake=s, code="ZC-0002")
    body = teacher.post(f"{path}/lines/{board.pk}/found", {"room": place["a"].pk}).json()
    assert body["outcome"] == "found" and body["line"]["method"] == "manual"
    assert teacher.post(f"{path}/lines/{board.pk}/undo").json()["counted"] == 2

    lines = apis["accountant"].get(f"{path}/lines", {"result": "pending"}).json()
    assert [ln["code"] for ln in lines["items"]] == ["ZC-0002"]

    # close (keepers only), result, adjustments, submit
    assert teacher.post(f"{path}/close").status_code == 403
    body = apis["keeper"].post(f"{path}/close").json()
    assert body["status"] == "closed"
    result = apis["accountant"].get(f"{path}/result").json()
    assert result["total"]["expected"] == 4 and result["total"]["in_place"] == 1
    assert result["total"]["missing"] == 1 and result["total"]["short"] == 1
    assert Decimal(result["total"]["rate_count"]) == Decimal("25.0")
    rooms = {r["room_name"]: r for r in result["rooms"]}
    assert rooms["A101 小一班活动室"]["moved_in"] == 1
    adjustments = apis["accountant"].get(f"{path}/adjustments").json()["items"]
    kinds = sorted(a["kind"] for a in adjustments)
    assert kinds == ["missing", "move", "quantity", "register"]
    quantity = next(a for a in adjustments if a["kind"] == "quantity")
    assert teacher.post(f"{path}/adjustments/submit", {}).status_code == 403
    response = apis["keeper"].post(f"{path}/adjustments/submit", {"exclude": [quantity["id"]]})
    assert response.status_code == 200, response.content
    approval = ApprovalRequest.objects.get(pk=response.json()["id"])
    assert response.json()["status"] == "pending" and Decimal(response.json()["amount"]) == Decimal(
        "12000.00"
    )
    assert apis["keeper"].post(f"{path}/adjustments/submit", {}).status_code == 422
    approvals.approve(actor=people["head"], approval=approval)
    approvals.approve(actor=people["principal"], approval=approval)
    for asset in place["assets"].values():
        asset.refresh_from_db()
    assert place["assets"]["board"].status == "missing" and place["assets"]["tv"].room == place["a"]
    assert place["assets"]["blocks"].quantity == 10  # the quantity change was left out
    assert apis["keeper"].get(path).json()["status"] == "adjusted"


def test_cancel_counters_and_isolation(campus, other_campus, people, apis, place, outsider_api):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]], start=False)
    path = f"{BASE}/stocktakes/{s.pk}"
    body = (
        apis["keeper"]
        .post(f"{path}/counters", {"room": place["b"].pk, "counters": [people["teacher"].pk]})
        .json()
    )
    assert {r["code"]: r["counters"] for r in body["rooms"]}["A102"] == [people["teacher"].pk]
    assert apis["keeper"].post(f"{path}/start").json()["status"] == "counting"
    assert apis["keeper"].post(f"{path}/start").status_code == 422
    assert apis["keeper"].post(f"{path}/cancel", {"reason": ""}).status_code == 422
    assert apis["keeper"].post(f"{path}/cancel", {"reason": "改期"}).json()["status"] == "cancelled"
    assert outsider_api.get(path).status_code == 404
    # another campus's stocktake cannot be reached through this campus
    room = f.RoomFactory(campus=other_campus, code="X1")
    f.AssetFactory(campus=other_campus, room=room, tag="ZC-0001")
    foreign = make_stocktake(other_campus, people["keeper"], rooms=[room])
    assert apis["keeper"].get(f"{BASE}/stocktakes/{foreign.pk}").status_code == 404
    assert (
        apis["keeper"]
        .post(f"{BASE}/stocktakes/{foreign.pk}/scan", {"room": room.pk, "text": "ZC-0001"})
        .status_code
        == 404
    )
    assert not StocktakeLine.objects.filter(stocktake=foreign).exclude(result="pending").exists()
