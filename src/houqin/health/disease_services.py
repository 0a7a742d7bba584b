"""Services of the disease area: medication (喂药), infectious disease (传染病: cases,
isolation, return to class, terminal disinfection, class quarantine, outbreak alerts and
their 24-hour report), disinfectant concentration tests and health education.

Every write validates (``full_clean``), saves and writes its audit event in one
transaction; views, the API and the demo call these functions. Regulated records are
voided with a reason, never edited or deleted. Every number of the regulations is a campus
setting (``health.disease.*``, registered in ``disease_registrations``).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.attachments import attachment_add
from houqin.core.links import campus_url
from houqin.core.models import Child
from houqin.core.notifications import notify, notify_roles
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update, object_save
from houqin.core.settings_registry import campus_setting
from houqin.health.models import (
    ClassQuarantine,
    ConcentrationTest,
    Disease,
    DiseaseCase,
    HealthLesson,
    MedicationDose,
    MedicationOrder,
    OutbreakAlert,
    PublicityBoardChange,
    TerminalDisinfection,
)
from houqin.health.models.disease import parse_times

CASE_PREFIX = "CRB"
OUTBREAK_PREFIX = "YQ"

REGISTER_MEDICATION = "health.register_medication"
GIVE_MEDICATION = "health.give_medication"
MANAGE_DISEASE = "health.manage_disease"
RECORD_DISINFECTION = "health.record_disinfection"
RECORD_EDUCATION = "health.record_education"

ALERT_ROLES = (Role.PRINCIPAL, Role.HEALTH_TEACHER)

# Setting keys (registered in disease_registrations).
S_GRACE = "health.disease.dose_grace_minutes"
S_DAY_CASES = "health.disease.outbreak_day_cases"
S_WINDOW_CASES = "health.disease.outbreak_window_cases"
S_WINDOW_DAYS = "health.disease.outbreak_window_days"
S_SAME_DISEASE = "health.disease.outbreak_same_disease"
S_REPORT_HOURS = "health.disease.report_hours"
S_DISINFECTION_DAYS = "health.disease.terminal_disinfection_days"
S_CHLORINE_MIN = "health.disease.chlorine_min"
S_CHLORINE_MAX = "health.disease.chlorine_max"
S_LESSON_DAY = "health.disease.lesson_reminder_day"
S_BOARD_DAY = "health.disease.board_reminder_day"

# The common diseases of kindergartens: (name, isolation days from the onset, class
# quarantine (medical observation) days, cluster: cases, within days, cases in one class,
# typical symptoms, return rule). Cluster thresholds: regulations.md §2.5 (Huzhou health
# commission, 2023). Isolation and observation periods are the usual school practice
# (GB 28932-2012 附录; measles 7 d, varicella ≥ 14 d per regulations.md §2.5); the
# health teacher adjusts them to the local CDC's instructions.
DEFAULT_DISEASES = [
    ("手足口病", 14, 10, 5, 7, 2, "发热，手、足、口腔、臀部疱疹", "症状消失后1周，凭医院复课证明返园"),
    ("疱疹性咽峡炎", 14, 10, 5, 7, None, "发热，咽部疱疹", "症状消失后1周，凭医院复课证明返园"),
    ("流行性腮腺炎", 21, 21, 5, 7, None, "发热，腮腺肿大疼痛", "腮腺完全消肿后，凭医院复课证明返园"),
    ("流感", 7, 4, 10, 7, None, "发热≥38℃，咳嗽或咽痛", "热退48小时后，凭医院复课证明返园"),
    ("水痘", 14, 21, 5, 7, None, "发热，皮疹、疱疹", "全部疱疹结痂干燥后，凭医院复课证明返园"),
    ("诺如病毒感染", 3, 3, 10, 7, None, "呕吐、腹泻", "症状消失72小时后返园"),
    (
        "猩红热",
        7,
        7,
        10,
        7,
        None,
        "发热，咽痛，草莓舌，全身猩红色皮疹",
        "治疗后症状消失，不少于7天，凭复课证明返园",
    ),
    ("麻疹", 7, 21, 2, 10, None, "发热，咳嗽，结膜炎，皮疹", "出疹后5天以上，凭医院复课证明返园"),
    ("风疹", 7, 21, 5, 7, None, "低热，皮疹，耳后淋巴结肿大", "出疹后5天以上，凭医院复课证明返园"),
    (
        "急性出血性结膜炎",
        7,
        7,
        3,
        7,
        None,
        "眼红、眼痛、异物感、分泌物增多",
        "症状消失后，凭医院复课证明返园",
    ),
    ("细菌性痢疾", 7, 7, 10, 3, None, "发热，腹痛，腹泻，脓血便", "症状消失，大便培养阴性后返园"),
]


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _now(now=None):
    return now or timezone.now()


def _today(now=None):
    return timezone.localtime(_now(now)).date()


def _at(day, time):
    return timezone.make_aware(dt.datetime.combine(day, time))


def _save(*, actor, obj, before=None, action=None, message=""):
    return object_save(actor=actor, instance=obj, before=before, action=action, message=message)


def _add_photos(*, actor, obj, photos, kind="photo", caption=""):
    return [
        attachment_add(actor=actor, obj=obj, uploaded_file=p, kind=kind, caption=caption)
        for p in photos or ()
        if p
    ]


# ==============================================================================================
# Medication (喂药)
# ==============================================================================================

ORDER_FIELDS = (
    "drug", "dose", "route", "times", "start_date", "days", "is_antibiotic", "storage", "notes", "parent_name",
    "parent_phone", "parent_confirmed",
)  # fmt: skip


@transaction.atomic
def medication_register(*, actor, campus, child, data, photos=(), signature=None, now=None):
    """Register a medicine a parent entrusted (喂药登记). ``data``: the ORDER_FIELDS;
    ``photos``: the hospital record (病历/处方), required for an antibiotic; ``signature``:
    the parent's drawn signature (a PNG data URL from the signature pad, or a file), optional
    — the parent's confirmation (``parent_confirmed``) is required either way."""
    require_actor_perm(actor, campus, REGISTER_MEDICATION, system_allowed=True)
    photos = [p for p in photos or () if p]
    errors = {}
    if child is None or child.campus_id != campus.pk:
        raise ValidationError({"child": _("Choose a child of this campus.")})
    if child.status != Child.Status.ENROLLED or not child.school_class_id:
        errors["child"] = _("The child is not enrolled in a class.")
    if data.get("is_antibiotic") and not photos:
        errors["photos"] = _("An antibiotic needs a photo of the hospital record (病历/处方).")
    if errors:
        raise ValidationError(errors)
    if isinstance(signature, str):
        from houqin.assets.custody_services import signature_file

        signature = signature_file(signature)
    order = MedicationOrder(
        campus=campus, child=child, school_class=child.school_class, registered_by=_actor(actor),
        registered_at=_now(now), has_signature=signature is not None,
        **{k: v for k, v in data.items() if k in ORDER_FIELDS},
    )  # fmt: skip
    order.times = parse_times(order.times) if not isinstance(order.times, list) else order.times
    _save(actor=actor, obj=order, action="medication_register")
    _add_photos(actor=actor, obj=order, photos=photos, kind="scan", caption=_("Hospital record"))
    if signature is not None:
        image = attachment_add(actor=actor, obj=order, uploaded_file=signature, kind="signature",
                               caption=_("Parent's signature"))  # fmt: skip
        if not image.is_image:
            raise ValidationError({"signature": _("The signature must be a picture.")})
    return order


@transaction.atomic
def medication_stop(*, actor, order, reason, now=None):
    """Stop a medicine early (the parent withdrew it, the child recovered…); the slots
    before now stay on the lists."""
    reason = clean_reason(reason)
    locked = lock_for_update(order)
    if locked.status != MedicationOrder.Status.ACTIVE:
        raise ValidationError(_("Only an active medicine can be stopped."))
    before = audit.snapshot(locked)
    locked.status = MedicationOrder.Status.STOPPED
    locked.stopped_at, locked.stopped_by, locked.stop_reason = _now(now), _actor(actor), reason
    return _save(actor=actor, obj=locked, before=before, action="medication_stop", message=reason)


@transaction.atomic
def medication_void(*, actor, order, reason, now=None):
    """Void a registration made by mistake; refused once a dose was given (stop it instead)."""
    reason = clean_reason(reason)
    locked = lock_for_update(order)
    if locked.is_void:
        raise ValidationError(_("This record is already void."))
    if locked.doses.filter(is_void=False, status=MedicationDose.Status.GIVEN).exists():
        raise ValidationError(_("Doses were given from this medicine; stop it instead of voiding it."))
    before = audit.snapshot(locked)
    locked.status = MedicationOrder.Status.VOID
    locked.is_void, locked.void_reason, locked.voided_by, locked.voided_at = (
        True,
        reason,
        _actor(actor),
        _now(now),
    )
    return _save(actor=actor, obj=locked, before=before, action="void", message=reason)


@dataclass
class DoseSlot:
    """One time slot of one medicine on one day, with what happened to it."""

    order: MedicationOrder
    date: dt.date
    slot: dt.time
    at: dt.datetime
    dose: MedicationDose | None
    state: str  # given, not_given, pending, due, missed, absent

    @property
    def key(self):
        return f"{self.order.pk}-{self.date:%Y%m%d}-{self.slot:%H%M}"

    @property
    def slot_code(self):
        return f"{self.slot:%H%M}"


def grace_minutes(campus):
    return campus_setting(campus, S_GRACE)


def dose_slots(campus, day, *, school_class=None, now=None):
    """Every slot of the day's medicines (of one class or all), sorted by time and class, with
    its state: given / not given (recorded), pending (not yet time), due (time passed, within
    the grace), missed (grace passed, nothing recorded), absent (the child is marked absent in
    the day's attendance: record it as not given). Three queries whatever the size."""
    now = _now(now)
    grace = dt.timedelta(minutes=grace_minutes(campus))
    orders = MedicationOrder.objects.filter(
        campus=campus, start_date__lte=day, end_date__gte=day, is_void=False,
        status__in=[MedicationOrder.Status.ACTIVE, MedicationOrder.Status.STOPPED],
    ).select_related("child", "school_class")  # fmt: skip
    if school_class is not None:
        orders = orders.filter(school_class=school_class)
    orders = list(orders)
    if not orders:
        return []
    doses = {}
    for d in MedicationDose.objects.filter(
        campus=campus, date=day, is_void=False, order__in=[o.pk for o in orders]
    ).select_related("recorded_by"):
        doses[(d.order_id, d.slot.strftime("%H:%M"))] = d
    from houqin.health.models import AttendanceRecord

    absent = set(
        AttendanceRecord.objects.filter(
            campus=campus,
            date=day,
            status=AttendanceRecord.Status.ABSENT,
            child_id__in=[o.child_id for o in orders],
        ).values_list("child_id", flat=True)
    )
    out = []
    for order in orders:
        for text in order.times or []:
            slot = dt.time.fromisoformat(text)
            at = _at(day, slot)
            stopped = order.status == MedicationOrder.Status.STOPPED
            if (
                stopped
                and (order.stopped_at is None or at >= order.stopped_at)
                and (order.pk, text) not in doses
            ):
                continue
            dose = doses.get((order.pk, text))
            if dose is not None:
                state = dose.status
            elif order.child_id in absent:
                state = "absent"
            elif now < at:
                state = "pending"
            elif now <= at + grace:
                state = "due"
            else:
                state = "missed"
            out.append(DoseSlot(order=order, date=day, slot=slot, at=at, dose=dose, state=state))
    out.sort(
        key=lambda s: (s.slot, s.order.school_class.sort_order, s.order.school_class.name, s.order.child.name)
    )
    return out


def missed_doses(campus, day=None, *, now=None):
    now = _now(now)
    return [s for s in dose_slots(campus, day or _today(now), now=now) if s.state == "missed"]


def _check_slot(order, date, slot, now):
    """The slot exists for this medicine on this day and may be recorded now."""
    text = slot.strftime("%H:%M") if isinstance(slot, dt.time) else str(slot)
    try:
        slot = dt.time.fromisoformat(text)
    except ValueError:
        raise ValidationError({"slot": _("Choose one of the medicine's times.")})
    if order.is_void or order.status == MedicationOrder.Status.VOID:
        raise ValidationError(_("This medicine was voided."))
    if not (order.start_date <= date <= order.end_date) or slot.strftime("%H:%M") not in (order.times or []):
        raise ValidationError({"slot": _("The medicine is not due at this time on this day.")})
    at = _at(date, slot)
    if order.status == MedicationOrder.Status.STOPPED and order.stopped_at and at >= order.stopped_at:
        raise ValidationError(_("The medicine was stopped: %(reason)s") % {"reason": order.stop_reason})
    if date > _today(now):
        raise ValidationError({"date": _("A dose cannot be recorded for a day to come.")})
    return slot, at


@transaction.atomic
def dose_give(
    *, actor, order, date, slot, confirmed_child, confirmed_class, confirmed_dose, note="", now=None
):
    """Give a dose after the three checks (姓名、班级、剂量), signed by the giver's own login
    with the time. Not earlier than the grace before the slot; once per slot."""
    if _actor(actor) is None:
        raise PermissionDenied(_("A dose is signed by the person who gives it, logged in as themselves."))
    require_actor_perm(actor, order.campus, GIVE_MEDICATION)
    now = _now(now)
    locked = lock_for_update(order)
    slot, at = _check_slot(locked, date, slot, now)
    if now < at - dt.timedelta(minutes=grace_minutes(locked.campus)):
        raise ValidationError(
            {"slot": _("It is too early for the %(time)s dose.") % {"time": slot.strftime("%H:%M")}}
        )
    if MedicationDose.objects.filter(order=locked, date=date, slot=slot, is_void=False).exists():
        raise ValidationError(_("This dose has already been recorded."))
    dose = MedicationDose(
        campus=locked.campus, order=locked, child=locked.child, school_class=locked.school_class, date=date,
        slot=slot, status=MedicationDose.Status.GIVEN, confirmed_child=bool(confirmed_child),
        confirmed_class=bool(confirmed_class), confirmed_dose=bool(confirmed_dose), note=(note or "").strip()[:200],
        recorded_by=actor, recorded_at=now,
    )  # fmt: skip
    return _save(actor=actor, obj=dose, action="dose_give")


@transaction.atomic
def dose_not_given(*, actor, order, date, slot, reason, note="", now=None):
    """Record that a dose was not given, with the reason (child absent, parent withdrew…)."""
    if _actor(actor) is None:
        raise PermissionDenied(_("A dose is signed by the person who records it, logged in as themselves."))
    require_actor_perm(actor, order.campus, GIVE_MEDICATION)
    now = _now(now)
    locked = lock_for_update(order)
    slot, _at_time = _check_slot(locked, date, slot, now)
    if reason not in MedicationDose.Reason.values:
        raise ValidationError({"reason": _("Say why the dose was not given.")})
    note = (note or "").strip()[:200]
    if reason == MedicationDose.Reason.OTHER and not note:
        raise ValidationError({"note": _("Describe the reason.")})
    if MedicationDose.objects.filter(order=locked, date=date, slot=slot, is_void=False).exists():
        raise ValidationError(_("This dose has already been recorded."))
    dose = MedicationDose(
        campus=locked.campus, order=locked, child=locked.child, school_class=locked.school_class, date=date,
        slot=slot, status=MedicationDose.Status.NOT_GIVEN, reason=reason, note=note, recorded_by=actor,
        recorded_at=now,
    )  # fmt: skip
    return _save(actor=actor, obj=dose, action="dose_not_given", message=dose.get_reason_display())


def may_void_dose(user, dose, perms):
    return not dose.is_void and (
        dose.recorded_by_id == getattr(user, "pk", None) or REGISTER_MEDICATION in perms
    )


@transaction.atomic
def dose_void(*, actor, dose, reason, now=None):
    """Void a recorded dose with a reason (recorded on the wrong child…): it stays on record;
    the slot can be recorded again. Only the signer or a holder of register_medication."""
    reason = clean_reason(reason)
    locked = lock_for_update(dose)
    if locked.is_void:
        raise ValidationError(_("This record is already void."))
    perms = actor_perms(actor, locked.campus, none_for_system=True)
    if perms is not None and not may_void_dose(actor, locked, perms):
        raise PermissionDenied(_("Only the person who signed the dose or the health teacher can void it."))
    before = audit.snapshot(locked)
    locked.is_void, locked.void_reason, locked.voided_by, locked.voided_at = (
        True,
        reason,
        _actor(actor),
        _now(now),
    )
    return _save(actor=actor, obj=locked, before=before, action="void", message=reason)


# ==============================================================================================
# Infectious disease (传染病)
# ==============================================================================================


@transaction.atomic
def diseases_ensure(campus, *, actor=None):
    """Seed the campus's disease list with the common ones when it has none; returns the
    number created (0 when the campus already keeps its list)."""
    if Disease.objects.filter(campus=campus).exists():
        return 0
    for order, (name, iso, quarantine, n, days, in_class, symptoms, rule) in enumerate(
        DEFAULT_DISEASES, start=1
    ):
        _save(
            actor=actor,
            obj=Disease(
                campus=campus, name=name, isolation_days=iso, quarantine_days=quarantine, cluster_cases=n,
                cluster_days=days, class_cluster_cases=in_class, symptoms=symptoms, return_rule=rule,
                sort_order=order * 10,
            ),
            message="default list",
        )  # fmt: skip
    return len(DEFAULT_DISEASES)


def disease_save(*, actor, instance, before=None):
    return _save(actor=actor, obj=instance, before=before)


def _isolation_until(disease, onset):
    return onset + dt.timedelta(days=disease.isolation_days - 1)


@transaction.atomic
def case_record(*, actor, campus, child, disease, onset_date, diagnosis_source=DiseaseCase.Source.HOSPITAL,
                hospital="", symptoms="", note="", reported_on=None, now=None):  # fmt: skip
    """Record an infectious disease case (传染病登记): the isolation runs from the onset for
    the disease's days; the class gets a terminal disinfection task (终末消毒); the outbreak
    thresholds are checked (3 in a day, 5 in 3 days: :func:`outbreak_check`)."""
    require_actor_perm(actor, campus, MANAGE_DISEASE, system_allowed=True)
    now = _now(now)
    if child is None or child.campus_id != campus.pk:
        raise ValidationError({"child": _("Choose a child of this campus.")})
    if not child.school_class_id:
        raise ValidationError({"child": _("The child is not in a class.")})
    if disease is None or disease.campus_id != campus.pk:
        raise ValidationError({"disease": _("Choose a disease of the campus's list.")})
    if onset_date is None:
        raise ValidationError({"onset_date": _("This field is required.")})
    reported_on = reported_on or _today(now)
    if DiseaseCase.objects.filter(
        campus=campus, child=child, disease=disease, is_void=False, status=DiseaseCase.Status.ISOLATING
    ).exists():
        raise ValidationError(_("This child already has an open case of this disease."))
    case = DiseaseCase(
        campus=campus, child=child, school_class=child.school_class, disease=disease, onset_date=onset_date,
        diagnosis_source=diagnosis_source, hospital=hospital or "", symptoms=symptoms or "", note=note or "",
        reported_on=reported_on, reported_by=_actor(actor), isolation_from=onset_date,
        isolation_until=_isolation_until(disease, onset_date),
    )  # fmt: skip
    case.full_clean(exclude=["number"])
    case.number = next_number(campus=campus, prefix=CASE_PREFIX, on_date=now)
    _save(actor=actor, obj=case, action="case_record")
    case.disinfection = _disinfection_for(actor=actor, case=case, now=now)
    case.save(update_fields=["disinfection", "updated_at"])
    _notify_head(case)
    outbreak_check(actor=actor, case=case, now=now)
    return case


def _notify_head(case):
    head = case.school_class.head_teacher
    if head is None:
        return
    notify(
        campus=case.campus, recipients=[head], level="warning", event="health.disease.case",
        title=_("%(disease)s: %(child)s (%(class)s) is in isolation until %(date)s; terminal disinfection due %(due)s")
        % {"disease": case.disease, "child": case.child, "class": case.school_class, "date": case.isolation_until,
           "due": case.disinfection.due_date if case.disinfection else "—"},
        url=campus_url(case.campus, "health:case_detail", pk=case.pk),
    )  # fmt: skip


def _disinfection_for(*, actor, case, now):
    """The class's open terminal disinfection task, or a new one due by the setting's days."""
    task = (
        TerminalDisinfection.objects.filter(
            campus=case.campus, school_class=case.school_class, status=TerminalDisinfection.Status.PENDING,
            is_void=False,
        ).order_by("due_date").first()
    )  # fmt: skip
    if task is not None:
        return task
    days = campus_setting(case.campus, S_DISINFECTION_DAYS)
    task = TerminalDisinfection(
        campus=case.campus, school_class=case.school_class, disease=case.disease,
        due_date=case.reported_on + dt.timedelta(days=days),
    )  # fmt: skip
    return _save(actor=actor, obj=task, action="disinfection_open", message=case.number)


@transaction.atomic
def case_return(*, actor, case, returned_on, certificate_date, certificate, note="", now=None):
    """The child comes back (复课) with a medical certificate (photo, date); refused before the
    isolation has ended."""
    require_actor_perm(actor, case.campus, MANAGE_DISEASE, system_allowed=True)
    locked = lock_for_update(case)
    if locked.is_void or locked.status != DiseaseCase.Status.ISOLATING:
        raise ValidationError(_("Only a child in isolation can return to class."))
    errors = {}
    if returned_on is None:
        errors["returned_on"] = _("This field is required.")
    elif returned_on <= locked.isolation_until:
        errors["returned_on"] = _(
            "The isolation lasts until %(until)s: the child may return from %(first)s at the earliest."
        ) % {"until": locked.isolation_until, "first": locked.earliest_return}
    elif returned_on > _today(now) + dt.timedelta(days=1):
        errors["returned_on"] = _("The return cannot be recorded in advance.")
    if certificate_date is None:
        errors["certificate_date"] = _("Give the date of the medical certificate.")
    elif returned_on and (certificate_date > returned_on or certificate_date < locked.onset_date):
        errors["certificate_date"] = _("The certificate must be dated between the onset and the return.")
    if not certificate:
        errors["certificate"] = _("A medical certificate (复课证明) is required to return to class.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked)
    locked.status = DiseaseCase.Status.RETURNED
    locked.returned_on, locked.certificate_date, locked.return_recorded_by = (
        returned_on,
        certificate_date,
        _actor(actor),
    )
    if note:
        locked.note = (f"{locked.note} {note}".strip())[:200]
    _save(actor=actor, obj=locked, before=before, action="case_return")
    attachment_add(actor=actor, obj=locked, uploaded_file=certificate, kind="scan",
                   caption=_("Return-to-class certificate"))  # fmt: skip
    _sync(case, locked)
    return locked


@transaction.atomic
def case_extend(*, actor, case, until, reason):
    """Lengthen the isolation (symptoms not gone, the doctor's advice)."""
    require_actor_perm(actor, case.campus, MANAGE_DISEASE, system_allowed=True)
    reason = clean_reason(reason)
    locked = lock_for_update(case)
    if locked.is_void or locked.status != DiseaseCase.Status.ISOLATING:
        raise ValidationError(_("Only a child in isolation can have the isolation lengthened."))
    if until is None or until <= locked.isolation_until:
        raise ValidationError(
            {
                "until": _("The new end must be after the current one (%(date)s).")
                % {"date": locked.isolation_until}
            }
        )
    before = audit.snapshot(locked)
    locked.isolation_until = until
    _save(actor=actor, obj=locked, before=before, action="case_extend", message=reason)
    _sync(case, locked)
    return locked


@transaction.atomic
def case_void(*, actor, case, reason, now=None):
    """Void a case recorded by mistake: its disinfection task is voided too when no other
    case needs it, and the outbreak alerts' counts follow."""
    require_actor_perm(actor, case.campus, MANAGE_DISEASE, system_allowed=True)
    reason = clean_reason(reason)
    locked = lock_for_update(case)
    if locked.is_void:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(locked)
    locked.is_void, locked.void_reason, locked.voided_by, locked.voided_at = (
        True,
        reason,
        _actor(actor),
        _now(now),
    )
    _save(actor=actor, obj=locked, before=before, action="void", message=reason)
    task = locked.disinfection
    if task is not None and task.status == TerminalDisinfection.Status.PENDING and not task.is_void:
        if not task.cases.filter(is_void=False).exists():
            t_before = audit.snapshot(task)
            task.is_void, task.void_reason = True, _("Case %(number)s voided") % {"number": locked.number}
            task.voided_by, task.voided_at = _actor(actor), _now(now)
            _save(actor=actor, obj=task, before=t_before, action="void", message=task.void_reason)
    for alert in locked.outbreaks.all():
        a_before = audit.snapshot(alert)
        alert.case_count = alert.cases.filter(is_void=False).count()
        _save(actor=actor, obj=alert, before=a_before)
    _sync(case, locked)
    return locked


def _sync(target, source):
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# --- Outbreaks ---------------------------------------------------------------------------------


def outbreak_thresholds(campus):
    return {
        "day": campus_setting(campus, S_DAY_CASES),
        "window": campus_setting(campus, S_WINDOW_CASES),
        "days": campus_setting(campus, S_WINDOW_DAYS),
        "same_disease": campus_setting(campus, S_SAME_DISEASE),
        "hours": campus_setting(campus, S_REPORT_HOURS),
    }


def _threshold_reached(onsets, around, limits):
    """(rule, case ids, first, last) when the cases around ``around`` reach a threshold."""
    on_day = [pk for d, pk in onsets if d == around]
    if len(on_day) >= limits["day"]:
        return OutbreakAlert.Rule.DAY, on_day, around, around
    span = limits["days"] - 1
    for offset in range(span, -1, -1):
        start = around - dt.timedelta(days=offset)
        end = start + dt.timedelta(days=span)
        ids = [pk for d, pk in onsets if start <= d <= end]
        if len(ids) >= limits["window"]:
            dates = [d for d, pk in onsets if start <= d <= end]
            return OutbreakAlert.Rule.WINDOW, ids, min(dates), max(dates)
    return None


def outbreak_check(*, actor, case, now=None):
    """Raise (or extend) the class's outbreak alert when the case makes it reach
    ``outbreak_day_cases`` cases with the same onset day or ``outbreak_window_cases`` within
    ``outbreak_window_days`` consecutive days (by onset; the same disease unless the campus
    counts every disease together). A new alert is reported within ``report_hours``, notifies
    the principal and the health teacher and proposes a class quarantine."""
    now = _now(now)
    campus = case.campus
    limits = outbreak_thresholds(campus)
    span = dt.timedelta(days=limits["days"] - 1)
    qs = DiseaseCase.objects.filter(
        campus=campus, school_class=case.school_class, is_void=False,
        onset_date__range=(case.onset_date - span, case.onset_date + span),
    )  # fmt: skip
    if limits["same_disease"]:
        qs = qs.filter(disease=case.disease)
    onsets = list(qs.values_list("onset_date", "pk"))
    reached = _threshold_reached(onsets, case.onset_date, limits)
    if reached is None:
        return None
    rule, ids, first, last = reached
    open_alerts = OutbreakAlert.objects.filter(
        campus=campus, school_class=case.school_class,
        status__in=[OutbreakAlert.Status.OPEN, OutbreakAlert.Status.REPORTED],
    )  # fmt: skip
    if limits["same_disease"]:
        open_alerts = open_alerts.filter(disease=case.disease)
    alert = open_alerts.order_by("-raised_at").first()
    if alert is not None:
        before = audit.snapshot(alert)
        alert.cases.add(*ids)
        alert.case_count = alert.cases.filter(is_void=False).count()
        alert.first_onset, alert.last_onset = min(alert.first_onset, first), max(alert.last_onset, last)
        _save(actor=actor, obj=alert, before=before, action="outbreak_case_added", message=case.number)
        return alert
    cases = list(DiseaseCase.objects.filter(pk__in=ids).select_related("child"))
    if rule == OutbreakAlert.Rule.DAY:
        label = _("%(n)s cases in one day") % {"n": limits["day"]}
    else:
        label = _("%(n)s cases within %(d)s days") % {"n": limits["window"], "d": limits["days"]}
    symptoms = "；".join(sorted({c.symptoms for c in cases if c.symptoms}))
    alert = OutbreakAlert(
        campus=campus, school_class=case.school_class, disease=case.disease if limits["same_disease"] else None,
        rule=rule, rule_label=label, case_count=len(ids), first_onset=first, last_onset=last, raised_at=now,
        report_due_at=now + dt.timedelta(hours=limits["hours"]), symptoms=symptoms[:2000],
        number=next_number(campus=campus, prefix=OUTBREAK_PREFIX, on_date=now),
    )  # fmt: skip
    _save(actor=actor, obj=alert, action="outbreak_raise", message=label)
    alert.cases.set(ids)
    title = _("Outbreak alert %(number)s: %(class)s, %(what)s (%(disease)s) — report within %(hours)s h") % {
        "number": alert.number, "class": alert.school_class, "what": label,
        "disease": case.disease if limits["same_disease"] else _("similar symptoms"), "hours": limits["hours"],
    }  # fmt: skip
    notify_roles(
        campus=campus, roles=ALERT_ROLES, level="danger", event="health.disease.outbreak", title=title,
        body=_("Report to the CDC by %(due)s. Cases: %(cases)s")
        % {"due": timezone.localtime(alert.report_due_at).strftime("%Y-%m-%d %H:%M"),
           "cases": "、".join(c.child.name for c in cases)},
        url=campus_url(campus, "health:outbreak_detail", pk=alert.pk), email=True,
    )  # fmt: skip
    _propose_quarantine(actor=actor, alert=alert, disease=case.disease, now=now)
    return alert


def _propose_quarantine(*, actor, alert, disease, now):
    today = _today(now)
    if ClassQuarantine.objects.filter(
        campus=alert.campus, school_class=alert.school_class, end_date__gte=today,
        status__in=[ClassQuarantine.Status.ACTIVE, ClassQuarantine.Status.PROPOSED],
    ).exists():  # fmt: skip
        return None
    proposal = ClassQuarantine(
        campus=alert.campus, school_class=alert.school_class, disease=disease, outbreak=alert, start_date=today,
        end_date=today + dt.timedelta(days=disease.quarantine_days - 1), status=ClassQuarantine.Status.PROPOSED,
        reason=_("Outbreak alert %(number)s") % {"number": alert.number},
    )  # fmt: skip
    return _save(actor=actor, obj=proposal, action="quarantine_propose", message=alert.number)


@transaction.atomic
def outbreak_report(*, actor, alert, reported_to, method="", measures="", reported_at=None, now=None):
    """Mark the alert as reported (to whom, how, when) with the measures taken."""
    require_actor_perm(actor, alert.campus, MANAGE_DISEASE, system_allowed=True)
    locked = lock_for_update(alert)
    if locked.status != OutbreakAlert.Status.OPEN:
        raise ValidationError(_("This alert has already been reported."))
    errors = {}
    reported_to = (reported_to or "").strip()
    measures = (measures or locked.measures or "").strip()
    if not reported_to:
        errors["reported_to"] = _("Say to whom it was reported (e.g. 区疾控中心 张医生).")
    if not measures:
        errors["measures"] = _("Describe the measures taken.")
    reported_at = reported_at or _now(now)
    if reported_at > _now(now) + dt.timedelta(minutes=5):
        errors["reported_at"] = _("The report cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked)
    locked.status = OutbreakAlert.Status.REPORTED
    locked.reported_to, locked.report_method, locked.measures = (
        reported_to[:100],
        (method or "")[:60],
        measures,
    )
    locked.reported_at, locked.reported_by = reported_at, _actor(actor)
    _save(actor=actor, obj=locked, before=before, action="outbreak_report", message=reported_to)
    _sync(alert, locked)
    return locked


@transaction.atomic
def outbreak_update_measures(*, actor, alert, measures):
    require_actor_perm(actor, alert.campus, MANAGE_DISEASE, system_allowed=True)
    locked = lock_for_update(alert)
    if locked.status == OutbreakAlert.Status.CLOSED:
        raise ValidationError(_("This alert is closed."))
    before = audit.snapshot(locked)
    locked.measures = (measures or "").strip()
    _save(actor=actor, obj=locked, before=before)
    _sync(alert, locked)
    return locked


@transaction.atomic
def outbreak_close(*, actor, alert, note="", now=None):
    """Close a reported alert when the episode is over."""
    require_actor_perm(actor, alert.campus, MANAGE_DISEASE, system_allowed=True)
    locked = lock_for_update(alert)
    if locked.status != OutbreakAlert.Status.REPORTED:
        raise ValidationError(_("Report the alert before closing it."))
    before = audit.snapshot(locked)
    locked.status = OutbreakAlert.Status.CLOSED
    locked.closed_at, locked.closed_by, locked.close_note = (
        _now(now),
        _actor(actor),
        (note or "").strip()[:200],
    )
    _save(actor=actor, obj=locked, before=before, action="outbreak_close", message=locked.close_note)
    _sync(alert, locked)
    return locked


def outbreak_cases(alert):
    return list(
        alert.cases.select_related("child", "school_class", "disease").order_by("onset_date", "child__name")
    )


# --- Quarantine (不并班、不串班、不收新生) ------------------------------------------------------------


def quarantine_in_force(campus, school_class, day=None):
    """The quarantine in force for the class on ``day`` (today), or None."""
    day = day or timezone.localdate()
    return (
        ClassQuarantine.objects.with_scopes_disabled()
        .filter(campus_id=getattr(campus, "pk", campus), school_class_id=getattr(school_class, "pk", school_class),
                active=True, start_date__lte=day, end_date__gte=day)
        .order_by("end_date").last()
    )  # fmt: skip


def quarantined_class_ids(campus, day=None):
    day = day or timezone.localdate()
    return set(
        ClassQuarantine.objects.filter(
            campus=campus, active=True, start_date__lte=day, end_date__gte=day
        ).values_list("school_class_id", flat=True)
    )


def quarantine_guard(child, *, previous_class_id):
    """``core.placement`` guard: no new enrolment into a class under quarantine and no move
    into it (不收新生、不串班) while the quarantine is in force."""
    if not child.campus_id:
        return None
    quarantine = quarantine_in_force(child.campus_id, child.school_class_id)
    if quarantine is None:
        return None
    return _(
        "%(class)s is under quarantine until %(date)s (不收新生、不串班): no child can be enrolled into it or moved into it."
    ) % {"class": quarantine.school_class, "date": quarantine.end_date}


def check_merge(classes, day=None):
    """For any feature that merges classes (并班, e.g. late pickup): ValidationError when one
    of them is under quarantine (不并班)."""
    classes = [c for c in classes if c is not None]
    for school_class in classes:
        quarantine = quarantine_in_force(school_class.campus_id, school_class, day)
        if quarantine is not None:
            raise ValidationError(
                _(
                    "%(class)s is under quarantine until %(date)s: it cannot be merged with another class (不并班)."
                )
                % {"class": school_class, "date": quarantine.end_date}
            )


@transaction.atomic
def quarantine_create(
    *, actor, campus, school_class, start_date, end_date, reason="", disease=None, now=None
):
    """Put a class under quarantine (in force at once)."""
    require_actor_perm(actor, campus, MANAGE_DISEASE, system_allowed=True)
    if school_class is None or school_class.campus_id != campus.pk:
        raise ValidationError({"school_class": _("Choose a class of this campus.")})
    if start_date and end_date and ClassQuarantine.objects.filter(
        campus=campus, school_class=school_class, active=True, start_date__lte=end_date, end_date__gte=start_date
    ).exists():  # fmt: skip
        raise ValidationError({"school_class": _("The class already has a quarantine over these days.")})
    q = ClassQuarantine(
        campus=campus, school_class=school_class, start_date=start_date, end_date=end_date, reason=reason or "",
        disease=disease, status=ClassQuarantine.Status.ACTIVE, created_by=_actor(actor), confirmed_by=_actor(actor),
        confirmed_at=_now(now),
    )  # fmt: skip
    return _save(actor=actor, obj=q, action="quarantine_start")


@transaction.atomic
def quarantine_confirm(*, actor, quarantine, start_date=None, end_date=None, now=None):
    """Put a proposed quarantine in force (dates may be adjusted)."""
    require_actor_perm(actor, quarantine.campus, MANAGE_DISEASE, system_allowed=True)
    locked = lock_for_update(quarantine)
    if locked.status != ClassQuarantine.Status.PROPOSED:
        raise ValidationError(_("Only a proposed quarantine can be confirmed."))
    before = audit.snapshot(locked)
    locked.start_date = start_date or locked.start_date
    locked.end_date = end_date or locked.end_date
    if ClassQuarantine.objects.filter(
        campus=locked.campus, school_class=locked.school_class, active=True,
        start_date__lte=locked.end_date, end_date__gte=locked.start_date,
    ).exclude(pk=locked.pk).exists():  # fmt: skip
        raise ValidationError(_("The class already has a quarantine over these days."))
    locked.status = ClassQuarantine.Status.ACTIVE
    locked.confirmed_by, locked.confirmed_at = _actor(actor), _now(now)
    _save(actor=actor, obj=locked, before=before, action="quarantine_start")
    _sync(quarantine, locked)
    return locked


@transaction.atomic
def quarantine_end(*, actor, quarantine, reason, now=None):
    """Lift a quarantine in force, or cancel a proposed one, with a reason."""
    require_actor_perm(actor, quarantine.campus, MANAGE_DISEASE, system_allowed=True)
    reason = clean_reason(reason)
    locked = lock_for_update(quarantine)
    before = audit.snapshot(locked)
    if locked.status == ClassQuarantine.Status.ACTIVE:
        locked.status = ClassQuarantine.Status.LIFTED
        today = _today(now)
        if locked.end_date > today:
            locked.end_date = max(locked.start_date, today)
    elif locked.status == ClassQuarantine.Status.PROPOSED:
        locked.status = ClassQuarantine.Status.CANCELLED
    else:
        raise ValidationError(_("This quarantine has already ended."))
    locked.ended_by, locked.ended_at, locked.end_reason = _actor(actor), _now(now), reason
    _save(actor=actor, obj=locked, before=before, action="quarantine_end", message=reason)
    _sync(quarantine, locked)
    return locked


# --- Terminal disinfection (终末消毒) ----------------------------------------------------------------


@transaction.atomic
def disinfection_done(*, actor, task, method, areas="", photos=(), note="", now=None):
    """Record the terminal disinfection done: method, areas and at least one photo."""
    require_actor_perm(actor, task.campus, RECORD_DISINFECTION, system_allowed=True)
    locked = lock_for_update(task)
    if locked.is_void or locked.status != TerminalDisinfection.Status.PENDING:
        raise ValidationError(_("This disinfection is not open."))
    photos = [p for p in photos or () if p]
    errors = {}
    if not (method or "").strip():
        errors["method"] = _("Describe the method (e.g. 含氯消毒液500mg/L擦拭、紫外线灯照射60分钟).")
    if not photos:
        errors["photos"] = _("Add a photo of the disinfection.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked)
    locked.status = TerminalDisinfection.Status.DONE
    locked.method, locked.areas, locked.note = (
        method.strip()[:200],
        (areas or "").strip()[:200],
        (note or "").strip()[:200],
    )
    locked.done_by, locked.done_at = _actor(actor), _now(now)
    _save(actor=actor, obj=locked, before=before, action="disinfection_done")
    _add_photos(actor=actor, obj=locked, photos=photos)
    _sync(task, locked)
    return locked


def overdue_disinfections(campus, today=None):
    return TerminalDisinfection.objects.filter(
        campus=campus,
        status=TerminalDisinfection.Status.PENDING,
        is_void=False,
        due_date__lt=today or timezone.localdate(),
    )


# ==============================================================================================
# Disinfectant concentration tests (消毒液浓度测试)
# ==============================================================================================

TEST_FIELDS = ("date", "disinfectant", "product", "purpose", "school_class", "place", "target_min", "target_max",
               "measured", "method", "note")  # fmt: skip
CHLORINE = (ConcentrationTest.Disinfectant.CHLORINE, ConcentrationTest.Disinfectant.CHLORINE_TABLET)


def default_targets(campus, disinfectant):
    if disinfectant in CHLORINE:
        return campus_setting(campus, S_CHLORINE_MIN), campus_setting(campus, S_CHLORINE_MAX)
    return None, None


@transaction.atomic
def concentration_test_record(*, actor, campus, data, photos=(), redo_of=None, now=None):
    """Record a concentration test; pass when the measured value is within the target
    (chlorine: the campus's 250–500 mg/L by default). A failed test needs a redo: a new test
    with ``redo_of`` after making the solution again."""
    require_actor_perm(actor, campus, RECORD_DISINFECTION, system_allowed=True)
    data = {k: v for k, v in data.items() if k in TEST_FIELDS}
    if redo_of is not None:
        redo_of = lock_for_update(redo_of)
        if redo_of.campus_id != campus.pk or redo_of.is_void or redo_of.passed:
            raise ValidationError({"redo_of": _("Only a failed test is redone.")})
        if redo_of.redos.filter(is_void=False).exists():
            raise ValidationError({"redo_of": _("This test has already been redone.")})
        for name in (
            "disinfectant",
            "product",
            "purpose",
            "school_class",
            "place",
            "target_min",
            "target_max",
        ):
            if data.get(name) in (None, ""):
                data[name] = getattr(redo_of, name)
    low, high = default_targets(campus, data.get("disinfectant"))
    if data.get("target_min") is None and low is not None:
        data["target_min"] = low
    if data.get("target_max") is None and high is not None:
        data["target_max"] = high
    test = ConcentrationTest(
        campus=campus, tested_by=_actor(actor), tested_at=_now(now), redo_of=redo_of, **data
    )
    if test.date is None:
        test.date = _today(now)
    if test.date > _today(now):
        raise ValidationError({"date": _("The date cannot be in the future.")})
    _save(actor=actor, obj=test, action="concentration_test")
    _add_photos(actor=actor, obj=test, photos=photos)
    return test


@transaction.atomic
def concentration_test_void(*, actor, test, reason, now=None):
    require_actor_perm(actor, test.campus, RECORD_DISINFECTION, system_allowed=True)
    return _void(actor=actor, obj=test, reason=reason, now=now)


def tests_awaiting_redo(campus):
    """Failed tests with no (non-void) redo yet."""
    redone = ConcentrationTest.objects.filter(redo_of=OuterRef("pk"), is_void=False)
    return ConcentrationTest.objects.filter(campus=campus, passed=False, is_void=False).exclude(
        Exists(redone)
    )


# ==============================================================================================
# Health education (健康教育)
# ==============================================================================================

LESSON_FIELDS = ("school_class", "date", "topic", "teacher", "summary")
BOARD_FIELDS = ("date", "topic", "location", "note")


@transaction.atomic
def lesson_record(*, actor, campus, data, photos=()):
    """Record a class's health education lesson with its materials photos."""
    require_actor_perm(actor, campus, RECORD_EDUCATION, system_allowed=True)
    lesson = HealthLesson(
        campus=campus, recorded_by=_actor(actor), **{k: v for k, v in data.items() if k in LESSON_FIELDS}
    )
    if lesson.teacher_id is None and _actor(actor) is not None:
        lesson.teacher = actor
    _save(actor=actor, obj=lesson, action="lesson_record")
    _add_photos(actor=actor, obj=lesson, photos=photos, caption=_("Lesson materials"))
    return lesson


@transaction.atomic
def lesson_void(*, actor, lesson, reason, now=None):
    require_actor_perm(actor, lesson.campus, RECORD_EDUCATION, system_allowed=True)
    return _void(actor=actor, obj=lesson, reason=reason, now=now)


@transaction.atomic
def board_record(*, actor, campus, data, photos=()):
    """Log a change of the health publicity board (宣传栏) with its photo (required)."""
    require_actor_perm(actor, campus, RECORD_EDUCATION, system_allowed=True)
    photos = [p for p in photos or () if p]
    if not photos:
        raise ValidationError({"photos": _("Add a photo of the board.")})
    change = PublicityBoardChange(
        campus=campus, changed_by=_actor(actor), **{k: v for k, v in data.items() if k in BOARD_FIELDS}
    )
    _save(actor=actor, obj=change, action="board_record")
    _add_photos(actor=actor, obj=change, photos=photos)
    return change


@transaction.atomic
def board_void(*, actor, change, reason, now=None):
    require_actor_perm(actor, change.campus, RECORD_EDUCATION, system_allowed=True)
    return _void(actor=actor, obj=change, reason=reason, now=now)


def _void(*, actor, obj, reason, now=None):
    reason = clean_reason(reason)
    locked = lock_for_update(obj)
    if locked.is_void:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(locked)
    locked.is_void, locked.void_reason, locked.voided_by, locked.voided_at = (
        True,
        reason,
        _actor(actor),
        _now(now),
    )
    _save(actor=actor, obj=locked, before=before, action="void", message=reason)
    _sync(obj, locked)
    return locked


def month_bounds(month):
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def lesson_grid(campus, months):
    """``{"classes": [...], "months": [...], "rows": [(class, [count per month])],
    "missing": {month: [classes without a lesson]}}`` — two queries."""
    from houqin.core.models import SchoolClass

    classes = list(SchoolClass.objects.filter(campus=campus, is_active=True))
    first, _l = month_bounds(months[0])
    _f, last = month_bounds(months[-1])
    counts = {}
    for row in (
        HealthLesson.objects.filter(campus=campus, is_void=False, date__range=(first, last))
        .values("school_class_id", "date__year", "date__month")
        .annotate(n=Count("id"))
    ):
        counts[(row["school_class_id"], row["date__year"], row["date__month"])] = row["n"]
    rows = [(c, [counts.get((c.pk, m.year, m.month), 0) for m in months]) for c in classes]
    missing = {m: [c for c in classes if not counts.get((c.pk, m.year, m.month))] for m in months}
    return {"classes": classes, "months": months, "rows": rows, "missing": missing}


def classes_without_lesson(campus, month):
    first, last = month_bounds(month)
    from houqin.core.models import SchoolClass

    done = HealthLesson.objects.filter(campus=campus, is_void=False, date__range=(first, last)).values(
        "school_class_id"
    )
    return SchoolClass.objects.filter(campus=campus, is_active=True).exclude(pk__in=done)


def board_changed_in(campus, month):
    first, last = month_bounds(month)
    return PublicityBoardChange.objects.filter(
        campus=campus, is_void=False, date__range=(first, last)
    ).exists()


def open_isolations(campus):
    return DiseaseCase.objects.filter(campus=campus, is_void=False, status=DiseaseCase.Status.ISOLATING)
