"""Stocktake rules (盘点): the frozen expected list, counting (found, wrong room, unexpected,
unknown, already counted, sets, manual ticks, undo), the reconciliation, and adjustments
that reach the register only through approval, once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.assets import services as asset_services
from houqin.assets import stocktake_services as services
from houqin.assets.models import (
    Asset,
    AssetCategory,
    Stocktake,
    StocktakeAdjustment,
    StocktakeLine,
    StocktakeRoom,
    StocktakeScan,
)
from houqin.core import approvals
from houqin.core.models import ApprovalRequest, AuditEvent
from tests import factories as f
from tests.factories_stocktake import make_stocktake, stocktake_people

pytestmark = pytest.mark.django_db
Result = StocktakeLine.Result
Kind = StocktakeAdjustment.Kind


@pytest.fixture
def people(make_member):
    return stocktake_people(make_member)


@pytest.fixture
def place(campus, people):
    """Two classrooms with their teachers as keepers, a music room, and a few assets."""
    building = f.BuildingFactory(campus=campus, name="教学楼")
    room_a = f.RoomFactory(
        campus=campus, building=building, code="A101", name="小一班活动室", keeper=people["teacher"]
    )
    room_b = f.RoomFactory(
        campus=campus, building=building, code="A102", name="小二班活动室", keeper=people["teacher2"]
    )
    music = f.RoomFactory(campus=campus, building=building, code="B201", name="音乐室")
    toys = f.AssetCategoryFactory(campus=campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)
    furniture = f.AssetCategoryFactory(campus=campus, name="家具")
    a = {
        "piano": f.AssetFactory(
            campus=campus, room=room_a, tag="ZC-0001", name="电钢琴", price=Decimal("4000")
        ),
        "board": f.AssetFactory(
            campus=campus, room=room_a, tag="ZC-0002", name="交互智能平板", price=Decimal("12000")
        ),
        "blocks": f.AssetFactory(
            campus=campus,
            room=room_a,
            tag="ZC-0003",
            name="积木",
            category=toys,
            quantity=10,
            price=Decimal("30"),
        ),
        "desk": f.AssetFactory(
            campus=campus,
            room=room_b,
            tag="ZC-0004",
            name="幼儿桌椅",
            category=furniture,
            price=Decimal("4200"),
        ),
        "tv": f.AssetFactory(campus=campus, room=room_b, tag="ZC-0005", name="电视机", price=Decimal("3000")),
        "drum": f.AssetFactory(
            campus=campus, room=music, tag="ZC-0006", name="架子鼓", price=Decimal("2500")
        ),
        "lost": f.AssetFactory(
            campus=campus, room=room_b, tag="ZC-0007", name="蓝牙音箱", price=Decimal("400"), status="missing"
        ),
        "gone": f.AssetFactory(
            campus=campus, room=music, tag="ZC-0008", name="旧打印机", price=Decimal("900"), status="disposed"
        ),
        "loose": f.AssetFactory(campus=campus, room=None, tag="ZC-0009", name="折叠梯", price=Decimal("300")),
    }
    return {"a": room_a, "b": room_b, "music": music, "toys": toys, "furniture": furniture, "assets": a}


def st_room(stocktake, room):
    return StocktakeRoom.objects.get(stocktake=stocktake, room=room)


def line_of(stocktake, asset):
    return StocktakeLine.objects.get(stocktake=stocktake, asset=asset)


def scan(stocktake, room, text, actor, **kwargs):
    return services.stocktake_scan(actor=actor, stocktake=stocktake, room=st_room(stocktake, room), text=text,
                                   **kwargs)  # fmt: skip


# --- Creation -------------------------------------------------------------------------------


def test_create_freezes_the_expected_list(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]], start=False)
    assert s.number.startswith("PD-2026-") and s.status == Stocktake.Status.DRAFT
    assert s.created_by == keeper
    lines = {ln.code: ln for ln in s.lines.all()}
    # active assets of the two rooms; the missing speaker is not expected
    assert set(lines) == {"ZC-0001", "ZC-0002", "ZC-0003", "ZC-0004", "ZC-0005"}
    blocks = lines["ZC-0003"]
    assert blocks.expected_quantity == 10 and blocks.expected_value == Decimal("300.00")
    assert blocks.expected_room == place["a"] and blocks.result == Result.PENDING
    assert {r.room_id for r in s.rooms.all()} == {place["a"].pk, place["b"].pk}
    # the rooms' keepers count them
    assert list(st_room(s, place["a"]).counters.all()) == [people["teacher"]]
    assert list(st_room(s, place["b"]).counters.all()) == [people["teacher2"]]
    assert AuditEvent.objects.filter(action="create", object_id=str(s.pk), message__contains="5").exists()

    # frozen: later changes to the register do not touch the list
    asset_services.asset_move(actor=keeper, asset=place["assets"]["piano"], room=place["music"])
    f.AssetFactory(campus=campus, room=place["a"], tag="ZC-0100", name="新空调")
    assert s.lines.count() == 5
    assert line_of(s, place["assets"]["piano"]).expected_room == place["a"]


def test_create_whole_campus_and_categories(campus, people, place):
    s = make_stocktake(campus, people["keeper"], start=False)
    codes = set(s.lines.values_list("code", flat=True))
    # every active asset, including the ladder without a room; not the missing or disposed ones
    assert codes == {"ZC-0001", "ZC-0002", "ZC-0003", "ZC-0004", "ZC-0005", "ZC-0006", "ZC-0009"}
    assert {r.room_id for r in s.rooms.all()} >= {place["a"].pk, place["b"].pk, place["music"].pk}

    only_toys = make_stocktake(campus, people["keeper"], start=False, categories=[place["toys"]])
    assert list(only_toys.lines.values_list("code", flat=True)) == ["ZC-0003"]
    assert list(only_toys.categories.all()) == [place["toys"]]


def test_create_by_building(campus, people, place):
    other_building = f.BuildingFactory(campus=campus, name="后勤楼")
    store = f.RoomFactory(campus=campus, building=other_building, code="C201")
    f.AssetFactory(campus=campus, room=store, tag="ZC-0200", name="货架")
    s = services.stocktake_create(
        actor=people["keeper"], campus=campus,
        data={"title": "后勤楼盘点", "scope": "buildings", "start_date": dt.date(2026, 11, 2),
              "end_date": dt.date(2026, 11, 3)},
        buildings=[other_building],
    )  # fmt: skip
    assert list(s.lines.values_list("code", flat=True)) == ["ZC-0200"]
    assert list(s.rooms.values_list("room_id", flat=True)) == [store.pk]
    assert list(s.buildings.all()) == [other_building]


@pytest.mark.parametrize(
    ("data", "kwargs", "field"),
    [
        ({"scope": "rooms"}, {}, "rooms"),
        ({"scope": "buildings"}, {}, "buildings"),
        ({"end_date": dt.date(2026, 10, 1)}, {}, "end_date"),
        ({"title": ""}, {}, "title"),
    ],
)
def test_create_refuses_bad_input(campus, people, place, data, kwargs, field):
    base = {
        "title": "期中盘点",
        "scope": "campus",
        "start_date": dt.date(2026, 11, 2),
        "end_date": dt.date(2026, 11, 9),
    }
    with pytest.raises(ValidationError) as exc:
        services.stocktake_create(actor=people["keeper"], campus=campus, data={**base, **data}, **kwargs)
    assert field in exc.value.message_dict
    assert not Stocktake.objects.exists()


def test_create_refuses_an_empty_scope_and_other_campus_rooms(campus, other_campus, people, place):
    empty = f.RoomFactory(campus=campus, code="E1")
    with pytest.raises(ValidationError) as exc:
        make_stocktake(campus, people["keeper"], rooms=[empty])
    assert exc.value.code == "empty_scope"
    foreign = f.RoomFactory(campus=other_campus, code="X1")
    with pytest.raises(ValidationError) as exc:
        make_stocktake(campus, people["keeper"], rooms=[place["a"], foreign])
    assert "rooms" in exc.value.message_dict
    assert not Stocktake.objects.exists()


def test_counters_for_every_room_and_strangers(campus, other_campus, people, place, outsider):
    s = make_stocktake(
        campus, people["keeper"], rooms=[place["a"], place["b"]], all_counters=[people["head"]]
    )
    assert [list(r.counters.all()) for r in s.rooms.order_by("room__code")] == [
        [people["head"]],
        [people["head"]],
    ]
    with pytest.raises(ValidationError) as exc:
        services.stocktake_set_counters(actor=people["keeper"], stocktake=s, room=st_room(s, place["a"]),
                                        users=[outsider])  # fmt: skip
    assert "counters" in exc.value.message_dict
    services.stocktake_set_counters(
        actor=people["keeper"], stocktake=s, room=st_room(s, place["a"]), users=[people["teacher"]]
    )
    assert list(st_room(s, place["a"]).counters.all()) == [people["teacher"]]
    assert AuditEvent.objects.filter(action="set_counters", object_id=str(s.pk)).count() == 1


# --- Counting -------------------------------------------------------------------------------


def test_scan_outcomes(campus, people, place):
    keeper = people["keeper"]
    assets = place["assets"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]])
    piano, board, tv = assets["piano"], assets["board"], assets["tv"]

    # by tag (any case, spaces), by bare token, by the label's full URL
    assert scan(s, place["a"], " zc-0001 ", keeper).outcome == "found"
    assert scan(s, place["a"], board.qr_token, keeper).outcome == "found"
    result = scan(s, place["a"], f"https://houqin.example.cn/q/a/{tv.qr_token}/", keeper)
    assert result.outcome == "wrong_room" and "小二班活动室" in services.scan_message(result)
    line = line_of(s, tv)
    assert line.result == Result.WRONG_ROOM and line.found_room == place["a"] and line.found_by == keeper

    # scanned again, anywhere: already counted, nothing changes
    again = scan(s, place["b"], "ZC-0001", keeper)
    assert again.outcome == "already" and "小一班活动室" in services.scan_message(again)
    assert line_of(s, piano).found_room == place["a"]

    # an asset outside the stocktake (music room) and one registered as missing: unexpected
    drum = scan(s, place["b"], "ZC-0006", keeper)
    assert drum.outcome == "unexpected" and "音乐室" in drum.reason
    lost = scan(s, place["b"], "ZC-0007", keeper)
    assert lost.outcome == "unexpected" and lost.line.asset_status == "missing" and not lost.line.expected
    assert scan(s, place["a"], "ZC-0006", keeper).outcome == "already"

    # a code nobody knows is recorded once
    unknown = scan(s, place["b"], "OLD-LABEL-31", keeper)
    assert (
        unknown.outcome == "unknown" and unknown.line.asset is None and unknown.line.result == Result.UNKNOWN
    )
    assert scan(s, place["b"], "OLD-LABEL-31", keeper).outcome == "already"
    assert StocktakeLine.objects.filter(stocktake=s, code="OLD-LABEL-31").count() == 1

    # every scan is logged, whatever it gave
    outcomes = list(
        StocktakeScan.objects.filter(stocktake=s).order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes == [
        "found", "found", "wrong_room", "already", "unexpected", "unexpected", "already", "unknown", "already",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action="stocktake_found").count() == 3


def test_scan_of_another_campus_asset_is_unknown(campus, other_campus, people, place):
    foreign = f.AssetFactory(campus=other_campus, tag="ZC-9999")
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"]])
    result = scan(s, place["a"], "ZC-9999", people["keeper"])
    assert result.outcome == "unknown" and result.line.asset is None
    assert not StocktakeLine.objects.filter(asset=foreign).exists()


def test_room_labels_switch_rooms(campus, people, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]])
    result = scan(s, place["a"], f"http://x/q/{place['b'].qr_token}/", people["keeper"])
    assert result.outcome == "room" and result.room.room == place["b"]
    assert scan(s, place["a"], place["b"].qr_token, people["keeper"]).outcome == "room"
    with pytest.raises(ValidationError) as exc:
        scan(s, place["a"], f"http://x/q/{place['music'].qr_token}/", people["keeper"])
    assert exc.value.error_dict["text"][0].code == "other_room"
    assert not StocktakeScan.objects.exists()


def test_scan_refusals(campus, people, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]], start=False)
    with pytest.raises(ValidationError) as exc:
        scan(s, place["a"], "ZC-0001", people["keeper"])
    assert exc.value.code == "not_counting"
    services.stocktake_start(actor=people["keeper"], stocktake=s)
    with pytest.raises(ValidationError):
        scan(s, place["a"], "   ", people["keeper"])
    # teacher2 is named for room B only; the teacher of A cannot count B; the keeper counts any room
    with pytest.raises(PermissionDenied):
        scan(s, place["b"], "ZC-0004", people["teacher"])
    assert scan(s, place["b"], "ZC-0004", people["teacher2"]).outcome == "found"
    assert scan(s, place["a"], "ZC-0001", people["keeper"]).outcome == "found"
    # a room nobody is named for may be counted by anyone who counts
    services.stocktake_set_counters(
        actor=people["keeper"], stocktake=s, room=st_room(s, place["a"]), users=[]
    )
    assert scan(s, place["a"], "ZC-0002", people["teacher2"]).outcome == "found"
    with pytest.raises(PermissionDenied):
        scan(s, place["a"], "ZC-0003", people["cook"])


def test_two_counters_cannot_count_one_asset_twice(campus, people, place):
    """The conditional UPDATE and the unique constraints keep one count per asset."""
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]])
    line = line_of(s, place["assets"]["piano"])
    stale = StocktakeLine.objects.get(pk=line.pk)  # read by a second counter before the first wrote
    assert scan(s, place["a"], "ZC-0001", keeper).outcome == "found"
    assert services._claim_expected(stale, st_room(s, place["b"]), keeper, None, "scan", None) is None
    assert line_of(s, place["assets"]["piano"]).found_room == place["a"]
    # unexpected lines: a second insert for the same asset loses on the unique constraint
    assert scan(s, place["a"], "ZC-0006", keeper).outcome == "unexpected"
    duplicate = services._add_line(
        s, {"asset": place["assets"]["drum"], "code": "ZC-0006", "result": Result.UNEXPECTED}
    )
    assert duplicate is None
    assert StocktakeLine.objects.filter(stocktake=s, asset=place["assets"]["drum"]).count() == 1


def test_sets_manual_ticks_quantities_and_undo(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"]])
    blocks = line_of(s, place["assets"]["blocks"])
    # a set scanned without a quantity counts all of it; the counter corrects it
    assert scan(s, place["a"], "ZC-0003", keeper).line.counted_quantity == 10
    services.stocktake_set_quantity(actor=keeper, stocktake=s, line=blocks, quantity=8)
    assert StocktakeLine.objects.get(pk=blocks.pk).counted_quantity == 8
    with pytest.raises(ValidationError):
        services.stocktake_set_quantity(actor=keeper, stocktake=s, line=blocks, quantity=0)
    # the board has no readable label: ticked by hand
    board = line_of(s, place["assets"]["board"])
    result = services.stocktake_mark_found(actor=keeper, stocktake=s, room=st_room(s, place["a"]), line=board)
    assert result.outcome == "found" and result.line.method == StocktakeLine.Method.MANUAL
    assert scan(s, place["a"], "ZC-0002", keeper).outcome == "already"
    # undo: an expected line is pending again; an unexpected one is removed
    services.stocktake_undo(actor=keeper, stocktake=s, line=board)
    board.refresh_from_db()
    assert board.result == Result.PENDING and board.found_room is None and board.counted_quantity is None
    unexpected = scan(s, place["a"], "ZC-0006", keeper).line
    services.stocktake_undo(actor=keeper, stocktake=s, line=unexpected)
    assert not StocktakeLine.objects.filter(pk=unexpected.pk).exists()
    assert StocktakeScan.objects.filter(stocktake=s, outcome="undo").count() == 2
    with pytest.raises(ValidationError):
        services.stocktake_undo(actor=keeper, stocktake=s, line=board)


# --- Reconciliation ------------------------------------------------------------------------


def counted_stocktake(campus, people, place):
    """Room A: piano in place, board missing, blocks 8 of 10; room B: desk in place, the TV
    found in A (wrong room); the drum (music room) and an unknown code found in B."""
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]])
    scan(s, place["a"], "ZC-0001", keeper)
    scan(s, place["a"], "ZC-0003", keeper, quantity=8)
    scan(s, place["a"], "ZC-0005", keeper)
    scan(s, place["b"], "ZC-0004", keeper)
    scan(s, place["b"], "ZC-0006", keeper)
    scan(s, place["b"], "ZC-0007", keeper)
    scan(s, place["b"], "NO-SUCH-TAG", keeper)
    return s


def test_reconcile_per_room_and_overall(campus, people, place):
    s = counted_stocktake(campus, people, place)
    recon = services.reconcile(s)
    rooms = {r.room.code: r for r in recon.rooms}
    a, b, t = rooms["A101"], rooms["A102"], recon.total
    assert (a.expected, a.in_place, a.short, a.missing, a.moved_out, a.moved_in) == (3, 1, 1, 1, 0, 1)
    assert a.expected_value == Decimal("16300.00")  # 4000 + 12000 + 10×30
    assert a.in_place_value == Decimal("4240.00")  # piano + 8 blocks
    assert a.missing_value == Decimal("12000.00")
    assert (b.expected, b.in_place, b.moved_out, b.unexpected, b.unknown) == (2, 1, 1, 2, 1)
    assert (t.expected, t.in_place, t.short, t.moved_out, t.missing) == (5, 2, 1, 1, 1)
    assert t.expected_value == Decimal("23500.00")
    assert t.in_place_value == Decimal("8440.00")
    assert t.rate_count == Decimal("40.0")  # 2 of 5 found in place
    assert t.rate_value == Decimal("35.9")  # 8440 / 23500
    assert a.rate_count == Decimal("33.3")
    assert {ln.code for ln in services.lines_for(s, "short")} == {"ZC-0003"}
    assert {ln.code for ln in services.lines_for(s, "differences")} == {
        "ZC-0002", "ZC-0003", "ZC-0005", "ZC-0006", "ZC-0007", "NO-SUCH-TAG",
    }  # fmt: skip


def test_reconcile_runs_a_fixed_number_of_queries(campus, people, place):
    keeper = people["keeper"]
    small = make_stocktake(campus, keeper, rooms=[place["a"]])
    with CaptureQueriesContext(connection) as few:
        services.reconcile(small)
    rooms = [f.RoomFactory(campus=campus, code=f"R{i:03d}") for i in range(10)]
    for i in range(200):
        f.AssetFactory(campus=campus, room=rooms[i % 10], tag=f"ZC-B{i:04d}")
    big = make_stocktake(campus, keeper, rooms=rooms)
    for i in range(0, 200, 3):
        scan(big, rooms[i % 10], f"ZC-B{i:04d}", keeper)
    with CaptureQueriesContext(connection) as many:
        recon = services.reconcile(big)
    assert recon.total.expected == 200 and recon.total.in_place == 67
    assert len(many) == len(few) <= 5


# --- Closing and adjustments -----------------------------------------------------------------


def test_close_marks_missing_and_proposes_adjustments(campus, people, place):
    s = counted_stocktake(campus, people, place)
    services.stocktake_close(actor=people["keeper"], stocktake=s)
    assert s.status == Stocktake.Status.CLOSED and s.closed_by == people["keeper"]
    assert line_of(s, place["assets"]["board"]).result == Result.MISSING
    adjustments = {
        a.line.code: a for a in StocktakeAdjustment.objects.filter(stocktake=s).select_related("line")
    }
    assert {code: a.kind for code, a in adjustments.items()} == {
        "ZC-0002": Kind.MISSING, "ZC-0003": Kind.QUANTITY, "ZC-0005": Kind.MOVE, "ZC-0006": Kind.MOVE,
        "ZC-0007": Kind.RECOVERED, "NO-SUCH-TAG": Kind.REGISTER,
    }  # fmt: skip
    assert adjustments["ZC-0002"].value == Decimal("12000.00")
    assert (adjustments["ZC-0003"].from_quantity, adjustments["ZC-0003"].to_quantity) == (10, 8)
    assert adjustments["ZC-0005"].to_room == place["a"]
    assert adjustments["ZC-0006"].to_room == place["b"] and adjustments["ZC-0006"].from_room == place["music"]
    assert adjustments["ZC-0007"].to_status == "in_use" and adjustments["ZC-0007"].to_room is None
    assert adjustments["NO-SUCH-TAG"].state == StocktakeAdjustment.State.LISTED
    assert services.loss_amount(s) == Decimal("12060.00")  # the board + 2 blocks
    with pytest.raises(ValidationError):
        scan(s, place["a"], "ZC-0002", people["keeper"])
    with pytest.raises(ValidationError):
        services.stocktake_close(actor=people["keeper"], stocktake=s)


def test_disposed_asset_found_is_listed_for_review(campus, people, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"]])
    scan(s, place["a"], "ZC-0008", people["keeper"])
    services.stocktake_close(actor=people["keeper"], stocktake=s)
    review = StocktakeAdjustment.objects.get(stocktake=s, kind=Kind.REVIEW)
    assert review.state == StocktakeAdjustment.State.LISTED


def test_adjustments_apply_only_on_approval_and_once(campus, people, place):
    assets = place["assets"]
    s = counted_stocktake(campus, people, place)
    services.stocktake_close(actor=people["keeper"], stocktake=s)
    approval = services.stocktake_submit_adjustments(actor=people["keeper"], stocktake=s)
    assert approval.kind == services.ADJUSTMENT_KIND and approval.amount == Decimal("12060.00")
    assert [step["role"] for step in approval.plan] == ["logistics_head", "principal"]
    s.refresh_from_db()
    assert s.status == Stocktake.Status.PENDING
    with pytest.raises(ValidationError):
        services.stocktake_submit_adjustments(actor=people["keeper"], stocktake=s)

    # nothing changes before the last step
    approvals.approve(actor=people["head"], approval=approval)
    for name in ("board", "tv", "drum", "lost", "blocks"):
        assets[name].refresh_from_db()
    assert assets["board"].status == "in_use" and assets["tv"].room == place["b"]

    approvals.approve(actor=people["principal"], approval=approval)
    for asset in assets.values():
        asset.refresh_from_db()
    assert assets["board"].status == Asset.Status.MISSING  # 盘亏
    assert assets["tv"].room == place["a"]  # found in the wrong room: moved
    assert assets["drum"].room == place["b"]
    assert assets["lost"].status == Asset.Status.IN_USE  # 盘盈: back in use
    assert assets["blocks"].quantity == 8
    assert assets["piano"].room == place["a"] and assets["piano"].status == "in_use"
    s.refresh_from_db()
    assert s.status == Stocktake.Status.ADJUSTED and s.adjusted_at
    states = dict(StocktakeAdjustment.objects.filter(stocktake=s).values_list("line__code", "state"))
    assert states["ZC-0002"] == "applied" and states["NO-SUCH-TAG"] == "listed"
    # audited by the register's own services, as the approver, naming the stocktake
    status_event = AuditEvent.objects.get(action="status", object_id=str(assets["board"].pk))
    assert status_event.actor == people["principal"] and s.number in status_event.message
    assert AuditEvent.objects.filter(action="move", object_id=str(assets["tv"].pk)).count() == 1

    # running the callback again applies nothing twice
    asset_events = AuditEvent.objects.filter(action__in=("status", "move", "update")).count()
    services.stocktake_on_approved(s, approval, people["principal"])  # already adjusted: nothing
    Stocktake.objects.filter(pk=s.pk).update(status=Stocktake.Status.PENDING)
    services.stocktake_on_approved(Stocktake.objects.get(pk=s.pk), approval, people["principal"])
    assert AuditEvent.objects.filter(action__in=("status", "move", "update")).count() == asset_events
    assert AuditEvent.objects.filter(action="move", object_id=str(assets["tv"].pk)).count() == 1


def test_rejection_leaves_the_register_unchanged(campus, people, place):
    assets = place["assets"]
    s = counted_stocktake(campus, people, place)
    services.stocktake_close(actor=people["keeper"], stocktake=s)
    approval = services.stocktake_submit_adjustments(actor=people["keeper"], stocktake=s)
    approvals.approve(actor=people["head"], approval=approval)
    approvals.reject(actor=people["principal"], approval=approval, comment="平板再找一找")
    for asset in assets.values():
        asset.refresh_from_db()
    assert (
        assets["board"].status == "in_use"
        and assets["tv"].room == place["b"]
        and assets["blocks"].quantity == 10
    )
    s.refresh_from_db()
    assert s.status == Stocktake.Status.CLOSED
    assert not StocktakeAdjustment.objects.filter(stocktake=s, state="applied").exists()
    # submitted again, leaving the board out (it turned up): the rest is applied
    board_adj = StocktakeAdjustment.objects.get(stocktake=s, kind=Kind.MISSING)
    second = services.stocktake_submit_adjustments(
        actor=people["keeper"], stocktake=s, exclude=[board_adj.pk]
    )
    assert second.amount == Decimal("60.00")
    approvals.approve(actor=people["head"], approval=second)
    approvals.approve(actor=people["principal"], approval=second)
    assets["board"].refresh_from_db()
    assets["tv"].refresh_from_db()
    assert assets["board"].status == "in_use" and assets["tv"].room == place["a"]
    board_adj.refresh_from_db()
    assert board_adj.state == StocktakeAdjustment.State.EXCLUDED


def test_withdrawn_and_nothing_to_submit(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["b"]])
    scan(s, place["b"], "ZC-0004", keeper)
    scan(s, place["b"], "ZC-0005", keeper)
    services.stocktake_close(actor=keeper, stocktake=s)
    assert not StocktakeAdjustment.objects.filter(stocktake=s).exists()
    with pytest.raises(ValidationError) as exc:
        services.stocktake_submit_adjustments(actor=keeper, stocktake=s)
    assert exc.value.code == "nothing_to_submit"

    other = make_stocktake(campus, keeper, rooms=[place["a"]])
    services.stocktake_close(actor=keeper, stocktake=other)
    approval = services.stocktake_submit_adjustments(actor=keeper, stocktake=other)
    approvals.withdraw(actor=keeper, approval=approval)
    other.refresh_from_db()
    assert other.status == Stocktake.Status.CLOSED
    assert ApprovalRequest.objects.get(pk=approval.pk).status == "withdrawn"
    assert Asset.objects.filter(status="missing").count() == 1  # only the speaker, as before


def test_asset_disposed_meanwhile_is_skipped(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"]])
    services.stocktake_close(actor=keeper, stocktake=s)
    approval = services.stocktake_submit_adjustments(actor=keeper, stocktake=s)
    piano = place["assets"]["piano"]
    asset_services.asset_set_status(actor=keeper, asset=piano, status="disposed", reason="报废")
    approvals.approve(actor=people["head"], approval=approval)
    approvals.approve(actor=people["principal"], approval=approval)
    adj = StocktakeAdjustment.objects.get(stocktake=s, asset=piano)
    assert adj.state == StocktakeAdjustment.State.SKIPPED and adj.outcome
    piano.refresh_from_db()
    assert piano.status == "disposed"
    assert Asset.objects.get(pk=place["assets"]["board"].pk).status == "missing"


def test_cancel_and_edit(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"]], start=False)
    services.stocktake_update(actor=keeper, stocktake=s, data={"title": "改过的标题"})
    assert Stocktake.objects.get(pk=s.pk).title == "改过的标题"
    with pytest.raises(ValidationError):
        services.stocktake_cancel(actor=keeper, stocktake=s, reason=" ")
    services.stocktake_cancel(actor=keeper, stocktake=s, reason="日期冲突")
    assert s.status == Stocktake.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.stocktake_start(actor=keeper, stocktake=s)
    with pytest.raises(ValidationError):
        services.stocktake_update(actor=keeper, stocktake=s, data={"title": "x"})


def test_asset_history_and_progress(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]])
    scan(s, place["a"], "ZC-0001", keeper)
    scan(s, place["a"], "ZC-0005", keeper)
    assert services.progress_for([s.pk]) == {s.pk: (5, 2)}
    progress = services.room_progress(s)
    assert (progress[place["a"].pk].expected, progress[place["a"].pk].counted, progress[place["a"].pk].extra) == (
        3, 1, 1,
    )  # fmt: skip
    assert progress[place["b"].pk].counted == 1
    history = services.asset_history(place["assets"]["piano"])
    assert [ln.stocktake for ln in history] == [s] and history[0].result == Result.FOUND
