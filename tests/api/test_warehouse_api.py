"""The warehouse API: items and balances, moves with their rules, requisitions, counts,
the consumption report — same permissions and services as the pages."""

from decimal import Decimal as D

import pytest

from houqin.core import approvals
from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import StockBalance, StockMove
from tests import factories as f

pytestmark = pytest.mark.django_db
BASE = "c/main"


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
    }


@pytest.fixture
def apis(people, api_for):
    return {name: api_for(user) for name, user in people.items()}


@pytest.fixture
def stock(campus, people):
    store = f.StockLocationFactory(campus=campus, name="总务仓库")
    cleaning = f.ItemCategoryFactory(campus=campus, name="清洁用品")
    toys = f.ItemCategoryFactory(campus=campus, name="教玩具", needs_approval=True)
    tissue = f.ItemFactory(
        campus=campus, name="抽纸", unit="包", category=cleaning, reorder_level=5, reorder_quantity=40
    )
    clay = f.ItemFactory(campus=campus, name="彩泥", unit="盒", category=toys)
    bleach = f.ItemFactory(campus=campus, name="84消毒液", unit="瓶", category=cleaning, is_hazardous=True,
                           keeper=people["keeper"], per_issue_limit=2)  # fmt: skip
    mop = f.ItemFactory(campus=campus, name="拖把", unit="把", category=cleaning, is_consumable=False)
    for item in (tissue, clay, bleach, mop):
        ws.stock_receive(
            actor=people["keeper"], campus=campus, item=item, location=store, quantity=10, unit_cost=3
        )
    cls = f.SchoolClassFactory(campus=campus)
    return {"store": store, "tissue": tissue, "clay": clay, "bleach": bleach, "mop": mop, "cls": cls,
            "cleaning": cleaning}  # fmt: skip


def test_items_with_totals_and_filters(apis, stock):
    response = apis["keeper"].get(f"{BASE}/items", {"hazardous": "true"})
    assert response.status_code == 200
    body = response.json()
    assert [i["name"] for i in body["items"]] == ["84消毒液"]
    assert D(body["items"][0]["total"]) == D("10")
    assert apis["teacher"].get(f"{BASE}/items").status_code == 403


def test_create_item_rules(apis, stock):
    response = apis["keeper"].post(f"{BASE}/items", {"name": "酒精", "unit": "瓶", "category": stock["cleaning"].pk,
                                                     "is_hazardous": True})  # fmt: skip
    assert response.status_code == 422 and "keeper" in response.json()["errors"]
    response = apis["teacher"].post(
        f"{BASE}/items", {"name": "x", "unit": "个", "category": stock["cleaning"].pk}
    )
    assert response.status_code == 403


def test_receive_issue_and_reverse(apis, people, stock):
    keeper = apis["keeper"]
    response = keeper.post(f"{BASE}/stock-moves/receive", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                            "quantity": "5", "unit_cost": "3"})  # fmt: skip
    assert response.status_code == 201 and D(response.json()["balance_after"]) == D("15")
    response = keeper.post(f"{BASE}/stock-moves/issue", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                          "quantity": "100", "to_class": stock["cls"].pk})  # fmt: skip
    assert response.status_code == 422
    response = keeper.post(f"{BASE}/stock-moves/issue", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                          "quantity": "4", "to_class": stock["cls"].pk})  # fmt: skip
    assert response.status_code == 201
    move_id = response.json()["id"]
    response = keeper.post(f"{BASE}/stock-moves/{move_id}/reverse", {"reason": "发错"})
    assert response.status_code == 201 and response.json()["reverses"] == move_id
    assert keeper.post(f"{BASE}/stock-moves/{move_id}/reverse", {"reason": "again"}).status_code == 422
    assert StockBalance.objects.get(item=stock["tissue"]).quantity == D("15")
    moves = keeper.get(f"{BASE}/stock-moves", {"item": stock["tissue"].pk}).json()
    assert moves["count"] == 4


def test_issue_rules_hazardous_and_exchange(apis, stock):
    head, keeper = apis["head"], apis["keeper"]
    data = {
        "item": stock["bleach"].pk,
        "location": stock["store"].pk,
        "quantity": "1",
        "to_department": "保育组",
    }
    assert head.post(f"{BASE}/stock-moves/issue", data).status_code == 422
    assert keeper.post(f"{BASE}/stock-moves/issue", {**data, "quantity": "3"}).status_code == 422
    assert keeper.post(f"{BASE}/stock-moves/issue", data).status_code == 201
    mop = {"item": stock["mop"].pk, "location": stock["store"].pk, "quantity": "1", "to_department": "保育组"}
    response = keeper.post(f"{BASE}/stock-moves/issue", mop)
    assert response.status_code == 422 and "returned_quantity" in response.json()["errors"]
    assert (
        keeper.post(
            f"{BASE}/stock-moves/issue", {**mop, "returned_quantity": "1", "return_note": "旧的"}
        ).status_code
        == 201
    )


def test_adjust_and_transfer(apis, campus, stock):
    other = f.StockLocationFactory(campus=campus)
    keeper = apis["keeper"]
    assert keeper.post(f"{BASE}/stock-moves/adjust", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                       "quantity": "-1", "reason": ""}).status_code == 422  # fmt: skip
    response = keeper.post(f"{BASE}/stock-moves/transfer", {"item": stock["tissue"].pk, "from_location": stock["store"].pk,
                                                             "to_location": other.pk, "quantity": "3"})  # fmt: skip
    assert response.status_code == 201 and [D(m["quantity"]) for m in response.json()] == [D("-3"), D("3")]


def test_other_campus_references_refused(apis, other_campus, stock):
    foreign = f.StockLocationFactory(campus=other_campus)
    response = apis["keeper"].post(f"{BASE}/stock-moves/receive", {"item": stock["tissue"].pk, "location": foreign.pk,
                                                                    "quantity": "1"})  # fmt: skip
    assert response.status_code == 422 and "location" in response.json()["errors"]
    foreign_move = StockMove.objects.create(
        campus=other_campus, kind="in", item=f.ItemFactory(campus=other_campus), location=foreign, quantity=1
    )
    assert apis["keeper"].get(f"{BASE}/stock-moves/{foreign_move.pk}").status_code == 404


def test_requisition_flow(apis, people, stock):
    teacher, keeper = apis["teacher"], apis["keeper"]
    response = teacher.post(f"{BASE}/requisitions", {"school_class": stock["cls"].pk, "lines": [
        {"item": stock["tissue"].pk, "quantity": "4"}, {"item": stock["clay"].pk, "quantity": "1"}]})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["needs_approval"]
    req_id = body["id"]
    lines = {ln["item"]: ln["id"] for ln in body["lines"]}
    assert keeper.post(f"{BASE}/requisitions/{req_id}/issue", {"location": stock["store"].pk, "lines": [
        {"line": lines[stock["tissue"].pk], "quantity": "4"}]}).status_code == 422  # fmt: skip
    from houqin.procurement.models import Requisition

    approvals.approve(
        actor=people["head"], approval=approvals.current_request(Requisition.objects.get(pk=req_id))
    )
    assert (
        teacher.post(
            f"{BASE}/requisitions/{req_id}/issue", {"location": stock["store"].pk, "lines": []}
        ).status_code
        == 403
    )
    response = keeper.post(f"{BASE}/requisitions/{req_id}/issue", {"location": stock["store"].pk, "lines": [
        {"line": lines[stock["tissue"].pk], "quantity": "4"}]})  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "partial"
    assert teacher.get(f"{BASE}/requisitions").json()["count"] == 1


def test_requisition_visibility(apis, api_for, make_member, campus, stock):
    other = make_member(Role.CHILDCARE_WORKER)
    req = ws.requisition_create(
        actor=other, campus=campus, department="保育组", lines=[(stock["tissue"], 1, "")]
    )
    assert apis["teacher"].get(f"{BASE}/requisitions/{req.pk}").status_code == 404
    assert apis["teacher"].get(f"{BASE}/requisitions").json()["count"] == 0
    assert apis["keeper"].get(f"{BASE}/requisitions/{req.pk}").status_code == 200


def test_count_flow(apis, stock):
    keeper = apis["keeper"]
    response = keeper.post(f"{BASE}/stock-counts", {"location": stock["store"].pk})
    assert response.status_code == 201
    count = response.json()
    entries = [{"line": ln["id"], "counted": ln["expected_quantity"]} for ln in count["lines"]]
    entries[0]["counted"] = "9"
    assert keeper.post(f"{BASE}/stock-counts/{count['id']}/record", {"entries": entries}).status_code == 200
    response = keeper.post(f"{BASE}/stock-counts/{count['id']}/post")
    assert response.status_code == 200 and response.json()["status"] == "posted"
    assert StockMove.objects.filter(kind="adjust").count() == 1


def test_to_order_and_consumption(apis, people, campus, stock):
    ws.stock_issue(actor=people["keeper"], campus=campus, item=stock["tissue"], location=stock["store"], quantity=6,
                   to_class=stock["cls"])  # fmt: skip
    body = apis["keeper"].get(f"{BASE}/items-to-order").json()
    assert [i["name"] for i in body["items"]] == ["抽纸"]
    response = apis["keeper"].get(f"{BASE}/reports/consumption")
    assert response.status_code == 200
    row = next(r for r in response.json()["rows"] if r["school_class"] == stock["cls"].pk)
    assert D(row["total_value"]) == D("18.00")
    assert apis["keeper"].get(f"{BASE}/reports/consumption", {"start": "bad"}).status_code == 422


def test_outsider_gets_404(outsider_api, stock):
    assert outsider_api.get(f"{BASE}/items").status_code == 404
