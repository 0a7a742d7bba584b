"""Writes and reads of the growth area: entry health cards, measurements, exams, the due
lists, class summaries, curves and the letters to parents.

Every write validates (``full_clean``), saves and writes its audit event in one
transaction; records are voided with a reason, never edited or deleted. After a
measurement or an exam is saved, children with obesity, moderate/severe malnutrition or
anaemia are put on the special-care register through
``houqin.health.care_services.auto_enrol`` (idempotent; owned by the care area).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.models.tenancy import age_in_months
from houqin.core.permissions import require_actor_perm
from houqin.core.services import clean_reason, lock_for_update, object_save
from houqin.core.settings_registry import campus_setting
from houqin.health import growth_reference as ref
from houqin.health.models import Exam, HealthCard, Measurement

RECORD_MEASUREMENTS = "health.record_measurements"
MANAGE_EXAMS = "health.manage_exams"

# WHO flags for biologically implausible z-scores (WHO Anthro / 2006 standards).
IMPLAUSIBLE = {"haz": (-6, 6), "waz": (-6, 5), "whz": (-5, 5), "bmiz": (-5, 5)}
MAX_HEIGHT_LOSS_CM = Decimal("2.0")


# --- Settings -------------------------------------------------------------------------------


def campus_reference(campus) -> str:
    return campus_setting(campus, "health.growth.reference")


def setting(campus, name):
    return campus_setting(campus, f"health.growth.{name}")


# --- Evaluation -----------------------------------------------------------------------------


def _decimal(value, field, places="0.1", *, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")})
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number.quantize(Decimal(places))


HEIGHT_RANGE = (Decimal("40"), Decimal("200"))
WEIGHT_RANGE = (Decimal("1"), Decimal("150"))


def measure_values(height_cm, weight_kg):
    """The height (0.1 cm) and weight (0.01 kg) as Decimals, or a ValidationError per field."""
    errors = {}
    values = []
    for field, raw, places, (low, high), unit in (
        ("height_cm", height_cm, "0.1", HEIGHT_RANGE, "cm"),
        ("weight_kg", weight_kg, "0.01", WEIGHT_RANGE, "kg"),
    ):
        try:
            value = _decimal(raw, field, places)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            values.append(None)
            continue
        if not low <= value <= high:
            errors[field] = [_("Enter a value between %(low)s and %(high)s %(unit)s.") % {"low": low, "high": high,
                                                                                       "unit": unit}]  # fmt: skip
        values.append(value)
    if errors:
        raise ValidationError(errors)
    return values


def evaluate_child(child, on_date, height_cm, weight_kg, *, campus=None) -> ref.Evaluation:
    """The evaluation (z-scores, levels, classification) of a measurement of ``child``."""
    campus = campus or child.campus
    age = age_in_months(child.birth_date, on_date)
    return ref.evaluate(
        child.sex, max(age, 0), height_cm, weight_kg, campus_reference=campus_reference(campus)
    )


def apply_evaluation(measurement: Measurement, ev: ref.Evaluation) -> Measurement:
    m = measurement
    m.age_months = ev.age_months
    m.reference = ev.reference or Measurement.Reference.WST423
    m.bmi = Decimal(repr(round(ev.bmi, 1))) if ev.bmi else None
    m.haz, m.waz, m.whz, m.bmiz = ev.haz, ev.waz, ev.whz, ev.bmiz
    m.wh_median_pct = ev.wh_median_pct
    m.interpolated = ev.interpolated
    m.height_level, m.weight_level, m.wh_level = ev.height_level, ev.weight_level, ev.wh_level
    for name in ("stunting", "underweight", "wasting", "overweight", "obesity"):
        setattr(m, name, getattr(ev, name))
    m.obesity_degree = ev.obesity_degree
    m.malnutrition_severity = ev.malnutrition_severity
    return m


def plausibility_problems(ev: ref.Evaluation, previous: Measurement | None) -> list[str]:
    """Reasons to double-check an entry (typing errors): WHO's implausible z-scores and a
    height more than 2 cm below the previous measurement."""
    problems = []
    for name, (low, high) in IMPLAUSIBLE.items():
        z = getattr(ev, name)
        if z is not None and not (low <= z <= high):
            problems.append(
                _("%(what)s z = %(z)s is outside %(low)s…%(high)s.")
                % {"what": Z_LABELS[name], "z": z, "low": low, "high": high}
            )
    if previous is not None and ev.height_cm is not None:
        loss = previous.height_cm - Decimal(str(ev.height_cm))
        if loss > MAX_HEIGHT_LOSS_CM:
            problems.append(
                _("The height is %(loss)s cm less than on %(date)s (%(prev)s cm).")
                % {
                    "loss": loss,
                    "date": previous.measured_on.strftime("%Y-%m-%d"),
                    "prev": previous.height_cm,
                }
            )
    return problems


Z_LABELS = {
    "haz": "H/A",
    "waz": "W/A",
    "whz": "W/H",
    "bmiz": "BMI/A",
}


# --- Special care ---------------------------------------------------------------------------


def _auto_enrol(*, actor, child, category, severity, source, on_date, detail):
    """Hand a child over to the special-care register (care area). Imported here so this
    module loads even while the care area is not installed."""
    try:
        from houqin.health.care_services import auto_enrol
    except ImportError:  # pragma: no cover - the care area is part of the app
        return None
    return auto_enrol(
        actor=actor,
        child=child,
        category=category,
        severity=severity,
        source=source,
        on_date=on_date,
        detail=detail,
    )


def measurement_enrol(measurement: Measurement, *, actor):
    """Obesity (every degree) and moderate/severe malnutrition go to special care."""
    m = measurement
    cases = []
    if m.obesity:
        cases.append(
            _auto_enrol(
                actor=actor,
                child=m.child,
                category="obesity",
                severity=m.obesity_degree or "mild",
                source=m,
                on_date=m.measured_on,
                detail=_("Measured %(date)s: %(h)s cm, %(w)s kg, W/H z = %(z)s, %(pct)s %% above the median.")
                % {
                    "date": m.measured_on,
                    "h": m.height_cm,
                    "w": m.weight_kg,
                    "z": m.whz if m.whz is not None else m.bmiz,
                    "pct": m.wh_median_pct if m.wh_median_pct is not None else "—",
                },
            )  # fmt: skip
        )
    if m.malnutrition_severity:
        kinds = [label for flag, label in _malnutrition_labels() if getattr(m, flag)]
        cases.append(
            _auto_enrol(
                actor=actor,
                child=m.child,
                category="malnutrition",
                severity=m.malnutrition_severity,
                source=m,
                on_date=m.measured_on,
                detail=_("Measured %(date)s: %(what)s (H/A z = %(haz)s, W/A z = %(waz)s, W/H z = %(whz)s).")
                % {"date": m.measured_on, "what": "、".join(kinds), "haz": m.haz, "waz": m.waz, "whz": m.whz},
            )  # fmt: skip
        )
    return [c for c in cases if c is not None]


def _malnutrition_labels():
    return [("stunting", _("stunting")), ("underweight", _("underweight")), ("wasting", _("wasting"))]


def exam_enrol(exam: Exam, *, actor):
    if not exam.anaemia:
        return None
    return _auto_enrol(
        actor=actor, child=exam.child, category="anaemia", severity=exam.anaemia, source=exam, on_date=exam.exam_date,
        detail=_("Exam %(date)s: haemoglobin %(hb)s g/L.") % {"date": exam.exam_date, "hb": exam.hb_g_l},
    )  # fmt: skip


# --- Measurements ---------------------------------------------------------------------------


def _check_child_on(child, on_date, field="measured_on"):
    today = timezone.localdate()
    if on_date is None:
        raise ValidationError({field: _("This field is required.")})
    if on_date > today:
        raise ValidationError({field: _("The date is in the future.")})
    if on_date < child.birth_date:
        raise ValidationError({field: _("The date is before the child's date of birth.")})


def _previous(child, before):
    return (
        Measurement.objects.filter(child=child, is_void=False, measured_on__lt=before)
        .order_by("-measured_on", "-id")
        .first()
    )


def _build_measurement(*, child, school_class, measured_on, height, weight, note, actor, previous, confirmed,
                       campus=None):  # fmt: skip
    ev = evaluate_child(child, measured_on, height, weight, campus=campus)
    problems = plausibility_problems(ev, previous)
    if problems and not confirmed:
        raise ValidationError(
            {"__all__": [*problems, _("Check the entry; tick “checked” to save it anyway.")]},
            code="implausible",
        )
    m = Measurement(
        campus_id=child.campus_id, child=child, school_class=school_class, measured_on=measured_on,
        height_cm=height, weight_kg=weight, note=(note or "").strip()[:200],
        measured_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    return apply_evaluation(m, ev)


@transaction.atomic
def measurement_record(*, actor, child, measured_on, height_cm, weight_kg, note="", confirmed=False):
    """Record one measurement of ``child`` in their current class (one a day; void first to
    correct). Returns the saved Measurement with its z-scores and classification."""
    require_actor_perm(actor, child.campus, RECORD_MEASUREMENTS, system_allowed=True)
    if child.school_class_id is None:
        raise ValidationError(_("%(child)s is in no class.") % {"child": child})
    height, weight = measure_values(height_cm, weight_kg)
    _check_child_on(child, measured_on)
    if Measurement.objects.filter(child=child, measured_on=measured_on, is_void=False).exists():
        raise ValidationError(
            {"measured_on": _("%(child)s was already measured on %(date)s; void that measurement to correct it.")
             % {"child": child, "date": measured_on}}
        )  # fmt: skip
    m = _build_measurement(
        child=child, school_class=child.school_class, measured_on=measured_on, height=height, weight=weight,
        note=note, actor=actor, previous=_previous(child, measured_on), confirmed=confirmed,
    )  # fmt: skip
    object_save(actor=actor, instance=m, campus=child.campus)
    measurement_enrol(m, actor=actor)
    return m


def class_children(school_class):
    """The enrolled children of a class, by name (one query)."""
    from houqin.core.models import Child

    return list(
        Child.objects.filter(school_class=school_class, status=Child.Status.ENROLLED).order_by("name", "id")
    )


@transaction.atomic
def measurements_record_class(*, actor, school_class, measured_on, rows, children=None):
    """Record the measurements of a class in one go (the quick grid), all or nothing.

    ``rows`` = [{"child": Child or id, "height_cm", "weight_kg", "note", "confirmed"}];
    a row with neither height nor weight is skipped, a child already measured that day is
    refused. Errors are raised as one ValidationError keyed ``child_<id>``. A fixed number
    of queries whatever the class size (bulk insert with bulk audit), plus the special-care
    hand-over of the flagged children.
    """
    campus = school_class.campus
    require_actor_perm(actor, campus, RECORD_MEASUREMENTS, system_allowed=True)
    if measured_on is None:
        raise ValidationError({"measured_on": _("This field is required.")})
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("The date is in the future.")})
    by_id = {c.pk: c for c in (children if children is not None else class_children(school_class))}
    wanted = []
    errors = {}
    for row in rows:
        child = row.get("child")
        child_id = child.pk if hasattr(child, "pk") else int(child)
        height, weight = row.get("height_cm"), row.get("weight_kg")
        if height in (None, "") and weight in (None, ""):
            continue
        if child_id not in by_id:
            errors[f"child_{child_id}"] = [_("The child is not in this class.")]
            continue
        wanted.append((by_id[child_id], height, weight, row))
    ids = [c.pk for c, *_rest in wanted]
    already = set(
        Measurement.objects.filter(child_id__in=ids, measured_on=measured_on, is_void=False).values_list(
            "child_id", flat=True
        )
    )
    previous = latest_measurements(ids, before=measured_on)
    built = []
    for child, height, weight, row in wanted:
        key = f"child_{child.pk}"
        try:
            if child.pk in already:
                raise ValidationError(_("Already measured on this day; void that measurement to correct it."))
            if measured_on < child.birth_date:
                raise ValidationError(_("The date is before the child's date of birth."))
            h, w = measure_values(height, weight)
            m = _build_measurement(
                child=child, school_class=school_class, measured_on=measured_on, height=h, weight=w,
                note=row.get("note", ""), actor=actor, previous=previous.get(child.pk),
                confirmed=bool(row.get("confirmed")), campus=campus,
            )  # fmt: skip
            m.full_clean(
                exclude=["campus", "child", "school_class", "measured_by", "voided_by"],
                validate_constraints=False,
            )
            built.append(m)
        except ValidationError as exc:
            errors[key] = _messages(exc)
    if errors:
        raise ValidationError(errors)
    if not built:
        raise ValidationError(_("Enter the height and weight of at least one child."))
    saved = Measurement.objects.bulk_create(built)
    _bulk_audit(actor, saved, message=_("class measurement %(date)s") % {"date": measured_on})
    for m in saved:
        if m.obesity or m.malnutrition_severity:
            measurement_enrol(m, actor=actor)
    return saved


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        out = []
        for field, msgs in exc.message_dict.items():
            for msg in msgs:
                label = FIELD_LABELS.get(field)
                out.append(f"{label}: {msg}" if label else msg)
        return out
    return list(exc.messages)


FIELD_LABELS = {"height_cm": "cm", "weight_kg": "kg", "hb_g_l": "Hb", "vision_left": "L", "vision_right": "R"}


def _bulk_audit(actor, objects, *, message=""):
    from houqin.core.models import AuditEvent

    if not objects:
        return
    ctx = audit.current_context()
    user = actor if getattr(actor, "is_authenticated", False) else None
    content_type = ContentType.objects.get_for_model(type(objects[0]), for_concrete_model=True)
    AuditEvent.objects.with_scopes_disabled().bulk_create(
        [
            AuditEvent(
                campus_id=obj.campus_id,
                actor=user,
                actor_repr=(str(user) if user else ctx.get("source") or "system")[:80],
                action="create",
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                after=audit.snapshot(obj),
                message=message[:300],
                request_id=ctx.get("request_id", ""),
                source=ctx.get("source", ""),
                ip_address=ctx.get("ip"),
            )  # fmt: skip
            for obj in objects
        ],
        batch_size=500,
    )


def _void(*, actor, obj, reason, perm):
    require_actor_perm(actor, obj.campus, perm, system_allowed=True)
    reason = clean_reason(reason, field="void_reason")
    with transaction.atomic():
        obj = lock_for_update(obj)
        if obj.is_void:
            raise ValidationError(_("This record is already void."))
        before = audit.snapshot(obj)
        obj.is_void = True
        obj.void_reason = reason
        obj.voided_by = actor if getattr(actor, "is_authenticated", False) else None
        obj.voided_at = timezone.now()
        return object_save(actor=actor, instance=obj, before=before, action="void", message=reason)


def measurement_void(*, actor, measurement, reason):
    """Void a wrong measurement with a reason (it stays in the records)."""
    return _void(actor=actor, obj=measurement, reason=reason, perm=RECORD_MEASUREMENTS)


# --- Exams ------------------------------------------------------------------------------------


def vision_abnormal(age_months, left, right, *, campus) -> bool:
    """Below the age's vision threshold in either eye (5-point scale; campus settings,
    defaults 4.8 at 4 years and 4.9 from 5 years, after 《0～6岁儿童眼保健及视力检查服务规范》
    2021), or the two eyes two lines (0.2) or more apart."""
    values = [v for v in (left, right) if v is not None]
    if not values:
        return False
    limit = setting(campus, "vision_min_5y") if age_months >= 60 else setting(campus, "vision_min_4y")
    if any(Decimal(str(v)) < Decimal(str(limit)) for v in values):
        return True
    return len(values) == 2 and abs(Decimal(str(left)) - Decimal(str(right))) >= Decimal("0.2")


def _setting_or(campus, key, default):
    try:
        return campus_setting(campus, key)
    except KeyError:  # the care area registers it; its defaults otherwise
        return default


def _anaemia(campus, hb, age):
    """Graded with the campus's Hb thresholds (the care area's settings, shared with its
    registers: 110 g/L, 120 g/L from 6 years by default)."""
    return ref.anaemia_grade(
        hb, age, threshold=_setting_or(campus, "health.care.anaemia_hb_min", 110),
        threshold_6y=_setting_or(campus, "health.care.anaemia_hb_min_6y", 120),
    )  # fmt: skip


EXAM_FIELDS = (
    "hb_g_l",
    "vision_left",
    "vision_right",
    "caries_count",
    "hearing",
    "findings",
    "advice",
    "doctor",
)


def _build_exam(*, actor, child, school_class, exam_date, kind, data):
    campus = child.campus
    age = max(age_in_months(child.birth_date, exam_date), 0)
    exam = Exam(
        campus_id=child.campus_id, child=child, school_class=school_class, exam_date=exam_date, kind=kind,
        age_months=age, recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    hb = data.get("hb_g_l")
    exam.hb_g_l = int(_decimal(hb, "hb_g_l", "1")) if hb not in (None, "") else None
    exam.vision_left = _decimal(data.get("vision_left"), "vision_left", required=False)
    exam.vision_right = _decimal(data.get("vision_right"), "vision_right", required=False)
    caries = data.get("caries_count")
    exam.caries_count = int(_decimal(caries, "caries_count", "1")) if caries not in (None, "") else None
    exam.hearing = data.get("hearing") or ""
    exam.findings = (data.get("findings") or "").strip()
    exam.advice = (data.get("advice") or "").strip()
    exam.doctor = (data.get("doctor") or "").strip()
    exam.anaemia = _anaemia(campus, exam.hb_g_l, age)
    given = data.get("vision_abnormal")
    exam.vision_abnormal = bool(given) or vision_abnormal(
        age, exam.vision_left, exam.vision_right, campus=campus
    )
    passed = data.get("passed")
    if passed in (None, ""):
        passed = not (
            exam.anaemia or exam.vision_abnormal or exam.hearing == Exam.Hearing.REFER or exam.findings
        )
    exam.passed = passed if isinstance(passed, bool) else str(passed).lower() in ("1", "true", "on", "yes")
    return exam


@transaction.atomic
def exam_record(*, actor, child, exam_date, kind=Exam.Kind.PERIODIC, data=None, height_cm=None, weight_kg=None,
                confirmed=False, _checked=False):  # fmt: skip
    """Record an exam of ``child``: haemoglobin (anaemia graded by the campus thresholds),
    vision (abnormal below the age's threshold), caries, hearing, other findings and the
    overall result (computed unless given). With height and weight, the measurement is
    recorded too (or the one of that day linked)."""
    if not _checked:  # the class form checked once for every row
        require_actor_perm(actor, child.campus, MANAGE_EXAMS, system_allowed=True)
    data = dict(data or {})
    if child.school_class_id is None:
        raise ValidationError(_("%(child)s is in no class.") % {"child": child})
    if kind not in Exam.Kind.values:
        raise ValidationError({"kind": _("Choose one of the listed options.")})
    _check_child_on(child, exam_date, "exam_date")
    if Exam.objects.filter(child=child, exam_date=exam_date, kind=kind, is_void=False).exists():
        raise ValidationError(
            {"exam_date": _("%(child)s already has this exam on %(date)s; void it to correct it.")
             % {"child": child, "date": exam_date}}
        )  # fmt: skip
    exam = _build_exam(actor=actor, child=child, school_class=child.school_class, exam_date=exam_date, kind=kind,
                       data=data)  # fmt: skip
    same_day = Measurement.objects.filter(
        child=child, measured_on=exam_date, is_void=False, exam__isnull=True
    ).first()
    if same_day is not None:
        exam.measurement = same_day  # measured in the class round that day
    elif height_cm not in (None, "") or weight_kg not in (None, ""):
        exam.measurement = measurement_record(
            actor=actor, child=child, measured_on=exam_date, height_cm=height_cm, weight_kg=weight_kg,
            note=_("exam"), confirmed=confirmed,
        )  # fmt: skip
    object_save(actor=actor, instance=exam, campus=child.campus)
    exam_enrol(exam, actor=actor)
    return exam


@transaction.atomic
def exams_record_class(*, actor, school_class, exam_date, kind, rows, children=None):
    """Exam results of a class in one go (all or nothing); rows with nothing entered are
    skipped. Errors keyed ``child_<id>``."""
    require_actor_perm(actor, school_class.campus, MANAGE_EXAMS, system_allowed=True)
    by_id = {c.pk: c for c in (children if children is not None else class_children(school_class))}
    errors, saved = {}, []
    for row in rows:
        child = row.get("child")
        child_id = child.pk if hasattr(child, "pk") else int(child)
        entered = any(row.get(k) not in (None, "", False) for k in (*EXAM_FIELDS, "height_cm", "weight_kg"))
        if not entered:
            continue
        if child_id not in by_id:
            errors[f"child_{child_id}"] = [_("The child is not in this class.")]
            continue
        try:
            with transaction.atomic():
                saved.append(
                    exam_record(
                        actor=actor,
                        child=by_id[child_id],
                        exam_date=exam_date,
                        kind=kind,
                        data=row,
                        height_cm=row.get("height_cm"),
                        weight_kg=row.get("weight_kg"),
                        confirmed=bool(row.get("confirmed")),
                        _checked=True,
                    )  # fmt: skip
                )
        except ValidationError as exc:
            errors[f"child_{child_id}"] = _messages(exc)
    if errors:
        raise ValidationError(errors)
    if not saved:
        raise ValidationError(_("Enter the results of at least one child."))
    return saved


def exam_void(*, actor, exam, reason):
    """Void a wrong exam with a reason (its linked measurement stays; void it separately)."""
    return _void(actor=actor, obj=exam, reason=reason, perm=MANAGE_EXAMS)


# --- Entry health cards ---------------------------------------------------------------------

CARD_FIELDS = (
    "exam_date", "hospital", "results", "passed", "vaccination_checked", "vaccination_complete", "vaccination_note",
    "allergies", "past_illnesses", "height_cm", "weight_kg", "hb_g_l",
)  # fmt: skip


@transaction.atomic
def health_card_record(*, actor, child, data, photos=()):
    """Record the entry health card of a child, with photos of the paper form."""
    from houqin.core.attachments import attachment_add

    require_actor_perm(actor, child.campus, MANAGE_EXAMS, system_allowed=True)
    card = HealthCard(campus_id=child.campus_id, child=child,
                      recorded_by=actor if getattr(actor, "is_authenticated", False) else None)  # fmt: skip
    for name in CARD_FIELDS:
        if name in data and (data[name] is not None or name in ("height_cm", "weight_kg", "hb_g_l")):
            setattr(card, name, data[name])
    card.height_cm = _decimal(card.height_cm, "height_cm", required=False)
    card.weight_kg = _decimal(card.weight_kg, "weight_kg", "0.01", required=False)
    if card.exam_date and card.exam_date > timezone.localdate():
        raise ValidationError({"exam_date": _("The date is in the future.")})
    object_save(actor=actor, instance=card, campus=child.campus)
    for photo in photos or ():
        attachment_add(actor=actor, obj=card, uploaded_file=photo, kind="photo")
    return card


def health_card_void(*, actor, card, reason):
    return _void(actor=actor, obj=card, reason=reason, perm=MANAGE_EXAMS)


def card_valid_for_entry(card: HealthCard, child=None, *, campus=None) -> bool:
    """The exam was at most ``entry_exam_valid_days`` (default 30: "form valid 1 month")
    before the child's entry (or before today for a child not yet started) and found fit."""
    child = child or card.child
    campus = campus or child.campus
    days = setting(campus, "entry_exam_valid_days")
    entry = child.enrolled_on or timezone.localdate()
    return bool(card.passed) and dt.timedelta(0) <= entry - card.exam_date <= dt.timedelta(days=days)


# --- Reads: latest values, due lists, summaries ----------------------------------------------


def latest_measurements(child_ids, *, before=None) -> dict[int, Measurement]:
    """child id → the latest non-void measurement (strictly before ``before`` if given).
    One query."""
    qs = Measurement.objects.filter(child_id__in=list(child_ids), is_void=False)
    if before is not None:
        qs = qs.filter(measured_on__lt=before)
    out = {}
    for m in qs.order_by("child_id", "-measured_on", "-id"):
        out.setdefault(m.child_id, m)
    return out


def latest_exams(child_ids) -> dict[int, Exam]:
    out = {}
    for e in Exam.objects.filter(child_id__in=list(child_ids), is_void=False).order_by(
        "child_id", "-exam_date", "-id"
    ):
        out.setdefault(e.child_id, e)
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    import calendar

    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


DUE_KINDS = ("card", "measurement", "exam", "hb", "vision", "hearing", "reexam")


def due_kind_labels():
    return {
        "card": _("Entry health card missing"),
        "measurement": _("Height and weight due"),
        "exam": _("Health exam due"),
        "hb": _("Haemoglobin due"),
        "vision": _("Vision screening due"),
        "hearing": _("Hearing screening due"),
        "reexam": _("Re-exam after more than 3 months away"),
    }


def due_lists(campus, on_date=None, *, school_class=None) -> dict[str, list[dict]]:
    """Who is due for what on ``on_date`` (a fixed number of queries):

    * card – enrolled without a (non-void) entry health card;
    * measurement – no height/weight for ``measure_interval_months`` (default 3, quarterly);
    * exam – 1–3 y: no exam for ``exam_interval_under3_months`` (6: twice a year);
      ≥ 3 y: for ``exam_interval_months`` (12: yearly);
    * hb – no haemoglobin for ``hb_interval_months`` (12);
    * vision – from ``vision_from_months`` (48), none for 12 months;
    * hearing – 1–3 y (12 … ``hearing_until_months`` − 1, default to 4 y), none for 12 months;
    * reexam – away more than ``reexam_after_days`` (90): the last day present was longer
      ago than that (children with attendance records only), and no exam or card since.
    Each entry: {"child", "last": date or None, "due": date or None}.
    """
    from houqin.core.models import Child
    from houqin.health.models import AttendanceRecord

    on_date = on_date or timezone.localdate()
    children_qs = Child.objects.filter(campus=campus, status=Child.Status.ENROLLED).select_related(
        "school_class"
    )
    if school_class is not None:
        children_qs = children_qs.filter(school_class=school_class)
    children = list(children_qs.order_by("school_class__sort_order", "school_class__name", "name", "id"))
    ids = [c.pk for c in children]

    def last_by(qs, date_field):
        return dict(
            qs.filter(child_id__in=ids, is_void=False).values_list("child_id").annotate(d=Max(date_field))
        )

    last_measure = last_by(Measurement.objects.all(), "measured_on")
    last_exam = last_by(Exam.objects.exclude(kind=Exam.Kind.RETURN), "exam_date")
    last_hb = last_by(Exam.objects.filter(hb_g_l__isnull=False), "exam_date")
    last_vision = last_by(
        Exam.objects.filter(Q(vision_left__isnull=False) | Q(vision_right__isnull=False)), "exam_date"
    )
    last_hearing = last_by(Exam.objects.exclude(hearing=""), "exam_date")
    last_any_exam = last_by(Exam.objects.all(), "exam_date")
    cards = last_by(HealthCard.objects.all(), "exam_date")
    last_present = dict(
        AttendanceRecord.objects.filter(child_id__in=ids, status=AttendanceRecord.Status.PRESENT)
        .values_list("child_id")
        .annotate(d=Max("date"))
    )
    s = {n: setting(campus, n) for n in (
        "measure_interval_months", "exam_interval_under3_months", "exam_interval_months", "hb_interval_months",
        "vision_from_months", "hearing_until_months", "reexam_after_days",
    )}  # fmt: skip
    out = {k: [] for k in DUE_KINDS}

    def check(kind, child, last, months):
        due = _add_months(last, months) if last else None
        if due is None or due <= on_date:
            out[kind].append({"child": child, "last": last, "due": due})

    for child in children:
        age = age_in_months(child.birth_date, on_date)
        if child.pk not in cards:
            out["card"].append({"child": child, "last": None, "due": child.enrolled_on})
        check("measurement", child, last_measure.get(child.pk), s["measure_interval_months"])
        if age >= 12:
            months = s["exam_interval_under3_months"] if age < 36 else s["exam_interval_months"]
            check("exam", child, last_exam.get(child.pk), months)
            check("hb", child, last_hb.get(child.pk), s["hb_interval_months"])
        if age >= s["vision_from_months"]:
            check("vision", child, last_vision.get(child.pk), 12)
        if 12 <= age < s["hearing_until_months"]:
            check("hearing", child, last_hearing.get(child.pk), 12)
        present = last_present.get(child.pk)
        if present is not None and (on_date - present).days > s["reexam_after_days"]:
            since = max([d for d in (last_any_exam.get(child.pk), cards.get(child.pk)) if d], default=None)
            if since is None or since <= present:
                out["reexam"].append({"child": child, "last": present, "due": None})
    return out


def due_counts(campus, on_date=None) -> dict[str, int]:
    return {k: len(v) for k, v in due_lists(campus, on_date).items()}


CATEGORY_FIELDS = ("stunting", "underweight", "wasting", "overweight", "obesity")


def class_summary(school_class, children=None) -> dict:
    """The latest measurement of each enrolled child of the class and the counts and
    rates of each classification (a fixed number of queries)."""
    children = children if children is not None else class_children(school_class)
    latest = latest_measurements([c.pk for c in children])
    rows = [{"child": c, "m": latest.get(c.pk)} for c in children]
    measured = [r["m"] for r in rows if r["m"] is not None]
    counts = {name: sum(1 for m in measured if getattr(m, name)) for name in CATEGORY_FIELDS}
    counts["anaemia"] = 0
    exams = latest_exams([c.pk for c in children])
    for r in rows:
        r["exam"] = exams.get(r["child"].pk)
    counts["anaemia"] = sum(1 for e in exams.values() if e.anaemia)
    n = len(measured)
    return {
        "rows": rows,
        "enrolled": len(children),
        "measured": n,
        "counts": counts,
        "rates": {k: (round(v * 100 / n, 1) if n else None) for k, v in counts.items() if k != "anaemia"},
        "examined": len(exams),
        "passed": sum(1 for e in exams.values() if e.passed),
    }


def campus_summary(campus) -> list[dict]:
    """Per class: enrolled, measured, counts of each classification (3 queries)."""
    from houqin.core.models import Child, SchoolClass

    classes = list(
        SchoolClass.objects.filter(campus=campus, is_active=True).order_by("sort_order", "grade", "name")
    )
    children = list(
        Child.objects.filter(campus=campus, status=Child.Status.ENROLLED).only("id", "school_class_id")
    )
    latest = latest_measurements([c.pk for c in children])
    by_class = defaultdict(list)
    for c in children:
        by_class[c.school_class_id].append(c)
    out = []
    for sc in classes:
        ms = [latest[c.pk] for c in by_class.get(sc.pk, []) if c.pk in latest]
        counts = {name: sum(1 for m in ms if getattr(m, name)) for name in CATEGORY_FIELDS}
        out.append(
            {
                "school_class": sc,
                "enrolled": len(by_class.get(sc.pk, [])),
                "measured": len(ms),
                "counts": counts,
            }
        )
    return out


# --- Curves -------------------------------------------------------------------------------------

CURVE_INDICATORS = (("hfa", "height_cm"), ("wfa", "weight_kg"), ("bmi", "bmi"))


def child_curves(child, measurements=None, *, campus=None) -> dict:
    """Data for the growth charts of a child: their points and the −2/0/+2 SD lines of the
    reference (WS/T 423-2022 printed rows under 84 months; WHO otherwise) for height-for-
    age, weight-for-age and BMI-for-age."""
    campus = campus or child.campus
    if measurements is None:
        measurements = list(
            Measurement.objects.filter(child=child, is_void=False).order_by("measured_on", "id")
        )
    today_age = age_in_months(child.birth_date, timezone.localdate())
    ages = [m.age_months for m in measurements] or [today_age]
    lo = max(0, min(ages) - 6)
    hi = max(ages) + 6
    choice = campus_reference(campus)
    reference = ref.reference_for(max(ages), choice) or ref.WHO
    if reference == ref.WST:
        hi = min(hi, 81)
    out = {"reference": reference, "sex": child.sex, "charts": {}}
    for indicator, attr in CURVE_INDICATORS:
        lines = ref.reference_curve(indicator, child.sex, reference=reference, months_from=lo, months_to=hi)
        out["charts"][indicator] = {
            "lines": {
                "-2": [[a, v[0]] for a, v in lines],
                "0": [[a, v[1]] for a, v in lines],
                "+2": [[a, v[2]] for a, v in lines],
            },
            "points": [
                [m.age_months, float(getattr(m, attr)), m.measured_on.isoformat()]
                for m in measurements
                if getattr(m, attr) is not None
            ],
        }
    return out


# --- Letters to parents ---------------------------------------------------------------------


def advice_for(m: Measurement | None, exam: Exam | None) -> list[str]:
    """Plain advice for the letter to parents, from the evaluation and the exam."""
    advice = []
    if m is not None:
        if m.obesity:
            advice.append(_("Your child is obese: keep regular meals, fewer sweets, fried food and sugary drinks, "
                            "at least one hour of active play a day; do not put a growing child on a diet. "
                            "The kindergarten will weigh your child every month."))  # fmt: skip
        elif m.overweight:
            advice.append(
                _("Your child is overweight: watch snacks and sugary drinks and keep your child active.")
            )
        if m.stunting:
            advice.append(_("Your child's height is low for the age: please have it checked at the child health "
                            "clinic; enough sleep, milk, eggs, meat and outdoor activity help growth."))  # fmt: skip
        if m.underweight or m.wasting:
            advice.append(_("Your child's weight is low: please see the child health clinic; give regular, varied "
                            "meals with enough protein (milk, eggs, fish, meat, beans)."))  # fmt: skip
    if exam is not None:
        if exam.anaemia:
            advice.append(_("Haemoglobin is low (anaemia): please see a doctor; give iron-rich food (lean red meat, "
                            "liver, blood tofu) with fruit and vegetables; the Hb will be checked again."))  # fmt: skip
        if exam.vision_abnormal:
            advice.append(_("Vision is below the normal range for the age: please have the eyes examined at an "
                            "ophthalmology clinic; limit screen time and spend time outdoors."))  # fmt: skip
        if exam.caries_count:
            advice.append(_("Your child has decayed teeth: please see a dentist; brush twice a day and cut down on "
                            "sweets."))  # fmt: skip
        if exam.hearing == Exam.Hearing.REFER:
            advice.append(
                _("The hearing screen was not passed: please have the hearing checked at a hospital.")
            )
        if exam.advice:
            advice.append(exam.advice)
    if not advice:
        advice.append(
            _("Your child is growing well. Keep a balanced diet, enough sleep and daily outdoor play.")
        )
    return advice
