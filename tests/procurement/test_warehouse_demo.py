"""The demo's warehouse: a term of receipts and requisitions that obeys the ledger's rules."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db.models import Sum

from houqin.core.models import Campus
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import (
    Item,
    ItemCategory,
    Requisition,
    StockBalance,
    StockCount,
    StockLocation,
    StockMove,
)

pytestmark = pytest.mark.django_db


def test_demo_warehouse(monkeypatch):
    from houqin.core import demo
    from houqin.procurement import warehouse_demo

    # the core's demo plus the warehouse's only: other modules' demo rows are theirs to test
    monkeypatch.setattr(
        demo, "_extensions", [(o, fn) for o, fn in demo._extensions if fn is warehouse_demo.add_demo_rows]
    )
    call_command("seed", size="demo", stdout=io.StringIO())
    main = Campus.objects.get(code="main")
    assert set(ItemCategory.objects.filter(campus=main).values_list("name", flat=True)) >= {
        "清洁用品", "办公用品", "教玩具", "消毒用品",
    }  # fmt: skip
    assert set(StockLocation.objects.filter(campus=main).values_list("name", flat=True)) == {
        "总务仓库",
        "消毒用品柜",
    }
    assert Item.objects.filter(campus=main).count() >= 38
    bleach = Item.objects.get(campus=main, name="84消毒液")
    assert bleach.is_hazardous and bleach.keeper.username == "assets" and bleach.per_issue_limit == D("2")
    # the ledger sums to the balances, none below zero
    for balance in StockBalance.objects.filter(campus=main):
        moves = StockMove.objects.filter(item=balance.item, location=balance.location)
        assert moves.aggregate(q=Sum("quantity"))["q"] == balance.quantity >= 0
        assert moves.aggregate(v=Sum("value"))["v"] == balance.value >= 0
    # every hazardous issue by the keeper, within the limit
    for move in StockMove.objects.filter(campus=main, kind="out", item__is_hazardous=True).select_related(
        "item"
    ):
        assert move.actor_id == move.item.keeper_id and -move.quantity <= move.item.per_issue_limit
    # requisitions by classes, issued; one waiting for approval, one to issue
    assert Requisition.objects.filter(campus=main, status="issued", school_class__isnull=False).count() >= 30
    assert Requisition.objects.filter(campus=main, status="pending").count() == 1
    assert Requisition.objects.filter(campus=main, status="approved").count() == 1
    # 以旧换新 recorded
    assert Requisition.objects.filter(campus=main, lines__returned_quantity__gt=0).exists()
    # one posted count with an adjustment
    count = StockCount.objects.get(campus=main)
    assert (
        count.status == "posted" and StockMove.objects.filter(kind="adjust", source_id=str(count.pk)).exists()
    )
    # exactly two items below their reorder level
    assert sorted(i.name for i in ws.items_to_order(main)) == ["彩色卡纸", "打印机墨盒"]
    assert StockMove.objects.filter(campus=main, kind="reversal").exists()
    assert StockMove.objects.filter(campus=main, kind="transfer").count() == 2
    assert StockBalance.objects.filter(campus__code="west").exists()
