"""Demo data of the warehouse (registered with ``core.demo``, order 305).

Main campus: four categories (清洁用品, 办公用品, 教玩具 and 消毒用品 — the last two need
approval for requisitions), two locations (总务仓库, 消毒用品柜), ~40 items (84消毒液 and
酒精 hazardous, kept by the asset keeper and issued at most 2 bottles at a time; mops and
brooms issued old-for-new), receipts over the term, monthly requisitions of every class
issued by the keeper, one posted count of the disinfectant cabinet, and two items below
their reorder level. West campus: a small store room with a few items.

Everything goes through :mod:`houqin.procurement.warehouse_services`; dates are relative
to the day the demo is loaded, posted in time order so the ledger reads naturally.
"""

import datetime as dt
from decimal import Decimal as D

from django.utils import timezone

from houqin.core import approvals
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.core.links import campus_url
from houqin.core.services import object_save
from houqin.procurement import warehouse_services as services
from houqin.procurement.models import Item, ItemCategory, Requisition, StockLocation

CATEGORIES = [
    # name, needs approval, order
    ("清洁用品", False, 1),
    ("办公用品", False, 2),
    ("教玩具", True, 3),
    ("消毒用品", True, 4),
]

# name, spec, unit, category, unit cost, first receipt, reorder level, reorder qty, options
ITEMS = [
    ("抽纸", "3层130抽", "包", "清洁用品", "2.80", 900, 120, 400, {}),
    ("卷纸", "4层140g", "卷", "清洁用品", "1.90", 480, 100, 300, {}),
    ("洗手液", "500ml", "瓶", "清洁用品", "9.50", 160, 30, 60, {}),
    ("洗洁精", "1.5kg", "瓶", "清洁用品", "12.00", 40, 10, 24, {}),
    ("洗衣粉", "2kg", "袋", "清洁用品", "18.50", 30, 8, 20, {}),
    ("垃圾袋", "45×50cm 100只", "卷", "清洁用品", "6.00", 120, 30, 80, {}),
    ("抹布", "30×30cm", "条", "清洁用品", "1.50", 300, 40, 100, {}),
    ("钢丝球", "大号", "个", "清洁用品", "0.80", 100, 20, 60, {}),
    ("拖把", "棉线旋转", "把", "清洁用品", "25.00", 24, 6, 12, {"consumable": False}),
    ("扫帚", "塑料软毛", "把", "清洁用品", "12.00", 24, 6, 12, {"consumable": False}),
    ("簸箕", "带长柄", "个", "清洁用品", "8.00", 20, 0, 0, {"consumable": False}),
    ("橡胶手套", "中号", "双", "清洁用品", "4.50", 80, 20, 50, {}),
    ("A4复印纸", "70g 500张", "包", "办公用品", "24.00", 80, 20, 50, {}),
    ("中性笔", "0.5mm黑色", "支", "办公用品", "1.20", 300, 60, 200, {}),
    ("白板笔", "黑色", "支", "办公用品", "2.50", 120, 30, 100, {}),
    ("订书钉", "24/6", "盒", "办公用品", "1.50", 50, 10, 30, {}),
    ("胶水", "40ml", "瓶", "办公用品", "2.00", 60, 15, 40, {}),
    ("透明胶带", "48mm", "卷", "办公用品", "3.00", 60, 15, 40, {}),
    ("打印机墨盒", "HP 803黑色", "个", "办公用品", "89.00", 10, 3, 6, {}),
    ("彩色卡纸", "A4 100张", "包", "办公用品", "15.00", 40, 10, 30, {}),
    ("档案袋", "牛皮纸", "个", "办公用品", "0.60", 200, 40, 100, {}),
    ("剪刀", "儿童安全圆头", "把", "办公用品", "3.50", 60, 0, 0, {"consumable": False}),
    ("订书机", "12号", "个", "办公用品", "15.00", 12, 0, 0, {"consumable": False}),
    ("彩泥", "24色", "盒", "教玩具", "16.00", 80, 10, 30, {}),
    ("蜡笔", "24色", "盒", "教玩具", "9.00", 150, 15, 40, {}),
    ("水彩笔", "36色", "盒", "教玩具", "18.00", 60, 15, 40, {}),
    ("积木", "木质100粒", "套", "教玩具", "68.00", 12, 0, 0, {"consumable": False}),
    ("拼图", "60片", "盒", "教玩具", "22.00", 24, 0, 0, {"consumable": False}),
    ("皮球", "7寸", "个", "教玩具", "12.00", 30, 8, 20, {"consumable": False}),
    ("跳绳", "儿童款", "根", "教玩具", "5.00", 50, 10, 30, {}),
    ("绘本", "幼儿启蒙", "本", "教玩具", "25.00", 40, 0, 0, {}),
    (
        "84消毒液",
        "500ml",
        "瓶",
        "消毒用品",
        "6.50",
        60,
        15,
        40,
        {"hazardous": True, "limit": 2, "cabinet": True},
    ),
    (
        "75%酒精",
        "500ml",
        "瓶",
        "消毒用品",
        "9.00",
        30,
        8,
        20,
        {"hazardous": True, "limit": 2, "cabinet": True},
    ),
    (
        "含氯消毒片",
        "100片",
        "瓶",
        "消毒用品",
        "15.00",
        30,
        10,
        20,
        {"hazardous": True, "limit": 2, "cabinet": True},
    ),
    ("免洗洗手凝胶", "300ml", "瓶", "消毒用品", "14.00", 48, 12, 30, {"cabinet": True}),
    ("消毒湿巾", "80片", "包", "消毒用品", "8.50", 80, 20, 50, {"cabinet": True}),
    ("紫外线灯管", "30W", "支", "消毒用品", "45.00", 10, 3, 6, {"consumable": False, "cabinet": True}),
    ("一次性口罩", "50只装", "盒", "消毒用品", "12.00", 40, 10, 30, {"cabinet": True}),
    ("测温枪电池", "5号", "节", "消毒用品", "1.20", 60, 15, 40, {"cabinet": True}),
    ("手套(一次性)", "PE 100只", "盒", "消毒用品", "6.00", 40, 10, 20, {"cabinet": True}),
]

# What a class asks for each month (按需领用): item → base quantity
CLASS_MONTHLY = [("抽纸", 20), ("卷纸", 12), ("洗手液", 3), ("垃圾袋", 2), ("抹布", 4), ("蜡笔", 1)]
# and every other month
CLASS_OCCASIONAL = [("彩泥", 2), ("A4复印纸", 1), ("免洗洗手凝胶", 1), ("消毒湿巾", 2)]


def _at(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _save(instance):
    return object_save(actor=None, instance=instance, campus=instance.campus, message="demo data")


def add_demo_rows(ctx):
    today = timezone.localdate()
    _main(ctx, ctx.campuses[MAIN_CODE], today)
    _west(ctx, ctx.campuses[WEST_CODE], today)


def _main(ctx, campus, today):
    users = ctx.users
    keeper, head = users["assets"], users["logistics"]
    categories = {
        name: _save(ItemCategory(campus=campus, name=name, needs_approval=approval, sort_order=order))
        for name, approval, order in CATEGORIES
    }
    room = ctx.rooms.get((MAIN_CODE, "物资仓库"))
    store = _save(
        StockLocation(
            campus=campus, name="总务仓库", room=room, keeper=keeper, note="统一采购，统一供应，统一管理"
        )
    )
    cabinet = _save(
        StockLocation(campus=campus, name="消毒用品柜", room=room, keeper=keeper, note="专人保管，上锁")
    )
    items = {}
    for name, spec, unit, cat, cost, first, level, reorder, opts in ITEMS:
        location = cabinet if opts.get("cabinet") else store
        item = _save(Item(
            campus=campus, name=name, spec=spec, unit=unit, category=categories[cat],
            is_consumable=opts.get("consumable", True), is_hazardous=opts.get("hazardous", False),
            keeper=keeper if opts.get("hazardous") or opts.get("cabinet") else None,
            per_issue_limit=D(opts["limit"]) if opts.get("limit") else None,
            reorder_level=D(level), reorder_quantity=D(reorder), default_location=location,
        ))  # fmt: skip
        items[name] = (item, D(cost), first, location)

    # Everything below is posted in time order, so the ledger's "balance after" reads naturally.
    events = []

    def at(when, fn, *args, **kwargs):
        events.append((when, len(events), lambda: fn(*args, **kwargs)))

    def receive(name, qty, cost, note, when):
        item, _cost, _first, location = items[name]
        services.stock_receive(actor=keeper, campus=campus, item=item, location=location, quantity=qty,
                               unit_cost=cost, note=note, moved_at=when)  # fmt: skip

    def issue(name, qty, when, **kwargs):
        item, _cost, _first, location = items[name]
        return services.stock_issue(actor=keeper, campus=campus, item=item, location=location, quantity=qty,
                                    moved_at=when, **kwargs)  # fmt: skip

    # Receipts at the start of term (about twelve weeks ago) and a top-up mid-term.
    start = today - dt.timedelta(days=84)
    for n, (name, (_item, cost, first, _loc)) in enumerate(items.items()):
        at(_at(start, 9, n % 50), receive, name, first, cost, "期初采购入库", _at(start, 9, n % 50))
    topup = _at(start + dt.timedelta(days=45), 14)
    for name, qty in (("抽纸", 300), ("卷纸", 200), ("洗手液", 48), ("垃圾袋", 60)):
        at(topup, receive, name, qty, items[name][1] * D("0.98"), "期中补货", topup)

    classes = sorted(
        (c for (code, _n), c in ctx.classes.items() if code == MAIN_CODE), key=lambda c: c.sort_order
    )
    teachers = {c.pk: c.head_teacher or users["teacher"] for c in classes}

    def requisition(cls, lines, day, *, issue=True, approve=True):
        req = services.requisition_create(
            actor=teachers[cls.pk], campus=campus, school_class=cls, purpose="本月班级日常用品",
            lines=[(items[name][0], qty, "") for name, qty in lines], now=_at(day, 8, 30),
        )  # fmt: skip
        if req.status == Requisition.Status.PENDING:
            if not approve:
                return
            approvals.approve(actor=head, approval=approvals.current_request(req), comment="同意，按需发放")
            req.refresh_from_db()
        if not issue:
            return
        by_location = {}
        for line in req.lines.select_related("item"):
            location = items[line.item.name][3]
            by_location.setdefault(location.pk, (location, []))[1].append(
                {"line": line, "quantity": line.quantity}
            )
        for location, entries in by_location.values():
            services.requisition_issue(actor=keeper, requisition=req, location=location, lines=entries,
                                       now=_at(day, 10, 15))  # fmt: skip

    # Monthly requisitions of every class, on need (按需领用).
    rng = ctx.rng
    for month in range(3):
        first_day = start + dt.timedelta(days=7 + 28 * month)
        for i, cls in enumerate(classes):
            lines = [
                (name, max(1, base + rng.randint(-1, 2) * max(1, base // 5))) for name, base in CLASS_MONTHLY
            ]
            if (month + i) % 2 == 0:
                lines += CLASS_OCCASIONAL
            day = first_day + dt.timedelta(days=i % 5)
            at(_at(day, 8, 30), requisition, cls, lines, day)

    # Hazardous goods: the keeper hands out 84消毒液 two bottles at a time to the childcare team.
    for week in range(10):
        when = _at(start + dt.timedelta(days=3 + 7 * week), 7, 40)
        at(when, issue, "84消毒液", 2, when, to_department="保育组", note="每周消毒用")
    for week in range(6):
        when = _at(start + dt.timedelta(days=5 + 14 * week), 7, 50)
        at(when, issue, "75%酒精", 1, when, to_department="保健室", note="晨检消毒")

    # 以旧换新: two classes hand back worn mops for new ones.
    def mop_exchange(cls, day):
        req = services.requisition_create(
            actor=teachers[cls.pk], campus=campus, school_class=cls, purpose="拖把损坏，以旧换新",
            lines=[(items["拖把"][0], 1, "旧拖把已断")], now=_at(day, 9),
        )  # fmt: skip
        services.requisition_issue(actor=keeper, requisition=req, location=store,
                                   lines=[{"line": req.lines.get(), "quantity": 1, "returned": 1}],
                                   return_note="交回旧拖把一把（杆断）", now=_at(day, 10))  # fmt: skip

    for n, cls in enumerate(classes[:2]):
        day = start + dt.timedelta(days=50 + n)
        at(_at(day, 9), mop_exchange, cls, day)

    # An office requisition, an adjustment, a transfer and a reversal.
    def office(day):
        req = services.requisition_create(
            actor=users["accountant"], campus=campus, department="财务室", purpose="打印报表",
            lines=[(items["A4复印纸"][0], 4, ""), (items["打印机墨盒"][0], 1, "")], now=_at(day, 9),
        )  # fmt: skip
        services.requisition_issue(actor=keeper, requisition=req, location=store, lines=[
            {"line": ln, "quantity": ln.quantity} for ln in req.lines.all()
        ], now=_at(day, 11))  # fmt: skip

    at(_at(start + dt.timedelta(days=30), 9), office, start + dt.timedelta(days=30))
    when = _at(start + dt.timedelta(days=20), 15)
    at(when, services.stock_adjust, actor=keeper, campus=campus, item=items["洗洁精"][0], location=store,
       quantity=-2, reason="搬运时摔破两瓶", moved_at=when)  # fmt: skip
    when = _at(start + dt.timedelta(days=33), 16)
    at(when, services.stock_transfer, actor=keeper, campus=campus, item=items["橡胶手套"][0], from_location=store,
       to_location=cabinet, quantity=10, note="消毒用品柜备用", moved_at=when)  # fmt: skip

    def wrong_entry(when):
        wrong = issue("白板笔", 10, when, to_class=classes[0])
        services.stock_move_reverse(actor=keeper, move=wrong, reason="数量录错，应为领用单发放",
                                    moved_at=when + dt.timedelta(minutes=20))  # fmt: skip

    at(_at(today - dt.timedelta(days=12), 16), wrong_entry, _at(today - dt.timedelta(days=12), 16))

    # A periodic count (定期清点) of the disinfectant cabinet: one bottle of alcohol leaked.
    def stock_count(day):
        count = services.stock_count_start(actor=keeper, campus=campus, location=cabinet, note="月度清点",
                                           now=_at(day, 16))  # fmt: skip
        entries = {}
        for line in count.lines.select_related("item"):
            leaked = line.item.name == "75%酒精"
            entries[line.pk] = (
                line.expected_quantity - (1 if leaked else 0),
                "一瓶瓶盖松动挥发" if leaked else "",
            )
        services.stock_count_record(actor=keeper, count=count, entries=entries)
        services.stock_count_post(actor=keeper, count=count, now=_at(day, 17))

    at(_at(today - dt.timedelta(days=10), 16), stock_count, today - dt.timedelta(days=10))

    # Two items fall below their reorder level this month (the keeper got one alert each).
    when = _at(today - dt.timedelta(days=6), 10)
    at(when, issue, "打印机墨盒", 6, when, to_department="办公室", note="期中考核材料打印")
    when = _at(today - dt.timedelta(days=4), 14)
    at(when, issue, "彩色卡纸", 32, when, to_department="教研组", note="主题墙布置")

    # Open work for the dashboard: one requisition to approve, one to issue.
    day = today - dt.timedelta(days=1)
    at(_at(day, 8, 30), requisition, classes[2], [("水彩笔", 2), ("跳绳", 5)], day, approve=False)
    at(_at(today, 8, 0), requisition, classes[3], [("抽纸", 20), ("洗手液", 3)], today, issue=False)

    for _when, _seq, fn in sorted(events, key=lambda e: (e[0], e[1])):
        fn()

    # The keeper read the notices of the requisitions issued long ago; the open ones stay unread.
    from houqin.core.models import Notification
    from houqin.core.notifications import mark_read

    open_urls = [
        campus_url(campus, "procurement:requisition_detail", pk=pk)
        for pk in Requisition.objects.filter(campus=campus, status__in=Requisition.OPEN_STATUSES).values_list(
            "pk", flat=True
        )
    ]
    old = Notification.objects.filter(campus=campus, event="procurement.requisition_ready").exclude(
        url__in=open_urls
    )
    for user in {n.recipient for n in old.select_related("recipient")}:
        mark_read(user=user, notifications=old.filter(recipient=user))


def _west(ctx, campus, today):
    users = ctx.users
    head = users["logistics"]
    cleaning = _save(ItemCategory(campus=campus, name="清洁用品", sort_order=1))
    room = ctx.rooms.get((WEST_CODE, "物资仓库"))
    store = _save(StockLocation(campus=campus, name="物资仓库", room=room, keeper=head))
    start = today - dt.timedelta(days=60)
    for name, spec, unit, cost, qty, level in (
        ("抽纸", "3层130抽", "包", "2.80", 200, 40),
        ("洗手液", "500ml", "瓶", "9.50", 30, 10),
        ("垃圾袋", "45×50cm 100只", "卷", "6.00", 40, 10),
    ):
        item = _save(Item(campus=campus, name=name, spec=spec, unit=unit, category=cleaning,
                          reorder_level=D(level), reorder_quantity=D(level * 3), default_location=store))  # fmt: skip
        services.stock_receive(actor=head, campus=campus, item=item, location=store, quantity=qty, unit_cost=cost,
                               note="期初入库", moved_at=_at(start))  # fmt: skip
