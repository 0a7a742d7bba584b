"""Demo data of the repairs area (registered with ``core.demo`` at order 340): the term so
far of a kindergarten's 报修 — about 80 requests on the main campus and a few on the west
campus, most dispatched to the repair worker (黄师傅) or a contractor, repaired with
after-photos and signed off by the person who reported them; some reported from a room QR
label, some opened by failed items of the preventive-maintenance routines, one from a
hazard; a few still open, two overdue, one sent back, one cancelled.

Everything goes through :mod:`houqin.maintenance.services` (validated and audited), with
historical times passed as ``now``. Dates are relative to the day the demo is loaded.
"""

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest

CLASS = "classroom"
ANY = "any"

# (where: a room kind, "classroom", a room name or "any"; what is wrong; work done;
#  parts [(part, quantity, unit, unit price)]; labour in yuan; contractor or ""; asset name or "";
#  urgency)
ISSUES = [
    (CLASS, "活动室日光灯管不亮，一直闪烁", "更换T8日光灯管2根", [("T8日光灯管 1.2米", 2, "根", "18.00")], 0, "", "", "normal"),
    (CLASS, "盥洗室水龙头漏水，关不紧", "更换水龙头陶瓷阀芯", [("水龙头陶瓷阀芯", 1, "个", "25.00")], 0, "", "", "normal"),
    ("bedroom", "寝室门锁损坏，钥匙拧不动", "更换门锁锁芯，配钥匙3把", [("门锁锁芯", 1, "个", "45.00"), ("钥匙", 3, "把", "3.00")], 0, "", "", "normal"),
    (CLASS, "空调不制冷，出风口有异味", "清洗滤网和蒸发器，补充冷媒", [("R32冷媒", 1, "瓶", "120.00")], 150, "格力空调售后服务部", "空调（柜机）", "urgent"),
    (CLASS, "空调遥控器失灵", "更换遥控器电池，重新对码", [("5号电池", 2, "节", "2.50")], 0, "", "", "normal"),
    (CLASS, "窗户纱窗破损，有蚊虫进入", "更换纱网", [("纱网", 2, "平方米", "15.00")], 0, "", "", "normal"),
    (CLASS, "幼儿椅子腿松动，坐上去摇晃", "重新紧固并加固螺丝", [("木螺丝", 8, "个", "0.50")], 0, "", "", "urgent"),
    (CLASS, "玩具柜柜门合页脱落", "更换不锈钢合页", [("不锈钢合页", 2, "个", "6.00")], 0, "", "", "normal"),
    (CLASS, "卫生间马桶冲水不止", "更换水箱进水阀", [("马桶进水阀", 1, "个", "35.00")], 0, "", "", "normal"),
    (CLASS, "盥洗室地漏返水，下水道堵塞", "疏通下水管道，清理地漏", [], 80, "安居管道疏通", "", "urgent"),
    (CLASS, "插座面板松动，插头接触不良", "更换五孔安全插座面板", [("儿童安全插座面板", 1, "个", "12.00")], 0, "", "", "urgent"),
    ("functional", "走廊感应灯不亮", "更换LED感应吸顶灯", [("LED感应吸顶灯", 1, "个", "48.00")], 0, "", "", "normal"),
    (CLASS, "饮水机不加热", "更换饮水机温控器", [("饮水机温控器", 1, "个", "15.00")], 0, "", "饮水机", "normal"),
    (CLASS, "交互智能平板无法开机", "厂家售后上门更换电源板", [], 380, "希沃售后服务站", "交互智能平板", "normal"),
    ("大型玩具区", "滑梯扶手螺丝松动", "紧固全部螺丝，加防松垫片", [("防松螺丝", 6, "套", "3.00")], 0, "", "", "safety"),
    ("操场", "秋千链条磨损生锈", "更换不锈钢链条", [("不锈钢链条", 2, "根", "60.00")], 0, "", "", "urgent"),
    ("厨房", "燃气灶打火困难", "清理灶头，更换点火针", [("点火针", 2, "个", "10.00")], 0, "", "", "urgent"),
    ("洗消间", "消毒柜门关不严", "更换消毒柜门封条", [("消毒柜门封条", 1, "条", "30.00")], 0, "", "", "normal"),
    ("食品仓库", "冰柜温度偏高，达到8℃", "清理冷凝器，调整温控器", [], 0, "", "", "urgent"),
    ("office", "办公室网络断网", "重新压制网线水晶头，测试通畅", [("水晶头", 4, "个", "1.00")], 0, "", "", "normal"),
    ("多功能厅", "音响有电流杂音", "更换音频线", [("音频线 3米", 1, "根", "25.00")], 0, "", "", "normal"),
    (CLASS, "卫生间隔板门脱落", "重新安装隔板门合页", [("隔板门合页", 2, "个", "8.00")], 0, "", "", "normal"),
    (CLASS, "窗户把手断裂，窗户关不上", "更换窗户执手", [("窗户执手", 1, "个", "18.00")], 0, "", "", "normal"),
    ("图书室", "书架层板断裂", "更换书架层板", [("层板", 1, "块", "40.00")], 0, "", "", "normal"),
    ("洗衣房", "洗衣机排水不畅", "清理排水管和过滤网", [], 0, "", "", "normal"),
    ("配电房", "配电箱漏电保护器频繁跳闸", "更换漏电保护器，检查线路绝缘", [("漏电保护器 32A", 1, "个", "65.00")], 0, "", "", "safety"),
    (CLASS, "热水器不出热水", "更换热水器温控阀", [("温控阀", 1, "个", "55.00")], 0, "", "", "normal"),
    ("门卫室", "门卫室监控画面黑屏", "更换监控电源适配器", [("12V电源适配器", 1, "个", "35.00")], 0, "", "", "urgent"),
    ("bedroom", "寝室小床床板开裂", "更换床板", [("床板", 1, "块", "60.00")], 0, "", "", "urgent"),
    (CLASS, "活动室门吸脱落，门来回撞墙", "重新安装门吸", [("门吸", 1, "个", "12.00")], 0, "", "", "normal"),
    ("美工室", "美工室水槽下水慢", "疏通水槽下水管", [], 0, "", "", "normal"),
    (CLASS, "窗帘轨道脱落", "重新固定窗帘轨道", [("膨胀螺丝", 4, "个", "1.00")], 0, "", "", "normal"),
    ("厨房", "排油烟机噪音大", "清洗油烟机，更换电机轴承", [("轴承", 2, "个", "20.00")], 120, "美的售后服务部", "", "normal"),
    (CLASS, "墙面插座冒火花", "断电检查，更换插座及烧蚀线头", [("五孔插座", 1, "个", "12.00"), ("电线 2.5平方", 2, "米", "4.00")], 0, "", "", "safety"),
]  # fmt: skip
WEST_ISSUES = [
    (CLASS, "活动室日光灯管不亮", "更换LED灯管", [("LED灯管 1.2米", 2, "根", "22.00")], 60, "西区物业维修", "", "normal"),
    ("厨房", "厨房水池下水堵塞", "疏通下水管", [], 80, "西区物业维修", "", "urgent"),
    (CLASS, "空调滴水", "疏通冷凝水管", [], 100, "美的售后服务部", "", "normal"),
    ("操场", "滑梯底部防护垫破损", "更换防护垫", [("EVA防护垫", 2, "块", "85.00")], 60, "西区物业维修", "", "urgent"),
]  # fmt: skip

ASSET_FAULTS = {
    "投影仪": "投影仪灯泡不亮，画面很暗，需厂家更换灯泡",
    "洗碗机": "通道式洗碗机喷淋臂堵塞，餐具洗不干净",
}
SEND_BACK_REASONS = ["水龙头还是滴水", "灯管换了之后还是闪", "门锁还是不好开", "纱窗边上还有缝"]
QR_STRANGERS = [("王女士（家委会）", "13912345678"), ("保洁 刘阿姨", "13655551234")]
MAIN_REPORTERS = ["teacher", "childcare", "health", "canteen", "cook", "guard", "duty", "assets", "teacher02",
                  "teacher03", "teacher04", "teacher05"]  # fmt: skip


def _photo(colour, name):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(img)
    for x in range(0, 320, 20):
        draw.line([(x, 0), (x + 50, 240)], fill=tuple(min(255, c + 35) for c in colour), width=3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=name)


def _before():
    return _photo((150, 100, 80), "before.jpg")


def _after():
    return _photo((80, 150, 110), "after.jpg")


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _term(ctx, code, today):
    terms = sorted((t for (c, _k), t in ctx.terms.items() if c == code), key=lambda t: t.start_date)
    for t in terms:
        if t.start_date <= today <= t.end_date:
            return t
    past = [t for t in terms if t.start_date <= today]
    return past[-1] if past else None


def _rooms_for(ctx, code, where):
    from houqin.core.models import Room

    rooms = [r for (c, _n), r in ctx.rooms.items() if c == code]
    if where == CLASS:
        return [r for r in rooms if r.kind == Room.Kind.CLASSROOM] or rooms
    named = [r for r in rooms if r.name == where]
    if named:
        return named
    kind = [r for r in rooms if r.kind == where]
    return kind or rooms


def _asset_in(campus, room, name):
    from houqin.assets.models import Asset

    if not name or room is None:
        return None
    return (
        Asset.objects.filter(campus=campus, room=room, name=name, status__in=Asset.ACTIVE_STATUSES)
        .order_by("id")
        .first()
    )


def _stock_for(campus, part_name, qty):
    """A warehouse balance holding this kind of part (by the first word of its name), if any."""
    from houqin.procurement.models import StockBalance

    word = part_name.split(" ")[0][:4]
    return (
        StockBalance.objects.filter(campus=campus, item__name__contains=word, quantity__gte=qty, item__is_hazardous=False)
        .select_related("item", "location")
        .order_by("id")
        .first()
    )


class _Builder:
    def __init__(self, ctx, code, today):
        self.ctx = ctx
        self.campus = ctx.campuses[code]
        self.code = code
        self.today = today
        self.users = ctx.users
        self.head = ctx.users["logistics"]
        self.worker = ctx.users["repair"] if code == MAIN_CODE else None
        self.rng = random.Random(340 if code == MAIN_CODE else 341)

    # one request through its life ------------------------------------------------------
    def run(self, repair, issue, reported, outcome, due=None):
        _where, _what, work, parts, labour, contractor, _asset, _urgency = issue
        rng = self.rng
        if outcome == "cancelled":
            services.repair_cancel(
                actor=self.head, repair=repair, reason="与前一天的报修重复", now=reported + dt.timedelta(minutes=40)
            )
            return
        if outcome == "reported":
            return
        dispatched = reported + dt.timedelta(minutes=rng.randint(10, 90))
        if outcome == "overdue":
            due = _at(min(self.today - dt.timedelta(days=1), timezone.localtime(reported).date()), 17, 0)
            due = max(due, dispatched + dt.timedelta(minutes=30))
        if contractor or self.worker is None:
            order = services.repair_dispatch(
                actor=self.head, repair=repair, contractor_name=contractor or "西区物业维修",
                contractor_phone="0571-8888" + str(rng.randint(1000, 9999)), due_at=due, now=dispatched,
                instructions="请先电话联系报修人" if contractor else "",
            )  # fmt: skip
            doer = self.head  # the logistics head records the contractor's work
        else:
            order = services.repair_dispatch(actor=self.head, repair=repair, worker=self.worker, due_at=due, now=dispatched)
            doer = self.worker
        if outcome in ("dispatched", "overdue"):
            return
        started = dispatched + dt.timedelta(minutes=rng.randint(15, 120))
        services.work_order_start(actor=doer, repair=repair, now=started)
        for name, qty, unit, price in parts:
            self._part(doer, repair, name, qty, unit, price, started)
        if outcome == "in_progress":
            return
        same_day = rng.random() < 0.8 or repair.urgency != RepairRequest.Urgency.NORMAL
        finished = started + dt.timedelta(minutes=rng.randint(20, 150))
        if not same_day:
            finished += dt.timedelta(days=rng.randint(1, 2))
        finished = min(finished, timezone.now() - dt.timedelta(minutes=5))
        services.work_order_finish(
            actor=doer, repair=repair, work_done=work, labour_cost=labour or None, photos=[_after()], now=finished
        )
        if outcome == "done":
            return
        if outcome in ("sent_back", "reopened_closed"):
            back = finished + dt.timedelta(minutes=rng.randint(30, 180))
            self._send_back(repair, rng.choice(SEND_BACK_REASONS), back)
            if outcome == "sent_back":
                return
            finished = back + dt.timedelta(hours=rng.randint(1, 20))
            services.work_order_finish(
                actor=doer, repair=repair, work_done=work + "；返工后复查正常", photos=[_after()], now=finished
            )
        signed = finished + dt.timedelta(minutes=rng.randint(15, 300))
        signed = min(signed, timezone.now() - dt.timedelta(minutes=1))
        self._sign(repair, signed)
        return order

    def _part(self, doer, repair, name, qty, unit, price, when):
        balance = _stock_for(self.campus, name, qty)
        if balance is not None:
            try:
                services.work_order_add_part(
                    actor=doer, repair=repair, item=balance.item, location=balance.location, quantity=qty, now=when
                )
                return
            except ValidationError:  # e.g. a keeper-only item: bought instead
                pass
        services.work_order_add_part(
            actor=doer, repair=repair, description=name, quantity=qty, unit=unit, unit_price=Decimal(price), now=when
        )

    def _signer(self, repair):
        return repair.reporter if repair.reporter_id else None

    def _sign(self, repair, when):
        signer = self._signer(repair)
        note = self.rng.choice(["已修好，谢谢", "修复完好", "", "维修及时，满意"])
        if signer is not None and signer != repair.work_order.done_by:
            services.repair_sign_off(actor=signer, repair=repair, note=note, now=when)
        elif repair.reporter_phone:
            services.repair_sign_off(actor=None, repair=repair, phone=repair.reporter_phone, note=note, now=when)
        else:
            services.repair_sign_off(actor=self.head, repair=repair, note="现场验收合格", now=when)

    def _send_back(self, repair, reason, when):
        signer = self._signer(repair)
        if signer is not None:
            services.repair_send_back(actor=signer, repair=repair, reason=reason, now=when)
        else:
            services.repair_send_back(actor=None, repair=repair, phone=repair.reporter_phone, reason=reason, now=when)

    # making requests ---------------------------------------------------------------------
    def report(self, issue, reported, source):
        where, what, _work, _parts, _labour, _contractor, asset_name, urgency = issue
        rng = self.rng
        room = rng.choice(_rooms_for(self.ctx, self.code, where))
        asset = _asset_in(self.campus, room, asset_name)
        kwargs = {}
        if source == "qr":
            if rng.random() < 0.5:
                name, phone = rng.choice(QR_STRANGERS)
                kwargs.update(reporter_name=name, reporter_phone=phone)
            else:
                user = self.users["childcare"] if self.code == MAIN_CODE else self.users["west_teacher"]
                kwargs.update(reporter_name=user.real_name, reporter_phone=user.phone, reporter=user)
            actor = None
        else:
            names = MAIN_REPORTERS if self.code == MAIN_CODE else ["west_teacher", "west_guard", "west_principal"]
            actor = self.users[rng.choice([n for n in names if n in self.users])]
        return services.repair_request_create(
            actor=actor, campus=self.campus, description=what, room=room, asset=asset, urgency=urgency,
            source=source, photos=[_before()] if rng.random() < 0.7 else [], now=reported, **kwargs,
        )  # fmt: skip


def _outcome(age_days, index, rng):
    if age_days > 6:
        if index % 37 == 11:
            return "cancelled"
        if index % 23 == 5:
            return "reopened_closed"
        return "closed"
    return None


RECENT = ["reported", "overdue", "dispatched", "in_progress", "done", "sent_back", "overdue", "done", "closed",
          "closed", "in_progress", "closed"]  # fmt: skip


def _schedule(term, today, count, rng):
    """``count`` report times spread over the school days of the term so far."""
    days = [d for d in (term.start_date + dt.timedelta(n) for n in range((today - term.start_date).days + 1))
            if d.weekday() < 5]  # fmt: skip
    if not days:
        return []
    times = []
    for n in range(count):
        day = days[min(len(days) - 1, int(n * len(days) / count))]
        hour = rng.randint(8, 15)
        when = _at(day, hour, rng.choice([0, 10, 20, 30, 40, 50]))
        if when > timezone.now() - dt.timedelta(minutes=30):
            when = timezone.now() - dt.timedelta(hours=rng.randint(2, 5))
        times.append(when)
    return sorted(times)


def _campus_rows(ctx, code, issues, count, today):
    term = _term(ctx, code, today)
    if term is None:
        return
    b = _Builder(ctx, code, today)
    rng = b.rng
    times = _schedule(term, today, count, rng)
    recent = list(RECENT if code == MAIN_CODE else ["overdue", "done", "closed"])
    for index, reported in enumerate(times):
        issue = issues[(index * 7 + rng.randint(0, 2)) % len(issues)]
        source = "qr" if index % 9 == 4 else "manual"
        repair = b.report(issue, reported, source)
        age = (today - timezone.localtime(reported).date()).days
        outcome = _outcome(age, index, rng) or (recent.pop(0) if recent else "closed")
        b.run(repair, issue, reported, outcome)


def _from_routines(ctx, code, today):
    """Failed items of the preventive-maintenance routines opened their repairs by
    themselves (the demo's checks were back-filled without running the follow-ups)."""
    from houqin.core import routines
    from houqin.core.models import RoutineResult

    campus = ctx.campuses[code]
    action = routines.get_fail_action("repair")
    b = _Builder(ctx, code, today)
    results = (
        RoutineResult.objects.filter(
            campus=campus, passed=False, voided_at__isnull=True, follow_up_type__isnull=True,
            occurrence__template__auto_follow_up="repair",
        )
        .select_related("occurrence", "occurrence__template", "occurrence__template__room", "item", "occurrence__completed_by")
        .order_by("occurrence__completed_at", "id")
    )  # fmt: skip
    for n, result in enumerate(results[:12]):
        occ = result.occurrence
        when = occ.completed_at or _at(occ.date, 10)
        repair = services.repair_from_routine_result(actor=occ.completed_by, result=result, now=when)
        routines._link_follow_up(occ.completed_by, result, "repair", action, repair)
        age = (today - timezone.localtime(when).date()).days
        work = "已按检查要求维修完毕"
        issue = (None, repair.description, work, [("配件", 1, "个", "20.00")] if n % 2 else [], 0, "", "", repair.urgency)
        b.run(repair, issue, when, "closed" if age > 3 else "in_progress")


def _from_hazard(ctx, today):
    """The overdue hazard of the playground surface gets its repair by a contractor."""
    from houqin.safety.models import Hazard

    campus = ctx.campuses[MAIN_CODE]
    hazard = Hazard.objects.filter(campus=campus, description__contains="塑胶地面").order_by("id").first()
    if hazard is None:
        return
    b = _Builder(ctx, MAIN_CODE, today)
    when = timezone.localtime(hazard.reported_at) + dt.timedelta(hours=2)
    repair = services.repair_from_hazard(actor=ctx.users["logistics"], hazard=hazard, now=when)
    issue = (None, repair.description, "切除翘起部分，重新铺设塑胶面层", [], 600, "华体塑胶场地工程", "", repair.urgency)
    b.run(repair, issue, when, "in_progress")


def _assets_under_repair(ctx, today):
    """The projector and the dish-washer the asset register shows under repair have their
    work orders with the manufacturers' service."""
    from houqin.assets.models import Asset

    campus = ctx.campuses[MAIN_CODE]
    b = _Builder(ctx, MAIN_CODE, today)
    for asset in Asset.objects.filter(campus=campus, status=Asset.Status.UNDER_REPAIR).select_related("room")[:3]:
        when = _at(today - dt.timedelta(days=2), 9, 30)
        what = next((text for word, text in ASSET_FAULTS.items() if word in asset.name), f"{asset.name}无法正常使用")
        repair = services.repair_request_create(
            actor=ctx.users["assets"], campus=campus, description=what, asset=asset, now=when
        )
        issue = (None, repair.description, "", [], 0, f"{asset.brand or '厂家'}售后服务", "", repair.urgency)
        b.run(repair, issue, when, "dispatched", due=_at(today + dt.timedelta(days=3), 17))


def add_demo_rows(ctx):
    today = timezone.localdate()
    _campus_rows(ctx, MAIN_CODE, ISSUES, 72, today)
    _from_routines(ctx, MAIN_CODE, today)
    _from_hazard(ctx, today)
    _assets_under_repair(ctx, today)
    _campus_rows(ctx, WEST_CODE, WEST_ISSUES, 8, today)
