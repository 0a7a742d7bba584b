"""Health-care statistics (保健统计): attendance and illness rates, exam coverage and pass
rate, growth classification by class, infectious diseases by month, and the figures of the
special-care registers.

Every figure is aggregated in the database: a report runs a fixed handful of queries
whatever the number of children or days (grouped ``Sum``/``Count`` over the roll calls,
"latest row per child" as a correlated subquery). Rates are percentages with one decimal,
``None`` when there is nothing to divide by.

* Attendance rate (出勤率) = present child-days / enrolled child-days, on the school days of
  the campus calendar that have a roll call; illness rate (因病缺勤率) = sick-leave
  child-days / enrolled child-days. A school day without a roll call is counted as
  "days not taken", not as absence.
* Exams: coverage = enrolled children with a valid exam in the period / enrolled children;
  pass rate = children whose latest exam of the period passed / examined children; the
  target (``health.care.exam_pass_target``, default 90 %) colours the class.
* Growth: the latest valid measurement of each enrolled child in the period.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from houqin.core.settings_registry import campus_setting
from houqin.health.care_services import growth_model
from houqin.health.models import ClassAttendance, SpecialCareCase

GROWTH_FLAGS = ("stunting", "underweight", "wasting", "overweight", "obesity")


def rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_bounds(month):
    """(first day, last day) of the month of ``month`` (a date)."""
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def school_days(campus, start, end):
    """School days of the campus calendar between two dates (terms, holidays, make-up days);
    Monday to Friday when the campus has no terms at all. One query per overlapping term."""
    from houqin.core.models import Term

    terms = list(
        Term.objects.filter(campus=campus, start_date__lte=end, end_date__gte=start).prefetch_related(
            "holidays"
        )
    )
    if not terms:
        if Term.objects.filter(campus=campus).exists():
            return []
        days, day = [], start
        while day <= end:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        return days
    out = set()
    for term in terms:
        out.update(term.school_days(start, end))
    return sorted(out)


def _classes(campus, extra_ids=()):
    from houqin.core.models import SchoolClass

    return list(
        SchoolClass.objects.filter(campus=campus)
        .filter(Q(is_active=True) | Q(pk__in=list(extra_ids)))
        .order_by("sort_order", "grade", "name")
    )


def default_period(campus, today=None):
    """The current school year, else the last twelve months."""
    from houqin.core.models import SchoolYear

    today = today or timezone.localdate()
    year = SchoolYear.objects.filter(campus=campus, start_date__lte=today, end_date__gte=today).first()
    if year is not None:
        return year.start_date, min(year.end_date, today)
    return today - dt.timedelta(days=365), today


# --- Attendance and illness --------------------------------------------------------------------


def attendance_report(campus, month):
    """Monthly attendance (出勤率) and illness (因病缺勤率) rates per class and for the campus."""
    start, end = month_bounds(month)
    days = school_days(campus, start, end)
    today = timezone.localdate()
    days_so_far = [d for d in days if d <= today]
    grouped = {
        row["school_class"]: row
        for row in ClassAttendance.objects.filter(campus=campus, date__in=days)
        .values("school_class")
        .annotate(
            days=Count("id"),
            present=Sum("present_count"),
            absent=Sum("absent_count"),
            sick=Sum("sick_count"),
        )
        .order_by()
    }
    rows = []
    totals = {"days": 0, "present": 0, "absent": 0, "sick": 0, "enrolled": 0, "missing": 0}
    for cls in _classes(campus, grouped.keys()):
        g = grouped.get(cls.pk, {})
        present, absent, sick = g.get("present") or 0, g.get("absent") or 0, g.get("sick") or 0
        enrolled = present + absent
        taken = g.get("days") or 0
        row = {
            "class": cls,
            "label": cls.name,
            "days": taken,
            "missing": max(0, len(days_so_far) - taken) if cls.is_active else 0,
            "enrolled": enrolled,
            "present": present,
            "absent": absent,
            "sick": sick,
            "other_absent": absent - sick,
            "attendance_rate": rate(present, enrolled),
            "illness_rate": rate(sick, enrolled),
        }
        rows.append(row)
        for key in totals:
            totals[key] += row[key]
    totals.update(
        {
            "label": campus.display_name,
            "other_absent": totals["absent"] - totals["sick"],
            "attendance_rate": rate(totals["present"], totals["enrolled"]),
            "illness_rate": rate(totals["sick"], totals["enrolled"]),
        }
    )
    return {"month": start, "date_from": start, "date_to": end, "school_days": len(days),
            "school_days_so_far": len(days_so_far), "rows": rows, "totals": totals}  # fmt: skip


# --- Exams ---------------------------------------------------------------------------------------


def exam_report(campus, date_from, date_to):
    """Exam coverage and pass rate per class (latest valid exam of each enrolled child)."""
    from houqin.core.models import Child

    target = Decimal(campus_setting(campus, "health.care.exam_pass_target"))
    enrolled = {
        row["school_class"]: row["n"]
        for row in Child.objects.filter(
            campus=campus, status=Child.Status.ENROLLED, school_class__isnull=False
        )
        .values("school_class")
        .annotate(n=Count("id"))
        .order_by()
    }
    Exam = growth_model("Exam")
    grouped = {}
    if Exam is not None:
        period = Q(is_void=False, exam_date__gte=date_from, exam_date__lte=date_to)
        latest = (
            Exam.objects.filter(period, child=OuterRef("child"))
            .order_by("-exam_date", "-id")
            .values("pk")[:1]
        )
        grouped = {
            row["child__school_class"]: row
            for row in Exam.objects.filter(
                period, campus=campus, child__status=Child.Status.ENROLLED, child__school_class__isnull=False
            )  # fmt: skip
            .filter(pk=Subquery(latest))
            .values("child__school_class")
            .annotate(
                examined=Count("id"),
                passed=Count("id", filter=Q(passed=True)),
                anaemia=Count("id", filter=~Q(anaemia="")),
                vision=Count("id", filter=Q(vision_abnormal=True)),
                caries=Count("id", filter=Q(caries_count__gt=0)),
            )
            .order_by()
        }
    rows = []
    keys = ("enrolled", "examined", "passed", "anaemia", "vision", "caries")
    totals = dict.fromkeys(keys, 0)
    for cls in _classes(campus, set(enrolled) | set(grouped)):
        g = grouped.get(cls.pk, {})
        row = {"class": cls, "label": cls.name, "enrolled": enrolled.get(cls.pk, 0)}
        for key in keys[1:]:
            row[key] = g.get(key) or 0
        if not row["enrolled"] and not row["examined"]:
            continue
        rows.append(row)
        for key in keys:
            totals[key] += row[key]
    for row in [*rows, totals]:
        row["coverage"] = rate(row["examined"], row["enrolled"])
        row["pass_rate"] = rate(row["passed"], row["examined"])
        row["meets_target"] = None if row["pass_rate"] is None else row["pass_rate"] >= target
    totals["label"] = campus.display_name
    return {"date_from": date_from, "date_to": date_to, "target": target, "rows": rows, "totals": totals,
            "available": Exam is not None}  # fmt: skip


# --- Growth classification -------------------------------------------------------------------------


def growth_report(campus, date_from, date_to):
    """Growth classification by class from each enrolled child's latest valid measurement of
    the period: counts and percentages of stunting, underweight, wasting, overweight,
    obesity and normal (none of these)."""
    from houqin.core.models import Child

    Measurement = growth_model("Measurement")
    enrolled = {
        row["school_class"]: row["n"]
        for row in Child.objects.filter(
            campus=campus, status=Child.Status.ENROLLED, school_class__isnull=False
        )
        .values("school_class")
        .annotate(n=Count("id"))
        .order_by()
    }
    grouped = {}
    if Measurement is not None:
        period = Q(is_void=False, measured_on__gte=date_from, measured_on__lte=date_to)
        latest = (
            Measurement.objects.filter(period, child=OuterRef("child"))
            .order_by("-measured_on", "-id")
            .values("pk")[:1]
        )
        normal = Q(**{flag: False for flag in GROWTH_FLAGS})
        grouped = {
            row["child__school_class"]: row
            for row in Measurement.objects.filter(
                period, campus=campus, child__status=Child.Status.ENROLLED, child__school_class__isnull=False
            )  # fmt: skip
            .filter(pk=Subquery(latest))
            .values("child__school_class")
            .annotate(
                measured=Count("id"),
                normal=Count("id", filter=normal),
                **{flag: Count("id", filter=Q(**{flag: True})) for flag in GROWTH_FLAGS},
            )
            .order_by()
        }
    keys = ("enrolled", "measured", *GROWTH_FLAGS, "normal")
    totals = dict.fromkeys(keys, 0)
    rows = []
    for cls in _classes(campus, set(enrolled) | set(grouped)):
        g = grouped.get(cls.pk, {})
        row = {"class": cls, "label": cls.name, "enrolled": enrolled.get(cls.pk, 0)}
        for key in keys[1:]:
            row[key] = g.get(key) or 0
        if not row["enrolled"] and not row["measured"]:
            continue
        rows.append(row)
        for key in keys:
            totals[key] += row[key]
    for row in [*rows, totals]:
        row["coverage"] = rate(row["measured"], row["enrolled"])
        for key in (*GROWTH_FLAGS, "normal"):
            row[f"{key}_rate"] = rate(row[key], row["measured"])
    totals["label"] = campus.display_name
    return {"date_from": date_from, "date_to": date_to, "rows": rows, "totals": totals,
            "available": Measurement is not None}  # fmt: skip


# --- Infectious diseases -------------------------------------------------------------------------


def _disease_case_model():
    model = growth_model("DiseaseCase")
    if model is None:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if not {"disease", "onset_date"} <= names:
        return None
    return model


def disease_report(campus, year):
    """Infectious disease cases (not void) by disease and month of onset."""
    DiseaseCase = _disease_case_model()
    if DiseaseCase is None:
        return {"year": year, "available": False, "rows": [], "totals": {"months": [0] * 12, "total": 0}}
    qs = DiseaseCase.objects.filter(campus=campus, onset_date__year=year)
    if any(f.name == "is_void" for f in DiseaseCase._meta.get_fields()):
        qs = qs.filter(is_void=False)
    by_disease = {}
    for row in (
        qs.annotate(month=ExtractMonth("onset_date"))
        .values("disease__name", "month")
        .annotate(n=Count("id"))
        .order_by("disease__name", "month")
    ):
        months = by_disease.setdefault(row["disease__name"] or "—", [0] * 12)
        months[row["month"] - 1] += row["n"]
    rows = [{"label": name, "months": months, "total": sum(months)} for name, months in by_disease.items()]
    rows.sort(key=lambda r: (-r["total"], r["label"]))
    month_totals = [sum(r["months"][i] for r in rows) for i in range(12)]
    return {
        "year": year,
        "available": True,
        "rows": rows,
        "totals": {"months": month_totals, "total": sum(month_totals)},
    }


# --- Special care ----------------------------------------------------------------------------------


def special_care_summary(campus):
    """Open cases per category and severity, and the closed ones of the last 12 months by outcome."""
    since = timezone.localdate() - dt.timedelta(days=365)
    open_rows = {
        (r["category"], r["severity"]): r["n"]
        for r in SpecialCareCase.objects.filter(campus=campus, status="open")
        .values("category", "severity")
        .annotate(n=Count("id"))
        .order_by()
    }
    closed = {
        (r["category"], r["outcome"]): r["n"]
        for r in SpecialCareCase.objects.filter(campus=campus, status="closed", closed_on__gte=since)
        .values("category", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    }
    rows = []
    for value, label in SpecialCareCase.Category.choices:
        sev = {s: open_rows.get((value, s), 0) for s in ("", "mild", "moderate", "severe")}
        outcomes = {o: closed.get((value, o), 0) for o in SpecialCareCase.Outcome.values}
        row = {"category": value, "label": label, "open": sum(sev.values()), **{f"sev_{k or 'none'}": v for k, v in sev.items()},
               **{f"closed_{k}": v for k, v in outcomes.items()}, "closed": sum(outcomes.values())}  # fmt: skip
        rows.append(row)
    totals = {k: sum(r[k] for r in rows) for k in rows[0] if k not in ("category", "label")}
    return {"rows": rows, "totals": totals, "since": since}
