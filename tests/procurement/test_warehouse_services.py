"""The stock ledger: receive, issue, adjust, transfer, reverse, balances, average cost."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from houqin.core.models import AuditEvent, Notification
from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import Item, StockBalance, StockMove
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper")


@pytest.fixture
def loc(campus):
    return f.StockLocationFactory(campus=campus, name="总务仓库")


@pytest.fixture
def loc2(campus):
    return f.StockLocationFactory(campus=campus, name="消毒用品柜")


@pytest.fixture
def item(campus):
    return f.ItemFactory(campus=campus, name="洗手液", unit="瓶")


def balance(item, location):
    row = StockBalance.objects.filter(item=item, location=location).first()
    return (row.quantity, row.value) if row else (D(0), D(0))


def ledger_sum(item, location=None):
    qs = StockMove.objects.filter(item=item)
    if location is not None:
        qs = qs.filter(location=location)
    return sum((m.quantity for m in qs), D(0)), sum((m.value for m in qs), D(0))


def test_receive_creates_move_balance_and_audit(campus, keeper, item, loc):
    move = ws.stock_receive(
        actor=keeper, campus=campus, item=item, location=loc, quantity=10, unit_cost="5.5"
    )
    assert move.kind == StockMove.Kind.IN
    assert move.quantity == D("10") and move.value == D("55.00") and move.balance_after == D("10")
    assert balance(item, loc) == (D("10"), D("55.00"))
    assert AuditEvent.objects.filter(action="stock_in", object_id=str(move.pk)).exists()


def test_issue_uses_moving_average_and_empties_value(campus, keeper, item, loc):
    cls = f.SchoolClassFactory(campus=campus)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=10, unit_cost=1)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=10, unit_cost=2)
    out = ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=3, to_class=cls)
    assert out.quantity == D("-3") and out.value == D("-4.50") and out.unit_cost == D("1.5")
    assert out.to_class == cls
    last = ws.stock_issue(
        actor=keeper, campus=campus, item=item, location=loc, quantity=17, to_department="办公室"
    )
    assert last.value == D("-25.50")
    assert balance(item, loc) == (D("0"), D("0"))
    assert ledger_sum(item, loc) == balance(item, loc)


def test_receive_without_cost_takes_last_cost(campus, keeper, item, loc):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=2, unit_cost=3)
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=2, to_department="办公室")
    move = ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=4)
    assert move.value == D("12.00")


def test_issue_never_below_zero(campus, keeper, item, loc):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=2, unit_cost=1)
    with pytest.raises(ValidationError) as exc:
        ws.stock_issue(
            actor=keeper, campus=campus, item=item, location=loc, quantity=3, to_department="办公室"
        )
    assert exc.value.code == "insufficient_stock"
    assert balance(item, loc) == (D("2"), D("2.00"))
    assert StockMove.objects.filter(kind="out").count() == 0


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.2345", ""])
def test_bad_quantities_refused(campus, keeper, item, loc, bad):
    with pytest.raises(ValidationError):
        ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=bad)
    assert not StockMove.objects.exists()


def test_other_campus_objects_refused(campus, other_campus, keeper, loc):
    foreign = f.ItemFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        ws.stock_receive(actor=keeper, campus=campus, item=foreign, location=loc, quantity=1)


def test_inactive_item_not_received(campus, keeper, item, loc):
    item.is_active = False
    item.save()
    with pytest.raises(ValidationError):
        ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=1)


def test_moves_are_append_only(campus, keeper, item, loc):
    move = ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=1, unit_cost=1)
    move.note = "changed"
    with pytest.raises(ValidationError):
        move.save()
    with pytest.raises(ValidationError):
        move.delete()
    with pytest.raises(ValidationError):
        StockMove.objects.filter(pk=move.pk).update(note="x")
    with pytest.raises(ValidationError):
        StockMove.objects.filter(pk=move.pk).delete()
    assert StockMove.objects.get(pk=move.pk).note == ""


def test_adjust_needs_reason_and_respects_zero(campus, keeper, item, loc):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=5, unit_cost=2)
    with pytest.raises(ValidationError):
        ws.stock_adjust(actor=keeper, campus=campus, item=item, location=loc, quantity=-1, reason="")
    with pytest.raises(ValidationError):
        ws.stock_adjust(actor=keeper, campus=campus, item=item, location=loc, quantity=-6, reason="破损")
    move = ws.stock_adjust(actor=keeper, campus=campus, item=item, location=loc, quantity=-1, reason="破损")
    assert move.kind == "adjust" and move.value == D("-2.00") and move.note == "破损"
    up = ws.stock_adjust(actor=keeper, campus=campus, item=item, location=loc, quantity=2, reason="盘盈")
    assert up.value == D("4.00")
    assert balance(item, loc) == (D("6"), D("12.00"))


def test_transfer_two_moves_value_kept(campus, keeper, item, loc, loc2):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=10, unit_cost=3)
    out, into = ws.stock_transfer(
        actor=keeper, campus=campus, item=item, from_location=loc, to_location=loc2, quantity=4
    )
    assert out.quantity == D("-4") and into.quantity == D("4")
    assert into.counterpart == out and out.value == -into.value == D("-12.00")
    assert balance(item, loc) == (D("6"), D("18.00"))
    assert balance(item, loc2) == (D("4"), D("12.00"))
    assert ws.transfer_peer(out) == into and ws.transfer_peer(into) == out


def test_transfer_refused_rolls_back(campus, keeper, item, loc, loc2):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=1, unit_cost=3)
    with pytest.raises(ValidationError):
        ws.stock_transfer(
            actor=keeper, campus=campus, item=item, from_location=loc, to_location=loc2, quantity=2
        )
    with pytest.raises(ValidationError):
        ws.stock_transfer(
            actor=keeper, campus=campus, item=item, from_location=loc, to_location=loc, quantity=1
        )
    assert StockMove.objects.filter(kind="transfer").count() == 0
    assert balance(item, loc2) == (D(0), D(0))


def test_reverse_once(campus, keeper, item, loc):
    receipt = ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=5, unit_cost=2)
    issue = ws.stock_issue(
        actor=keeper, campus=campus, item=item, location=loc, quantity=2, to_department="办公室"
    )
    rev = ws.stock_move_reverse(actor=keeper, move=issue, reason="发错了")
    assert (
        rev.kind == "reversal" and rev.reverses == issue and rev.quantity == D("2") and rev.value == D("4.00")
    )
    assert balance(item, loc) == (D("5"), D("10.00"))
    with pytest.raises(ValidationError) as exc:
        ws.stock_move_reverse(actor=keeper, move=issue, reason="again")
    assert exc.value.code == "already_reversed"
    with pytest.raises(ValidationError):
        ws.stock_move_reverse(actor=keeper, move=rev, reason="undo the undo")
    with pytest.raises(ValidationError):
        ws.stock_move_reverse(actor=keeper, move=receipt, reason="")
    ws.stock_move_reverse(actor=keeper, move=receipt, reason="录错")
    assert balance(item, loc) == (D("0"), D("0"))
    assert ledger_sum(item, loc) == balance(item, loc)


def test_reversing_receipt_already_issued_is_refused(campus, keeper, item, loc):
    receipt = ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=5, unit_cost=2)
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=3, to_department="办公室")
    with pytest.raises(ValidationError) as exc:
        ws.stock_move_reverse(actor=keeper, move=receipt, reason="录错")
    assert exc.value.code == "insufficient_stock"
    assert not StockMove.objects.filter(kind="reversal").exists()


def test_reverse_transfer_reverses_both_legs(campus, keeper, item, loc, loc2):
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=5, unit_cost=2)
    out, into = ws.stock_transfer(
        actor=keeper, campus=campus, item=item, from_location=loc, to_location=loc2, quantity=5
    )
    ws.stock_move_reverse(actor=keeper, move=into, reason="调错")
    assert StockMove.objects.filter(kind="reversal").count() == 2
    assert balance(item, loc) == (D("5"), D("10.00"))
    assert balance(item, loc2) == (D("0"), D("0"))
    with pytest.raises(ValidationError):
        ws.stock_move_reverse(actor=keeper, move=out, reason="again")


# --- Hazardous goods ----------------------------------------------------------------------


@pytest.fixture
def bleach(campus, keeper):
    return f.ItemFactory(campus=campus, name="84消毒液", is_hazardous=True, keeper=keeper, per_issue_limit=2)


def test_hazardous_item_needs_keeper_and_limit(campus, keeper):
    item = Item(
        campus=campus,
        name="酒精",
        unit="瓶",
        category=f.ItemCategoryFactory(campus=campus),
        is_hazardous=True,
    )
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    assert {"keeper", "per_issue_limit"} <= set(exc.value.message_dict)


def test_hazardous_only_keeper_issues_within_limit(campus, keeper, make_member, bleach, loc):
    head = make_member(Role.LOGISTICS_HEAD)
    ws.stock_receive(actor=head, campus=campus, item=bleach, location=loc, quantity=10, unit_cost=8)
    with pytest.raises(ValidationError) as exc:
        ws.stock_issue(
            actor=head, campus=campus, item=bleach, location=loc, quantity=1, to_department="保育组"
        )
    assert exc.value.code == "hazardous_not_keeper"
    with pytest.raises(ValidationError) as exc:
        ws.stock_issue(
            actor=keeper, campus=campus, item=bleach, location=loc, quantity=3, to_department="保育组"
        )
    assert exc.value.code == "hazardous_over_limit"
    assert "2" in exc.value.messages[0]
    move = ws.stock_issue(
        actor=keeper, campus=campus, item=bleach, location=loc, quantity=2, to_department="保育组"
    )
    assert move.quantity == D("-2")


# --- 以旧换新 on direct issues -------------------------------------------------------------


def test_non_consumable_direct_issue_needs_old_returned(campus, keeper, loc):
    mop = f.ItemFactory(campus=campus, name="拖把", unit="把", is_consumable=False)
    ws.stock_receive(actor=keeper, campus=campus, item=mop, location=loc, quantity=5, unit_cost=20)
    with pytest.raises(ValidationError) as exc:
        ws.stock_issue(actor=keeper, campus=campus, item=mop, location=loc, quantity=2, returned_quantity=1,
                       return_note="旧拖把一把", to_department="保育组")  # fmt: skip
    assert exc.value.code == "exchange_required"
    with pytest.raises(ValidationError):
        ws.stock_issue(actor=keeper, campus=campus, item=mop, location=loc, quantity=1, returned_quantity=1,
                       to_department="保育组")  # fmt: skip
    move = ws.stock_issue(actor=keeper, campus=campus, item=mop, location=loc, quantity=1, returned_quantity=1,
                          return_note="旧拖把已坏", to_department="保育组")  # fmt: skip
    assert "旧拖把已坏" in move.note


# --- Reorder alerts -----------------------------------------------------------------------


def test_reorder_alert_once_per_crossing(campus, keeper, loc, loc2):
    item = f.ItemFactory(campus=campus, keeper=keeper, reorder_level=5, reorder_quantity=20)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=8, unit_cost=1)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc2, quantity=2, unit_cost=1)
    alerts = Notification.objects.filter(event="procurement.reorder", recipient=keeper)
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=4, to_department="办公室")
    assert alerts.count() == 0  # total 6 > 5
    assert item not in ws.items_to_order(campus)
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=1, to_department="办公室")
    assert alerts.count() == 1  # total 5 ≤ 5
    assert list(ws.items_to_order(campus)) == [item]
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=1, to_department="办公室")
    assert alerts.count() == 1  # still below: not again
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=20, unit_cost=1)
    item.refresh_from_db()
    assert item.reorder_alerted_at is None
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=20, to_department="办公室")
    assert alerts.count() == 2  # crossed again


def test_reorder_level_zero_never_alerts(campus, keeper, loc):
    item = f.ItemFactory(campus=campus, keeper=keeper, reorder_level=0)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=1, unit_cost=1)
    ws.stock_issue(actor=keeper, campus=campus, item=item, location=loc, quantity=1, to_department="办公室")
    assert not Notification.objects.filter(event="procurement.reorder").exists()
    assert item not in ws.items_to_order(campus)


def test_reorder_alert_goes_to_asset_keepers_without_item_keeper(campus, keeper, loc):
    item = f.ItemFactory(campus=campus, reorder_level=3)
    ws.stock_receive(actor=keeper, campus=campus, item=item, location=loc, quantity=3, unit_cost=1)
    assert Notification.objects.filter(event="procurement.reorder", recipient=keeper).count() == 1
