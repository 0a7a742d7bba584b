"""Daily health care: the roll call (出勤), sick-absence follow-up (因病缺勤追踪), morning and
midday checks (晨午检) and all-day observation (全日观察).

Writers (validated, audited, in one transaction; the pages, the API and the demo call them):

* :func:`attendance_take` — a class's roll call for a school day: everyone present except
  the ``absences``; re-taking the same day corrects it (one "retake" audit event with the
  absences before and after). ``ClassAttendance`` keeps the counts. Every sick-leave
  absence gets an :class:`AbsenceFollowUp`; a correction cancels or reopens it.
* :func:`followup_complete` — the health teacher records symptoms, diagnosis, suspected
  infection, expected return and whom they contacted.
* :func:`check_take` — a class's morning or midday check, recording only the exceptions;
  a temperature at or above the campus fever threshold must come with an action;
  isolation and sending home need the parent informed (who, when, how) and the
  ``health.manage_checks`` permission. Re-checking voids the changed exceptions and
  records them again; :func:`check_void` voids one with a reason;
  :func:`check_record_leaving` records when and to whom a child sent home was handed over.
* :func:`observation_add` / :func:`observation_void` — all-day observation notes.

Attendance is taken only on school days of the campus calendar
(:func:`houqin.safety.gate_services.is_school_day`), never for a future day, and only for
the enrolled children of the class. A child absent that day is not checked or observed.

The attendance records of a roll call are written in bulk (one roll call = up to ~40
rows); their audit trail is the roll call's "take"/"retake" event, which lists every
absence with its reason before and after.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit, notifications
from houqin.core.links import campus_url
from houqin.core.models import Campus, Child, SchoolClass
from houqin.core.permissions import actor_perms
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update, object_save
from houqin.core.settings_registry import campus_setting
from houqin.health.models import (
    CHECK_FINDINGS,
    AbsenceFollowUp,
    AttendanceRecord,
    ClassAttendance,
    ClassCheck,
    HealthCheck,
    ObservationNote,
)

TAKE = "health.take_attendance"
FOLLOW_UP = "health.follow_up_absences"
DO_CHECKS = "health.do_checks"
MANAGE_CHECKS = "health.manage_checks"

ATTENDANCE_DUE = "health.daily.attendance_due"
FOLLOWUP_DUE = "health.daily.followup_due"
HEALTH_TAGS = "health.daily.health_tags"
FEVER = "health.fever_threshold_c"

# The health tags (健康牌) most Chinese kindergartens hand out at the morning check: red for
# healthy, yellow for "watch this child today", green for "has entrusted medicine to take".
# Local practice varies (some use blue for medicine or add a colour for allergies), hence a
# campus setting "colour=meaning;…" whose first entry is the default tag.
DEFAULT_HEALTH_TAGS = "red=健康;yellow=观察;green=服药"
TAG_COLOURS = {
    "red": "red",
    "yellow": "yellow",
    "green": "green",
    "blue": "blue",
    "orange": "orange",
    "purple": "purple",
    "pink": "pink",
    "white": "secondary",
}
REASONS = {c for c, _label in AttendanceRecord.AbsenceReason.choices}
FINDING_FIELDS = [name for name, _step, _label in CHECK_FINDINGS]


def _perms(actor, campus):
    """The actor's permissions, or None for the system (demo, commands): no check."""
    return actor_perms(actor, campus, none_for_system=True)


def _require(perms, perm):
    if perms is not None and perm not in perms:
        raise PermissionDenied(_("You do not have permission to do this."))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Campus settings ----------------------------------------------------------------------


def _time_setting(campus, key, default):
    raw = campus_setting(campus, key)
    try:
        return dt.time.fromisoformat(str(raw))
    except (TypeError, ValueError):
        return default


def attendance_due_time(campus) -> dt.time:
    """By when every class should have taken attendance (campus setting, default 09:30)."""
    return _time_setting(campus, ATTENDANCE_DUE, dt.time(9, 30))


def followup_due_time(campus) -> dt.time:
    """By when a sick absence should be followed up on its day (default 17:00)."""
    return _time_setting(campus, FOLLOWUP_DUE, dt.time(17, 0))


def fever_threshold(campus) -> Decimal:
    """A temperature at or above this is a fever (``health.fever_threshold_c``, 37.3 °C)."""
    return Decimal(str(campus_setting(campus, FEVER)))


def parse_health_tags(text) -> list[tuple[str, str]]:
    """``"red=健康;yellow=观察"`` → ``[("red", "健康"), ("yellow", "观察")]``; unknown colours
    and malformed entries are skipped; an unusable text gives the defaults."""
    tags = []
    for part in str(text or "").replace("；", ";").split(";"):
        key, sep, meaning = part.partition("=")
        key = key.strip().lower()
        if sep and key in TAG_COLOURS and meaning.strip() and key not in dict(tags):
            tags.append((key, meaning.strip()[:20]))
    if not tags and text != DEFAULT_HEALTH_TAGS:
        return parse_health_tags(DEFAULT_HEALTH_TAGS)
    return tags


def health_tags(campus) -> list[tuple[str, str]]:
    """The campus's health tags (colour, meaning), the default (healthy) tag first."""
    return parse_health_tags(campus_setting(campus, HEALTH_TAGS))


def tag_label(campus_tags, key):
    return dict(campus_tags).get(key, key)


def tag_css(key):
    return TAG_COLOURS.get(key, "secondary")


# --- Days and children ----------------------------------------------------------------------


def is_school_day(campus, day) -> bool:
    from houqin.safety.gate_services import is_school_day as gate_is_school_day

    return gate_is_school_day(campus, day)


def check_day(campus, day):
    """ValidationError unless ``day`` is a past or present school day of the campus."""
    if not isinstance(day, dt.date):
        raise ValidationError({"date": _("Enter a valid date.")})
    if day > timezone.localdate():
        raise ValidationError({"date": _("You cannot record a day in the future.")})
    if not is_school_day(campus, day):
        raise ValidationError(
            {
                "date": _("%(day)s is not a school day of the campus calendar: nothing is recorded.")
                % {"day": day}
            }
        )


def class_children(school_class):
    """Enrolled children of the class, in roll order."""
    return Child.objects.filter(
        campus_id=school_class.campus_id, school_class=school_class, status=Child.Status.ENROLLED
    ).order_by("student_no", "name_pinyin", "pk")


def _campus_of(school_class):
    return Campus.objects.get(pk=school_class.campus_id)


def _bulk_audit(objs, *, actor, action, message="", before=None):
    """One audit event per object, written in one INSERT (a class's rows at once)."""
    from django.contrib.contenttypes.models import ContentType

    from houqin.core.models import AuditEvent

    if not objs:
        return
    ctx = audit.current_context()
    actor = _user(actor)
    content_type = ContentType.objects.get_for_model(type(objs[0]), for_concrete_model=True)
    before = before or {}
    AuditEvent.objects.with_scopes_disabled().bulk_create(
        [
            AuditEvent(
                campus_id=obj.campus_id,
                actor=actor,
                actor_repr=(str(actor) if actor else ctx.get("source") or "system")[:80],
                action=action,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                before=before.get(obj.pk),
                after=audit.snapshot(obj),
                message=message[:300],
                request_id=ctx.get("request_id", ""),
                source=ctx.get("source", ""),
                ip_address=ctx.get("ip"),
            )
            for obj in objs
        ]
    )


# --- Attendance ------------------------------------------------------------------------------


def attendance_roster(school_class, day):
    """``(roll or None, [(child, record or None)])`` for the quick-entry page (3 queries)."""
    roll = ClassAttendance.objects.filter(school_class=school_class, date=day).first()
    children = list(class_children(school_class))
    records = {}
    if roll is not None:
        records = {r.child_id: r for r in AttendanceRecord.objects.filter(roll=roll)}
    return roll, [(c, records.get(c.pk)) for c in children]


def _clean_absences(absences, children):
    """``{child_id: {"reason", "note"}}`` normalised; ValidationError for anything else."""
    by_id = {c.pk: c for c in children}
    out = {}
    errors = []
    for raw_id, entry in (absences or {}).items():
        try:
            child_id = int(raw_id)
        except (TypeError, ValueError):
            errors.append(_("Unknown child: %(id)s.") % {"id": raw_id})
            continue
        if child_id not in by_id:
            errors.append(_("Child %(id)s is not an enrolled child of this class.") % {"id": child_id})
            continue
        entry = entry or {}
        if isinstance(entry, str):
            entry = {"reason": entry}
        reason = str(entry.get("reason") or "").strip()
        if reason not in REASONS:
            errors.append(
                _("Choose the reason of %(child)s's absence (sick, personal or other).")
                % {"child": by_id[child_id].name}
            )
            continue
        note = str(entry.get("note") or "").strip()
        if len(note) > 200:
            errors.append(
                _("The note on %(child)s is too long (200 characters at most).")
                % {"child": by_id[child_id].name}
            )
            continue
        out[child_id] = {"reason": reason, "note": note}
    if errors:
        raise ValidationError(errors)
    return out


def _absence_map(records, names):
    return {
        names.get(
            r.child_id, str(r.child_id)
        ): f"{r.absence_reason}{': ' + r.absence_note if r.absence_note else ''}"
        for r in records
        if r.status == AttendanceRecord.Status.ABSENT
    }


@transaction.atomic
def attendance_take(*, actor, school_class, date, absences, note=""):
    """Take (or correct) the roll call of ``school_class`` on ``date``.

    ``absences = {child_id: {"reason": "sick"|"personal"|"other", "note": "…"}}``; every
    other enrolled child of the class is present. Returns the ``ClassAttendance``.
    """
    campus = _campus_of(school_class)
    perms = _perms(actor, campus)
    _require(perms, TAKE)
    check_day(campus, date)
    if not school_class.is_active:
        raise ValidationError(_("This class is no longer active."))
    note = str(note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("The note is too long (200 characters at most).")})
    children = list(class_children(school_class))
    wanted = _clean_absences(absences, children)
    names = {c.pk: c.name for c in children}

    if wanted:
        checked = (
            HealthCheck.objects.filter(date=date, child_id__in=list(wanted), voided_at__isnull=True)
            .select_related("child")
            .first()
        )
        if checked is not None:
            raise ValidationError(
                _(
                    "%(child)s was checked in class today (%(check)s): void that check before marking them absent."
                )
                % {"child": checked.child.name, "check": checked.get_session_display()}
            )
    elsewhere = (
        AttendanceRecord.objects.filter(date=date, child_id__in=list(names))
        .exclude(school_class=school_class)
        .select_related("child", "school_class")
        .first()
    )
    if elsewhere is not None:
        raise ValidationError(
            _("%(child)s is already on the roll of %(class)s on this day.")
            % {"child": elsewhere.child.name, "class": elsewhere.school_class.name}
        )

    now = timezone.now()
    user = _user(actor)
    roll = ClassAttendance.objects.select_for_update().filter(school_class=school_class, date=date).first()
    is_new = roll is None
    if is_new:
        roll = ClassAttendance(campus_id=campus.pk, school_class=school_class, date=date)
        existing = {}
    else:
        existing = {r.child_id: r for r in AttendanceRecord.objects.filter(roll=roll)}
    before_abs = _absence_map(existing.values(), names)
    roll.taken_by, roll.taken_at, roll.note = user, now, note
    roll.full_clean(exclude=["taken_by", "school_class", "campus"], validate_constraints=False)
    roll.save()

    to_create, to_update = [], []
    for child in children:
        entry = wanted.get(child.pk)
        status = AttendanceRecord.Status.ABSENT if entry else AttendanceRecord.Status.PRESENT
        reason = entry["reason"] if entry else ""
        absence_note = entry["note"] if entry else ""
        record = existing.get(child.pk)
        if record is None:
            record = AttendanceRecord(
                campus_id=campus.pk, roll=roll, child=child, school_class=school_class, date=date,
                status=status, absence_reason=reason, absence_note=absence_note, recorded_by=user,
            )  # fmt: skip
            to_create.append(record)
        elif (record.status, record.absence_reason, record.absence_note) != (status, reason, absence_note):
            record.status, record.absence_reason, record.absence_note = status, reason, absence_note
            record.recorded_by = user
            to_update.append(record)
        existing[child.pk] = record
    for record in to_create + to_update:
        record.full_clean(
            exclude=["roll", "child", "school_class", "campus", "recorded_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    if to_create:
        AttendanceRecord.objects.bulk_create(to_create)
    if to_update:
        AttendanceRecord.objects.bulk_update(
            to_update, ["status", "absence_reason", "absence_note", "recorded_by"]
        )

    records = list(existing.values())
    absent = [r for r in records if r.status == AttendanceRecord.Status.ABSENT]
    roll.present_count = len(records) - len(absent)
    roll.absent_count = len(absent)
    roll.sick_count = sum(1 for r in absent if r.absence_reason == AttendanceRecord.AbsenceReason.SICK)
    roll.save(update_fields=["present_count", "absent_count", "sick_count", "updated_at"])

    after_abs = _absence_map(records, names)
    counts = {"present": roll.present_count, "absent": roll.absent_count, "sick": roll.sick_count}
    if is_new:
        audit.record(
            actor=actor, action="take", obj=roll, after={**counts, "absences": after_abs, "note": note}
        )
    else:
        audit.record(
            actor=actor, action="retake", obj=roll, before={"absences": before_abs},
            after={**counts, "absences": after_abs, "note": note},
            message=_("Attendance corrected") if before_abs != after_abs else "",
        )  # fmt: skip
    new_followups = _sync_followups(actor, campus, roll, records)
    if new_followups and user is not None:
        _notify_followups(campus, school_class, date, [names[f.child_id] for f in new_followups], actor)
    return roll


def _sync_followups(actor, campus, roll, records):
    """Open a follow-up for every sick absence; cancel those no longer sick; reopen those
    sick again. Returns the new follow-ups."""
    sick = {
        r.pk: r
        for r in records
        if r.status == "absent" and r.absence_reason == AttendanceRecord.AbsenceReason.SICK
    }
    current = {f.record_id: f for f in AbsenceFollowUp.objects.filter(record__roll=roll)}
    created, changed, before = [], [], {}
    for record_id, record in sick.items():
        follow = current.get(record_id)
        if follow is None:
            created.append(
                AbsenceFollowUp(
                    campus_id=campus.pk,
                    record=record,
                    child_id=record.child_id,
                    school_class_id=record.school_class_id,
                    date=record.date,
                    symptoms=record.absence_note if record.absence_note else "",
                )  # fmt: skip
            )
        elif follow.status == AbsenceFollowUp.Status.CANCELLED:
            before[follow.pk] = audit.snapshot(follow)
            follow.status = (
                AbsenceFollowUp.Status.DONE if follow.completed_at else AbsenceFollowUp.Status.OPEN
            )
            follow.cancel_reason = ""
            changed.append(follow)
    cancelled = []
    for record_id, follow in current.items():
        if record_id not in sick and follow.status != AbsenceFollowUp.Status.CANCELLED:
            before[follow.pk] = audit.snapshot(follow)
            follow.status = AbsenceFollowUp.Status.CANCELLED
            follow.cancel_reason = _("The roll call was corrected: no longer absent sick.")[:200]
            cancelled.append(follow)
    if created:
        AbsenceFollowUp.objects.bulk_create(created)
        _bulk_audit(created, actor=actor, action="create", message=_("Sick-leave absence"))
    if changed or cancelled:
        AbsenceFollowUp.objects.bulk_update(changed + cancelled, ["status", "cancel_reason", "updated_at"])
        _bulk_audit(changed, actor=actor, action="reopen", before=before)
        _bulk_audit(cancelled, actor=actor, action="cancel", before=before, message=_("Attendance corrected"))
    return created


def _notify_followups(campus, school_class, day, child_names, actor):
    names = "、".join(sorted(child_names))
    notifications.notify_roles(
        campus=campus,
        roles=[Role.HEALTH_TEACHER],
        exclude=[actor],
        title=_("Sick-leave absences to follow up: %(class)s") % {"class": school_class.name},
        body=_("%(names)s (%(day)s): find out the cause today.") % {"names": names, "day": day},
        url=campus_url(campus, "health:daily_followup_list") + "?status=open",
        level="warning",
        event="health.sick_absence",
    )


def attendance_overview(campus, day):
    """Every active class of the campus on ``day``: enrolled, taken or not, counts, who took
    it and when. Four queries."""
    from houqin.health.selectors import present_counts_by_class

    counts = present_counts_by_class(campus, day)
    rolls = {
        r.school_class_id: r
        for r in ClassAttendance.objects.filter(campus=campus, date=day).select_related("taken_by")
    }
    rows = []
    for class_id, entry in counts.items():
        cls = entry["class"]
        rows.append({**entry, "roll": rolls.get(class_id), "head_teacher_id": cls.head_teacher_id})
    rows.sort(key=lambda r: (r["class"].sort_order, r["class"].name))
    return rows


def classes_not_taken(campus, day):
    """Active classes with enrolled children that have not taken attendance on ``day``."""
    taken = ClassAttendance.objects.filter(campus=campus, date=day).values("school_class_id")
    return (
        SchoolClass.objects.filter(campus=campus, is_active=True, children__status=Child.Status.ENROLLED)
        .exclude(pk__in=taken)
        .distinct()
        .order_by("sort_order", "name")
    )


# --- Follow-ups -------------------------------------------------------------------------------


def overdue_q(campus, now=None):
    """Open follow-ups past their deadline (their day at the campus's follow-up time)."""
    local = timezone.localtime(now or timezone.now())
    due = followup_due_time(campus)
    cutoff_day = local.date() if local.time() >= due else local.date() - dt.timedelta(days=1)
    return Q(status=AbsenceFollowUp.Status.OPEN, date__lte=cutoff_day)


def open_followups(campus):
    return AbsenceFollowUp.objects.filter(campus=campus, status=AbsenceFollowUp.Status.OPEN)


FOLLOWUP_FIELDS = (
    "symptoms", "diagnosis", "infectious_suspected", "expected_return", "contacted_person", "contact_method",
    "contacted_at", "note",
)  # fmt: skip


@transaction.atomic
def followup_complete(*, actor, followup, data):
    """Record the follow-up of a sick absence (or correct a completed one); returns the
    saved row (a fresh copy of ``followup``)."""
    perms = _perms(actor, _campus_of(followup))
    _require(perms, FOLLOW_UP)
    fresh = lock_for_update(followup)
    if fresh.status == AbsenceFollowUp.Status.CANCELLED:
        raise ValidationError(
            _("This follow-up was cancelled: the child is no longer recorded as absent sick.")
        )
    before = audit.snapshot(fresh)
    was_done = fresh.status == AbsenceFollowUp.Status.DONE
    for name in FOLLOWUP_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "expected_return":
            value = value or None
        elif name == "contacted_at":
            value = _datetime(value, fresh.date, "contacted_at")
        elif name == "infectious_suspected":
            value = bool(value)
        else:
            value = str(value or "").strip()
        setattr(fresh, name, value)
    if fresh.contacted_at is None:
        fresh.contacted_at = timezone.now()
    if fresh.contacted_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"contacted_at": _("The contact time cannot be in the future.")})
    fresh.status = AbsenceFollowUp.Status.DONE
    fresh.completed_by = _user(actor)
    fresh.completed_at = timezone.now()
    return object_save(
        actor=actor, instance=fresh, before=before, action="correct" if was_done else "complete"
    )


def previous_followup(followup):
    """The child's latest completed follow-up before this one (to prefill a long illness)."""
    return (
        AbsenceFollowUp.objects.filter(
            campus_id=followup.campus_id,
            child_id=followup.child_id,
            status=AbsenceFollowUp.Status.DONE,
            date__lt=followup.date,
            date__gte=followup.date - dt.timedelta(days=14),
        )  # fmt: skip
        .order_by("-date")
        .first()
    )


def case_create_url(campus, child_id, day):
    """The disease area's "record an infectious disease case" page for this child and day
    (the path even when that page is not installed yet)."""
    base = campus_url(campus, "health:case_create") or f"/c/{campus.code}/health/cases/new/"
    return f"{base}?child={child_id}&date={day:%Y-%m-%d}"


# --- Morning and midday checks ------------------------------------------------------------------


def absent_child_ids(campus, day):
    return set(
        AttendanceRecord.objects.filter(
            campus=campus, date=day, status=AttendanceRecord.Status.ABSENT
        ).values_list("child_id", flat=True)
    )


def sent_home_left(campus, day):
    """Active checks of children sent home who have left on ``day`` (the gate's presence
    list leaves them out: see ``houqin.health.selectors.present_children``)."""
    return HealthCheck.objects.filter(
        campus=campus,
        date=day,
        outcome=HealthCheck.Outcome.SENT_HOME,
        voided_at__isnull=True,
        left_at__isnull=False,
    )


def check_roster(school_class, day, session):
    """``(roll or None, [(child, exception or None)], absent children, sent home earlier)``
    for the quick-entry page: the children to check are the enrolled children of the class
    who are not absent and were not sent home earlier that day. Five queries."""
    roll = ClassCheck.objects.filter(school_class=school_class, date=day, session=session).first()
    children = list(class_children(school_class))
    ids = [c.pk for c in children]
    absent = set(
        AttendanceRecord.objects.filter(
            date=day, child_id__in=ids, status=AttendanceRecord.Status.ABSENT
        ).values_list("child_id", flat=True)
    )
    active = list(
        HealthCheck.objects.filter(date=day, child_id__in=ids, voided_at__isnull=True).order_by("session")
    )
    gone = {
        h.child_id
        for h in active
        if h.outcome == HealthCheck.Outcome.SENT_HOME
        and h.session != session
        and _earlier(h.session, session)
    }
    mine = {h.child_id: h for h in active if h.session == session}
    rows = [(c, mine.get(c.pk)) for c in children if c.pk not in absent and c.pk not in gone]
    return roll, rows, [c for c in children if c.pk in absent], [c for c in children if c.pk in gone]


def _earlier(a, b):
    order = [ClassCheck.Session.MORNING, ClassCheck.Session.MIDDAY]
    return order.index(a) < order.index(b)


def _decimal(value, field):
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError({field: _("Enter a number.")})
    if not result.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return result.quantize(Decimal("0.1"))


def _datetime(value, day, field):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.time):
        return timezone.make_aware(dt.datetime.combine(day, value))
    text = str(value).strip()
    try:
        if len(text) <= 5:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(text)))
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: _("Enter a time such as 08:30.")})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


COMPARED = ("temperature", "tag", *FINDING_FIELDS, "symptoms", "outcome", "action_note", "informed_person",
            "informed_how")  # fmt: skip


def _build_exception(campus, entry, *, child, school_class, day, session, tags, threshold):
    """A HealthCheck (unsaved) from a submitted entry, or None when the entry is all normal."""
    entry = entry or {}
    check = HealthCheck(
        campus_id=campus.pk, child=child, school_class=school_class, date=day, session=session
    )
    check.temperature = _decimal(entry.get("temperature"), "temperature")
    check.fever = check.temperature is not None and check.temperature >= threshold
    tag = str(entry.get("tag") or "").strip()
    default_tag = tags[0][0] if tags else ""
    if tag and tag not in dict(tags):
        raise ValidationError(
            {"tag": _("%(child)s: unknown health tag %(tag)s.") % {"child": child.name, "tag": tag}}
        )
    check.tag = tag or default_tag
    for name in FINDING_FIELDS:
        setattr(check, name, bool(entry.get(name)))
    check.symptoms = str(entry.get("symptoms") or "").strip()[:300]
    outcome = str(entry.get("outcome") or HealthCheck.Outcome.NONE)
    if outcome not in HealthCheck.Outcome.values:
        raise ValidationError({"outcome": _("%(child)s: choose a valid action.") % {"child": child.name}})
    check.outcome = outcome
    check.action_note = str(entry.get("action_note") or "").strip()[:300]
    check.informed_person = str(entry.get("informed_person") or "").strip()[:40]
    check.informed_how = str(entry.get("informed_how") or "").strip()
    check.informed_at = _datetime(entry.get("informed_at"), day, "informed_at")
    check.left_at = _datetime(entry.get("left_at"), day, "left_at")
    check.collected_by = str(entry.get("collected_by") or "").strip()[:40]
    exceptional = (
        check.fever
        or check.tag != default_tag
        or any(getattr(check, n) for n in FINDING_FIELDS)
        or check.symptoms
        or check.outcome != HealthCheck.Outcome.NONE
    )
    if not exceptional:
        return None
    if check.fever and check.outcome == HealthCheck.Outcome.NONE:
        raise ValidationError(
            {"outcome": _("%(child)s has a fever (%(t)s °C): choose an action (observe, isolate or send home).")
             % {"child": child.name, "t": check.temperature}}
        )  # fmt: skip
    if check.outcome in HealthCheck.NEEDS_PARENT and check.informed_at is None and check.informed_person:
        check.informed_at = timezone.now()
    return check


def _same(old, new):
    return all(getattr(old, f) == getattr(new, f) for f in COMPARED)


@transaction.atomic
def check_take(*, actor, school_class, date, session, exceptions, note=""):
    """Record the morning or midday check of a class: everyone normal except ``exceptions``
    ``{child_id: {"temperature", "tag", "<finding>": bool, "symptoms", "outcome",
    "action_note", "informed_person", "informed_how", "informed_at", "left_at",
    "collected_by"}}``. Re-checking voids the changed exceptions and records them anew."""
    campus = _campus_of(school_class)
    perms = _perms(actor, campus)
    _require(perms, DO_CHECKS)
    check_day(campus, date)
    if session not in ClassCheck.Session.values:
        raise ValidationError({"session": _("Choose the morning or the midday check.")})
    note = str(note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("The note is too long (200 characters at most).")})
    roll, rows, absent, gone = check_roster(school_class, date, session)
    by_id = {c.pk: c for c, _h in rows}
    previous = {c.pk: h for c, h in rows if h is not None}
    skipped = {c.pk: c for c in absent + gone}
    tags = health_tags(campus)
    threshold = fever_threshold(campus)
    wanted, errors = {}, []
    for raw_id, entry in (exceptions or {}).items():
        try:
            child_id = int(raw_id)
        except (TypeError, ValueError):
            errors.append(_("Unknown child: %(id)s.") % {"id": raw_id})
            continue
        if child_id in skipped:
            child = skipped[child_id]
            errors.append(
                _("%(child)s is absent today and is not checked.") % {"child": child.name}
                if child in absent
                else _("%(child)s was sent home earlier today.") % {"child": child.name}
            )
            continue
        if child_id not in by_id:
            errors.append(_("Child %(id)s is not an enrolled child of this class.") % {"id": child_id})
            continue
        try:
            built = _build_exception(
                campus, entry, child=by_id[child_id], school_class=school_class, day=date, session=session,
                tags=tags, threshold=threshold,
            )  # fmt: skip
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if built is not None:
            wanted[child_id] = built
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    user = _user(actor)
    to_void, to_create, to_leave = [], [], []
    for child_id in set(previous) | set(wanted):
        old, new = previous.get(child_id), wanted.get(child_id)
        if old is not None and new is not None and _same(old, new):
            if new.left_at and not old.left_at and old.outcome == HealthCheck.Outcome.SENT_HOME:
                to_leave.append((old, new))
            continue
        if new is not None and old is not None and old.left_at and not new.left_at:
            new.left_at, new.collected_by = old.left_at, old.collected_by
        if new is not None:
            to_create.append(new)
        if old is not None:
            to_void.append(old)
    # Sending home or isolating a child needs the health teacher (manage_checks).
    for new in to_create:
        old = previous.get(new.child_id)
        if new.outcome in HealthCheck.NEEDS_PARENT and (old is None or old.outcome != new.outcome):
            _require(perms, MANAGE_CHECKS)

    if roll is None:
        roll = ClassCheck(campus_id=campus.pk, school_class=school_class, date=date, session=session)
        is_new = True
    else:
        roll = lock_for_update(roll)
        is_new = False
    roll.checked_by, roll.checked_at, roll.note = user, now, note
    roll.checked_count = len(rows)
    roll.full_clean(exclude=["checked_by", "school_class", "campus"], validate_constraints=False)
    roll.save()

    before = {}
    for old in to_void:
        before[old.pk] = {"voided_at": None}
        old.voided_at, old.voided_by, old.void_reason = now, user, _("Corrected at a new check")[:200]
    if to_void:
        HealthCheck.objects.bulk_update(to_void, ["voided_at", "voided_by", "void_reason", "updated_at"])
        _bulk_audit(to_void, actor=actor, action="void", before=before, message=_("Corrected at a new check"))
    for new in to_create:
        new.roll = roll
        new.checked_by, new.checked_at = user, now
        new.full_clean(exclude=["roll", "child", "school_class", "campus", "checked_by", "voided_by"],
                       validate_unique=False, validate_constraints=False)  # fmt: skip
    if to_create:
        HealthCheck.objects.bulk_create(to_create)
        _bulk_audit(to_create, actor=actor, action="create")
    for old, new in to_leave:
        snap = audit.snapshot(old)
        old.left_at, old.collected_by = new.left_at, new.collected_by
        object_save(actor=actor, instance=old, before=snap, action="leave")

    _recount(roll)
    summary = {
        "checked": roll.checked_count, "exceptions": roll.exception_count, "fever": roll.fever_count,
        "sent_home": roll.sent_home_count, "note": note,
    }  # fmt: skip
    audit.record(actor=actor, action="check" if is_new else "recheck", obj=roll, after=summary)
    urgent = [h for h in to_create if h.fever or h.outcome in HealthCheck.NEEDS_PARENT]
    if urgent and user is not None and (perms is None or MANAGE_CHECKS not in perms):
        notifications.notify_roles(
            campus=campus, roles=[Role.HEALTH_TEACHER], exclude=[actor],
            title=_("Check exceptions in %(class)s") % {"class": school_class.name},
            body="、".join(f"{h.child.name} {h.temperature or ''}".strip() for h in urgent),
            url=campus_url(campus, "health:daily_check_list") + f"?date={date:%Y-%m-%d}",
            level="danger", event="health.check_exception",
        )  # fmt: skip
    return roll


def _recount(roll):
    active = HealthCheck.objects.filter(roll=roll, voided_at__isnull=True)
    agg = active.aggregate(
        n=Count("pk"),
        fever=Count("pk", filter=Q(fever=True)),
        home=Count("pk", filter=Q(outcome=HealthCheck.Outcome.SENT_HOME)),
    )
    roll.exception_count, roll.fever_count, roll.sent_home_count = agg["n"], agg["fever"], agg["home"]
    roll.save(update_fields=["exception_count", "fever_count", "sent_home_count", "updated_at"])


@transaction.atomic
def check_void(*, actor, check, reason):
    """Void a wrong check exception with a reason (the class check's counts follow)."""
    perms = _perms(actor, _campus_of(check))
    _require(perms, DO_CHECKS)
    reason = clean_reason(reason, field="void_reason")
    fresh = lock_for_update(check)
    if fresh.voided_at is not None:
        raise ValidationError(_("This record has already been voided."))
    if fresh.outcome in HealthCheck.NEEDS_PARENT:
        _require(perms, MANAGE_CHECKS)
    before = audit.snapshot(fresh)
    fresh.voided_at, fresh.voided_by, fresh.void_reason = timezone.now(), _user(actor), reason
    object_save(actor=actor, instance=fresh, before=before, action="void", message=reason)
    _recount(fresh.roll)
    check.voided_at, check.voided_by_id, check.void_reason = fresh.voided_at, fresh.voided_by_id, reason
    return check


@transaction.atomic
def check_record_leaving(*, actor, check, left_at, collected_by):
    """A child sent home has left: when and with whom (the gate no longer counts them)."""
    perms = _perms(actor, _campus_of(check))
    _require(perms, MANAGE_CHECKS)
    fresh = lock_for_update(check)
    if fresh.voided_at is not None:
        raise ValidationError(_("This record has been voided."))
    if fresh.outcome != HealthCheck.Outcome.SENT_HOME:
        raise ValidationError(_("Only a child sent home is recorded as leaving."))
    left_at = _datetime(left_at, fresh.date, "left_at") or timezone.now()
    if timezone.localtime(left_at).date() != fresh.date:
        raise ValidationError({"left_at": _("The child leaves on the day of the check.")})
    if left_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"left_at": _("The time cannot be in the future.")})
    before = audit.snapshot(fresh)
    fresh.left_at = left_at
    fresh.collected_by = str(collected_by or "").strip()[:40]
    object_save(actor=actor, instance=fresh, before=before, action="leave")
    check.left_at, check.collected_by = fresh.left_at, fresh.collected_by
    return check


# --- All-day observation ----------------------------------------------------------------------


@transaction.atomic
def observation_add(*, actor, child, date, aspect, finding, is_abnormal=True, action="", observed_at=None):
    """A 全日观察 note about ``child`` on ``date`` (school day, child enrolled and present)."""
    campus = Campus.objects.get(pk=child.campus_id)
    _require(_perms(actor, campus), DO_CHECKS)
    check_day(campus, date)
    if child.status != Child.Status.ENROLLED or child.school_class_id is None:
        raise ValidationError(_("%(child)s is not an enrolled child of a class.") % {"child": child.name})
    if AttendanceRecord.objects.filter(
        child=child, date=date, status=AttendanceRecord.Status.ABSENT
    ).exists():
        raise ValidationError(_("%(child)s is absent that day.") % {"child": child.name})
    if aspect not in ObservationNote.Aspect.values:
        raise ValidationError({"aspect": _("Choose what the note is about.")})
    observed_at = _datetime(observed_at, date, "observed_at") or (
        timezone.now()
        if date == timezone.localdate()
        else timezone.make_aware(dt.datetime.combine(date, dt.time(12)))
    )
    if timezone.localtime(observed_at).date() != date:
        raise ValidationError({"observed_at": _("The time must be on the day of the note.")})
    note = ObservationNote(
        campus_id=campus.pk, child=child, school_class_id=child.school_class_id, date=date, observed_at=observed_at,
        aspect=aspect, is_abnormal=bool(is_abnormal), finding=str(finding or "").strip()[:300],
        action=str(action or "").strip()[:200], recorded_by=_user(actor),
    )  # fmt: skip
    return object_save(actor=actor, instance=note)


@transaction.atomic
def observation_void(*, actor, note, reason):
    _require(_perms(actor, Campus.objects.get(pk=note.campus_id)), DO_CHECKS)
    reason = clean_reason(reason, field="void_reason")
    fresh = lock_for_update(note)
    if fresh.voided_at is not None:
        raise ValidationError(_("This record has already been voided."))
    before = audit.snapshot(fresh)
    fresh.voided_at, fresh.voided_by, fresh.void_reason = timezone.now(), _user(actor), reason
    object_save(actor=actor, instance=fresh, before=before, action="void", message=reason)
    note.voided_at, note.voided_by_id, note.void_reason = fresh.voided_at, fresh.voided_by_id, reason
    return note


# --- Summaries ----------------------------------------------------------------------------------


def daily_summary(campus, day, school_class=None):
    """Per class and for the campus on ``day``: attendance (absences by reason), checks done
    with their exceptions, fever, sent home, and observation notes; plus the lists. A fixed
    number of queries whatever the size."""
    classes = SchoolClass.objects.filter(campus=campus, is_active=True)
    if school_class is not None:
        classes = classes.filter(pk=school_class.pk)
    classes = list(
        classes.annotate(
            enrolled=Count("children", filter=Q(children__status=Child.Status.ENROLLED))
        ).order_by("sort_order", "name")
    )
    class_ids = [c.pk for c in classes]
    rolls = {
        r.school_class_id: r
        for r in ClassAttendance.objects.filter(
            campus=campus, date=day, school_class_id__in=class_ids
        ).select_related("taken_by")
    }
    absences = list(
        AttendanceRecord.objects.filter(
            campus=campus, date=day, school_class_id__in=class_ids, status=AttendanceRecord.Status.ABSENT
        )
        .select_related("child", "school_class", "follow_up")
        .order_by("school_class__sort_order", "child__name")
    )
    checks = {}
    for c in ClassCheck.objects.filter(campus=campus, date=day, school_class_id__in=class_ids):
        checks[(c.school_class_id, c.session)] = c
    exceptions = list(
        HealthCheck.objects.filter(
            campus=campus, date=day, school_class_id__in=class_ids, voided_at__isnull=True
        )
        .select_related("child", "school_class")
        .order_by("session", "school_class__sort_order", "child__name")
    )
    observations = list(
        ObservationNote.objects.filter(
            campus=campus, date=day, school_class_id__in=class_ids, voided_at__isnull=True
        )
        .select_related("child", "school_class")
        .order_by("school_class__sort_order", "observed_at")
    )
    by_reason = {}
    for record in absences:
        by_reason.setdefault(record.school_class_id, {}).setdefault(record.absence_reason, 0)
        by_reason[record.school_class_id][record.absence_reason] += 1
    obs_count = {}
    for note in observations:
        obs_count[note.school_class_id] = obs_count.get(note.school_class_id, 0) + 1
    rows = []
    totals = dict.fromkeys(
        ("enrolled", "present", "absent", "sick", "personal", "other", "morning_checked", "midday_checked",
         "exceptions", "fever", "sent_home", "observations", "taken"), 0,
    )  # fmt: skip
    for cls in classes:
        roll = rolls.get(cls.pk)
        reasons = by_reason.get(cls.pk, {})
        morning = checks.get((cls.pk, ClassCheck.Session.MORNING))
        midday = checks.get((cls.pk, ClassCheck.Session.MIDDAY))
        row = {
            "class": cls,
            "enrolled": cls.enrolled,
            "roll": roll,
            "taken": roll is not None,
            "present": roll.present_count if roll else None,
            "absent": roll.absent_count if roll else None,
            "sick": reasons.get("sick", 0),
            "personal": reasons.get("personal", 0),
            "other": reasons.get("other", 0),
            "rate": round(100 * roll.present_count / cls.enrolled, 1) if roll and cls.enrolled else None,
            "morning": morning,
            "midday": midday,
            "exceptions": sum(c.exception_count for c in (morning, midday) if c),
            "fever": sum(c.fever_count for c in (morning, midday) if c),
            "sent_home": sum(c.sent_home_count for c in (morning, midday) if c),
            "observations": obs_count.get(cls.pk, 0),
        }
        rows.append(row)
        totals["enrolled"] += cls.enrolled
        totals["taken"] += 1 if roll else 0
        for key in ("present", "absent"):
            totals[key] += row[key] or 0
        for key in ("sick", "personal", "other", "exceptions", "fever", "sent_home", "observations"):
            totals[key] += row[key]
        totals["morning_checked"] += morning.checked_count if morning else 0
        totals["midday_checked"] += midday.checked_count if midday else 0
    taken_enrolled = sum(r["enrolled"] for r in rows if r["taken"])
    totals["rate"] = round(100 * totals["present"] / taken_enrolled, 1) if taken_enrolled else None
    return {
        "day": day,
        "is_school_day": is_school_day(campus, day),
        "rows": rows,
        "totals": totals,
        "absences": absences,
        "exceptions": exceptions,
        "sent_home": [h for h in exceptions if h.outcome == HealthCheck.Outcome.SENT_HOME],
        "observations": observations,
    }


MONTH_MARKS = {"present": "√", "sick": "病", "personal": "事", "other": "其"}


def month_matrix(campus, year, month, school_class=None):
    """Attendance of a month as a register (幼儿出勤登记表): ``{"days": [date…], "rows":
    [{"child", "class", "marks": {date: mark}, "present", "sick", "personal", "other"}]}``
    for the children on the rolls of that month (and the enrolled children of the class)."""
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    records = AttendanceRecord.objects.filter(campus=campus, date__gte=first, date__lte=last)
    if school_class is not None:
        records = records.filter(school_class=school_class)
    records = records.select_related("child", "school_class").order_by(
        "school_class__sort_order", "school_class__name", "child__name", "date"
    )
    rows, index, dates = [], {}, set()
    for r in records:
        dates.add(r.date)
        key = (r.school_class_id, r.child_id)
        row = index.get(key)
        if row is None:
            row = {"child": r.child, "class": r.school_class, "marks": {}, "present": 0, "sick": 0, "personal": 0,
                   "other": 0}  # fmt: skip
            index[key] = row
            rows.append(row)
        if r.status == AttendanceRecord.Status.PRESENT:
            row["marks"][r.date] = MONTH_MARKS["present"]
            row["present"] += 1
        else:
            row["marks"][r.date] = MONTH_MARKS.get(r.absence_reason, "×")
            row[r.absence_reason if r.absence_reason in ("sick", "personal", "other") else "other"] += 1
    days = sorted(dates)
    return {"first": first, "last": last, "days": days, "rows": rows}
