"""The routines engine (例行工作): schedule rules, generation, services and registries.

* **Schedule rules** – :func:`occurrence_dates` is a pure function of a template's
  frequency and a term's calendar (:class:`TermCalendar`): nothing is ever due outside the
  term; with ``school_days_only`` holidays are skipped and make-up days count. Daily,
  weekday and every-N-weeks checks that fall on a day off are skipped (每周一 in the
  National Day week: none that week); monthly, termly and yearly checks move to the next
  school day.
* **Generation** – :func:`generate_occurrences` creates the due :class:`RoutineOccurrence`
  rows idempotently (existing days are skipped; the unique constraint guards races);
  the ``core.routines`` tick job runs it for today and the next 7 days and marks checks
  still open after their last day as missed (:func:`mark_missed`).
* **Services** – templates (:func:`routine_template_create`, ``_update``), the library
  (:func:`routine_enable_from_library`), completion (:func:`occurrence_complete`) and
  correction (:func:`occurrence_void`); each atomic and audited.
* **Fail actions** – apps register what a failed item may open in one tap
  (:func:`register_fail_action`: the safety app a hazard, maintenance a repair request);
  :func:`fail_action_run` creates it and links it to the result.
"""

from __future__ import annotations

import calendar
import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import attachables, audit, dashboard, demo, ticks
from houqin.core.links import strict_request_url
from houqin.core.models import (
    Room,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
    Term,
)
from houqin.core.services import object_delete, object_save

GENERATE_DAYS = 7  # the tick keeps today and the next 7 days generated
Freq = RoutineTemplate.Frequency
Status = RoutineOccurrence.Status


# =========================================================================================
# Schedule rules (pure)
# =========================================================================================


class TermCalendar:
    """The school days of one term, computed once: holidays skipped, make-up days included
    (the rules of :meth:`Term.calendar_days`)."""

    def __init__(self, term):
        self.term = term
        self.start: dt.date = term.start_date
        self.end: dt.date = term.end_date
        self.school_days: list[dt.date] = [d for d, (school, _l) in term.calendar_days().items() if school]
        self._school = set(self.school_days)

    def is_school_day(self, day) -> bool:
        return day in self._school

    def next_school_day(self, day) -> dt.date | None:
        """The first school day on or after ``day`` within the term."""
        i = bisect_left(self.school_days, day)
        return self.school_days[i] if i < len(self.school_days) else None

    def prev_school_day(self, day) -> dt.date | None:
        """The last school day on or before ``day`` within the term."""
        i = bisect_right(self.school_days, day)
        return self.school_days[i - 1] if i else None

    def all_days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def occurrence_dates(template, term, start=None, end=None) -> list[dt.date]:
    """The days ``template`` is due in ``term`` (a :class:`Term` or :class:`TermCalendar`),
    limited to ``start``–``end`` (inclusive), in order. Nothing outside the term."""
    cal = term if isinstance(term, TermCalendar) else TermCalendar(term)
    lo = max(start or cal.start, cal.start)
    hi = min(end or cal.end, cal.end)
    if lo > hi:
        return []
    return sorted(d for d in set(_term_dates(template, cal)) if lo <= d <= hi)


def _term_dates(template, cal: TermCalendar) -> list[dt.date]:
    kind = template.frequency
    school_only = template.school_days_only
    if kind in (Freq.DAILY, Freq.WEEKDAYS, Freq.EVERY_N_WEEKS):
        # Fixed days: a day off is skipped, never moved.
        days = cal.school_days if school_only else cal.all_days()
        if kind == Freq.DAILY:
            return list(days)
        if kind == Freq.WEEKDAYS:
            wanted = set(template.weekdays or [])
            return [d for d in days if d.weekday() in wanted]
        anchor = template.anchor_date or cal.start
        anchor_monday = anchor - dt.timedelta(days=anchor.weekday())
        n = max(1, template.interval_weeks or 1)
        return [
            d for d in days if d.weekday() == template.weekday and ((d - anchor_monday).days // 7) % n == 0
        ]
    if kind in (Freq.MONTHLY_DAY, Freq.MONTHLY_NTH_WEEKDAY, Freq.YEARLY):
        targets = []
        for year, month in _months(cal.start, cal.end):
            if kind == Freq.MONTHLY_DAY:
                targets.append(_day_in_month(year, month, template.month_day or 1))
            elif kind == Freq.MONTHLY_NTH_WEEKDAY:
                targets.append(_nth_weekday(year, month, template.nth or 1, template.weekday or 0))
            elif month == template.month:
                targets.append(_day_in_month(year, month, template.month_day or 1))
        return [d for d in (_move_forward(cal, t, school_only) for t in targets if t) if d]
    if kind in (Freq.TERMLY, Freq.TERM_START, Freq.TERM_END):
        if kind == Freq.TERM_START:
            points = ["start"]
        elif kind == Freq.TERM_END:
            points = ["end"]
        else:
            points = template.term_points or []
        offset = dt.timedelta(days=template.offset_days or 0)
        out = []
        for point in points:
            if point == "start":
                target = cal.start + offset
            elif point == "mid":
                target = cal.start + (cal.end - cal.start) // 2 + offset
            elif point == "end":
                target = cal.end + offset
            else:
                continue
            day = _within_term(cal, target, school_only)
            if day:
                out.append(day)
        return out
    return []


def _months(start: dt.date, end: dt.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _day_in_month(year, month, day) -> dt.date:
    """Day ``day`` of the month, or its last day when the month is shorter (31 → 28/29/30)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _nth_weekday(year, month, nth, weekday) -> dt.date | None:
    """The ``nth`` (1–4, or -1 for the last) ``weekday`` (0 = Monday) of the month."""
    if nth == -1:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def _move_forward(cal: TermCalendar, target: dt.date, school_only: bool) -> dt.date | None:
    """A monthly or yearly date inside the term, moved to the next school day when it is a
    day off. A date before the first day of the term moves to the term's first (school)
    day if that is still in the same month; a date after the term is dropped."""
    if target > cal.end:
        return None
    day = max(target, cal.start)
    if school_only:
        day = cal.next_school_day(day)
        if day is None:
            return None
    if target < cal.start and (day.year, day.month) != (target.year, target.month):
        return None
    return day


def _within_term(cal: TermCalendar, target: dt.date, school_only: bool) -> dt.date | None:
    """A term point (start, middle, end ± offset) kept inside the term; on a day off, the
    next school day, or the last one before it at the end of the term."""
    day = min(max(target, cal.start), cal.end)
    if not school_only:
        return day
    return cal.next_school_day(day) or cal.prev_school_day(day)


def occurrence_window(template, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of the check on ``day``: its time window, or the whole day; the end is
    pushed back by the template's ``grace_days``."""
    tz = timezone.get_current_timezone()
    last = day + dt.timedelta(days=template.grace_days or 0)
    start = dt.datetime.combine(day, template.window_start or dt.time(0, 0), tzinfo=tz)
    if template.window_end:
        end = dt.datetime.combine(last, template.window_end, tzinfo=tz)
    else:
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    return start, end


# =========================================================================================
# Generation (the tick job)
# =========================================================================================


def _occurrences():
    # Services run inside a request's campus scope or in commands and tick jobs without
    # one; they always filter by campus explicitly.
    return RoutineOccurrence.objects.with_scopes_disabled()


def generate_occurrences(*, campus=None, until=None, start=None, templates=None, backfill=False, now=None) -> int:
    """Create the occurrences due from ``start`` (default today) to ``until`` (default
    ``start`` + 7 days) for the active templates of ``campus`` (or every campus, or just
    ``templates``). Idempotent: days that already have their occurrence are skipped.

    Without ``backfill`` no occurrence is created whose window is already over (a routine
    set up in the afternoon does not owe the morning's check); the demo data and the
    benchmark back-fill the past. Returns the number created.
    """
    now = now or timezone.now()
    start = start or timezone.localdate(now)
    until = until or start + dt.timedelta(days=GENERATE_DAYS)
    if templates is None:
        tqs = RoutineTemplate.objects.with_scopes_disabled().filter(is_active=True)
        if campus is not None:
            tqs = tqs.filter(campus=campus)
        templates = list(tqs)
    else:
        templates = [t for t in templates if t.is_active]
    if not templates:
        return 0
    campus_ids = {t.campus_id for t in templates}
    terms = (
        Term.objects.with_scopes_disabled()
        .filter(campus_id__in=campus_ids, start_date__lte=until, end_date__gte=start)
        .prefetch_related("holidays")
    )
    calendars: dict[int, list[TermCalendar]] = {}
    for term in terms:
        calendars.setdefault(term.campus_id, []).append(TermCalendar(term))
    if not calendars:
        return 0
    existing = set(
        _occurrences()
        .filter(template__in=[t.pk for t in templates], date__gte=start, date__lte=until)
        .values_list("template_id", "date")
    )
    new = []
    for template in templates:
        for cal in calendars.get(template.campus_id, ()):
            for day in occurrence_dates(template, cal, start, until):
                if (template.pk, day) in existing:
                    continue
                window_start, window_end = occurrence_window(template, day)
                if not backfill and window_end <= now:
                    continue
                new.append(
                    RoutineOccurrence(
                        campus_id=template.campus_id,
                        template=template,
                        date=day,
                        window_start=window_start,
                        window_end=window_end,
                    )
                )
    if not new:
        return 0
    with transaction.atomic():
        _occurrences().bulk_create(new, batch_size=1000, ignore_conflicts=True)
        by_campus: dict[int, int] = {}
        for occ in new:
            by_campus[occ.campus_id] = by_campus.get(occ.campus_id, 0) + 1
        for campus_id, n in by_campus.items():
            audit.record(
                actor=None,
                action="routines_generate",
                campus=campus_id,
                message=f"{n} routine checks generated ({start:%Y-%m-%d} – {until:%Y-%m-%d})",
            )
    return len(new)


def missed_cutoff(now=None) -> dt.datetime:
    """Checks whose window ended before today's midnight are missed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return dt.datetime.combine(today, dt.time(0, 0), tzinfo=timezone.get_current_timezone())


@transaction.atomic
def mark_missed(*, campus=None, now=None) -> int:
    """Mark the checks still open after their last day as missed (one UPDATE); a summary
    audit event per campus. Reopened checks (a voided completion) stay open."""
    now = now or timezone.now()
    qs = _occurrences().filter(status=Status.PENDING, reopened_at__isnull=True, window_end__lte=missed_cutoff(now))
    if campus is not None:
        qs = qs.filter(campus=campus)
    per_campus = dict(qs.order_by().values_list("campus_id").annotate(n=Count("id")))
    if not per_campus:
        return 0
    total = qs.update(status=Status.MISSED, updated_at=now)
    for campus_id, n in per_campus.items():
        audit.record(actor=None, action="routines_missed", campus=campus_id, message=f"{n} routine checks missed")
    return total


@ticks.register("core.routines", order=30)
def routines_tick(now) -> str:
    """Generate today's and the next 7 days' checks; mark yesterday's open ones missed."""
    today = timezone.localdate(now)
    created = generate_occurrences(start=today, until=today + dt.timedelta(days=GENERATE_DAYS), now=now)
    missed = mark_missed(now=now)
    return f"routine checks: {created} generated, {missed} marked missed"


def resync_template(template, *, actor=None, now=None) -> dict:
    """After a template changed: from today on, cancel open checks that are no longer due,
    bring back cancelled ones that are due again, move the windows, and generate."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    future = list(_occurrences().filter(template=template, date__gte=today, status__in=[Status.PENDING, Status.CANCELLED]))
    horizon = max([today + dt.timedelta(days=GENERATE_DAYS)] + [o.date for o in future])
    wanted = set()
    if template.is_active:
        terms = Term.objects.with_scopes_disabled().filter(
            campus_id=template.campus_id, start_date__lte=horizon, end_date__gte=today
        )
        for term in terms.prefetch_related("holidays"):
            wanted.update(occurrence_dates(template, term, today, horizon))
    changed = {"cancelled": 0, "restored": 0, "moved": 0}
    updates = []
    for occ in future:
        due = occ.date in wanted
        if occ.status == Status.PENDING and not due and occ.reopened_at is None:
            occ.status = Status.CANCELLED
            changed["cancelled"] += 1
        elif occ.status == Status.CANCELLED and due:
            occ.status = Status.PENDING
            changed["restored"] += 1
        if occ.status == Status.PENDING:
            window = occurrence_window(template, occ.date)
            if (occ.window_start, occ.window_end) != window:
                occ.window_start, occ.window_end = window
                changed["moved"] += 1
        updates.append(occ)
    with transaction.atomic():
        if updates:
            _occurrences().bulk_update(updates, ["status", "window_start", "window_end"], batch_size=500)
        changed["generated"] = generate_occurrences(templates=[template], start=today, now=now)
        if changed["cancelled"] or changed["restored"] or changed["moved"]:
            audit.record(
                actor=actor,
                action="routines_resync",
                obj=template,
                after=changed,
                message=_("%(c)s checks cancelled, %(r)s restored, %(m)s rescheduled")
                % {"c": changed["cancelled"], "r": changed["restored"], "m": changed["moved"]},
            )
    return changed


# =========================================================================================
# Who sees and completes what
# =========================================================================================


def responsible_q(user, roles, prefix="template__") -> Q:
    """Routines a user answers for: as the named person or through one of their roles."""
    return Q(**{f"{prefix}responsible_user": user}) | Q(**{f"{prefix}responsible_role__in": list(roles or [])})


def may_complete(occurrence, *, user, roles, perms) -> bool:
    """Holders of ``core.complete_routines`` complete the checks they answer for (named or
    by role); leaders (``core.manage_routines``) may complete any; a routine naming nobody
    may be completed by anyone who completes routines."""
    if "core.complete_routines" not in perms:
        return False
    if "core.manage_routines" in perms:
        return True
    template = occurrence.template
    if not template.responsible_user_id and not template.responsible_role:
        return True
    return template.responsible_user_id == getattr(user, "pk", None) or template.responsible_role in set(roles or ())


def _actor_access(actor, campus):
    from houqin.core.permissions import perms_for_user_on_campus

    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, None  # the system (commands, demo): no check
    return perms_for_user_on_campus(actor, campus)


def occurrences_for_user(*, user, roles, campus, now=None):
    """The user's checks on the Today page: today's (any status but cancelled) and the open
    ones still within their days allowed or reopened after a void."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = missed_cutoff(now)
    return (
        RoutineOccurrence.objects.filter(campus=campus)
        .filter(responsible_q(user, roles))
        .filter(
            Q(date=today)
            | Q(date__lt=today, status=Status.PENDING)
            & (Q(window_end__gt=cutoff) | Q(reopened_at__isnull=False))
        )
        .exclude(status=Status.CANCELLED)
        .select_related("template", "template__room", "template__building", "completed_by")
    )


# =========================================================================================
# Template services
# =========================================================================================


def _item_instance(item) -> RoutineItem:
    if isinstance(item, RoutineItem):
        return item
    return RoutineItem(**dict(item))


@transaction.atomic
def routine_template_create(*, actor, campus, template, items=(), generate=True):
    """Save a new routine with its checklist (every row audited) and generate its checks."""
    template.campus = campus
    object_save(actor=actor, instance=template, campus=campus)
    for n, raw in enumerate(items, 1):
        item = _item_instance(raw)
        item.template = template
        item.campus = campus
        if not item.order:
            item.order = n
        object_save(actor=actor, instance=item, campus=campus)
    if generate:
        generate_occurrences(templates=[template])
    return template


@transaction.atomic
def routine_template_update(*, actor, template, before=None, items=(), items_before=None, removed_items=()):
    """Save a changed routine and its checklist; re-plan its open checks.

    ``items`` are new or changed :class:`RoutineItem` instances (``items_before`` maps the
    pk of a changed one to its snapshot). A removed item that already has results is kept
    out of use instead of deleted, so past results keep their item.
    """
    items_before = items_before or {}
    object_save(actor=actor, instance=template, before=before)
    for raw in items:
        item = _item_instance(raw)
        item.template = template
        item.campus_id = template.campus_id
        object_save(actor=actor, instance=item, before=items_before.get(item.pk), campus=template.campus)
    for item in removed_items:
        if item.pk is None:
            continue
        if RoutineResult.objects.with_scopes_disabled().filter(item=item).exists():
            snap = audit.snapshot(item)
            item.is_active = False
            object_save(actor=actor, instance=item, before=snap, action="retire")
        else:
            object_delete(actor=actor, instance=item)
    resync_template(template, actor=actor)
    return template


def _find_room(rooms, entry):
    for name in entry.room_names:
        for room in rooms:
            if room.name == name:
                return room
    for name in entry.room_names:
        for room in rooms:
            if name in room.name:
                return room
    if entry.room_kind:
        for room in rooms:
            if room.kind == entry.room_kind:
                return room
    return None


def library_template(entry, campus, rooms=()):
    """An unsaved template and its items from a library entry, adjusted to the campus
    (its rooms, its rule settings)."""
    from houqin.core.settings_registry import campus_setting

    room = _find_room(rooms, entry)
    window = entry.window or (None, None)
    template = RoutineTemplate(
        campus=campus,
        name=entry.name,
        category=entry.category,
        description=f"{entry.description}（{entry.source}）" if entry.source else entry.description,
        responsible_role=str(entry.role),
        window_start=dt.time.fromisoformat(window[0]) if window[0] else None,
        window_end=dt.time.fromisoformat(window[1]) if window[1] else None,
        grace_days=entry.grace_days,
        school_days_only=entry.school_days_only,
        library_key=entry.key,
        auto_follow_up=entry.auto_follow_up if entry.auto_follow_up in _fail_actions else "",
        room=room,
        building=room.building if room else None,
        zone="" if room else entry.zone,
        **entry.frequency,
    )
    items = []
    for n, li in enumerate(entry.items, 1):
        min_value = li.min_value
        if li.min_setting:
            min_value = Decimal(str(campus_setting(campus, li.min_setting)))
        items.append(
            RoutineItem(
                campus=campus,
                order=n,
                label=li.label,
                kind=li.kind,
                unit=li.unit,
                min_value=min_value,
                max_value=li.max_value,
                choices=list(li.choices),
                failing_choices=list(li.failing_choices),
                required=li.required,
                photo_required=li.photo_required,
                fail_hint=li.fail_hint,
            )
        )
    return template, items


def enabled_library_keys(campus) -> set[str]:
    return set(
        RoutineTemplate.objects.with_scopes_disabled()
        .filter(campus=campus)
        .exclude(library_key="")
        .values_list("library_key", flat=True)
    )


@transaction.atomic
def routine_enable_from_library(*, actor, campus, library_keys, generate=True):
    """Create the campus's routines from library entries (those not enabled yet), to be
    adjusted afterwards; returns the new templates."""
    from houqin.core import routine_library

    keys = list(dict.fromkeys(library_keys or []))
    if not keys:
        raise ValidationError({"library_keys": _("Choose at least one routine from the library.")})
    unknown = [k for k in keys if routine_library.get(k) is None]
    if unknown:
        raise ValidationError(
            {"library_keys": _("Not in the routine library: %(keys)s") % {"keys": ", ".join(unknown)}}
        )
    enabled = enabled_library_keys(campus)
    rooms = list(Room.objects.with_scopes_disabled().filter(campus=campus, is_active=True).select_related("building"))
    created = []
    for key in keys:
        if key in enabled:
            continue
        template, items = library_template(routine_library.get(key), campus, rooms)
        created.append(routine_template_create(actor=actor, campus=campus, template=template, items=items, generate=False))
    if generate and created:
        generate_occurrences(templates=created)
    return created


# =========================================================================================
# Completing and voiding checks
# =========================================================================================


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError
    if not number.is_finite():
        raise ValueError
    return number


def _normalise_results(results) -> dict[int, dict]:
    """{item id: entry} from a list of dicts keyed by "item" (an item or its id)."""
    out = {}
    for entry in results or []:
        entry = dict(entry)
        item = entry.get("item")
        pk = getattr(item, "pk", item)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError({"results": _("Each result names the checklist item it belongs to.")})
        out[pk] = entry
    return out


@transaction.atomic
def occurrence_complete(*, actor, occurrence, results, notes="", photos=()):
    """Record the results of a check: one per checklist item, with the signer and time.

    ``results``: ``[{"item": item or id, "passed": bool, "value": number, "text": str,
    "note": str, "photos": [uploaded files]}]``. Every required item needs its result
    (pass/fail, value, text or one of the choices); a value outside the item's range or a
    failing choice counts as failed; a photo-required item needs a photo. Nothing is saved
    unless everything is valid. A check already done is refused (void it first).
    """
    from houqin.core import attachments

    occurrence = (
        _occurrences().select_for_update().select_related("template", "campus").get(pk=occurrence.pk)
    )
    roles, perms = _actor_access(actor, occurrence.campus)
    if perms is not None and not may_complete(occurrence, user=actor, roles=roles, perms=perms):
        raise PermissionDenied(_("This check is not yours to complete."))
    if occurrence.status == Status.DONE:
        raise ValidationError(
            _("This check was already completed by %(who)s at %(when)s; void it first to record it again.")
            % {
                "who": occurrence.completed_by or "—",
                "when": timezone.localtime(occurrence.completed_at).strftime("%Y-%m-%d %H:%M")
                if occurrence.completed_at
                else "—",
            }
        )
    if occurrence.status != Status.PENDING:
        raise ValidationError(
            _("A check that is %(status)s cannot be completed.") % {"status": occurrence.get_status_display()}
        )
    now = timezone.now()
    if occurrence.date > timezone.localdate(now):
        raise ValidationError(_("This check is not due yet."))

    given = _normalise_results(results)
    items = list(RoutineItem.objects.with_scopes_disabled().filter(template_id=occurrence.template_id, is_active=True))
    known = {item.pk for item in items}
    errors: dict[str, list[str]] = {}
    for pk in given:
        if pk not in known:
            errors.setdefault("results", []).append(_("Item %(id)s is not on this checklist.") % {"id": pk})

    rows = []
    for item in items:
        entry = given.get(item.pk, {})
        key = f"item_{item.pk}"
        problems = []
        passed, value, text = None, None, (entry.get("text") or "").strip()
        note = (entry.get("note") or "").strip()[:300]
        item_photos = list(entry.get("photos") or [])
        if item.kind == RoutineItem.Kind.PASS_FAIL:
            raw = entry.get("passed")
            if raw is None or raw == "":
                if item.required:
                    problems.append(_("Choose pass or fail."))
            else:
                passed = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "pass", "on")
        elif item.kind == RoutineItem.Kind.VALUE:
            try:
                value = _decimal(entry.get("value"))
            except ValueError:
                problems.append(_("Enter a number."))
            else:
                if value is None:
                    if item.required:
                        problems.append(_("Enter the measured value."))
                else:
                    if abs(value) >= Decimal("1e8") or value != value.quantize(Decimal("0.01")):
                        problems.append(_("Enter a number with at most two decimal places."))
                    passed = (item.min_value is None or value >= item.min_value) and (
                        item.max_value is None or value <= item.max_value
                    )
        elif item.kind == RoutineItem.Kind.CHOICE:
            if not text:
                if item.required:
                    problems.append(_("Choose one of the options."))
            elif text not in (item.choices or []):
                problems.append(_("Choose one of the options."))
            else:
                passed = text not in (item.failing_choices or [])
        else:  # text
            if not text and item.required:
                problems.append(_("This field is required."))
            if text:
                passed = None
        if item.photo_required and not item_photos:
            problems.append(_("Take a photo for this item."))
        for upload in item_photos:
            try:
                attachments.validate_upload(upload)
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            errors[key] = problems
            continue
        rows.append((item, passed, value, text, note, item_photos))
    for upload in photos or ():
        try:
            attachments.validate_upload(upload)
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    saved = []
    for item, passed, value, text, note, item_photos in rows:
        result = RoutineResult(
            campus_id=occurrence.campus_id,
            occurrence=occurrence,
            item=item,
            label=item.label,
            passed=passed,
            value=value,
            unit=item.unit,
            text=text,
            note=note,
        )
        result.full_clean(exclude=["occurrence", "item", "campus"])
        result.save()
        for upload in item_photos:
            attachments.attachment_add(actor=actor, obj=result, uploaded_file=upload, kind="photo")
        saved.append(result)
    for upload in photos or ():
        attachments.attachment_add(actor=actor, obj=occurrence, uploaded_file=upload, kind="photo")

    before = {"status": occurrence.status}
    occurrence.status = Status.DONE
    occurrence.completed_by = actor if getattr(actor, "is_authenticated", False) else None
    occurrence.completed_at = now
    occurrence.notes = (notes or "").strip()
    occurrence.full_clean(exclude=["template", "campus"])
    occurrence.save(update_fields=["status", "completed_by", "completed_at", "notes", "updated_at"])
    failed = [r for r in saved if r.passed is False]
    audit.record(
        actor=actor,
        action="complete",
        obj=occurrence,
        before=before,
        after=_completion_snapshot(occurrence, saved),
        message=_("%(n)s items, %(f)s failed") % {"n": len(saved), "f": len(failed)},
    )
    if failed:
        _notify_failures(actor, occurrence, failed)
        _auto_follow_up(actor, occurrence, failed)
    return occurrence


def _auto_follow_up(actor, occurrence, failed):
    """Run the template's automatic follow-up (e.g. "repair") for each failed item. The
    logistics head chose it on the routine, so the person completing the check needs no
    permission of their own; an unknown key (the app is not installed) is ignored."""
    key = occurrence.template.auto_follow_up
    action = _fail_actions.get(key) if key else None
    if action is None:
        return
    for result in failed:
        created = action.handler(actor=actor, result=result)
        if created is not None and getattr(created, "pk", None) is not None:
            _link_follow_up(actor, result, key, action, created)


def _completion_snapshot(occurrence, results) -> dict:
    return {
        "status": occurrence.status,
        "completed_by": occurrence.completed_by_id,
        "completed_at": occurrence.completed_at.isoformat() if occurrence.completed_at else None,
        "notes": occurrence.notes,
        "results": [
            {
                "item": r.item_id,
                "label": r.label,
                "passed": r.passed,
                "value": str(r.value) if r.value is not None else None,
                "text": r.text,
                "note": r.note,
            }
            for r in results
        ],
    }


def _notify_failures(actor, occurrence, failed):
    """Tell the logistics head when a check found problems (in the same transaction)."""
    from django.urls import reverse

    from houqin.core.notifications import notify_roles
    from houqin.core.roles import Role

    url = reverse("core:occurrence_detail", kwargs={"campus": occurrence.campus.code, "pk": occurrence.pk})
    notify_roles(
        campus=occurrence.campus,
        roles=[Role.LOGISTICS_HEAD],
        exclude=[actor] if getattr(actor, "is_authenticated", False) else (),
        title=_("%(routine)s: %(n)s items failed") % {"routine": occurrence.template.name, "n": len(failed)},
        body="；".join(r.label for r in failed)[:500],
        url=url,
        level="warning",
        event="routines.failed",
    )


@transaction.atomic
def occurrence_void(*, actor, occurrence, reason):
    """Void a completed check with a reason: its results stay, marked void; the check is
    open again (and not marked missed) so that it can be recorded correctly."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for voiding the check.")})
    occurrence = _occurrences().select_for_update().select_related("campus").get(pk=occurrence.pk)
    _roles, perms = _actor_access(actor, occurrence.campus)
    if perms is not None and "core.manage_routines" not in perms:
        raise PermissionDenied(_("Only the people who manage routines may void a check."))
    if occurrence.status != Status.DONE:
        raise ValidationError(_("Only a completed check can be voided."))
    now = timezone.now()
    results = list(RoutineResult.objects.with_scopes_disabled().filter(occurrence=occurrence, voided_at__isnull=True))
    before = _completion_snapshot(occurrence, results)
    RoutineResult.objects.with_scopes_disabled().filter(pk__in=[r.pk for r in results]).update(
        voided_at=now, void_reason=reason[:200], updated_at=now
    )
    occurrence.status = Status.PENDING
    occurrence.completed_by = None
    occurrence.completed_at = None
    occurrence.notes = ""
    occurrence.reopened_at = now
    occurrence.void_reason = reason[:200]
    occurrence.save(
        update_fields=["status", "completed_by", "completed_at", "notes", "reopened_at", "void_reason", "updated_at"]
    )
    audit.record(
        actor=actor,
        action="void",
        obj=occurrence,
        before=before,
        after={"status": occurrence.status, "void_reason": occurrence.void_reason},
        message=reason[:300],
    )
    return occurrence


# =========================================================================================
# Fail actions: what a failed item opens in one tap
# =========================================================================================


@dataclass(frozen=True)
class FailAction:
    key: str
    label: object
    permission: str
    handler: Callable
    icon: str = ""


_fail_actions: dict[str, FailAction] = {}


def register_fail_action(key, *, label, permission, handler, icon=""):
    """Offer ``handler(*, actor, result) -> created object`` on failed items to users holding
    ``permission`` (the safety app registers "hazard", maintenance "repair")."""
    action = FailAction(key, label, permission, handler, icon)
    _fail_actions[key] = action
    return action


def unregister_fail_action(key):
    _fail_actions.pop(key, None)


def fail_actions() -> list[FailAction]:
    return list(_fail_actions.values())


def fail_actions_for(perms) -> list[FailAction]:
    return [a for a in _fail_actions.values() if a.permission in (perms or ())]


def get_fail_action(key) -> FailAction | None:
    return _fail_actions.get(key)


@transaction.atomic
def fail_action_run(*, actor, result, key):
    """Open the follow-up ``key`` for a failed result and link it; audited on the check."""
    action = _fail_actions.get(key)
    if action is None:
        raise ValidationError(_("Unknown follow-up: %(key)s") % {"key": key})
    result = (
        RoutineResult.objects.with_scopes_disabled()
        .select_for_update()
        .select_related("occurrence", "campus", "occurrence__template")
        .get(pk=result.pk)
    )
    _roles, perms = _actor_access(actor, result.campus)
    if perms is not None and action.permission not in perms:
        raise PermissionDenied(_("You may not open this follow-up."))
    if result.voided_at is not None:
        raise ValidationError(_("This result was voided."))
    if result.passed is not False:
        raise ValidationError(_("Only a failed item can be followed up."))
    if result.follow_up_id:
        raise ValidationError(_("A follow-up was already opened for this item."))
    created = action.handler(actor=actor, result=result)
    if created is None or getattr(created, "pk", None) is None:
        raise ValidationError(_("The follow-up could not be created."))
    return _link_follow_up(actor, result, key, action, created)


def _link_follow_up(actor, result, key, action, created):
    result.follow_up_kind = key
    result.follow_up_type = ContentType.objects.get_for_model(created, for_concrete_model=True)
    result.follow_up_id = str(created.pk)
    result.save(update_fields=["follow_up_kind", "follow_up_type", "follow_up_id", "updated_at"])
    audit.record(
        actor=actor,
        action="follow_up",
        obj=result.occurrence,
        after={"result": result.pk, "item": result.label, "kind": key, "object": str(created)[:200]},
        message=f"{result.label} → {action.label}: {created}"[:300],
    )
    return created


# =========================================================================================
# Reports
# =========================================================================================

REPORT_GROUPS = {
    "routine": gettext_lazy("Routine"),
    "place": gettext_lazy("Place"),
    "responsible": gettext_lazy("Responsible"),
    "completer": gettext_lazy("Completed by"),
}

_GROUP_FIELDS = {
    "routine": ["template_id", "template__name"],
    "place": ["template__room__code", "template__room__name", "template__building__name", "template__zone"],
    "responsible": [
        "template__responsible_user__real_name",
        "template__responsible_user__username",
        "template__responsible_role",
    ],
    "completer": ["completed_by__real_name", "completed_by__username"],
}


def _group_label(by, row, prefix=""):
    from houqin.core.roles import Role

    g = lambda name: row.get(prefix + name)  # noqa: E731
    if by == "routine":
        return g("template__name")
    if by == "place":
        if g("template__room__name"):
            return f"{g('template__room__code')} {g('template__room__name')}"
        return g("template__building__name") or g("template__zone") or "—"
    if by == "responsible":
        person = g("template__responsible_user__real_name") or g("template__responsible_user__username")
        role = g("template__responsible_role")
        role_label = str(Role(role).label) if role in Role.values else ""
        return " / ".join(x for x in (person, role_label) if x) or "—"
    return g("completed_by__real_name") or g("completed_by__username") or "—"


def routine_report(*, campus, date_from, date_to, by="routine", now=None) -> dict:
    """Completion rates over ``date_from``–``date_to`` grouped by routine, place,
    responsible (person or role) or the person who completed. Checks not yet due and
    cancelled ones are left out. Two queries."""
    if by not in _GROUP_FIELDS:
        by = "routine"
    now = now or timezone.now()
    today = timezone.localdate(now)
    date_to = min(date_to, today)
    fields = _GROUP_FIELDS[by]
    base = (
        RoutineOccurrence.objects.filter(campus=campus, date__gte=date_from, date__lte=date_to)
        .exclude(status=Status.CANCELLED)
        .filter(Q(status__in=[Status.DONE, Status.MISSED]) | Q(window_start__lte=now))
    )
    if by == "completer":
        base = base.filter(status=Status.DONE)
    rows = (
        base.order_by()
        .values(*fields)
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=Status.DONE)),
            on_time=Count("id", filter=Q(status=Status.DONE, completed_at__lte=F("window_end"))),
            missed=Count("id", filter=Q(status=Status.MISSED)),
            open=Count("id", filter=Q(status=Status.PENDING)),
        )
    )
    failed_rows = (
        RoutineResult.objects.filter(
            campus=campus,
            passed=False,
            voided_at__isnull=True,
            occurrence__in=base.filter(status=Status.DONE),
        )
        .order_by()
        .values(*[f"occurrence__{f}" for f in fields])
        .annotate(n=Count("id"))
    )
    failed = {tuple(r[f"occurrence__{f}"] for f in fields): r["n"] for r in failed_rows}
    out = []
    totals = {"total": 0, "done": 0, "on_time": 0, "missed": 0, "open": 0, "failed": 0}
    for row in rows:
        key = tuple(row[f] for f in fields)
        entry = {
            "label": _group_label(by, row),
            "total": row["total"],
            "done": row["done"],
            "on_time": row["on_time"],
            "late": row["done"] - row["on_time"],
            "missed": row["missed"],
            "open": row["open"],
            "failed": failed.get(key, 0),
        }
        if by == "routine":
            entry["template_id"] = row["template_id"]
        _rates(entry)
        out.append(entry)
        for k in totals:
            totals[k] += entry[k]
    totals["late"] = totals["done"] - totals["on_time"]
    _rates(totals)
    out.sort(key=lambda e: (e["rate"] if e["rate"] is not None else 2, e["label"] or ""))
    return {"rows": out, "totals": totals, "by": by, "date_from": date_from, "date_to": date_to}


def _rates(entry):
    closed = entry["done"] + entry["missed"]
    entry["rate"] = round(100 * entry["done"] / closed, 1) if closed else None
    entry["on_time_rate"] = round(100 * entry["on_time"] / closed, 1) if closed else None


# =========================================================================================
# Registrations: dashboard, attachables, demo data
# =========================================================================================

DASHBOARD_ITEMS = 5


@dashboard.register("core.routines_due", "core.complete_routines", order=15)
def routines_due(request):
    """The user's open checks: overdue ones and the rest of today's (2 queries)."""
    from houqin.core.dashboard import Attention

    now = timezone.now()
    qs = occurrences_for_user(user=request.user, roles=request.roles, campus=request.campus, now=now).filter(
        status=Status.PENDING
    )
    rows = list(qs.order_by("window_end", "id")[:200])
    if not rows:
        return []
    overdue = [o for o in rows if o.window_end < now]
    due = [o for o in rows if o.window_end >= now]
    cards = []
    today_url = strict_request_url(request, "core:routine_today")

    def items(occs):
        return [
            (
                f"{o.template.name} · {timezone.localtime(o.window_end):%m-%d %H:%M}",
                strict_request_url(request, "core:routine_complete", pk=o.pk),
            )
            for o in occs[:DASHBOARD_ITEMS]
        ]

    if overdue:
        cards.append(
            Attention(
                title=_("Overdue routine checks"), count=len(overdue), url=today_url, level="danger", items=items(overdue)
            )
        )
    if due:
        cards.append(
            Attention(title=_("Routine checks to do today"), count=len(due), url=today_url, level="warning", items=items(due))
        )
    return cards


@dashboard.register("core.routines_missed", "core.manage_routines", order=16)
def routines_missed(request):
    """Checks missed on the campus in the last 7 days (2 queries)."""
    from houqin.core.dashboard import Attention

    since = timezone.localdate() - dt.timedelta(days=7)
    qs = RoutineOccurrence.objects.filter(campus=request.campus, status=Status.MISSED, date__gte=since)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{o.template.name} · {o.date:%m-%d}", strict_request_url(request, "core:occurrence_detail", pk=o.pk))
        for o in qs.select_related("template").order_by("-date", "id")[:DASHBOARD_ITEMS]
    ]
    url = strict_request_url(request, "core:occurrence_list") + f"?status=missed&date_from={since:%Y-%m-%d}"
    return [Attention(title=_("Missed routine checks (7 days)"), count=count, url=url, level="danger", items=items)]


attachables.register_attachable(
    "core.RoutineTemplate", "core.view_routines", "core.manage_routines", detail_url_name="core:routine_detail"
)
attachables.register_attachable(
    "core.RoutineOccurrence",
    "core.view_routines",
    "core.complete_routines",
    can_write=lambda request, obj: obj.status != Status.CANCELLED,
    detail_url_name="core:occurrence_detail",
)
attachables.register_attachable(
    "core.RoutineResult",
    "core.view_routines",
    "core.complete_routines",
    can_write=lambda request, obj: obj.voided_at is None,
)


# --- Demo data ------------------------------------------------------------------------------

_DEMO_FAIL_NOTES = ["已现场整改", "已通知维修", "已报告后勤园长", "已设置警示标志", "待更换"]
_DEMO_TEXTS = ["无异常", "正常", "已检查，无问题", "个别问题已现场整改"]


def _demo_photo():
    """A small generated JPEG standing in for a phone photo."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (86, 132, 168))
    draw = ImageDraw.Draw(img)
    for y in range(0, 240, 12):
        draw.line([(0, y), (320, y + 40)], fill=(120, 170, 200), width=4)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def _demo_value(item, rng, fail):
    lo, hi = item.min_value, item.max_value
    if fail:
        if lo is not None and (hi is None or hi != lo):
            return max(Decimal("0"), lo - rng.choice([2, 3, 5, 8]))
        if hi is not None:
            return hi + rng.choice([1, 2, 3])
    if lo is not None and hi is not None:
        return lo if lo == hi else lo + (hi - lo) * Decimal(rng.randint(0, 10)) / 10
    if lo is not None:
        if item.unit == "处":
            return Decimal(rng.choice([0, 0, 1, 2, 3]))
        return lo + rng.choice([0, 0, 2, 5, 5, 10])
    return Decimal(rng.randint(8, 30))


def _demo_people(ctx, code):
    """role → the demo user doing that campus's checks (the logistics head stands in)."""
    from houqin.core.demo import DEMO_EXTRA_MEMBERSHIPS, DEMO_USERS

    people = {}
    for username, _name, role, campus_code, _phone in DEMO_USERS:
        if campus_code == code and username in ctx.users:
            people.setdefault(str(role), ctx.users[username])
    for username, role, campus_code in DEMO_EXTRA_MEMBERSHIPS:
        if campus_code == code and username in ctx.users:
            people.setdefault(str(role), ctx.users[username])
    fallback = people.get("logistics_head") or people.get("principal")
    return people, fallback


def _demo_term(ctx, code, today):
    terms = [t for (c, _kind), t in ctx.terms.items() if c == code]
    current = [t for t in terms if t.start_date <= today <= t.end_date]
    if current:
        return current[0]
    past = sorted((t for t in terms if t.start_date <= today), key=lambda t: t.start_date)
    return past[-1] if past else None


def build_history(ctx, *, now=None):
    """Enable the whole library on the demo campuses and record the term so far: most
    checks done on time, some late, a few missed, a few failed items. Rows are inserted in
    bulk; every completion gets its audit event (as :func:`occurrence_complete` writes it)."""
    import random

    from django.core.files.base import ContentFile

    from houqin.core import attachments, routine_library
    from houqin.core.models import AuditEvent

    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(2027)
    keys = [entry.key for entry in routine_library.LIBRARY]
    photo = _demo_photo()
    ct = ContentType.objects.get_for_model(RoutineOccurrence)
    ctx_audit = audit.current_context()
    for code, campus in ctx.campuses.items():
        templates = routine_enable_from_library(actor=None, campus=campus, library_keys=keys, generate=False)
        term = _demo_term(ctx, code, today)
        if term is None:
            generate_occurrences(templates=templates, now=now)
            continue
        generate_occurrences(
            templates=templates,
            start=term.start_date,
            until=min(term.end_date, today + dt.timedelta(days=GENERATE_DAYS)),
            backfill=True,
            now=now,
        )
        people, fallback = _demo_people(ctx, code)
        items_by_template: dict[int, list] = {}
        for item in RoutineItem.objects.with_scopes_disabled().filter(campus=campus).order_by("order"):
            items_by_template.setdefault(item.template_id, []).append(item)
        past = list(
            _occurrences().filter(campus=campus, date__lt=today, status=Status.PENDING).select_related("template")
        )
        done, results, events, photo_results = [], [], [], []
        # One random stream per routine: a routine's history does not change when other
        # apps add library routines.
        streams = {}
        for occ in past:
            template = occ.template
            rng = streams.setdefault(template.pk, random.Random(f"2027:{code}:{template.library_key or template.pk}"))
            if rng.random() < (0.05 if template.frequency == Freq.DAILY else 0.015):
                continue  # missed: left open, marked below
            occ.status = Status.DONE
            occ.completed_by = people.get(template.responsible_role) or fallback
            span = max(60, int((min(occ.window_end, occ.window_start + dt.timedelta(hours=8)) - occ.window_start).total_seconds()))
            if rng.random() < 0.08:
                occ.completed_at = occ.window_end + dt.timedelta(minutes=rng.randint(10, 90))
            else:
                occ.completed_at = occ.window_start + dt.timedelta(seconds=rng.randint(int(span * 0.2), int(span * 0.95)))
            occ.notes = rng.choice(["", "", "", "", "一切正常。"])
            snapshot = []
            for item in items_by_template.get(template.pk, []):
                fail = rng.random() < 0.012
                passed, value, text, note = True, None, "", ""
                if item.kind == RoutineItem.Kind.VALUE:
                    if item.required or rng.random() < 0.5:
                        value = _demo_value(item, rng, fail and (item.min_value is not None or item.max_value is not None))
                        passed = (item.min_value is None or value >= item.min_value) and (
                            item.max_value is None or value <= item.max_value
                        )
                    else:
                        passed = None
                elif item.kind == RoutineItem.Kind.CHOICE:
                    fail = fail and bool(item.failing_choices)
                    pool = item.failing_choices if fail else [c for c in item.choices if c not in item.failing_choices]
                    text = rng.choice(pool)
                    passed = not fail
                elif item.kind == RoutineItem.Kind.TEXT:
                    passed = None
                    text = rng.choice(_DEMO_TEXTS) if item.required or rng.random() < 0.3 else ""
                else:
                    passed = not fail
                if passed is False:
                    note = rng.choice(_DEMO_FAIL_NOTES)
                result = RoutineResult(
                    campus=campus, occurrence=occ, item=item, label=item.label, passed=passed, value=value,
                    unit=item.unit, text=text, note=note,
                )  # fmt: skip
                results.append(result)
                if item.photo_required:
                    photo_results.append((result, occ.completed_by))
                snapshot.append(
                    {"item": item.pk, "label": item.label, "passed": passed,
                     "value": str(value) if value is not None else None, "text": text, "note": note}
                )  # fmt: skip
            done.append(occ)
            events.append(
                AuditEvent(
                    campus_id=campus.pk,
                    actor=occ.completed_by,
                    actor_repr=str(occ.completed_by)[:80],
                    action="complete",
                    content_type=ct,
                    object_id=str(occ.pk),
                    object_repr=f"{template.name} · {occ.date:%Y-%m-%d}"[:200],
                    before={"status": Status.PENDING},
                    after={"status": Status.DONE, "completed_by": occ.completed_by.pk,
                           "completed_at": occ.completed_at.isoformat(), "notes": occ.notes, "results": snapshot},
                    message="demo data",
                    request_id=ctx_audit.get("request_id", ""),
                    source=ctx_audit.get("source", ""),
                )  # fmt: skip
            )
        _occurrences().bulk_update(done, ["status", "completed_by", "completed_at", "notes"], batch_size=500)
        RoutineResult.objects.with_scopes_disabled().bulk_create(results, batch_size=1000)
        AuditEvent.objects.with_scopes_disabled().bulk_create(events, batch_size=1000)
        for result, who in photo_results:
            attachments.attachment_add(
                actor=who, obj=result, uploaded_file=ContentFile(photo, name="photo.jpg"), kind="photo"
            )
        mark_missed(campus=campus, now=now)


@demo.register(order=20)
def add_demo_routines(ctx):
    """Enable the whole library on the demo campuses, with this term's history so far."""
    build_history(ctx)
