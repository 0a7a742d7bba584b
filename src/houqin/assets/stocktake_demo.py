"""Demo data of the stocktakes (registered with ``core.demo`` at order 320, after the
asset register): last term's end-of-term stocktake of the main campus, counted, closed and
its adjustments approved (two assets missing, one found in the wrong room and moved); and
this term's mid-term stocktake of three rooms, being counted (some found, a set short of
one item, an asset found in the wrong room, one that was missing turning up, and an
unknown label).

Everything goes through :mod:`houqin.assets.stocktake_services` and ``core.approvals``
(validated and audited). Dates are relative to the day the demo is loaded.
"""

import datetime as dt

from django.utils import timezone

from houqin.assets import stocktake_services as services
from houqin.assets.models import Asset, Stocktake, StocktakeRoom
from houqin.core import approvals
from houqin.core.demo import MAIN_CODE
from houqin.core.permissions import perms_for_user_on_campus

# (room, asset name) of last term's differences
LAST_MISSING = [("中三班活动室", "蓝牙音箱"), ("大一班活动室", "不锈钢保温桶")]
LAST_WRONG_ROOM = (("小二班活动室", "电钢琴"), "音乐室")
MID_ROOMS = ["小一班活动室", "中二班活动室", "美工室"]


def _term_title(day, what):
    if day.month >= 8:
        return f"{day.year}—{day.year + 1}学年第一学期{what}"
    return f"{day.year - 1}—{day.year}学年第二学期{what}"


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _asset(campus, room, name):
    return Asset.objects.filter(campus=campus, room=room, name=name).order_by("tag").first()


def add_demo_rows(ctx):
    campus = ctx.campuses[MAIN_CODE]
    if not Asset.objects.filter(campus=campus).exists():  # the register's demo did not run
        return
    users = ctx.users
    keeper, teacher = users["assets"], users["teacher"]
    rooms = {name: room for (code, name), room in ctx.rooms.items() if code == MAIN_CODE}
    today = timezone.localdate()
    _last_term(campus, rooms, keeper, users, today)
    _mid_term(campus, rooms, keeper, teacher, today)


def _last_term(campus, rooms, keeper, users, today):
    start = today - dt.timedelta(days=150)
    end = start + dt.timedelta(days=4)
    stocktake = services.stocktake_create(
        actor=keeper, campus=campus,
        data={"title": _term_title(start, "期末资产盘点"), "scope": Stocktake.Scope.CAMPUS, "start_date": start,
              "end_date": end, "note": "全园固定资产及低值易耗品，分室清点，逐件扫码。"},
    )  # fmt: skip
    services.stocktake_start(actor=keeper, stocktake=stocktake, now=_at(start, 8, 30))
    missing = {_asset(campus, rooms[r], n).pk for r, n in LAST_MISSING if _asset(campus, rooms[r], n)}
    (moved_room, moved_name), found_in = LAST_WRONG_ROOM
    moved = _asset(campus, rooms[moved_room], moved_name)
    st_rooms = {
        r.room_id: r for r in StocktakeRoom.objects.filter(stocktake=stocktake).select_related("room")
    }
    perms = perms_for_user_on_campus(keeper, campus)[1]
    minute = 0
    lines = stocktake.lines.select_related("asset").order_by("expected_room__code", "code")
    for line in lines:
        if line.asset_id in missing:
            continue
        room_id = (
            rooms[found_in].pk if moved is not None and line.asset_id == moved.pk else line.expected_room_id
        )
        if room_id not in st_rooms:
            continue
        minute += 1
        day = start + dt.timedelta(days=min(3, minute // 90))
        services.stocktake_scan(
            actor=keeper, stocktake=stocktake, room=st_rooms[room_id], text=line.code, perms=perms,
            now=_at(day, 9 + (minute % 90) // 12, (minute * 5) % 60),
        )  # fmt: skip
    services.stocktake_close(actor=keeper, stocktake=stocktake, now=_at(end, 16))
    approval = services.stocktake_submit_adjustments(actor=keeper, stocktake=stocktake)
    approvals.approve(actor=users["logistics"], approval=approval, comment="已复核，同意按盘点结果调账。")
    approvals.approve(actor=users["principal"], approval=approval, comment="同意。丢失物品查明原因后报告。")


def _mid_term(campus, rooms, keeper, teacher, today):
    start = today - dt.timedelta(days=2)
    stocktake = services.stocktake_create(
        actor=keeper, campus=campus,
        data={"title": _term_title(today, "期中盘点"), "scope": Stocktake.Scope.ROOMS, "start_date": start,
              "end_date": today + dt.timedelta(days=5), "note": "期中抽盘：小一班、中二班及美工室。"},
        rooms=[rooms[name] for name in MID_ROOMS],
    )  # fmt: skip
    services.stocktake_start(actor=keeper, stocktake=stocktake, now=_at(start, 8))
    st_rooms = {
        r.room.name: r for r in StocktakeRoom.objects.filter(stocktake=stocktake).select_related("room")
    }
    lines = list(stocktake.lines.order_by("code"))

    # 小一班: the class teacher counts everything but the smart board and the water dispenser;
    # one set of role-play toys is one short.
    small = st_rooms["小一班活动室"]
    for n, line in enumerate(ln for ln in lines if ln.expected_room_id == small.room_id):
        if line.name in ("交互智能平板", "饮水机"):
            continue
        quantity = line.expected_quantity - 1 if line.name == "区角玩具" else None
        services.stocktake_scan(actor=teacher, stocktake=stocktake, room=small, text=line.code, quantity=quantity,
                                now=_at(start, 15, n))  # fmt: skip

    # 美工室: the keeper counts half of it, finds the piano of 中二班 there, the speaker
    # reported missing last term, and an old label nobody knows.
    art = st_rooms["美工室"]
    art_lines = [ln for ln in lines if ln.expected_room_id == art.room_id]
    for n, line in enumerate(art_lines[: (len(art_lines) + 1) // 2]):
        services.stocktake_scan(actor=keeper, stocktake=stocktake, room=art, text=line.code,
                                now=_at(today - dt.timedelta(days=1), 10, n))  # fmt: skip
    piano = _asset(campus, rooms["中二班活动室"], "电钢琴")
    speaker = _asset(campus, rooms[LAST_MISSING[0][0]], LAST_MISSING[0][1])
    extra = [a.tag for a in (piano, speaker) if a is not None] + ["LZC-2015-0031"]
    for n, text in enumerate(extra):
        services.stocktake_scan(actor=keeper, stocktake=stocktake, room=art, text=text,
                                now=_at(today - dt.timedelta(days=1), 11, n))  # fmt: skip
