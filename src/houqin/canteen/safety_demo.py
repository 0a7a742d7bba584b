"""Demo data of the safety area (registered with ``core.demo`` at order 460, after the
nutrition area's menus at 455): the last month of a kindergarten kitchen's food-safety
records.

* Fridges (sample fridge, fridges, cold room, freezer) and their temperatures twice a school
  day; one reading out of range this morning (the dashboard alert).
* A sample of every dish served at every meal of the published menus, taken by the cook and
  reviewed by the health teacher; older ones disposed of after 48 h, the last two days'
  waiting for disposal; today's lunch only partly sampled, so the violation shows once
  lunch time has passed.
* Tableware disinfection after lunch (boiling on Monday and Thursday, the infrared cabinet on
  the other days; one round too short), kitchen UV disinfection (one too short).
* A pesticide rapid test of the leafy vegetables every school day; one positive blocked its
  batch two days ago (batches are created when the supply demo made none).
* Kitchen staff with health certificates (one expiring within the month, one expired and off
  the roster), the duty roster, morning checks (one unfit today, taken off duty) and trainings.

Everything goes through :mod:`houqin.canteen.safety_services` with historical times passed
as ``now``; dates are relative to the day the demo is loaded.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from houqin.canteen import safety_services as ss
from houqin.canteen.models import FoodBatch, Fridge, KitchenDuty, KitchenStaff, MealKind
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.safety.gate_services import is_school_day

DAYS = 30
LEAFY = ("青菜", "菠菜", "生菜", "小白菜", "油麦菜", "芹菜", "韭菜", "空心菜", "上海青", "大白菜")

FRIDGES = [
    ("留样冰箱", Fridge.Kind.SAMPLE, Decimal("4.0")),
    ("冷藏冰箱（成品）", Fridge.Kind.FRIDGE, Decimal("4.5")),
    ("冷库（原料）", Fridge.Kind.COLD_ROOM, Decimal("3.0")),
    ("冷冻柜", Fridge.Kind.FREEZER, Decimal("-19.0")),
]

# (name, position, username or "", phone, certificate issued … days ago, or None)
MAIN_STAFF = [
    ("郑海涛", KitchenStaff.Position.HEAD, "canteen", "13800010009", 200),
    ("冯德明", KitchenStaff.Position.CHEF, "cook", "13800010010", 120),
    ("王秀兰", KitchenStaff.Position.PASTRY, "", "13911110001", 60),
    ("李春梅", KitchenStaff.Position.HELPER, "", "13911110002", 350),  # expires within the month
    ("张建华", KitchenStaff.Position.WASHER, "", "13911110003", 385),  # expired 20 days ago
    ("陈玉芬", KitchenStaff.Position.KEEPER, "", "13911110004", 30),
]
WEST_STAFF = [
    ("刘国庆", KitchenStaff.Position.CHEF, "", "13922220001", 90),
    ("赵美玲", KitchenStaff.Position.HELPER, "", "13922220002", 150),
]
TRAININGS = [
    (
        24,
        "《食品安全法》与学校食品安全管理规定",
        "2.0",
        "区市场监管所 孙老师",
        "从业人员健康管理、索证索票、留样、陪餐制度；违法案例分析。",
    ),
    (
        14,
        "留样操作规范与冰箱温度管理",
        "1.0",
        "郑海涛",
        "每餐每样不少于125克，专用冰箱0–8℃冷藏48小时，标签与记录。",
    ),
    (
        5,
        "餐具消毒与农残快速检测",
        "1.5",
        "周慧",
        "一刮二洗三冲四消毒五保洁；煮沸、红外线消毒柜参数；酶抑制率法操作与判定（≥50%为阳性）。",
    ),
]


def _at(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def _people(ctx, code):
    users = ctx.users
    if code == MAIN_CODE:
        return {
            "cook": users.get("cook"), "head": users.get("canteen"), "reviewer": users.get("health"),
            "checker": users.get("health"), "manager": users.get("canteen"),
        }  # fmt: skip
    logistics = users.get("logistics")
    return {
        "cook": logistics, "head": logistics, "reviewer": users.get("west_principal"), "checker": logistics,
        "manager": logistics,
    }  # fmt: skip


def _fridges(campus, actor):
    out = {}
    for name, kind, _typical in FRIDGES:
        fridge = Fridge.objects.filter(campus=campus, name=name).first()
        if fridge is None:
            fridge = ss.fridge_save(
                actor=actor, campus=campus, data={"name": name, "kind": kind, "note": "演示数据"}
            )
        out[kind] = fridge
    return out


def _temperatures(ctx, campus, fridges, actor, days, now):
    rng = ctx.rng
    today = timezone.localdate(now)
    for day in days:
        for hh, mm in ((8, 30), (15, 0)):
            at = _at(day, hh, mm + rng.randint(0, 15))
            if at > now:
                continue
            for _name, kind, typical in FRIDGES:
                value = typical + Decimal(rng.randint(-10, 10)) / 10
                action = ""
                if day == today and hh == 8 and kind == Fridge.Kind.FRIDGE and campus.code == MAIN_CODE:
                    value, action = Decimal("9.6"), "门未关严，已关好并调低温控，30分钟后复测"
                ss.temperature_record(actor=actor, fridge=fridges[kind], temperature_c=value, recorded_at=at,
                                      action_taken=action, now=at)  # fmt: skip


def _samples(ctx, campus, fridge, people, days, now):
    """The last two days through the services (take, review); the month before in bulk
    (validated, audited as demo data), built with the same rules: the campus minimum weight,
    disposal only after ``discard_not_before``, a reviewer other than the taker."""
    from houqin.canteen.models import FoodSample
    from houqin.core.demo import bulk_save

    rng = ctx.rng
    today = timezone.localdate(now)
    retention = ss.sample_retention(campus)
    minimum = int(ss.sample_min_grams(campus))
    old = []
    for day in days:
        served = ss.served_dishes(campus, day)
        recent = (today - day).days <= 2
        for meal in MealKind.values:
            dishes = served.get(meal, [])
            if not dishes:
                continue
            due = ss.meal_due_at(campus, day, meal)
            if day == today and meal == MealKind.LUNCH:
                dishes = dishes[:-1]  # one dish of today's lunch not sampled: the violation
            for i, dish in enumerate(dishes):
                taken_at = due - dt.timedelta(minutes=15 - 3 * i)
                if taken_at > now:
                    continue
                weight = Decimal(max(minimum, rng.choice([130, 135, 140, 150, 160])))
                reviewed_at = taken_at + dt.timedelta(hours=2, minutes=rng.randint(0, 50))
                reviewer = people["reviewer"] if reviewed_at <= now else None
                if recent:
                    sample = ss.sample_take(
                        actor=people["cook"], campus=campus, date=day, meal=meal, dish=dish, weight_g=weight,
                        fridge=fridge, taken_at=taken_at, now=taken_at,
                    )  # fmt: skip
                    if reviewer is not None:
                        ss.sample_review(actor=reviewer, sample=sample, now=reviewed_at)
                    continue
                keep_until = taken_at + retention
                disposal = keep_until + dt.timedelta(hours=rng.randint(0, 3), minutes=rng.randint(0, 50))
                disposed = (today - day).days > 3 and disposal <= now
                old.append(FoodSample(
                    campus=campus, date=day, meal=meal, dish=dish, weight_g=weight, fridge=fridge,
                    taken_by=people["cook"], taken_at=taken_at, discard_not_before=keep_until,
                    reviewer=reviewer, reviewed_at=reviewed_at if reviewer else None,
                    disposed_at=disposal if disposed else None, disposed_by=people["head"] if disposed else None,
                    disposal_note="到期销毁" if disposed else "",
                ))  # fmt: skip
    bulk_save(old)


def _disinfection(ctx, campus, people, days, now):
    rng = ctx.rng
    short_day = days[-6] if len(days) > 6 else None
    for day in days:
        start = _at(day, 12, 40 + rng.randint(0, 15))
        if start > now:
            continue
        minutes = ss.boiling_minutes(campus)
        if day.weekday() in (0, 3):
            kwargs = {"method": "boiling", "duration_s": (minutes + rng.randint(0, 3)) * 60}
        else:
            kwargs = {"method": "infrared", "duration_s": (15 + rng.randint(0, 5)) * 60,
                      "temperature_c": Decimal(120 + rng.randint(0, 5))}  # fmt: skip
        if day == short_day:
            kwargs = {
                "method": "boiling",
                "duration_s": (minutes - 3) * 60,
                "note": "赶时间提前取出，已重新煮沸消毒",
            }
        ss.tableware_record(
            actor=people["cook"], campus=campus, started_at=start, items="餐盘、碗、勺、口杯",
            quantity=rng.randint(180, 240), now=start + dt.timedelta(hours=1), **kwargs,
        )  # fmt: skip
        uv_start = _at(day, 16, 10 + rng.randint(0, 20))
        if uv_start <= now:
            uv_minutes = 20 if day == short_day else rng.choice([30, 40, 45, 60])
            ss.uv_record(
                actor=people["cook"], campus=campus, area="厨房操作间", started_at=uv_start, minutes=uv_minutes,
                now=uv_start + dt.timedelta(hours=1),
            )  # fmt: skip


def _supplier(campus):
    from houqin.core.services import object_save
    from houqin.procurement.models import Supplier

    supplier = Supplier.objects.filter(campus=campus, name="绿源蔬菜配送中心").first()
    if supplier is None:
        supplier = object_save(actor=None, campus=campus, instance=Supplier(
            name="绿源蔬菜配送中心", contact="吴经理", phone="13733330001", scope="蔬菜、水果", note="演示数据",
        ))  # fmt: skip
    return supplier


def _vegetable_batches(ctx, campus, days):
    """Leafy vegetable batches per day: the supply demo's, else batches made here."""
    first = days[0] if days else timezone.localdate()
    existing = list(
        FoodBatch.objects.filter(campus=campus, received_on__gte=first)
        .select_related("ingredient")
        .order_by("received_on", "pk")
    )
    leafy = [
        b for b in existing
        if any(word in b.name for word in LEAFY) or (b.ingredient and b.ingredient.food_group == "vegetable")
    ]  # fmt: skip
    by_day = {}
    for batch in leafy:
        by_day.setdefault(batch.received_on, []).append(batch)
    if leafy:
        return by_day
    from houqin.core.numbering import next_number
    from houqin.core.services import object_save

    supplier = _supplier(campus)
    for day in days:
        for name in ctx.rng.sample(LEAFY[:6], 2):
            batch = object_save(actor=None, campus=campus, instance=FoodBatch(
                number=next_number(campus=campus, prefix="PC", on_date=day), name=name, supplier=supplier,
                spec="散装", unit="kg", quantity_received=Decimal("6.00"),
                quantity_on_hand=Decimal("6.00") if day == days[-1] else Decimal("0.00"),
                unit_price=Decimal("4.50"), received_on=day, shelf_life_days=2, production_date=day,
                best_before=day + dt.timedelta(days=2), location="冷库（原料）",
                status=FoodBatch.Status.USED_UP if day < days[-1] else FoodBatch.Status.IN_STOCK,
            ))  # fmt: skip
            by_day.setdefault(day, []).append(batch)
    return by_day


def _pesticide(ctx, campus, people, days, now):
    rng = ctx.rng
    batches = _vegetable_batches(ctx, campus, days)
    positive_day = days[-3] if len(days) >= 3 and campus.code == MAIN_CODE else None
    for day in days:
        tested_at = _at(day, 7, 20 + rng.randint(0, 20))
        if tested_at > now:
            continue
        for i, batch in enumerate(batches.get(day, [])[:2]):
            pct = Decimal(rng.randint(50, 350)) / 10  # 5.0 – 35.0 %
            note = ""
            if day == positive_day and i == 0:
                pct, note = Decimal("58.6"), "阳性，整批停用退货，已送检测机构复检"
            ss.pesticide_test_record(
                actor=people["cook"], campus=campus, batch=batch, inhibition_pct=pct, sample="叶片剪碎 2 g",
                kit_lot=f"NJ{day:%y%m}-{rng.randint(10, 99)}", tested_at=tested_at + dt.timedelta(minutes=5 * i),
                note=note, now=tested_at + dt.timedelta(minutes=30),
            )  # fmt: skip


def _staff(ctx, campus, rows, manager, today):
    out = []
    for name, position, username, phone, issued_days_ago in rows:
        person = KitchenStaff.objects.filter(campus=campus, name=name).first()
        if person is None:
            person = ss.staff_save(actor=manager, campus=campus, data={
                "name": name, "position": position, "user": ctx.users.get(username) if username else None,
                "phone": phone,
            })  # fmt: skip
        if issued_days_ago is not None and not person.certificates.exists():
            issued = today - dt.timedelta(days=issued_days_ago)
            ss.certificate_add(
                actor=manager, staff=person, number=f"330106{issued:%Y%m}{ctx.rng.randint(1000, 9999)}",
                issued_on=issued, issuer="杭州市西湖区疾病预防控制中心",
            )  # fmt: skip
        out.append(person)
    return out


def _roster_and_checks(ctx, campus, staff, people, days, now):
    """Everyone with a valid certificate on the day shift (the chef early), morning checks
    for the last two weeks; one unfit three days ago and one today (taken off duty)."""
    rng = ctx.rng
    today = timezone.localdate(now)
    recent = [d for d in days if (today - d).days <= 14]
    next_week = [
        today + dt.timedelta(days=i) for i in range(1, 8) if (today + dt.timedelta(days=i)).weekday() < 5
    ]
    certs = ss.current_certificates([p.pk for p in staff], today)
    for day in recent + next_week:
        for person in staff:
            cert = (
                ss.current_certificates([person.pk], day).get(person.pk)
                if day != today
                else certs.get(person.pk)
            )
            if ss.certificate_problem(cert, day):
                continue  # the expired one is no longer put on duty
            shift = (
                KitchenDuty.Shift.EARLY
                if person.position == KitchenStaff.Position.CHEF
                else KitchenDuty.Shift.DAY
            )
            if KitchenDuty.objects.filter(
                staff=person, date=day, shift=shift, removed_at__isnull=True
            ).exists():
                continue
            ss.duty_assign(actor=people["manager"], campus=campus, staff=person, date=day, shift=shift,
                           post={"chef": "烹饪", "pastry": "面点", "washer": "洗消", "keeper": "仓管"}.get(person.position, "切配"))  # fmt: skip
    unfit = {}
    if len(staff) > 2 and len(recent) > 3:
        unfit[(recent[-4], staff[1].pk)] = {"hand_wound": True, "other": ""}
    if len(staff) > 2 and recent and recent[-1] == today:
        unfit[(today, staff[2].pk)] = {"sore_throat": True, "temperature_c": Decimal("37.1")}
    for day in recent:
        at = _at(day, 6, 50 + rng.randint(0, 8))
        if at > now:
            continue
        on_duty = {p.pk for p in ss.staff_on_duty(campus, day)}
        for person in staff:
            if person.pk not in on_duty:
                continue
            findings = unfit.get((day, person.pk), {})
            ss.morning_check_record(
                actor=people["checker"], campus=campus, staff=person, date=day, checked_at=at, now=at,
                **{"temperature_c": Decimal(rng.randint(362, 369)) / 10, **findings},
            )  # fmt: skip


def _trainings(campus, staff, manager, today):
    for days_ago, topic, hours, trainer, content in TRAININGS:
        day = today - dt.timedelta(days=days_ago)
        if campus.code != MAIN_CODE and days_ago != 14:
            continue
        ss.training_save(actor=manager, campus=campus, data={
            "date": day, "topic": topic, "hours": Decimal(hours), "trainer": trainer, "content": content,
        }, attendees=[p for p in staff if p.is_active])  # fmt: skip


def add_demo_rows(ctx):
    now = timezone.now()
    today = timezone.localdate(now)
    for code in (MAIN_CODE, WEST_CODE):
        campus = ctx.campuses.get(code)
        if campus is None:
            continue
        people = _people(ctx, code)
        if people["cook"] is None:
            continue
        days = [today - dt.timedelta(days=n) for n in range(DAYS, -1, -1)]
        days = [d for d in days if d.weekday() < 5 and is_school_day(campus, d)]
        fridges = _fridges(campus, people["head"])
        staff = _staff(ctx, campus, MAIN_STAFF if code == MAIN_CODE else WEST_STAFF, people["manager"], today)
        _temperatures(ctx, campus, fridges, people["cook"], days if code == MAIN_CODE else days[-7:], now)
        _samples(ctx, campus, fridges[Fridge.Kind.SAMPLE], people, days, now)
        _disinfection(ctx, campus, people, days, now)
        _pesticide(ctx, campus, people, days, now)
        _roster_and_checks(ctx, campus, staff, people, days, now)
        _trainings(campus, staff, people["manager"], today)
