"""Read queries of the environment module: rankings (卫生评比), completion rates of the
cleaning and greening routines, functional-room usage and the term report. Each runs a
fixed, small number of queries whatever the number of rows."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from houqin.core.models import Room, RoutineOccurrence, SchoolClass, Term
from houqin.core.settings_registry import campus_setting
from houqin.environment.models import (
    CleaningZone,
    DormitoryInspection,
    GreeningArea,
    GreeningTask,
    HygieneInspection,
    HygieneProblem,
    RoomUse,
    ZoneScore,
)
from houqin.environment.models.inspections import week_start
from houqin.environment.models.rooms import FUNCTIONAL_ROOM_KINDS

OccStatus = RoutineOccurrence.Status
HUNDRED = Decimal("100")


def week_bounds(day):
    start = week_start(day)
    return start, start + dt.timedelta(days=6)


def month_bounds(day):
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def percent(total, max_total):
    if not max_total:
        return None
    return (Decimal(total) * HUNDRED / Decimal(max_total)).quantize(Decimal("0.1"))


def current_term(campus, day=None):
    day = day or timezone.localdate()
    terms = list(Term.objects.filter(campus=campus).order_by("start_date"))
    for term in terms:
        if term.start_date <= day <= term.end_date:
            return term
    past = [t for t in terms if t.start_date <= day]
    return past[-1] if past else (terms[0] if terms else None)


# --- Rankings (卫生评比) --------------------------------------------------------------------


def _submitted_scores(campus, date_from, date_to):
    return ZoneScore.objects.filter(
        campus=campus,
        inspection__status=HygieneInspection.Status.SUBMITTED,
        inspection__date__gte=date_from,
        inspection__date__lte=date_to,
    )


def _competition_rank(rows, key="score"):
    """1, 1, 3… over rows sorted best first."""
    rank, last = 0, object()
    for n, row in enumerate(rows, 1):
        if row[key] != last:
            rank, last = n, row[key]
        row["rank"] = rank
    return rows


def ranking(campus, date_from, date_to, *, group="zone"):
    """The zones (or classes, averaging their zones) ranked by their score out of 100 over
    the submitted inspections of the period, best first; ties share a rank. Each row:
    ``rank, label, zone, school_class, responsible, score, inspections, passed``. 2 queries."""
    pass_score = Decimal(str(campus_setting(campus, "environment.pass_score")))
    qs = _submitted_scores(campus, date_from, date_to).order_by()
    if group == "class":
        agg = (
            qs.filter(zone__school_class__isnull=False)
            .values("zone__school_class_id")
            .annotate(
                t=Sum("total"),
                m=Sum("max_total"),
                n=Count("inspection", distinct=True),
                zones=Count("zone", distinct=True),
            )  # fmt: skip
        )
        agg = list(agg)
        classes = {
            c.pk: c
            for c in SchoolClass.objects.filter(
                pk__in=[a["zone__school_class_id"] for a in agg]
            ).select_related("head_teacher")
        }
        rows = []
        for a in agg:
            school_class = classes.get(a["zone__school_class_id"])
            if school_class is None:
                continue
            rows.append({
                "label": school_class.name, "zone": None, "school_class": school_class,
                "responsible": school_class.head_teacher.display_name if school_class.head_teacher_id else "",
                "score": percent(a["t"], a["m"]), "inspections": a["n"], "zones": a["zones"],
            })  # fmt: skip
    else:
        agg = list(
            qs.values("zone_id").annotate(
                t=Sum("total"), m=Sum("max_total"), n=Count("inspection", distinct=True)
            )
        )
        zones = {
            z.pk: z
            for z in CleaningZone.objects.filter(pk__in=[a["zone_id"] for a in agg]).select_related(
                "school_class", "school_class__head_teacher", "responsible"
            )
        }
        rows = []
        for a in agg:
            zone = zones.get(a["zone_id"])
            if zone is None:
                continue
            person = zone.responsible_person
            rows.append({
                "label": zone.name, "zone": zone, "school_class": zone.school_class,
                "responsible": person.display_name if person else "",
                "score": percent(a["t"], a["m"]), "inspections": a["n"], "zones": 1,
            })  # fmt: skip
    rows = [r for r in rows if r["score"] is not None]
    for r in rows:
        r["passed"] = r["score"] >= pass_score
    rows.sort(key=lambda r: (-r["score"], r["label"]))
    return _competition_rank(rows)


def ranking_with_change(campus, date_from, date_to, previous_from, previous_to, *, group="zone"):
    """The ranking with each row's rank in the previous period (``previous_rank``)."""
    rows = ranking(campus, date_from, date_to, group=group)
    before = ranking(campus, previous_from, previous_to, group=group)
    key = (lambda r: r["zone"].pk) if group != "class" else (lambda r: r["school_class"].pk)
    previous = {key(r): r["rank"] for r in before}
    for r in rows:
        r["previous_rank"] = previous.get(key(r))
        r["change"] = (r["previous_rank"] - r["rank"]) if r["previous_rank"] else None
    return rows


def latest_week_with_scores(campus, today=None):
    """The Monday of the latest week that has a submitted inspection (up to today)."""
    today = today or timezone.localdate()
    last = (
        HygieneInspection.objects.filter(
            campus=campus, status=HygieneInspection.Status.SUBMITTED, date__lte=today
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    return week_start(last) if last else None


# --- Routine completion ---------------------------------------------------------------------


def routine_stats(template_ids, date_from, date_to, *, now=None):
    """{template id: {total, done, missed, open, rate}} over the due checks of the period
    (not yet due and cancelled ones left out; rate = done / (done + missed)). 1 query."""
    ids = [pk for pk in template_ids if pk]
    if not ids:
        return {}
    now = now or timezone.now()
    date_to = min(date_to, timezone.localdate(now))
    rows = (
        RoutineOccurrence.objects.filter(template_id__in=ids, date__gte=date_from, date__lte=date_to)
        .exclude(status=OccStatus.CANCELLED)
        .filter(Q(status__in=[OccStatus.DONE, OccStatus.MISSED]) | Q(window_start__lte=now))
        .order_by()
        .values("template_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=OccStatus.DONE)),
            on_time=Count("id", filter=Q(status=OccStatus.DONE, completed_at__lte=F("window_end"))),
            missed=Count("id", filter=Q(status=OccStatus.MISSED)),
            open=Count("id", filter=Q(status=OccStatus.PENDING)),
        )
    )
    return {r["template_id"]: _with_rate(dict(r)) for r in rows}


def _with_rate(entry):
    closed = entry["done"] + entry["missed"]
    entry["rate"] = round(100 * entry["done"] / closed, 1) if closed else None
    return entry


def _sum_stats(parts):
    out = {"total": 0, "done": 0, "on_time": 0, "missed": 0, "open": 0}
    for part in parts:
        for k in out:
            out[k] += part.get(k, 0)
    return _with_rate(out)


def zone_routine_stats(zones, date_from, date_to, *, now=None):
    """{zone id: stats of its daily and weekly cleaning routines together}. 1 query."""
    stats = routine_stats([pk for z in zones for pk in z.routine_ids], date_from, date_to, now=now)
    return {z.pk: _sum_stats([stats.get(pk, {}) for pk in z.routine_ids]) for z in zones if z.routine_ids}


def area_routine_stats(area_ids, date_from, date_to, *, now=None):
    """{area id: {"all": stats, task kind: stats}} of the greening tasks. 2 queries."""
    tasks = list(
        GreeningTask.objects.filter(area_id__in=area_ids).values_list("area_id", "kind", "template_id")
    )
    stats = routine_stats([t for _a, _k, t in tasks], date_from, date_to, now=now)
    out = {}
    for area_id, kind, template_id in tasks:
        entry = out.setdefault(area_id, {"parts": []})
        entry[kind] = stats.get(template_id, _with_rate({"total": 0, "done": 0, "on_time": 0, "missed": 0,
                                                         "open": 0}))  # fmt: skip
        entry["parts"].append(entry[kind])
    for entry in out.values():
        entry["all"] = _sum_stats(entry.pop("parts"))
    return out


def week_occurrences(template_ids, day=None):
    """({template id: [occurrences of the week of ``day``]}, {template id: next due date
    after the week}). 2 queries."""
    day = day or timezone.localdate()
    start, end = week_bounds(day)
    ids = [pk for pk in template_ids if pk]
    if not ids:
        return {}, {}
    this_week = {}
    for occ in (
        RoutineOccurrence.objects.filter(template_id__in=ids, date__gte=start, date__lte=end)
        .exclude(status=OccStatus.CANCELLED)
        .order_by("date", "id")
    ):
        this_week.setdefault(occ.template_id, []).append(occ)
    upcoming = dict(
        RoutineOccurrence.objects.filter(template_id__in=ids, date__gt=end, status=OccStatus.PENDING)
        .order_by()
        .values("template_id")
        .annotate(first=Min("date"))
        .values_list("template_id", "first")
    )
    return this_week, upcoming


# --- Functional rooms -------------------------------------------------------------------------


def _weeks(date_from, date_to):
    return max(1, ((date_to - date_from).days + 1 + 6) // 7)


def room_use_stats(campus, date_from, date_to):
    """Usage of the functional rooms over the period: per room (uses, per week, classes,
    children, problems, last use), per class × room, and per room × week. 5 queries."""
    base = RoomUse.objects.filter(
        campus=campus, status=RoomUse.Status.RECORDED, date__gte=date_from, date__lte=date_to
    ).order_by()
    rooms = list(
        Room.objects.filter(campus=campus, kind__in=FUNCTIONAL_ROOM_KINDS, is_active=True).select_related(
            "building"
        )
    )
    by_room = {
        r["room_id"]: r
        for r in base.values("room_id").annotate(
            n=Count("id"), classes=Count("school_class", distinct=True), children=Sum("children_count"),
            problems=Count("id", filter=Q(condition=RoomUse.Condition.PROBLEM)), last=Max("date"),
        )
    }  # fmt: skip
    weeks = _weeks(date_from, date_to)
    room_rows = []
    for room in rooms:
        r = by_room.get(room.pk, {})
        n = r.get("n", 0)
        room_rows.append({
            "room": room, "uses": n, "per_week": round(n / weeks, 1), "classes": r.get("classes", 0),
            "children": r.get("children") or 0, "problems": r.get("problems", 0), "last": r.get("last"),
        })  # fmt: skip
    classes = list(
        SchoolClass.objects.filter(campus=campus, is_active=True).order_by("sort_order", "grade", "name")
    )
    matrix = {(r["school_class_id"], r["room_id"]): r["n"]
              for r in base.values("school_class_id", "room_id").annotate(n=Count("id"))}  # fmt: skip
    class_rows = [
        {"school_class": c, "cells": [matrix.get((c.pk, room.pk), 0) for room in rooms],
         "total": sum(matrix.get((c.pk, room.pk), 0) for room in rooms)}
        for c in classes
    ]  # fmt: skip
    week_rows = {}
    for r in base.annotate(week=TruncWeek("date")).values("room_id", "week").annotate(n=Count("id")):
        week = r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]
        week_rows[(r["room_id"], week)] = r["n"]
    week_starts = []
    day = week_start(date_from)
    while day <= date_to:
        week_starts.append(day)
        day += dt.timedelta(days=7)
    by_week = [
        {"room": room, "cells": [week_rows.get((room.pk, w), 0) for w in week_starts]} for room in rooms
    ]
    return {
        "rooms": room_rows,
        "room_list": rooms,
        "classes": class_rows,
        "weeks": week_starts,
        "by_week": by_week,
        "total": sum(r["uses"] for r in room_rows),
        "week_count": weeks,
    }


# --- Dormitories ---------------------------------------------------------------------------


def dormitory_stats(campus, date_from, date_to):
    """Per inspected room: inspections, passed, pass rate, last inspection. 2 queries."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    rows = list(
        DormitoryInspection.objects.filter(
            campus=campus,
            status=DormitoryInspection.Status.RECORDED,
            inspected_at__gte=start,
            inspected_at__lt=end,
        )
        .order_by()
        .values("room_id")
        .annotate(
            n=Count("id"),
            passed=Count("id", filter=Q(passed=True)),
            failed_items=Sum("failed_count"),
            last=Max("inspected_at"),
        )  # fmt: skip
    )
    rooms = {
        r.pk: r for r in Room.objects.filter(pk__in=[r["room_id"] for r in rows]).select_related("building")
    }
    out = []
    for r in rows:
        room = rooms.get(r["room_id"])
        if room is None:
            continue
        out.append({
            "room": room, "inspections": r["n"], "passed": r["passed"], "failed_items": r["failed_items"] or 0,
            "rate": round(100 * r["passed"] / r["n"], 1) if r["n"] else None, "last": r["last"],
        })  # fmt: skip
    out.sort(key=lambda r: (-(r["rate"] or 0), str(r["room"])))
    return out


# --- The term report ---------------------------------------------------------------------------


def _month_starts(date_from, date_to):
    out, day = [], date_from.replace(day=1)
    while day <= date_to:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _as_date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def term_report(campus, term, *, now=None):
    """Everything the term summary needs about the environment (dates up to today):
    cleaning scores per zone by week and month with the term ranking, the cleaning and
    greening routine completion, functional-room usage, dormitory inspections and the
    hygiene problems sent back."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    date_from = term.start_date
    date_to = min(term.end_date, today)
    if date_to < date_from:
        date_to = date_from
    scores = _submitted_scores(campus, date_from, date_to).order_by()
    by_month = {}
    for r in (
        scores.annotate(month=TruncMonth("inspection__date"))
        .values("zone_id", "month")
        .annotate(t=Sum("total"), m=Sum("max_total"))
    ):
        by_month[(r["zone_id"], _as_date(r["month"]))] = percent(r["t"], r["m"])
    by_week = {}
    for r in (
        scores.annotate(week=TruncWeek("inspection__date"))
        .values("zone_id", "week")
        .annotate(t=Sum("total"), m=Sum("max_total"))
    ):
        by_week[(r["zone_id"], _as_date(r["week"]))] = percent(r["t"], r["m"])
    months = _month_starts(date_from, date_to)
    weeks = []
    day = week_start(date_from)
    while day <= date_to:
        weeks.append(day)
        day += dt.timedelta(days=7)
    term_rank = ranking(campus, date_from, date_to)
    class_rank = ranking(campus, date_from, date_to, group="class")
    zones = list(
        CleaningZone.objects.filter(campus=campus)
        .filter(Q(is_active=True) | Q(scores__inspection__date__gte=date_from))
        .distinct()
        .select_related("school_class", "school_class__head_teacher", "responsible")
        .prefetch_related("rooms")
        .order_by("sort_order", "name")
    )
    rank_of = {r["zone"].pk: r for r in term_rank}
    cleaning = zone_routine_stats(zones, date_from, date_to, now=now)
    zone_rows = []
    for zone in zones:
        r = rank_of.get(zone.pk)
        zone_rows.append({
            "zone": zone,
            "months": [by_month.get((zone.pk, m)) for m in months],
            "weeks": [by_week.get((zone.pk, w)) for w in weeks],
            "score": r["score"] if r else None,
            "rank": r["rank"] if r else None,
            "inspections": r["inspections"] if r else 0,
            "routines": cleaning.get(zone.pk),
        })  # fmt: skip
    cleaning_total = _sum_stats(list(cleaning.values()))
    areas = list(
        GreeningArea.objects.filter(campus=campus).select_related("room", "caretaker").order_by("name")
    )
    greening = area_routine_stats([a.pk for a in areas], date_from, date_to, now=now)
    area_rows = [{"area": a, "stats": greening[a.pk]} for a in areas if a.pk in greening]
    greening_total = _sum_stats([e["stats"]["all"] for e in area_rows])
    task_totals = {}
    for entry in greening.values():
        for kind, stats in entry.items():
            if kind != "all":
                task_totals.setdefault(kind, []).append(stats)
    greening_by_task = [
        {"kind": kind, "label": GreeningTask.Kind(kind).label, "stats": _sum_stats(parts)}
        for kind, parts in sorted(task_totals.items(), key=lambda kv: GreeningTask.Kind.values.index(kv[0]))
    ]
    problems = HygieneProblem.objects.filter(campus=campus, raised_at__date__gte=date_from,
                                             raised_at__date__lte=date_to).order_by()  # fmt: skip
    p = problems.aggregate(
        raised=Count("id", filter=~Q(status=HygieneProblem.Status.VOID)),
        closed=Count("id", filter=Q(status=HygieneProblem.Status.CLOSED)),
        on_time=Count("id", filter=Q(status=HygieneProblem.Status.CLOSED, fixed_at__date__lte=F("deadline"))),
        open=Count("id", filter=Q(status__in=HygieneProblem.ACTIVE_STATUSES)),
        overdue=Count("id", filter=Q(status=HygieneProblem.Status.OPEN, deadline__lt=today)),
    )
    inspections = HygieneInspection.objects.filter(
        campus=campus, status=HygieneInspection.Status.SUBMITTED, date__gte=date_from, date__lte=date_to
    ).aggregate(n=Count("id"), weekly=Count("id", filter=Q(kind=HygieneInspection.Kind.WEEKLY)))
    return {
        "term": term,
        "date_from": date_from,
        "date_to": date_to,
        "months": months,
        "weeks": weeks,
        "zones": zone_rows,
        "ranking": term_rank,
        "class_ranking": class_rank,
        "cleaning_total": cleaning_total,
        "areas": area_rows,
        "greening_total": greening_total,
        "greening_by_task": greening_by_task,
        "rooms": room_use_stats(campus, date_from, date_to),
        "dormitories": dormitory_stats(campus, date_from, date_to),
        "problems": p,
        "inspections": inspections,
        "school_weeks": len(weeks),
    }
