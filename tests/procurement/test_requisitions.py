"""Requisitions (领用): approval by category, issue by the keeper (full or partial),
以旧换新 for non-consumables, hazardous goods only by their keeper within the limit."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from houqin.core import approvals
from houqin.core.models import Notification
from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import Requisition, StockBalance, StockMove
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
    }


@pytest.fixture
def setup(campus, people):
    store = f.StockLocationFactory(campus=campus, name="总务仓库")
    cleaning = f.ItemCategoryFactory(campus=campus, name="清洁用品")
    toys = f.ItemCategoryFactory(campus=campus, name="教玩具", needs_approval=True)
    tissue = f.ItemFactory(campus=campus, name="抽纸", unit="包", category=cleaning)
    mop = f.ItemFactory(campus=campus, name="拖把", unit="把", category=cleaning, is_consumable=False)
    clay = f.ItemFactory(campus=campus, name="彩泥", unit="盒", category=toys)
    bleach = f.ItemFactory(campus=campus, name="84消毒液", unit="瓶", category=cleaning, is_hazardous=True,
                           keeper=people["keeper"], per_issue_limit=2)  # fmt: skip
    for item, qty in ((tissue, 50), (mop, 5), (clay, 10), (bleach, 10)):
        ws.stock_receive(
            actor=people["keeper"], campus=campus, item=item, location=store, quantity=qty, unit_cost=2
        )
    cls = f.SchoolClassFactory(campus=campus, name="小一班")
    return {"store": store, "tissue": tissue, "mop": mop, "clay": clay, "bleach": bleach, "cls": cls}


def test_plain_requisition_goes_straight_to_keeper(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["tissue"], 10, "")])  # fmt: skip
    assert req.number.startswith("LY-") and req.status == Requisition.Status.APPROVED
    assert not req.needs_approval and approvals.current_request(req) is None
    assert Notification.objects.filter(
        recipient=people["keeper"], event="procurement.requisition_ready"
    ).exists()


def test_category_needing_approval_goes_through_the_flow(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["tissue"], 2, ""), (setup["clay"], 1, "")])  # fmt: skip
    assert req.status == Requisition.Status.PENDING and req.needs_approval
    approval = approvals.current_request(req)
    assert approval.kind == "procurement.requisition" and approval.current_role == Role.LOGISTICS_HEAD
    with pytest.raises(ValidationError):
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": req.lines.first(), "quantity": 1}])  # fmt: skip
    approvals.approve(actor=people["head"], approval=approval)
    req.refresh_from_db()
    assert req.status == Requisition.Status.APPROVED


def test_rejected_and_withdrawn(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["clay"], 1, "")])  # fmt: skip
    approvals.reject(actor=people["head"], approval=approvals.current_request(req), comment="本月已领")
    req.refresh_from_db()
    assert req.status == Requisition.Status.REJECTED
    req2 = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                 lines=[(setup["clay"], 1, "")])  # fmt: skip
    with pytest.raises(ValidationError):
        ws.requisition_withdraw(actor=people["keeper"], requisition=req2)
    ws.requisition_withdraw(actor=people["teacher"], requisition=req2)
    req2.refresh_from_db()
    assert req2.status == Requisition.Status.WITHDRAWN


def test_partial_then_full_issue_to_the_class(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["tissue"], 10, "")])  # fmt: skip
    line = req.lines.get()
    moves = ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                                 lines=[{"line": line, "quantity": 4}])  # fmt: skip
    req.refresh_from_db()
    assert req.status == Requisition.Status.PARTIAL
    move = moves[0]
    assert move.kind == "out" and move.quantity == D("-4") and move.to_class == setup["cls"]
    assert move.source == req
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 7}])  # fmt: skip
    assert exc.value.code == "over_issue"
    ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                         lines=[{"line": line, "quantity": 6}])  # fmt: skip
    req.refresh_from_db()
    line.refresh_from_db()
    assert req.status == Requisition.Status.ISSUED and line.quantity_issued == D("10")
    assert StockBalance.objects.get(item=setup["tissue"]).quantity == D("40")
    with pytest.raises(ValidationError):
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 1}])  # fmt: skip


def test_issue_refused_without_stock_changes_nothing(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["tissue"], 60, "")])  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": req.lines.get(), "quantity": 60}])  # fmt: skip
    assert exc.value.code == "insufficient_stock"
    req.refresh_from_db()
    assert req.status == Requisition.Status.APPROVED and req.lines.get().quantity_issued == 0


def test_old_for_new_needs_the_old_one_back(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["mop"], 2, "")])  # fmt: skip
    line = req.lines.get()
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 1}])  # fmt: skip
    assert exc.value.code == "exchange_required"
    # a hand-back needs a note or a photo
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 1, "returned": 1}])  # fmt: skip
    assert exc.value.code == "exchange_note"
    # one old handed back: only one new one
    with pytest.raises(ValidationError):
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 2, "returned": 1}], return_note="旧拖把一把")  # fmt: skip
    ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                         lines=[{"line": line, "quantity": 1, "returned": 1}], return_note="旧拖把一把")  # fmt: skip
    line.refresh_from_db()
    assert (
        line.returned_quantity == D("1")
        and line.quantity_issued == D("1")
        and line.return_note == "旧拖把一把"
    )
    # the second old one comes back later, then the second new one is issued
    ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                         lines=[{"line": line, "quantity": 1, "returned": 1}], return_note="第二把")  # fmt: skip
    req.refresh_from_db()
    assert req.status == Requisition.Status.ISSUED


def test_hazardous_requisition_only_keeper_within_limit(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, department="保育组",
                                lines=[(setup["bleach"], 3, "")])  # fmt: skip
    line = req.lines.get()
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["head"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 2}])  # fmt: skip
    assert exc.value.code == "hazardous_not_keeper"
    with pytest.raises(ValidationError) as exc:
        ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                             lines=[{"line": line, "quantity": 3}])  # fmt: skip
    assert exc.value.code == "hazardous_over_limit"
    ws.requisition_issue(actor=people["keeper"], requisition=req, location=setup["store"],
                         lines=[{"line": line, "quantity": 2}])  # fmt: skip
    move = StockMove.objects.get(kind="out", item=setup["bleach"])
    assert move.to_department == "保育组" and move.actor == people["keeper"]


def test_requisition_needs_a_recipient_and_lines(campus, people, setup):
    with pytest.raises(ValidationError):
        ws.requisition_create(actor=people["teacher"], campus=campus, lines=[(setup["tissue"], 1, "")])
    with pytest.raises(ValidationError):
        ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"], lines=[])
    with pytest.raises(ValidationError):
        ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                              lines=[(setup["tissue"], 1, ""), (setup["tissue"], 2, "")])  # fmt: skip
    assert not Requisition.objects.exists()


def test_close_needs_reason(campus, people, setup):
    req = ws.requisition_create(actor=people["teacher"], campus=campus, school_class=setup["cls"],
                                lines=[(setup["tissue"], 10, "")])  # fmt: skip
    with pytest.raises(ValidationError):
        ws.requisition_close(actor=people["keeper"], requisition=req, reason="")
    ws.requisition_close(actor=people["keeper"], requisition=req, reason="班级已合并")
    req.refresh_from_db()
    assert req.status == Requisition.Status.CLOSED and req.closed_reason == "班级已合并"
