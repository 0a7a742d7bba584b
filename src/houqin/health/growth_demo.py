"""Demo data of the growth area (registered with ``core.demo`` at order 420).

For every class of the demo campuses: the entry health cards of the children (a couple
missing, so the due list has something to show), two rounds of height and weight this
term (about ten weeks apart) with a realistic spread — most children around the median,
a few overweight or obese, one or two stunted or underweight — and the yearly exam two
weeks after the first round (haemoglobin for everyone with a few anaemic children,
vision from 4 years, hearing for the under-fours, some decayed teeth).

Everything goes through :mod:`houqin.health.growth_services` (validated and audited; the
class rounds are bulk-inserted with their audit rows), so the children with obesity,
malnutrition or anaemia also land on the special-care register. Dates are relative to
the day the demo is loaded.
"""

import datetime as dt
import random

from django.utils import timezone

from houqin.core.models.tenancy import age_in_months
from houqin.health import growth_reference as ref
from houqin.health import growth_services as services
from houqin.health.models import Exam

HOSPITALS = [
    "杭州市妇幼保健院",
    "西湖区妇幼保健所",
    "浙江大学医学院附属儿童医院",
    "杭州市第一人民医院",
    "西湖区社区卫生服务中心",
]
PAST_ILLNESSES = ["", "", "", "", "热性惊厥史", "支气管肺炎（已愈）", "湿疹", "手足口病（已愈）"]


def _child_profile(rng):
    """(height z, weight-for-height z) of a child: mostly normal, some outliers."""
    r = rng.random()
    zh = rng.gauss(0.2, 0.8)
    zw = rng.gauss(0.0, 0.55)
    if r < 0.03:  # obese
        zw = rng.uniform(2.2, 3.4)
    elif r < 0.06:  # overweight
        zw = rng.uniform(1.1, 1.9)
    elif r < 0.075:  # stunted
        zh = rng.uniform(-2.8, -2.15)
    elif r < 0.09:  # thin and light
        zw = rng.uniform(-2.6, -2.1)
        zh = rng.uniform(-1.8, -1.0)
    return max(min(zh, 2.8), -3.2), max(min(zw, 3.8), -3.0)


def _values(child, on_date, zh, zw, rng):
    age = age_in_months(child.birth_date, on_date)
    height = ref.value_at_z("hfa", child.sex, age, zh)
    table = "wfl" if age < ref.LENGTH_UNTIL_MONTHS else "wfh"
    weight = ref.value_at_z(table, child.sex, round(height, 1), zw)
    if height is None or weight is None:
        return None, None
    return round(height, 1), round(weight + rng.uniform(-0.05, 0.05), 1)


def _actor(ctx, campus):
    from houqin.core.demo import MAIN_CODE

    return ctx.users.get("health") if campus.code == MAIN_CODE else None


def add_demo_rows(ctx):
    from houqin.core.models import Child

    rng = random.Random(4202026)
    today = timezone.localdate()
    round2 = today - dt.timedelta(days=10)
    round1 = round2 - dt.timedelta(days=70)
    exam_day = round1 + dt.timedelta(days=14)
    for (code, _name), school_class in sorted(
        ctx.classes.items(), key=lambda kv: (kv[0][0], kv[1].sort_order)
    ):
        campus = ctx.campuses[code]
        actor = _actor(ctx, campus)
        children = list(
            Child.objects.filter(school_class=school_class, status=Child.Status.ENROLLED).order_by(
                "name", "id"
            )
        )
        profiles = {c.pk: _child_profile(rng) for c in children}
        # entry health cards (one or two missing on the main campus)
        for i, child in enumerate(children):
            if code == "main" and school_class.sort_order in (2, 6) and i == 0:
                continue
            entry = child.enrolled_on or round1
            exam_date = min(entry - dt.timedelta(days=rng.randint(5, 25)), today)
            if exam_date < child.birth_date:
                continue
            zh, zw = profiles[child.pk]
            height, weight = _values(child, exam_date, zh, zw, rng)
            services.health_card_record(
                actor=actor, child=child,
                data={
                    "exam_date": exam_date, "hospital": rng.choice(HOSPITALS), "passed": True,
                    "results": "发育正常，心肺听诊无异常，肝脾未触及。", "vaccination_checked": True,
                    "vaccination_complete": rng.random() > 0.05,
                    "vaccination_note": "" if rng.random() > 0.05 else "需补种乙脑疫苗第2剂",
                    "allergies": child.allergies, "past_illnesses": rng.choice(PAST_ILLNESSES),
                    "height_cm": height, "weight_kg": weight, "hb_g_l": rng.randint(112, 135),
                },
            )  # fmt: skip
        # two rounds of measurements
        for day, drift in ((round1, 0.0), (round2, 0.05)):
            rows = []
            for child in children:
                if day < child.birth_date or rng.random() < 0.04:  # a few absent on the day
                    continue
                zh, zw = profiles[child.pk]
                height, weight = _values(
                    child, day, zh + rng.gauss(0, 0.05), zw + drift + rng.gauss(0, 0.08), rng
                )
                if height is None:
                    continue
                rows.append({"child": child, "height_cm": height, "weight_kg": weight, "confirmed": True})
            if rows:
                services.measurements_record_class(
                    actor=actor, school_class=school_class, measured_on=day, rows=rows, children=children
                )
        # the yearly exam
        if exam_day > today:
            continue
        rows = []
        for child in children:
            age = age_in_months(child.birth_date, exam_day)
            r = rng.random()
            hb = rng.randint(112, 138)
            if r < 0.04:
                hb = rng.randint(95, 108)  # mild anaemia
            elif r < 0.045:
                hb = rng.randint(82, 89)  # moderate
            row = {"child": child, "hb_g_l": hb, "doctor": "周慧（保健医）"}
            if age >= 48:
                base = 5.0 if rng.random() > 0.08 else 4.7
                row["vision_left"] = f"{base - (0.1 if rng.random() < 0.2 else 0):.1f}"
                row["vision_right"] = f"{base:.1f}"
            if 12 <= age < 48:
                row["hearing"] = Exam.Hearing.PASS if rng.random() > 0.02 else Exam.Hearing.REFER
            row["caries_count"] = rng.choice([1, 1, 2, 3, 4]) if rng.random() < 0.18 else 0
            rows.append(row)
        services.exams_record_class(
            actor=actor, school_class=school_class, exam_date=exam_day, kind=Exam.Kind.PERIODIC, rows=rows,
            children=children,
        )  # fmt: skip
