"""Warehouse pages: lists with filters and export, move forms through the services, the
requisition and count pages, the consumption report, the dashboard card, permissions."""

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.utils import timezone

from houqin.core.models import Notification
from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import Item, Requisition, StockBalance, StockCount, StockMove
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db
BASE = "/c/main/procurement"


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper")


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher")


@pytest.fixture
def stock(campus, keeper):
    store = f.StockLocationFactory(campus=campus, name="总务仓库")
    cabinet = f.StockLocationFactory(campus=campus, name="消毒用品柜")
    cleaning = f.ItemCategoryFactory(campus=campus, name="清洁用品")
    tissue = f.ItemFactory(campus=campus, name="抽纸", spec="", unit="包", category=cleaning, reorder_level=5,
                           reorder_quantity=50, default_location=store)  # fmt: skip
    bleach = f.ItemFactory(campus=campus, name="八四消毒液", spec="", unit="瓶", category=cleaning, is_hazardous=True,
                           keeper=keeper, per_issue_limit=2, default_location=cabinet)  # fmt: skip
    mop = f.ItemFactory(
        campus=campus, name="拖把", spec="", unit="把", category=cleaning, is_consumable=False
    )
    ws.stock_receive(actor=keeper, campus=campus, item=tissue, location=store, quantity=20, unit_cost="2.5")
    ws.stock_receive(actor=keeper, campus=campus, item=bleach, location=cabinet, quantity=10, unit_cost=6)
    ws.stock_receive(actor=keeper, campus=campus, item=mop, location=store, quantity=3, unit_cost=25)
    cls = f.SchoolClassFactory(campus=campus, name="小一班")
    return {"store": store, "cabinet": cabinet, "tissue": tissue, "bleach": bleach, "mop": mop, "cls": cls,
            "cleaning": cleaning}  # fmt: skip


def test_item_list_filters_and_totals(campus, keeper, stock):
    client = login(keeper)
    low = f.ItemFactory(campus=campus, name="卷纸", reorder_level=10)  # nothing in stock: below its level
    response = client.get(f"{BASE}/items/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "抽纸" in html and "20 包" in html and 'data-testid="low-stock-banner"' in html
    response = client.get(f"{BASE}/items/", {"low": "1"})
    names = [row["obj"].name for row in response.context["rows"]]
    assert names == [low.name]
    response = client.get(f"{BASE}/items/", {"hazardous": "1"})
    assert [row["obj"].name for row in response.context["rows"]] == ["八四消毒液"]
    response = client.get(f"{BASE}/items/", {"q": "cz"})  # pinyin initials of 抽纸
    assert "抽纸" in [row["obj"].name for row in response.context["rows"]]


def test_item_list_export(campus, keeper, make_member, stock):
    client = login(make_member(Role.PRINCIPAL))
    response = client.get(f"{BASE}/items/", {"export": "xlsx"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert any(r[0] == "抽纸" and r[4] == 20 for r in rows)


def test_item_detail_shows_balances_and_ledger(campus, keeper, stock):
    response = login(keeper).get(f"{BASE}/items/{stock['tissue'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="item-total"' in html and "总务仓库" in html and "期初" not in html
    assert len(response.context["moves"]) == 1


def test_receive_and_issue_forms(campus, keeper, stock):
    client = login(keeper)
    response = client.post(f"{BASE}/stock/receive/", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                      "quantity": "10", "unit_cost": "2.5"})  # fmt: skip
    assert response.status_code == 302
    assert StockBalance.objects.get(item=stock["tissue"]).quantity == D("30")
    response = client.post(f"{BASE}/stock/issue/", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                    "quantity": "4", "to_class": stock["cls"].pk})  # fmt: skip
    assert response.status_code == 302
    move = StockMove.objects.filter(kind="out").get()
    assert move.to_class == stock["cls"] and move.actor == keeper
    # too much: the form shows the refusal, nothing changes
    response = client.post(f"{BASE}/stock/issue/", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                    "quantity": "999", "to_class": stock["cls"].pk})  # fmt: skip
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert StockMove.objects.filter(kind="out").count() == 1
    # neither class nor department
    response = client.post(f"{BASE}/stock/issue/", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                    "quantity": "1"})  # fmt: skip
    assert response.status_code == 200 and StockMove.objects.filter(kind="out").count() == 1


def test_issue_form_hazardous_refused_for_other_person(campus, make_member, stock):
    head = make_member(Role.LOGISTICS_HEAD)
    response = login(head).post(f"{BASE}/stock/issue/", {"item": stock["bleach"].pk, "location": stock["cabinet"].pk,
                                                          "quantity": "1", "to_department": "保育组"})  # fmt: skip
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert stock["bleach"].keeper.display_name in errors
    assert not StockMove.objects.filter(kind="out").exists()


def test_issue_form_old_for_new(campus, keeper, stock):
    client = login(keeper)
    data = {
        "item": stock["mop"].pk,
        "location": stock["store"].pk,
        "quantity": "1",
        "to_department": "保育组",
    }
    response = client.post(f"{BASE}/stock/issue/", data)
    assert response.status_code == 200 and not StockMove.objects.filter(kind="out").exists()
    response = client.post(
        f"{BASE}/stock/issue/", {**data, "returned_quantity": "1", "return_note": "旧拖把杆断"}
    )
    assert response.status_code == 302 and StockMove.objects.filter(kind="out").count() == 1


def test_adjust_transfer_and_reverse_pages(campus, keeper, stock):
    client = login(keeper)
    assert client.post(f"{BASE}/stock/adjust/", {"item": stock["tissue"].pk, "location": stock["store"].pk,
                                                  "quantity": "-1", "reason": "受潮"}).status_code == 302  # fmt: skip
    assert client.post(f"{BASE}/stock/transfer/", {"item": stock["tissue"].pk, "from_location": stock["store"].pk,
                                                    "to_location": stock["cabinet"].pk, "quantity": "4"}).status_code == 302  # fmt: skip
    assert StockBalance.objects.get(item=stock["tissue"], location=stock["cabinet"]).quantity == D("4")
    move = StockMove.objects.get(kind="adjust")
    page = client.get(f"{BASE}/stock/moves/{move.pk}/")
    assert page.status_code == 200 and 'data-testid="reverse-panel"' in page.content.decode()
    response = client.post(f"{BASE}/stock/moves/{move.pk}/reverse/", {"reason": "记错"})
    assert response.status_code == 302
    assert StockMove.objects.filter(kind="reversal", reverses=move).exists()
    again = client.post(f"{BASE}/stock/moves/{move.pk}/reverse/", {"reason": "再来"}, follow=True)
    assert StockMove.objects.filter(kind="reversal").count() == 1
    assert 'data-testid="reverse-panel"' not in again.content.decode()


def test_move_list_filters_and_export(campus, keeper, make_member, stock):
    ws.stock_issue(actor=keeper, campus=campus, item=stock["tissue"], location=stock["store"], quantity=2,
                   to_class=stock["cls"])  # fmt: skip
    client = login(make_member(Role.PRINCIPAL))
    response = client.get(f"{BASE}/stock/moves/", {"kind": "out"})
    assert [row["obj"].kind for row in response.context["rows"]] == ["out"]
    response = client.get(f"{BASE}/stock/moves/", {"to_class": stock["cls"].pk})
    assert len(response.context["rows"]) == 1
    today = timezone.localdate()
    response = client.get(f"{BASE}/stock/moves/", {"date_from": (today + dt.timedelta(days=1)).isoformat()})
    assert response.context["rows"] == []
    response = client.get(f"{BASE}/stock/moves/", {"item": stock["tissue"].pk, "export": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.active.max_row == 3  # header + receipt + issue


def test_balances_and_location_pages(campus, keeper, stock):
    client = login(keeper)
    response = client.get(f"{BASE}/stock/balances/", {"location": stock["cabinet"].pk})
    assert [row["obj"].item.name for row in response.context["rows"]] == ["八四消毒液"]
    response = client.get(f"{BASE}/locations/{stock['store'].pk}/")
    assert response.status_code == 200 and "抽纸" in response.content.decode()


def test_to_order_and_dashboard_card(campus, keeper, stock):
    ws.stock_issue(actor=keeper, campus=campus, item=stock["tissue"], location=stock["store"], quantity=16,
                   to_department="办公室")  # fmt: skip
    client = login(keeper)
    response = client.get(f"{BASE}/stock/to-order/")
    assert [row["obj"].name for row in response.context["rows"]] == ["抽纸"]
    assert "50 包" in response.content.decode()
    home = client.get("/c/main/")
    assert "抽纸" in home.content.decode()
    assert Notification.objects.filter(recipient=keeper, event="procurement.reorder").count() == 1


def test_item_create_validation(campus, keeper, stock):
    client = login(keeper)
    response = client.post(f"{BASE}/items/new/", {"name": "酒精", "unit": "瓶", "category": stock["cleaning"].pk,
                                                   "is_hazardous": "on", "is_consumable": "on", "reorder_level": "0",
                                                   "reorder_quantity": "0", "is_active": "on"})  # fmt: skip
    assert response.status_code == 200 and not Item.objects.filter(name="酒精").exists()
    response = client.post(f"{BASE}/items/new/", {"name": "酒精", "unit": "瓶", "category": stock["cleaning"].pk,
                                                   "is_hazardous": "on", "keeper": keeper.pk, "per_issue_limit": "2",
                                                   "is_consumable": "on", "reorder_level": "3",
                                                   "reorder_quantity": "10", "is_active": "on"})  # fmt: skip
    assert response.status_code == 302 and Item.objects.get(name="酒精").per_issue_limit == D("2")


# --- Requisitions -------------------------------------------------------------------------


def test_requisition_create_and_issue_pages(campus, keeper, teacher, stock):
    client = login(teacher)
    response = client.post(f"{BASE}/requisitions/new/", {
        "school_class": stock["cls"].pk, "purpose": "日常",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "50",
        "lines-0-item": stock["tissue"].pk, "lines-0-quantity": "5", "lines-1-item": "", "lines-1-quantity": "",
    })  # fmt: skip
    assert response.status_code == 302
    req = Requisition.objects.get()
    assert req.requested_by == teacher and req.status == "approved"
    # the teacher sees it but cannot issue
    page = client.get(f"{BASE}/requisitions/{req.pk}/")
    assert page.status_code == 200 and 'data-testid="issue-form"' not in page.content.decode()
    assert client.post(f"{BASE}/requisitions/{req.pk}/issue/", {}).status_code == 403
    keeper_client = login(keeper)
    page = keeper_client.get(f"{BASE}/requisitions/{req.pk}/")
    assert 'data-testid="issue-form"' in page.content.decode()
    line = req.lines.get()
    response = keeper_client.post(f"{BASE}/requisitions/{req.pk}/issue/",
                                  {"location": stock["store"].pk, f"qty_{line.pk}": "5"})  # fmt: skip
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "issued"
    assert StockMove.objects.get(kind="out").to_class == stock["cls"]


def test_requisition_create_needs_lines(campus, teacher, stock):
    response = login(teacher).post(f"{BASE}/requisitions/new/", {
        "school_class": stock["cls"].pk, "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "50", "lines-0-item": "", "lines-0-quantity": "",
    })  # fmt: skip
    assert response.status_code == 400 and not Requisition.objects.exists()


def test_requester_sees_only_own_requisitions(campus, keeper, teacher, make_member, stock):
    other = make_member(Role.CHILDCARE_WORKER)
    mine = ws.requisition_create(actor=teacher, campus=campus, school_class=stock["cls"],
                                 lines=[(stock["tissue"], 1, "")])  # fmt: skip
    theirs = ws.requisition_create(
        actor=other, campus=campus, department="保育组", lines=[(stock["tissue"], 1, "")]
    )
    client = login(teacher)
    response = client.get(f"{BASE}/requisitions/")
    assert [row["obj"].pk for row in response.context["rows"]] == [mine.pk]
    assert client.get(f"{BASE}/requisitions/{theirs.pk}/").status_code == 404
    response = login(keeper).get(f"{BASE}/requisitions/")
    assert {row["obj"].pk for row in response.context["rows"]} == {mine.pk, theirs.pk}


def test_requisition_exchange_with_photo(campus, keeper, teacher, stock):
    from tests.safety.hazard_helpers import png

    req = ws.requisition_create(actor=teacher, campus=campus, school_class=stock["cls"],
                                lines=[(stock["mop"], 1, "")])  # fmt: skip
    line = req.lines.get()
    client = login(keeper)
    client.post(
        f"{BASE}/requisitions/{req.pk}/issue/", {"location": stock["store"].pk, f"qty_{line.pk}": "1"}
    )
    assert not StockMove.objects.filter(kind="out").exists()
    client.post(f"{BASE}/requisitions/{req.pk}/issue/", {"location": stock["store"].pk, f"qty_{line.pk}": "1",
                                                        f"returned_{line.pk}": "1", "photos": png()})  # fmt: skip
    assert StockMove.objects.filter(kind="out").count() == 1
    from houqin.core.attachments import attachments_for

    assert len(list(attachments_for(req))) == 1


# --- Counts and report --------------------------------------------------------------------


def test_count_pages(campus, keeper, stock):
    client = login(keeper)
    response = client.post(f"{BASE}/counts/new/", {"location": stock["store"].pk})
    count = StockCount.objects.get()
    assert response.status_code == 302
    page = client.get(f"{BASE}/counts/{count.pk}/")
    assert page.status_code == 200 and 'data-testid="count-post"' in page.content.decode()
    lines = {ln.item_id: ln for ln in count.lines.all()}
    data = {
        f"counted_{lines[stock['tissue'].pk].pk}": "19",
        f"counted_{lines[stock['mop'].pk].pk}": "3",
        "post": "1",
    }
    response = client.post(f"{BASE}/counts/{count.pk}/save/", data)
    assert response.status_code == 302
    count.refresh_from_db()
    assert count.status == "posted"
    assert StockBalance.objects.get(item=stock["tissue"]).quantity == D("19")
    sheet = client.get(f"{BASE}/counts/{count.pk}/print/")
    assert sheet.status_code == 200 and "抽纸" in sheet.content.decode()


def test_consumption_report_page_and_export(campus, keeper, make_member, stock):
    ws.stock_issue(actor=keeper, campus=campus, item=stock["tissue"], location=stock["store"], quantity=4,
                   to_class=stock["cls"])  # fmt: skip
    client = login(make_member(Role.PRINCIPAL))
    response = client.get(f"{BASE}/reports/consumption/")
    assert response.status_code == 200
    row = next(r for r in response.context["report"]["rows"] if r["school_class"] == stock["cls"])
    assert row["total_value"] == D("10.00")
    response = client.get(f"{BASE}/reports/consumption/", {"start": "2020-13"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.get(f"{BASE}/reports/consumption/", {"export": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert any(r[0] == "小一班" for r in wb.active.iter_rows(values_only=True))


# --- Permissions and isolation ------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/stock/receive/", "/stock/adjust/", "/stock/transfer/", "/items/new/", "/counts/new/"]
)
def test_writes_need_manage_stock(campus, teacher, stock, path):
    assert login(teacher).get(f"{BASE}{path}").status_code == 403


def test_cook_cannot_see_stock(campus, other_role_client, stock):
    assert other_role_client.get(f"{BASE}/items/").status_code == 403
    assert other_role_client.get(f"{BASE}/stock/issue/").status_code == 403


def test_outsider_gets_404(campus, outsider_client, stock):
    assert outsider_client.get(f"{BASE}/items/{stock['tissue'].pk}/").status_code == 404


def test_other_campus_rows_are_404(campus, other_campus, keeper, stock):
    foreign = f.ItemFactory(campus=other_campus)
    assert login(keeper).get(f"{BASE}/items/{foreign.pk}/").status_code == 404
    foreign_loc = f.StockLocationFactory(campus=other_campus)
    response = login(keeper).post(f"{BASE}/stock/receive/", {"item": stock["tissue"].pk, "location": foreign_loc.pk,
                                                              "quantity": "1"})  # fmt: skip
    assert response.status_code == 200 and StockMove.objects.count() == 3


def test_to_order_starts_a_purchase_request(campus, keeper, stock):
    from houqin.procurement.models import PurchaseRequest

    ws.stock_issue(actor=keeper, campus=campus, item=stock["tissue"], location=stock["store"], quantity=16,
                   to_department="办公室")  # fmt: skip
    client = login(keeper)
    page = client.get(f"{BASE}/stock/to-order/")
    assert 'data-testid="start-purchase"' in page.content.decode()
    response = client.post(f"{BASE}/stock/to-order/request/")
    assert response.status_code == 302
    pr = PurchaseRequest.objects.get()
    line = pr.lines.get()
    assert pr.requested_by == keeper and pr.status == "draft"
    assert (
        line.item == stock["tissue"] and line.quantity == D("50") and line.estimated_unit_price == D("2.50")
    )


def test_to_order_request_with_nothing_to_order(campus, keeper, stock):
    response = login(keeper).post(f"{BASE}/stock/to-order/request/", follow=True)
    assert response.status_code == 200
    from houqin.procurement.models import PurchaseRequest

    assert not PurchaseRequest.objects.exists()
