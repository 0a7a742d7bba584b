"""Periodic counts (定期清点): frozen expected balances, differences posted as adjustments;
and the consumption per class per month report."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from houqin.core.models import AuditEvent
from houqin.core.roles import Role
from houqin.procurement import warehouse_reports as reports
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import StockBalance, StockCount, StockMove
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper")


def test_count_freezes_expected_and_posts_differences(campus, keeper):
    loc = f.StockLocationFactory(campus=campus)
    a = f.ItemFactory(campus=campus, name="洗手液")
    b = f.ItemFactory(campus=campus, name="抽纸")
    c = f.ItemFactory(campus=campus, name="新物品", default_location=loc)
    ws.stock_receive(actor=keeper, campus=campus, item=a, location=loc, quantity=10, unit_cost=2)
    ws.stock_receive(actor=keeper, campus=campus, item=b, location=loc, quantity=5, unit_cost=1)
    count = ws.stock_count_start(actor=keeper, campus=campus, location=loc)
    assert count.number.startswith("PD-")
    lines = {ln.item_id: ln for ln in count.lines.all()}
    assert set(lines) == {a.pk, b.pk, c.pk}
    assert lines[a.pk].expected_quantity == D("10") and lines[c.pk].expected_quantity == 0
    with pytest.raises(ValidationError):
        ws.stock_count_start(actor=keeper, campus=campus, location=loc)  # one open count per location
    # a move after freezing does not change the expected quantity
    ws.stock_issue(actor=keeper, campus=campus, item=a, location=loc, quantity=1, to_department="办公室")
    ws.stock_count_record(
        actor=keeper, count=count, entries={lines[a.pk].pk: ("8", "少一瓶"), lines[b.pk].pk: "5"}
    )
    with pytest.raises(ValidationError) as exc:
        ws.stock_count_post(actor=keeper, count=count)
    assert exc.value.code == "count_incomplete"
    ws.stock_count_record(actor=keeper, count=count, entries={lines[c.pk].pk: "2"})
    ws.stock_count_post(actor=keeper, count=count)
    count.refresh_from_db()
    assert count.status == StockCount.Status.POSTED and count.posted_by == keeper
    adjustments = StockMove.objects.filter(kind="adjust").order_by("item__name")
    assert {(m.item_id, m.quantity) for m in adjustments} == {(a.pk, D("-2")), (c.pk, D("2"))}
    assert all(m.source == count for m in adjustments)
    assert StockBalance.objects.get(item=a).quantity == D("7")  # 10 − 1 issued − 2 missing
    assert AuditEvent.objects.filter(action="count_post", object_id=str(count.pk)).exists()
    with pytest.raises(ValidationError):
        ws.stock_count_record(actor=keeper, count=count, entries={lines[a.pk].pk: "9"})


def test_count_cancel_needs_reason(campus, keeper):
    loc = f.StockLocationFactory(campus=campus)
    count = ws.stock_count_start(actor=keeper, campus=campus, location=loc)
    with pytest.raises(ValidationError):
        ws.stock_count_cancel(actor=keeper, count=count, reason=" ")
    ws.stock_count_cancel(actor=keeper, count=count, reason="改日清点")
    assert StockCount.objects.get(pk=count.pk).status == "cancelled"
    ws.stock_count_start(actor=keeper, campus=campus, location=loc)  # a new one may start


def test_bad_counted_quantity_refused(campus, keeper):
    loc = f.StockLocationFactory(campus=campus)
    item = f.ItemFactory(campus=campus, default_location=loc)
    count = ws.stock_count_start(actor=keeper, campus=campus, location=loc)
    line = count.lines.get()
    with pytest.raises(ValidationError):
        ws.stock_count_record(actor=keeper, count=count, entries={line.pk: "-1"})
    with pytest.raises(ValidationError):
        ws.stock_count_record(actor=keeper, count=count, entries={line.pk: "abc"})
    assert count.lines.get().counted_quantity is None
    assert item.pk == line.item_id


def _at(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_consumption_by_class_per_month(campus, keeper):
    loc = f.StockLocationFactory(campus=campus)
    cleaning = f.ItemCategoryFactory(campus=campus, name="清洁用品")
    tissue = f.ItemFactory(campus=campus, category=cleaning)
    other = f.ItemFactory(campus=campus)
    c1 = f.SchoolClassFactory(campus=campus, name="小一班", sort_order=1)
    c2 = f.SchoolClassFactory(campus=campus, name="小二班", sort_order=2)
    for _ in range(4):
        f.ChildFactory(campus=campus, school_class=c1)
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    ws.stock_receive(actor=keeper, campus=campus, item=tissue, location=loc, quantity=100, unit_cost=2,
                     moved_at=_at(last_month))  # fmt: skip
    ws.stock_receive(actor=keeper, campus=campus, item=other, location=loc, quantity=100, unit_cost=5,
                     moved_at=_at(last_month))  # fmt: skip
    ws.stock_issue(actor=keeper, campus=campus, item=tissue, location=loc, quantity=10, to_class=c1,
                   moved_at=_at(last_month + dt.timedelta(days=3)))  # fmt: skip
    wrong = ws.stock_issue(actor=keeper, campus=campus, item=tissue, location=loc, quantity=5, to_class=c1,
                           moved_at=_at(this_month))  # fmt: skip
    ws.stock_move_reverse(actor=keeper, move=wrong, reason="录错")
    ws.stock_issue(actor=keeper, campus=campus, item=tissue, location=loc, quantity=3, to_class=c1,
                   moved_at=_at(this_month))  # fmt: skip
    ws.stock_issue(actor=keeper, campus=campus, item=other, location=loc, quantity=2, to_class=c2,
                   moved_at=_at(this_month))  # fmt: skip
    ws.stock_issue(actor=keeper, campus=campus, item=tissue, location=loc, quantity=7, to_department="办公室",
                   moved_at=_at(this_month))  # fmt: skip

    report = reports.consumption_by_class(campus, start=last_month, end=this_month)
    assert report["months"] == [last_month, this_month]
    rows = {r["school_class"].pk: r for r in report["rows"]}
    assert [c["value"] for c in rows[c1.pk]["cells"]] == [D("20.00"), D("6.00")]  # reversal nets out
    assert [c["value"] for c in rows[c2.pk]["cells"]] == [D("0"), D("10.00")]
    assert rows[c1.pk]["children"] == 4 and rows[c1.pk]["per_child"] == D("3.25")  # 26 / 4 / 2 months
    assert report["grand_value"] == D("36.00")  # the department issue is not a class's
    # average 18: 26 is more than 20 % above it (the campus setting's default), 10 is not
    assert rows[c1.pk]["above_average"] and not rows[c2.pk]["above_average"]
    from houqin.core.settings_services import campus_settings_update

    campus_settings_update(actor=keeper, campus=campus, values={"procurement.consumption_flag_percent": 50})
    campus.refresh_from_db()
    campus = type(campus).objects.get(pk=campus.pk)  # no cached settings
    relaxed = reports.consumption_by_class(campus, start=last_month, end=this_month)
    assert not any(r["above_average"] for r in relaxed["rows"])

    only = reports.consumption_by_class(campus, start=last_month, end=this_month, category=cleaning)
    assert only["grand_value"] == D("26.00")
    by_item = reports.consumption_by_class(campus, start=this_month, end=this_month, item=tissue)
    assert by_item["show_quantity"] and {r["school_class"].pk: r["total_quantity"] for r in by_item["rows"]}[
        c1.pk
    ] == D("3")
