"""Demo data of the care area (order 430, after the growth demo at 420): the special-care
registers of both kindergartens.

The growth demo's measurements and exams have already put obese, malnourished and
anaemic children on the registers through :func:`care_services.auto_enrol`; where it made
none (or is not installed) a few are enrolled here the same way. Every open case gets a care
plan and monthly follow-ups since it was opened (weight and height; Hb for anaemia; blood
pressure for moderate and severe obesity — one child's last one left out so the due list
shows something); one anaemia case is closed as recovered after an Hb recheck, and a few
frail children are entered by hand (rickets, preterm birth, repeated respiratory
infections, heart disease). Everything goes through :mod:`houqin.health.care_services`.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from houqin.core import demo
from houqin.core.demo import MAIN_CODE, WEST_CODE
from houqin.health import care_services
from houqin.health.models import SpecialCareCase

Category = SpecialCareCase.Category

PLANS = {
    Category.OBESITY: {
        "plan_diet": "控制总能量，不节食；少油炸、甜食和含糖饮料，先吃蔬菜后吃主食，细嚼慢咽",
        "plan_activity": "每天户外活动不少于2小时，增加跳绳、拍球等中等强度活动，减少久坐",
        "plan_parents": "家长记录周末饮食，晚餐清淡、睡前不加餐，每月与保健医沟通一次",
        "plan": "每月测体重、身高；中、重度肥胖每月测血压",
    },
    Category.MALNUTRITION: {
        "plan_diet": "保证优质蛋白（蛋、奶、鱼、肉）摄入，午点加餐，鼓励进食不挑食",
        "plan_activity": "正常参加户外活动，注意休息",
        "plan_parents": "家长配合调整家庭膳食，必要时到儿保门诊就诊",
        "plan": "每月测体重、身高，评价增长速度",
    },
    Category.ANAEMIA: {
        "plan_diet": "增加富含铁的食物（红肉、动物肝脏、血制品），搭配富含维生素C的蔬果",
        "plan_activity": "正常活动",
        "plan_parents": "遵医嘱补充铁剂，按时到医院复查血红蛋白",
        "plan": "1个月后复查血红蛋白",
    },
    Category.RICKETS: {
        "plan_diet": "多晒太阳，补充维生素D和钙，奶制品每天300毫升以上",
        "plan_activity": "每天户外活动，避免长时间站立行走",
        "plan_parents": "遵医嘱补充维生素D，定期复查",
        "plan": "每3个月随访一次",
    },
    Category.PREMATURE: {
        "plan_diet": "均衡膳食，保证能量和蛋白质",
        "plan_activity": "循序渐进增加活动量",
        "plan_parents": "定期儿保随访，关注生长曲线",
        "plan": "每3个月测量一次并评价",
    },
    Category.RESPIRATORY: {
        "plan_diet": "均衡膳食，多饮水",
        "plan_activity": "加强户外锻炼，随天气增减衣物",
        "plan_parents": "流行季节少去人群密集场所，按时接种疫苗",
        "plan": "记录每次呼吸道感染，3个月随访一次",
    },
    Category.HEART: {
        "plan_diet": "正常膳食",
        "plan_activity": "避免剧烈运动，活动中注意观察面色、呼吸",
        "plan_parents": "按心脏专科医嘱复查，异常及时告知保健医",
        "plan": "每3个月随访，运动量遵医嘱",
    },
}

MANUAL = [
    (Category.RICKETS, "mild", "维生素D缺乏性佝偻病活动期，方颅、肋外翻"),
    (Category.PREMATURE, "", "孕33周早产，出生体重1.9 kg"),
    (Category.RESPIRATORY, "", "近一年上呼吸道感染8次、肺炎1次"),
    (Category.HEART, "", "室间隔缺损术后，心内科随访中"),
]


def _actor(ctx, code):
    users = ctx.users
    return users.get("health") if code == MAIN_CODE else users.get("west_principal")


def _base_weight(child, today):
    from houqin.health.care_services import growth_model

    Measurement = growth_model("Measurement")
    if Measurement is not None:
        m = Measurement.objects.filter(child=child, is_void=False).order_by("-measured_on", "-id").first()
        if m is not None and m.weight_kg:
            return Decimal(m.weight_kg), Decimal(m.height_cm or 0) or None
    years = max(2, (today - child.birth_date).days / 365.25)
    return Decimal(str(round(2 * years + 8, 1))), Decimal(str(round(6 * years + 77, 1)))


def _monthly_dates(start, today, limit=4):
    days, k = [], 1
    while len(days) < limit:
        day = start + dt.timedelta(days=30 * k)
        if day >= today:
            break
        days.append(day)
        k += 1
    return days


def _plan(actor, case):
    plan = PLANS.get(case.category)
    if plan and not any(getattr(case, f) for f in ("plan_diet", "plan_activity", "plan_parents", "plan")):
        care_services.case_update(actor=actor, case=case, data=plan)


def _follow_ups(actor, case, today, rng, *, skip_last_bp=False):
    weight, height = _base_weight(case.child, today)
    dates = _monthly_dates(case.opened_on, today)
    hb = 95
    for i, day in enumerate(dates):
        kwargs = {"date": day, "note": ""}
        if case.category in (Category.OBESITY, Category.MALNUTRITION, Category.PREMATURE):
            delta = Decimal("-0.2") if case.category == Category.OBESITY else Decimal("0.3")
            kwargs["weight_kg"] = (weight + delta * (i + 1)).quantize(Decimal("0.01"))
            if height:
                kwargs["height_cm"] = (height + Decimal("0.5") * (i + 1)).quantize(Decimal("0.1"))
            kwargs["note"] = (
                "体重控制良好，继续执行干预方案" if case.category == Category.OBESITY else "体重稳步增长"
            )
        if case.needs_bp and not (skip_last_bp and i == len(dates) - 1):
            kwargs["bp_systolic"] = rng.randint(98, 112)
            kwargs["bp_diastolic"] = rng.randint(58, 70)
        if case.category == Category.ANAEMIA:
            hb = min(hb + rng.randint(5, 9), 108)
            kwargs["hb_g_l"] = hb
            kwargs["note"] = "遵医嘱服用铁剂，血红蛋白上升"
        if case.category in (Category.RICKETS, Category.RESPIRATORY, Category.HEART):
            kwargs["note"] = {"rickets": "坚持补充维生素D，户外活动充足", "respiratory": "本月无呼吸道感染",
                              "heart": "活动耐受良好，无不适"}[case.category]  # fmt: skip
        care_services.follow_up_add(actor=actor, case=case, **kwargs)


def _children(campus):
    from houqin.core.models import Child

    return list(Child.objects.filter(campus=campus, status=Child.Status.ENROLLED).order_by("id"))


def _campus_rows(ctx, code, rng):
    campus = ctx.campuses.get(code)
    if campus is None:
        return
    actor = _actor(ctx, code)
    today = timezone.localdate()
    children = _children(campus)
    if not children:
        return
    taken = set(SpecialCareCase.objects.filter(campus=campus).values_list("child_id", flat=True))
    free = [c for c in children if c.pk not in taken]
    rng.shuffle(free)

    # Obese children: the growth demo's, else a few enrolled here from "measurements".
    if not SpecialCareCase.objects.filter(campus=campus, category=Category.OBESITY).exists():
        for severity, wh in (("moderate", "+2.8 SD，超过中位数34%"), ("mild", "+2.3 SD，超过中位数24%"),
                             ("severe", "+3.4 SD，超过中位数52%"))[: 3 if code == MAIN_CODE else 1]:  # fmt: skip
            child = free.pop()
            care_services.auto_enrol(actor=actor, child=child, category=Category.OBESITY, severity=severity,
                                     source="demo", on_date=today - dt.timedelta(days=125), detail=f"W/H {wh}")  # fmt: skip
    if (
        code == MAIN_CODE
        and not SpecialCareCase.objects.filter(campus=campus, category=Category.ANAEMIA).exists()
    ):
        for hb in (86, 98):
            child = free.pop()
            care_services.auto_enrol(actor=actor, child=child, category=Category.ANAEMIA,
                                     severity="moderate" if hb < 90 else "mild", source="demo",
                                     on_date=today - dt.timedelta(days=95), detail=f"Hb {hb} g/L")  # fmt: skip

    # Plans and follow-ups of every open case; one moderate+ obese child's last BP is missing.
    skipped_bp = False
    for case in (
        SpecialCareCase.objects.filter(campus=campus, status="open").select_related("child").order_by("id")
    ):
        _plan(actor, case)
        case.refresh_from_db()
        skip = case.needs_bp and not skipped_bp
        skipped_bp = skipped_bp or skip
        if not case.follow_ups.exists():
            _follow_ups(actor, case, today, rng, skip_last_bp=skip)

    # A recovered anaemia case (Hb rechecked above the threshold, then closed).
    if code == MAIN_CODE and free:
        child = free.pop()
        opened = today - dt.timedelta(days=150)
        case = care_services.case_open(actor=actor, child=child, category=Category.ANAEMIA, severity="mild",
                                       opened_on=opened, detail="Hb 102 g/L", plan=PLANS[Category.ANAEMIA])  # fmt: skip
        care_services.follow_up_add(actor=actor, case=case, date=opened + dt.timedelta(days=35), hb_g_l=108,
                                    note="服用铁剂中")  # fmt: skip
        care_services.follow_up_add(actor=actor, case=case, date=opened + dt.timedelta(days=70), hb_g_l=121,
                                    note="血红蛋白恢复正常")  # fmt: skip
        care_services.case_close(
            actor=actor, case=case, outcome="recovered", closed_on=opened + dt.timedelta(days=72)
        )

    # Frail children entered by hand.
    manual = MANUAL if code == MAIN_CODE else MANUAL[1:3]
    for category, severity, detail in manual:
        if not free:
            break
        child = free.pop()
        case = care_services.case_open(actor=actor, child=child, category=category, severity=severity,
                                       opened_on=today - dt.timedelta(days=rng.randint(100, 200)), detail=detail,
                                       plan=PLANS[category])  # fmt: skip
        _follow_ups(actor, case, today, rng)


@demo.register(order=430)
def add_demo_rows(ctx):
    rng = random.Random(430)
    for code in (MAIN_CODE, WEST_CODE):
        _campus_rows(ctx, code, rng)
