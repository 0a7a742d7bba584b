"""Special-care registers (体弱儿/肥胖儿专案管理): the only writers of
:class:`~houqin.health.models.SpecialCareCase` and :class:`~houqin.health.models.CareFollowUp`.

Rules (regulations.md §2.10, 2012 规范 §七; every number a campus setting):

* A child enters automatically from a measurement or an exam (:func:`auto_enrol`, called
  by the growth area) or by hand (:func:`case_open`). One open case per child and
  category; :func:`auto_enrol` is idempotent and raises the severity of an open case when a
  later result is worse.
* Anaemia is enrolled from the grade the campus chooses (default: every anaemic child is
  registered; moderate and severe cases are case files, 专案).
* Rechecks: anaemia Hb after ``health.care.anaemia_recheck_months`` (1–3 months); obesity and
  malnutrition are weighed every ``health.care.weigh_months``; other categories every
  ``health.care.other_recheck_months`` — unless the case's plan gives its own interval.
  ``next_recheck_on`` follows the last follow-up that rechecked what matters.
* Moderate or severe obesity: blood pressure every month (``health.care.bp_interval_days``);
  ``bp_due_on`` is the day after the last follow-up with a blood pressure plus the
  interval, or the day the case was opened while none was taken.
* Closing: recovered, left the kindergarten, or other. "Recovered" needs the latest result
  since the case was opened to show it (Hb at or above the threshold; no obesity /
  malnutrition in the latest measurement) or an explicit reason.
* Follow-ups are never edited: a wrong one is voided with a reason.
"""

import datetime as dt

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.permissions import require_actor_perm
from houqin.core.services import clean_reason, lock_for_update, object_save
from houqin.core.settings_registry import campus_setting
from houqin.health.models import CareFollowUp, SpecialCareCase

MANAGE = "health.manage_special_care"
Category = SpecialCareCase.Category
Severity = SpecialCareCase.Severity
Outcome = SpecialCareCase.Outcome

PLAN_FIELDS = ("plan_diet", "plan_activity", "plan_parents", "plan", "recheck_months")
CASE_EDIT_FIELDS = ("severity", "detail", *PLAN_FIELDS)


# --- Small helpers ---------------------------------------------------------------------------


def add_months(day, n):
    """``day`` moved by ``n`` calendar months (the 31st becomes the month's last day)."""
    import calendar

    index = day.year * 12 + day.month - 1 + n
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def growth_model(name):
    """A model of the growth or disease area, or None while it does not exist."""
    try:
        return apps.get_model("health", name)
    except LookupError:
        return None


def _severity_rank(value):
    return SpecialCareCase.SEVERITY_RANK.get(value or "", 0)


def recheck_interval(case) -> int:
    """Months between rechecks: the plan's own interval, else the campus rule."""
    if case.recheck_months:
        return case.recheck_months
    if case.category == Category.ANAEMIA:
        key = "health.care.anaemia_recheck_months"
    elif case.category in (Category.OBESITY, Category.MALNUTRITION):
        key = "health.care.weigh_months"
    else:
        key = "health.care.other_recheck_months"
    return int(campus_setting(case.campus, key))


def _counts_as_recheck(case, follow_up) -> bool:
    if case.category == Category.ANAEMIA:
        return follow_up.hb_g_l is not None
    if case.category in (Category.OBESITY, Category.MALNUTRITION):
        return follow_up.weight_kg is not None
    return True


def due_dates(case, follow_ups=None):
    """(next_recheck_on, bp_due_on) of an open case from its non-void follow-ups."""
    if not case.is_open:
        return None, None
    if follow_ups is None:
        follow_ups = list(case.follow_ups.filter(is_void=False).order_by("date", "id")) if case.pk else []
    rechecks = [f.date for f in follow_ups if not f.is_void and _counts_as_recheck(case, f)]
    last = max(rechecks) if rechecks else case.opened_on
    next_recheck = add_months(last, recheck_interval(case))
    bp_due = None
    if case.needs_bp:
        bps = [f.date for f in follow_ups if not f.is_void and f.has_bp]
        if bps:
            bp_due = max(bps) + dt.timedelta(
                days=int(campus_setting(case.campus, "health.care.bp_interval_days"))
            )
        else:
            bp_due = case.opened_on
    return next_recheck, bp_due


def _refresh(case):
    """Store the due dates on the case (no audit event: derived values)."""
    next_recheck, bp_due = due_dates(case)
    if (case.next_recheck_on, case.bp_due_on) != (next_recheck, bp_due):
        case.next_recheck_on, case.bp_due_on = next_recheck, bp_due
        SpecialCareCase.objects.filter(pk=case.pk).update(next_recheck_on=next_recheck, bp_due_on=bp_due)
    return case


def _check_child(child, campus=None):
    from houqin.core.models import Child

    if campus is not None and child.campus_id != campus.pk:
        raise ValidationError({"child": _("The child belongs to another campus.")})
    if child.status != Child.Status.ENROLLED:
        raise ValidationError({"child": _("Only enrolled children can be put on a register.")})


def _check_date(value, field, *, not_before=None, not_before_message=""):
    if value is None:
        raise ValidationError({field: _("Give a date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date is in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError({field: not_before_message})


def _origin(source):
    """A short text naming the record a case came from ("health.measurement:12")."""
    if source is None or source == "":
        return ""
    if hasattr(source, "_meta") and getattr(source, "pk", None) is not None:
        return f"{source._meta.label_lower}:{source.pk}"[:120]
    return str(source)[:120]


def anaemia_threshold(child, on_date=None) -> int:
    """Hb (g/L) below which the child is anaemic: 110 for 6 months–6 years, 120 from 6 years."""
    from houqin.core.models.tenancy import age_in_months

    months = age_in_months(child.birth_date, on_date or timezone.localdate()) or 0
    if months >= 72:
        return int(campus_setting(child.campus, "health.care.anaemia_hb_min_6y"))
    return int(campus_setting(child.campus, "health.care.anaemia_hb_min"))


def open_case_for(child, category):
    return SpecialCareCase.objects.filter(
        child=child, category=category, status=SpecialCareCase.Status.OPEN
    ).first()


# --- Enrolment -------------------------------------------------------------------------------


def _enrol_threshold(campus, category):
    if category == Category.ANAEMIA:
        return campus_setting(campus, "health.care.anaemia_enrol_from")
    return ""


@transaction.atomic
def auto_enrol(*, actor, child, category, severity="", source=None, on_date=None, detail=""):
    """Put ``child`` on the register of ``category`` after a measurement or exam.

    Idempotent: an open case of the same category gets no second one (a worse severity
    raises the open case's severity). Returns the (new or open) case, or None when the
    result does not call for a case (below the campus's enrolment grade, child not
    enrolled). No permission is needed: whoever records the result triggers it.
    """
    from houqin.core.models import Child

    if category not in SpecialCareCase.MEASURED_CATEGORIES:
        raise ValueError(f"auto_enrol: unknown category {category!r}")
    severity = severity or ""
    if severity not in SpecialCareCase.SEVERITY_RANK:
        raise ValueError(f"auto_enrol: unknown severity {severity!r}")
    on_date = on_date or timezone.localdate()
    if child.status != Child.Status.ENROLLED:
        return None
    threshold = _enrol_threshold(child.campus, category)
    if threshold and _severity_rank(severity) < _severity_rank(threshold):
        return None
    lock_for_update(child)  # two results of one child at once: one case
    case = open_case_for(child, category)
    if case is not None:
        if _severity_rank(severity) > _severity_rank(case.severity):
            before = audit.snapshot(case)
            case.severity = severity
            if detail:
                case.detail = str(detail)[:300]
            object_save(
                actor=actor, instance=case, before=before, action="update",
                message=_("Severity raised by a new result (%(origin)s).") % {"origin": _origin(source) or on_date},
            )  # fmt: skip
            _refresh(case)
        return case
    case = SpecialCareCase(
        campus=child.campus,
        child=child,
        category=category,
        severity=severity,
        detail=str(detail or "")[:300],
        opened_on=min(on_date, timezone.localdate()),
        source=SpecialCareCase.Source.AUTO,
        origin=_origin(source),
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            object_save(actor=actor, instance=case, action="create", message=_("Enrolled from a result."))
    except IntegrityError:  # opened by a concurrent call in the meantime
        return open_case_for(child, category)
    return _refresh(case)


@transaction.atomic
def case_open(*, actor, child, category, severity="", opened_on=None, detail="", plan=None):
    """Open a case by hand (any category; "other" needs a description)."""
    require_actor_perm(actor, child.campus, MANAGE, system_allowed=True)
    _check_child(child)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    opened_on = opened_on or timezone.localdate()
    _check_date(opened_on, "opened_on")
    lock_for_update(child)
    existing = open_case_for(child, category)
    if existing is not None:
        raise ValidationError(
            {"category": _("%(child)s already has an open case of this category (opened %(date)s).")
             % {"child": child, "date": existing.opened_on.isoformat()}}
        )  # fmt: skip
    case = SpecialCareCase(
        campus=child.campus,
        child=child,
        category=category,
        severity=severity or "",
        detail=(detail or "").strip(),
        opened_on=opened_on,
        source=SpecialCareCase.Source.MANUAL,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for name, value in (plan or {}).items():
        if name not in PLAN_FIELDS:
            raise ValueError(f"case_open: unknown plan field {name!r}")
        setattr(case, name, value.strip() if isinstance(value, str) else value)
    if plan:
        case.plan_updated_at = timezone.now()
    object_save(actor=actor, instance=case, action="create")
    return _refresh(case)


@transaction.atomic
def case_update(*, actor, case, data):
    """Change the plan, the severity or the finding of an open case (audited field by field)."""
    require_actor_perm(actor, case.campus, MANAGE, system_allowed=True)
    case = lock_for_update(case)
    if not case.is_open:
        raise ValidationError(_("The case is closed; reopen it first."))
    before = audit.snapshot(case)
    changed_plan = False
    for name, value in data.items():
        if name not in CASE_EDIT_FIELDS:
            raise ValueError(f"case_update: field {name!r} cannot be changed")
        value = value.strip() if isinstance(value, str) else value
        if name in PLAN_FIELDS and getattr(case, name) != value:
            changed_plan = True
        setattr(case, name, value)
    if changed_plan:
        case.plan_updated_at = timezone.now()
    object_save(actor=actor, instance=case, before=before)
    return _refresh(case)


# --- Follow-ups ------------------------------------------------------------------------------


@transaction.atomic
def follow_up_add(*, actor, case, date=None, weight_kg=None, height_cm=None, hb_g_l=None, bp_systolic=None,
                  bp_diastolic=None, note=""):  # fmt: skip
    """Record a follow-up (随访) of an open case; moves the due dates."""
    require_actor_perm(actor, case.campus, MANAGE, system_allowed=True)
    case = lock_for_update(case)
    if not case.is_open:
        raise ValidationError(_("The case is closed; reopen it first."))
    date = date or timezone.localdate()
    _check_date(date, "date", not_before=case.opened_on,
                not_before_message=_("The follow-up cannot be before the case was opened."))  # fmt: skip
    note = (note or "").strip()
    if all(v is None for v in (weight_kg, height_cm, hb_g_l, bp_systolic, bp_diastolic)) and not note:
        raise ValidationError(_("Record at least one measurement or a note."))
    follow_up = CareFollowUp(
        campus=case.campus, case=case, date=date, weight_kg=weight_kg, height_cm=height_cm, hb_g_l=hb_g_l,
        bp_systolic=bp_systolic, bp_diastolic=bp_diastolic, note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    object_save(actor=actor, instance=follow_up, action="create")
    _refresh(case)
    return follow_up


@transaction.atomic
def follow_up_void(*, actor, follow_up, reason):
    """Void a wrong follow-up with a reason (it stays visible, struck through)."""
    require_actor_perm(actor, follow_up.campus, MANAGE, system_allowed=True)
    reason = clean_reason(reason)
    follow_up = lock_for_update(follow_up)
    if follow_up.is_void:
        raise ValidationError(_("This follow-up is already void."))
    before = audit.snapshot(follow_up)
    follow_up.is_void = True
    follow_up.void_reason = reason
    follow_up.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    follow_up.voided_at = timezone.now()
    object_save(actor=actor, instance=follow_up, before=before, action="void", message=reason)
    _refresh(follow_up.case)
    return follow_up


# --- Recovery and closing --------------------------------------------------------------------


def latest_result(case):
    """The latest result since the case was opened that tells whether the child recovered.

    ``{"date", "text", "recovered": bool}`` or None. Anaemia: the latest Hb of a follow-up
    or an exam; obesity and malnutrition: the latest valid measurement (growth area).
    Other categories have no result the system can judge.
    """
    child = case.child
    if case.category == Category.ANAEMIA:
        candidates = []
        fu = (
            case.follow_ups.filter(is_void=False, hb_g_l__isnull=False, date__gte=case.opened_on)
            .order_by("-date", "-id")
            .first()
        )
        if fu is not None:
            candidates.append((fu.date, fu.hb_g_l))
        Exam = growth_model("Exam")
        if Exam is not None:
            exam = (
                Exam.objects.filter(
                    child=child, is_void=False, hb_g_l__isnull=False, exam_date__gte=case.opened_on
                )
                .order_by("-exam_date", "-id")
                .first()
            )
            if exam is not None:
                candidates.append((exam.exam_date, exam.hb_g_l))
        if not candidates:
            return None
        day, hb = max(candidates, key=lambda c: c[0])
        threshold = anaemia_threshold(child, day)
        return {
            "date": day,
            "text": _("Hb %(hb)s g/L (normal from %(min)s g/L)") % {"hb": hb, "min": threshold},
            "recovered": float(hb) >= threshold,
        }
    if case.category in (Category.OBESITY, Category.MALNUTRITION):
        Measurement = growth_model("Measurement")
        if Measurement is None:
            return None
        m = (
            Measurement.objects.filter(child=child, is_void=False, measured_on__gte=case.opened_on)
            .order_by("-measured_on", "-id")
            .first()
        )
        if m is None:
            return None
        text = _("%(date)s: height %(h)s cm, weight %(w)s kg") % {
            "date": m.measured_on.isoformat(), "h": m.height_cm, "w": m.weight_kg,
        }  # fmt: skip
        if case.category == Category.OBESITY:
            recovered = not m.obesity
            if campus_setting(case.campus, "health.care.obesity_exit") == "overweight":
                recovered = recovered and not m.overweight
        else:
            recovered = not (m.stunting or m.underweight or m.wasting)
        return {"date": m.measured_on, "text": text, "recovered": recovered}
    return None


@transaction.atomic
def case_close(*, actor, case, outcome, closed_on=None, note=""):
    """Close an open case with its outcome. "Recovered" needs the latest result to show it,
    or ``note`` saying why the case is closed as recovered anyway."""
    require_actor_perm(actor, case.campus, MANAGE, system_allowed=True)
    case = lock_for_update(case)
    if not case.is_open:
        raise ValidationError(_("The case is already closed."))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    closed_on = closed_on or timezone.localdate()
    _check_date(closed_on, "closed_on", not_before=case.opened_on,
                not_before_message=_("The case cannot close before it was opened."))  # fmt: skip
    note = (note or "").strip()[:300]
    message = ""
    if outcome == Outcome.RECOVERED:
        result = latest_result(case)
        if result is None or not result["recovered"]:
            if not note:
                raise ValidationError(
                    {"note": _("No result since the case was opened shows recovery; record a follow-up or a "
                               "measurement that does, or give the reason for closing it as recovered.")}
                )  # fmt: skip
            message = _("Closed as recovered without a result showing it: %(note)s") % {"note": note}
        else:
            message = _("Recovered: %(result)s") % {"result": result["text"]}
    elif outcome == Outcome.OTHER and not note:
        raise ValidationError({"note": _("Say why the case is closed.")})
    before = audit.snapshot(case)
    case.status = SpecialCareCase.Status.CLOSED
    case.outcome = outcome
    case.closed_on = closed_on
    case.close_note = note
    case.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    case.next_recheck_on = None
    case.bp_due_on = None
    object_save(actor=actor, instance=case, before=before, action="close", message=message[:300])
    return case


@transaction.atomic
def case_reopen(*, actor, case, reason):
    """Reopen a case closed by mistake (refused while another open case of the category exists)."""
    require_actor_perm(actor, case.campus, MANAGE, system_allowed=True)
    reason = clean_reason(reason)
    case = lock_for_update(case)
    if case.is_open:
        raise ValidationError(_("The case is open."))
    if open_case_for(case.child, case.category) is not None:
        raise ValidationError(_("The child already has another open case of this category."))
    before = audit.snapshot(case)
    case.status = SpecialCareCase.Status.OPEN
    case.outcome = ""
    case.closed_on = None
    case.close_note = ""
    case.closed_by = None
    object_save(actor=actor, instance=case, before=before, action="reopen", message=reason)
    return _refresh(case)


# --- Due lists -------------------------------------------------------------------------------


def open_cases(campus):
    return SpecialCareCase.objects.filter(campus=campus, status=SpecialCareCase.Status.OPEN)


def bp_due(campus, today=None):
    """Open moderate+ obesity cases whose monthly blood pressure is due (within the warning
    days) or overdue, most overdue first."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=int(campus_setting(campus, "health.care.due_soon_days")))
    return (
        open_cases(campus)
        .filter(category=Category.OBESITY, severity__in=("moderate", "severe"), bp_due_on__lte=soon)
        .order_by("bp_due_on", "id")
    )


def rechecks_due(campus, today=None):
    """Open cases whose recheck is due within the warning days or overdue."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=int(campus_setting(campus, "health.care.due_soon_days")))
    return open_cases(campus).filter(next_recheck_on__lte=soon).order_by("next_recheck_on", "id")

