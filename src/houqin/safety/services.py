"""Every write of the safety module (hazards, drills, agreements, education, emergency
plans, duty roster): ``<entity>_<action>(*, actor, …)``, atomic, validated with
``full_clean()`` and audited in the same transaction. Views, the API, the demo and the
tick jobs all call these functions.

Hazards follow one state machine::

    reported ──assign──▶ assigned ──rectify (after-photo)──▶ rectified ──verify (another person)──▶ closed
       │                   ▲  ▲                                  │                                   │
       │                   │  └─────────── send back (reason) ◀──┘                                   │
       │                   └──────────────────────────── reopen (reason) ◀───────────────────────────┘
       └──void (reason)──▶ void          (assigned may be voided too)
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import approvals, audit
from houqin.core.attachments import attachment_add, attachments_for
from houqin.core.links import campus_url
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update
from houqin.core.settings_registry import campus_setting
from houqin.safety.models import (
    ActivityPlan,
    Agreement,
    AgreementSignature,
    Drill,
    DutyShift,
    DutySwap,
    EducationRecord,
    EducationTheme,
    EmergencyPlanVersion,
    Hazard,
    PlanAcknowledgement,
    SafetyTalk,
)

HAZARD_PREFIX = "YH"
ACTIVITY_PLAN_KIND = "safety.activity_plan"
DUTY_SWAP_KIND = "safety.duty_swap"
STAFF_ROLES = [
    str(r)
    for r in (
        Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.ACCOUNTANT, Role.CASHIER, Role.ASSET_KEEPER, Role.HEALTH_TEACHER,
        Role.CHILDCARE_WORKER, Role.CLASS_TEACHER, Role.CANTEEN_HEAD, Role.COOK, Role.GUARD, Role.REPAIR_WORKER,
        Role.DUTY_ADMIN,
    )
]  # fmt: skip


# --- Helpers ------------------------------------------------------------------------------


def _sync(original, fresh, fields):
    if original is not fresh:
        for name in fields:
            setattr(original, name, getattr(fresh, name))


def _save_transition(*, actor, obj, before, action, message=""):
    """full_clean, save, and audit the changed fields of ``obj`` under ``action``."""
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before={k: (before or {}).get(k) for k in changed},
        after={k: after[k] for k in changed},
        message=message[:300],
    )
    return obj


def _clean_text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _notify(campus, *, users=(), roles=(), exclude=(), title, body="", url="", level="info", event=""):
    """Notify some users and the holders of some roles, once each, never the actor."""
    from houqin.core.notifications import notify, users_with_roles

    excluded = {getattr(u, "pk", u) for u in exclude if u is not None}
    recipients = [u for u in users if u is not None and u.pk not in excluded]
    if roles:
        recipients += [u for u in users_with_roles(campus, roles) if u.pk not in excluded]
    if not recipients:
        return []
    return notify(
        campus=campus, recipients=recipients, title=title, body=body, url=url, level=level, event=event
    )


# --- Hazards ------------------------------------------------------------------------------


DEADLINE_SETTINGS = {
    Hazard.Severity.LOW: "safety.deadline_days_low",
    Hazard.Severity.MEDIUM: "safety.deadline_days_medium",
    Hazard.Severity.HIGH: "safety.deadline_days_high",
}


def hazard_default_deadline(campus, severity, start=None):
    """限时整改: the deadline a hazard of ``severity`` gets by default (a campus setting)."""
    days = campus_setting(campus, DEADLINE_SETTINGS.get(severity, DEADLINE_SETTINGS[Hazard.Severity.LOW]))
    start = start or timezone.localdate()
    return start + dt.timedelta(days=int(days))


def hazard_url(hazard):
    return campus_url(hazard.campus, "safety:hazard_detail", pk=hazard.pk)


HAZARD_FIELDS = (
    "building", "room", "place_text", "category", "severity", "description", "owner", "deadline", "measures",
)  # fmt: skip


def _add_photos(actor, obj, photos, kind):
    for photo in photos or ():
        if photo:
            attachment_add(actor=actor, obj=obj, uploaded_file=photo, kind=kind)


@transaction.atomic
def hazard_report(
    *,
    actor,
    campus,
    data,
    photos=(),
    source=Hazard.Source.MANUAL,
    source_obj=None,
    reporter_name="",
    reporter_phone="",
    now=None,
):
    """Record a new hazard (number YH-…, default deadline by severity) and tell the
    logistics head. ``data`` holds the fields of :data:`HAZARD_FIELDS`; ``photos`` are
    stored as "before" photos. A hazard with an owner starts as assigned."""
    unknown = set(data) - set(HAZARD_FIELDS)
    if unknown:
        raise ValueError(f"Not hazard fields: {sorted(unknown)}")
    now = now or timezone.now()
    hazard = Hazard(campus=campus, source=source, reported_at=now)
    for name, value in data.items():
        setattr(hazard, name, value.strip() if isinstance(value, str) else value)
    if hazard.room_id and not hazard.building_id:
        hazard.building_id = hazard.room.building_id
    if getattr(actor, "is_authenticated", False):
        hazard.reporter = actor
    hazard.reporter_name = _clean_text(reporter_name, 40)
    hazard.reporter_phone = _clean_text(reporter_phone, 20)
    if source_obj is not None:
        hazard.source_type = ContentType.objects.get_for_model(source_obj, for_concrete_model=True)
        hazard.source_id = str(source_obj.pk)
    if not hazard.deadline:
        hazard.deadline = hazard_default_deadline(campus, hazard.severity, timezone.localtime(now).date())
    if hazard.owner_id:
        hazard.status = Hazard.Status.ASSIGNED
        hazard.round_started_at = now
    hazard.full_clean(exclude=["number"])
    hazard.number = next_number(campus=campus, prefix=HAZARD_PREFIX, on_date=now)
    hazard.save()
    audit.record(
        actor=actor,
        action="create",
        obj=hazard,
        after=audit.snapshot(hazard),
        message=hazard.get_source_display(),
    )
    _add_photos(actor, hazard, photos, "before")
    level = "danger" if hazard.severity == Hazard.Severity.HIGH else "warning"
    _notify(
        campus,
        users=[hazard.owner] if hazard.owner_id else [],
        roles=[Role.LOGISTICS_HEAD],
        exclude=[actor],
        title=_("New hazard %(number)s: %(what)s")
        % {"number": hazard.number, "what": hazard.short_description},
        body=_("%(place)s · %(severity)s · rectify by %(deadline)s")
        % {"place": hazard.place, "severity": hazard.get_severity_display(), "deadline": hazard.deadline},
        url=hazard_url(hazard),
        level=level,
        event="safety.hazard_reported",
    )
    return hazard


@transaction.atomic
def hazard_update(*, actor, hazard, data):
    """Correct the description, place, category, severity or deadline of an open hazard."""
    locked = lock_for_update(hazard)
    if locked.status not in Hazard.ACTIVE_STATUSES:
        raise ValidationError(
            _("A closed or void hazard cannot be edited; reopen it first."), code="hazard_closed"
        )
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in HAZARD_FIELDS or name == "owner":
            raise ValueError(f"Not editable here: {name}")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if locked.room_id and not locked.building_id:
        locked.building_id = locked.room.building_id
    _save_transition(actor=actor, obj=locked, before=before, action="update")
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


@transaction.atomic
def hazard_assign(*, actor, hazard, owner, deadline=None, measures=None, now=None):
    """Give a reported (or re-give an assigned) hazard an owner and a deadline."""
    locked = lock_for_update(hazard)
    if locked.status not in Hazard.OPEN_STATUSES:
        raise ValidationError(
            _("Only a reported or assigned hazard can be assigned (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    if owner is None:
        raise ValidationError({"owner": _("Choose who rectifies the hazard.")})
    from houqin.core.forms import campus_users

    if not campus_users(locked.campus).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("The owner must be a member of this campus.")})
    before = audit.snapshot(locked)
    now = now or timezone.now()
    locked.owner = owner
    if deadline:
        locked.deadline = deadline
    elif not locked.deadline:
        locked.deadline = hazard_default_deadline(locked.campus, locked.severity)
    if measures is not None:
        locked.measures = _clean_text(measures)
    if locked.status == Hazard.Status.REPORTED:
        locked.round_started_at = now
    locked.status = Hazard.Status.ASSIGNED
    _save_transition(actor=actor, obj=locked, before=before, action="hazard_assign", message=str(owner))
    _notify(
        locked.campus,
        users=[owner],
        exclude=[actor],
        title=_("Hazard %(number)s is yours to rectify by %(deadline)s")
        % {"number": locked.number, "deadline": locked.deadline},
        body=f"{locked.place} · {locked.short_description}",
        url=hazard_url(locked),
        level="warning",
        event="safety.hazard_assigned",
    )
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


def current_after_photos(hazard):
    """After-photos uploaded in the current rectification round (not voided)."""
    qs = attachments_for(hazard).filter(kind="after")
    if hazard.round_started_at:
        qs = qs.filter(created_at__gte=hazard.round_started_at)
    return qs


def can_rectify(actor, hazard, perms=None):
    """The owner rectifies; holders of safety.manage_hazards may record it for them."""
    if actor is None or hazard.status not in Hazard.OPEN_STATUSES:
        return False
    if hazard.owner_id == actor.pk:
        return True
    perms = perms if perms is not None else actor_perms(actor, hazard.campus)
    return "safety.manage_hazards" in perms


@transaction.atomic
def hazard_rectify(*, actor, hazard, note, photos=(), now=None):
    """The owner reports the hazard fixed; at least one after-photo is required."""
    locked = lock_for_update(hazard)
    if locked.status not in Hazard.OPEN_STATUSES:
        raise ValidationError(
            _("Only a hazard being rectified can be reported as rectified (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    if not can_rectify(actor, locked):
        raise PermissionDenied(
            _("Only the person responsible or a safety manager can report the rectification.")
        )
    note = _clean_text(note)
    if not note:
        raise ValidationError({"rectification_note": _("Say what was done.")})
    _add_photos(actor, locked, photos, "after")
    if not current_after_photos(locked).exists():
        raise ValidationError(
            {"photos": _("Add a photo of the place after rectification.")}, code="hazard_after_photo"
        )
    before = audit.snapshot(locked)
    locked.status = Hazard.Status.RECTIFIED
    locked.rectified_by = actor
    locked.rectified_at = now or timezone.now()
    locked.rectification_note = note
    if not locked.owner_id:
        locked.owner = actor
    _save_transition(actor=actor, obj=locked, before=before, action="hazard_rectify", message=note)
    _notify(
        locked.campus,
        users=[locked.reporter] if locked.reporter_id else [],
        roles=[Role.LOGISTICS_HEAD],
        exclude=[actor],
        title=_("Hazard %(number)s rectified; please verify") % {"number": locked.number},
        body=note,
        url=hazard_url(locked),
        event="safety.hazard_rectified",
    )
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


@transaction.atomic
def hazard_verify(*, actor, hazard, note="", now=None):
    """Verify the rectification on the spot and close the hazard: someone other than the rectifier."""
    locked = lock_for_update(hazard)
    if locked.status != Hazard.Status.RECTIFIED:
        raise ValidationError(
            _("Only a rectified hazard can be verified (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    require_actor_perm(actor, locked.campus, "safety.manage_hazards")
    if actor.pk == locked.rectified_by_id:
        raise PermissionDenied(_("Another person must verify the rectification, not the one who did it."))
    before = audit.snapshot(locked)
    locked.status = Hazard.Status.CLOSED
    locked.verified_by = actor
    locked.verified_at = now or timezone.now()
    locked.verification_note = _clean_text(note)
    _save_transition(
        actor=actor, obj=locked, before=before, action="hazard_verify", message=locked.verification_note
    )
    _notify(
        locked.campus,
        users=[u for u in (locked.owner, locked.reporter) if u is not None],
        exclude=[actor],
        title=_("Hazard %(number)s verified and closed") % {"number": locked.number},
        body=locked.verification_note,
        url=hazard_url(locked),
        event="safety.hazard_closed",
    )
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


@transaction.atomic
def hazard_send_back(*, actor, hazard, reason, deadline=None, now=None):
    """The verifier finds the rectification insufficient: back to the owner with a reason."""
    locked = lock_for_update(hazard)
    if locked.status != Hazard.Status.RECTIFIED:
        raise ValidationError(
            _("Only a rectified hazard can be sent back (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    require_actor_perm(actor, locked.campus, "safety.manage_hazards")
    reason = clean_reason(reason, limit=300)
    before = audit.snapshot(locked)
    locked.status = Hazard.Status.ASSIGNED
    locked.returned_reason = reason
    locked.reopen_count += 1
    locked.round_started_at = now or timezone.now()
    locked.rectified_by = None
    locked.rectified_at = None
    if deadline:
        locked.deadline = deadline
    _save_transition(actor=actor, obj=locked, before=before, action="hazard_send_back", message=reason)
    _notify(
        locked.campus,
        users=[locked.owner] if locked.owner_id else [],
        exclude=[actor],
        title=_("Hazard %(number)s sent back: %(reason)s") % {"number": locked.number, "reason": reason},
        url=hazard_url(locked),
        level="warning",
        event="safety.hazard_sent_back",
    )
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


@transaction.atomic
def hazard_reopen(*, actor, hazard, reason, deadline=None, now=None):
    """A closed hazard is found again: reopened to its owner with a reason and a new deadline."""
    locked = lock_for_update(hazard)
    if locked.status != Hazard.Status.CLOSED:
        raise ValidationError(
            _("Only a closed hazard can be reopened (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    require_actor_perm(actor, locked.campus, "safety.manage_hazards")
    reason = clean_reason(reason, limit=300)
    now = now or timezone.now()
    before = audit.snapshot(locked)
    locked.status = Hazard.Status.ASSIGNED if locked.owner_id else Hazard.Status.REPORTED
    locked.returned_reason = reason
    locked.reopen_count += 1
    locked.round_started_at = now
    locked.rectified_by = None
    locked.rectified_at = None
    locked.verified_by = None
    locked.verified_at = None
    locked.verification_note = ""
    locked.last_escalated_on = None
    locked.deadline = deadline or hazard_default_deadline(
        locked.campus, locked.severity, timezone.localtime(now).date()
    )
    _save_transition(actor=actor, obj=locked, before=before, action="hazard_reopen", message=reason)
    _notify(
        locked.campus,
        users=[locked.owner] if locked.owner_id else [],
        roles=[Role.LOGISTICS_HEAD],
        exclude=[actor],
        title=_("Hazard %(number)s reopened: %(reason)s") % {"number": locked.number, "reason": reason},
        url=hazard_url(locked),
        level="warning",
        event="safety.hazard_reopened",
    )
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


@transaction.atomic
def hazard_void(*, actor, hazard, reason):
    """A hazard reported by mistake (a duplicate, a prank from a QR code) is voided, never deleted."""
    locked = lock_for_update(hazard)
    if locked.status not in Hazard.OPEN_STATUSES:
        raise ValidationError(
            _("Only a reported or assigned hazard can be voided (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="hazard_status",
        )
    require_actor_perm(actor, locked.campus, "safety.manage_hazards")
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.status = Hazard.Status.VOID
    locked.void_reason = reason
    _save_transition(actor=actor, obj=locked, before=before, action="hazard_void", message=reason)
    _sync(hazard, locked, [f.attname for f in Hazard._meta.concrete_fields])
    return locked


def overdue_hazards(campus=None, today=None):
    today = today or timezone.localdate()
    qs = Hazard.objects.filter(status__in=Hazard.OPEN_STATUSES, deadline__lt=today)
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs


def hazards_escalate(now=None) -> int:
    """Tell the logistics heads about every overdue hazard, at most once a day per hazard
    (for ``houqin tick``; runs outside any campus scope)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    escalated = 0
    qs = (
        Hazard.objects.with_scopes_disabled()
        .filter(status__in=Hazard.OPEN_STATUSES, deadline__lt=today)
        .exclude(last_escalated_on=today)
        .select_related("campus", "owner")
        .order_by("campus_id", "deadline", "pk")
    )
    for hazard in qs.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = (
                Hazard.objects.with_scopes_disabled()
                .filter(pk=hazard.pk, status__in=Hazard.OPEN_STATUSES)
                .exclude(last_escalated_on=today)
                .update(last_escalated_on=today)
            )
            if not claimed:  # another runner got it
                continue
            days = (today - hazard.deadline).days
            audit.record(
                actor=None,
                action="hazard_escalate",
                obj=hazard,
                after={"overdue_days": days},
                message=_("Overdue by %(days)s days") % {"days": days},
            )
            _notify(
                hazard.campus,
                users=[hazard.owner] if hazard.owner_id else [],
                roles=[Role.LOGISTICS_HEAD],
                title=_("Overdue hazard %(number)s: %(days)s days past the deadline")
                % {"number": hazard.number, "days": days},
                body=_("%(place)s · %(what)s · owner %(owner)s")
                % {"place": hazard.place, "what": hazard.short_description, "owner": hazard.owner or "—"},
                url=hazard_url(hazard),
                level="danger",
                event="safety.hazard_overdue",
            )
            escalated += 1
    return escalated


# --- Hazards from outside: room QR reports and failed checklist items ---------------------

QR_LIMIT_PER_IP = 5
QR_LIMIT_PER_ROOM = 10
QR_WINDOW_SECONDS = 3600


def qr_rate_limited(*, ip, room) -> bool:
    """Count one QR report attempt for the IP and the room; True when over the limit
    (5 an hour per IP, 10 an hour per room, shared with the other public report forms:
    :func:`houqin.core.qr.qr_rate_limited`)."""
    from houqin.core.qr import qr_rate_limited as rate_limited

    return rate_limited(
        ip=ip, targets=[f"room:{room.pk}"], per_ip=QR_LIMIT_PER_IP, per_target=QR_LIMIT_PER_ROOM,
        window=QR_WINDOW_SECONDS,
    )  # fmt: skip


@transaction.atomic
def hazard_report_from_qr(*, room, name, phone, description, severity=Hazard.Severity.LOW, photo=None):
    """A staff member who is not logged in reports a hazard by scanning a room's QR code."""
    errors = {}
    name = _clean_text(name, 40)
    phone = _clean_text(phone, 20)
    description = _clean_text(description, 2000)
    if not name:
        errors["reporter_name"] = _("Give your name.")
    if not phone:
        errors["reporter_phone"] = _("Give a phone number we can call back.")
    if len(description) < 4:
        errors["description"] = _("Describe the hazard in a few words.")
    if severity not in Hazard.Severity.values:
        errors["severity"] = _("Choose how serious it is.")
    if errors:
        raise ValidationError(errors)
    return hazard_report(
        actor=None,
        campus=room.campus,
        data={"room": room, "building": room.building, "description": description, "severity": severity},
        photos=[photo] if photo else [],
        source=Hazard.Source.QR,
        source_obj=room,
        reporter_name=name,
        reporter_phone=phone,
    )


ROUTINE_CATEGORIES = {
    "safety.fire": Hazard.Category.FIRE,
    "safety.patrol": Hazard.Category.SECURITY,
    "safety.facilities": Hazard.Category.FACILITIES,
    "canteen": Hazard.Category.FOOD,
    "health": Hazard.Category.HYGIENE,
    "environment": Hazard.Category.HYGIENE,
    "maintenance": Hazard.Category.FACILITIES,
}


def _category_for_routine(category):
    for prefix, hazard_category in ROUTINE_CATEGORIES.items():
        if (category or "").startswith(prefix):
            return hazard_category
    return Hazard.Category.OTHER


def hazard_from_routine_result(*, actor, result):
    """The routines engine's "hazard" fail action (``core.routines.register_fail_action``):
    a failed checklist item opens a hazard in one tap, with the routine's place, the item's
    label, the measured value, the note and the item's photos carried over."""
    template = result.occurrence.template
    parts = [f"{template.name}：{result.label}"]
    if result.value is not None:
        parts.append(_("measured %(value)s %(unit)s") % {"value": result.value, "unit": result.unit or ""})
    if result.text:
        parts.append(result.text)
    if result.note:
        parts.append(result.note)
    data = {
        "description": " — ".join(p.strip() for p in parts if p and p.strip()),
        "category": _category_for_routine(template.category),
        "place_text": (template.zone or "")[:120],
    }
    if template.room_id:
        data["room"] = template.room
    if template.building_id:
        data["building"] = template.building
    if not (template.room_id or template.building_id or template.zone):
        data["place_text"] = template.name[:120]
    from django.core.files.base import ContentFile

    with transaction.atomic():
        hazard = hazard_report(
            actor=actor,
            campus=result.occurrence.campus,
            data=data,
            source=Hazard.Source.ROUTINE,
            source_obj=result,
        )
        for attachment in attachments_for(result):
            # the inspector's photo becomes the hazard's before-photo (the same bytes, kept twice)
            with attachment.file.open("rb") as fh:
                upload = ContentFile(fh.read(), name=attachment.original_name)
            attachment_add(
                actor=actor, obj=hazard, uploaded_file=upload, kind="before", caption=attachment.caption
            )
    return hazard


# --- Drills ------------------------------------------------------------------------------


@transaction.atomic
def drill_record(*, actor, drill, data, photos=()):
    """Record how a planned drill went: time held, participants, evacuation time, reflection."""
    locked = lock_for_update(drill)
    if locked.status == Drill.Status.CANCELLED:
        raise ValidationError(_("A cancelled drill cannot be recorded."), code="drill_cancelled")
    allowed = {"held_at", "children_count", "staff_count", "evacuation_seconds", "reflection"}
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in allowed:
            raise ValueError(f"Not a drill record field: {name}")
        setattr(locked, name, value)
    if not locked.held_at:
        raise ValidationError({"held_at": _("When was the drill held?")})
    if locked.held_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"held_at": _("The drill cannot be recorded before it is held.")})
    locked.status = Drill.Status.DONE
    _save_transition(actor=actor, obj=locked, before=before, action="drill_record")
    _add_photos(actor, locked, photos, "photo")
    _sync(drill, locked, [f.attname for f in Drill._meta.concrete_fields])
    return locked


@transaction.atomic
def drill_cancel(*, actor, drill, reason):
    locked = lock_for_update(drill)
    if locked.status != Drill.Status.PLANNED:
        raise ValidationError(_("Only a planned drill can be cancelled."), code="drill_status")
    reason = clean_reason(reason, limit=300)
    before = audit.snapshot(locked)
    locked.status = Drill.Status.CANCELLED
    _save_transition(actor=actor, obj=locked, before=before, action="drill_cancel", message=reason)
    _sync(drill, locked, ["status"])
    return locked


@transaction.atomic
def drill_follow_up_to_hazard(*, actor, follow_up, severity=Hazard.Severity.LOW, category=None, now=None):
    """Turn a follow-up action of a drill into a hazard to rectify (owner and due date kept)."""
    locked = lock_for_update(follow_up)
    if locked.hazard_id:
        raise ValidationError(_("This action has already become a hazard."), code="followup_hazard")
    drill = locked.drill
    data = {
        "description": f"{drill.title}: {locked.description}",
        "place_text": (drill.place or drill.title)[:120],
        "severity": severity,
        "category": category
        or (Hazard.Category.FIRE if drill.kind == Drill.Kind.FIRE else Hazard.Category.OTHER),
    }
    if locked.owner_id:
        data["owner"] = locked.owner
    if locked.due_on:
        data["deadline"] = locked.due_on
    hazard = hazard_report(
        actor=actor, campus=locked.campus, data=data, source=Hazard.Source.DRILL, source_obj=drill, now=now
    )
    before = audit.snapshot(locked)
    locked.hazard = hazard
    _save_transition(actor=actor, obj=locked, before=before, action="update", message=hazard.number)
    _sync(follow_up, locked, ["hazard_id"])
    return hazard


# --- Agreements ---------------------------------------------------------------------------


def agreement_staff_signers(agreement):
    """Active users holding one of the agreement's roles on its campus (by name)."""
    from houqin.core.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__campus_id=agreement.campus_id,
            memberships__is_active=True,
            memberships__role__in=agreement.roles or [],
        )
        .distinct()
        .order_by("real_name", "username")
    )


def agreement_children(agreement):
    """Enrolled children whose guardians must sign (the chosen children, else the chosen
    classes, else every class)."""
    from houqin.core.models import Child

    qs = Child.objects.filter(campus_id=agreement.campus_id, status=Child.Status.ENROLLED)
    chosen_children = [c.pk for c in agreement.children.all()]
    if chosen_children:
        qs = qs.filter(pk__in=chosen_children)
    else:
        chosen_classes = [c.pk for c in agreement.classes.all()]
        if chosen_classes:
            qs = qs.filter(school_class_id__in=chosen_classes)
    return qs.select_related("school_class").order_by(
        "school_class__sort_order", "school_class__name", "name"
    )


def agreement_progress(agreement):
    """{required, signed, missing: [...], rate} of one agreement (a bounded number of queries)."""
    signatures = list(
        agreement.signatures.filter(voided_at__isnull=True).select_related("user", "child", "recorded_by")
    )
    if agreement.audience == Agreement.Audience.STAFF:
        people = list(agreement_staff_signers(agreement))
        signed_ids = {s.user_id for s in signatures if s.user_id}
        missing = [u for u in people if u.pk not in signed_ids]
        signed = sum(1 for u in people if u.pk in signed_ids)
    else:
        people = list(agreement_children(agreement))
        signed_ids = {s.child_id for s in signatures if s.child_id}
        missing = [c for c in people if c.pk not in signed_ids]
        signed = sum(1 for c in people if c.pk in signed_ids)
    required = len(people)
    return {
        "required": required,
        "signed": signed,
        "missing": missing,
        "signatures": signatures,
        "rate": round(100 * signed / required, 1) if required else None,
    }


def _agreement_open(agreement):
    if not agreement.is_active:
        raise ValidationError(_("This agreement is closed for signing."), code="agreement_closed")


@transaction.atomic
def agreement_confirm(*, actor, agreement, now=None):
    """A staff member confirms the agreement on screen, logged in as themselves."""
    _agreement_open(agreement)
    if agreement.audience != Agreement.Audience.STAFF:
        raise ValidationError(_("Guardians sign this agreement; record their signed paper instead."))
    if not agreement_staff_signers(agreement).filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You are not among the people who sign this agreement."))
    if agreement.signatures.filter(user=actor, voided_at__isnull=True).exists():
        raise ValidationError(_("You have already signed this agreement."), code="agreement_signed")
    signature = AgreementSignature(
        campus_id=agreement.campus_id,
        agreement=agreement,
        user=actor,
        signer_name=actor.display_name[:40],
        method=AgreementSignature.Method.ONSCREEN,
        signed_at=now or timezone.now(),
        recorded_by=actor,
    )
    signature.full_clean()
    signature.save()
    audit.record(actor=actor, action="agreement_sign", obj=signature, after=audit.snapshot(signature))
    return signature


@transaction.atomic
def agreement_record_scan(*, actor, agreement, scan, user=None, child=None, signer_name="", signed_on=None):
    """Record a signed paper copy (scan or photo required) for a staff member or for a child's guardian."""
    _agreement_open(agreement)
    if scan is None:
        raise ValidationError({"scan": _("Upload the scan or a photo of the signed paper.")})
    if agreement.audience == Agreement.Audience.STAFF:
        if user is None or not agreement_staff_signers(agreement).filter(pk=user.pk).exists():
            raise ValidationError({"user": _("Choose a staff member who must sign this agreement.")})
        child = None
        signer_name = signer_name or user.display_name
    else:
        if child is None or not agreement_children(agreement).filter(pk=child.pk).exists():
            raise ValidationError({"child": _("Choose a child whose guardian must sign this agreement.")})
        user = None
        if not _clean_text(signer_name):
            guardian = child.guardians.order_by("-is_primary", "id").first()
            signer_name = guardian.name if guardian else ""
    signer_name = _clean_text(signer_name, 40)
    if not signer_name:
        raise ValidationError({"signer_name": _("Who signed?")})
    existing = agreement.signatures.filter(voided_at__isnull=True)
    if (user is not None and existing.filter(user=user).exists()) or (
        child is not None and existing.filter(child=child).exists()
    ):
        raise ValidationError(
            _("A signature is already recorded; void it first to replace it."), code="agreement_signed"
        )
    signed_at = timezone.now()
    if signed_on:
        if signed_on > timezone.localdate():
            raise ValidationError({"signed_on": _("The date is in the future.")})
        signed_at = timezone.make_aware(dt.datetime.combine(signed_on, dt.time(12, 0)))
    signature = AgreementSignature(
        campus_id=agreement.campus_id,
        agreement=agreement,
        user=user,
        child=child,
        signer_name=signer_name,
        method=AgreementSignature.Method.SCAN,
        signed_at=signed_at,
        recorded_by=actor,
    )
    signature.full_clean()
    signature.save()
    audit.record(actor=actor, action="agreement_sign", obj=signature, after=audit.snapshot(signature))
    attachment_add(actor=actor, obj=signature, uploaded_file=scan, kind="scan")
    return signature


@transaction.atomic
def agreement_signature_void(*, actor, signature, reason):
    locked = lock_for_update(signature)
    if locked.voided_at:
        raise ValidationError(_("This signature has already been voided."))
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.voided_at = timezone.now()
    locked.void_reason = reason
    _save_transition(
        actor=actor, obj=locked, before=before, action="agreement_signature_void", message=reason
    )
    return locked


# --- Safety education ---------------------------------------------------------------------

# The monthly themes of SPEC §3.6 (seed 003) for the spring term, and the usual autumn ones.
BUILTIN_THEMES = {
    1: ("寒假安全教育", "放假前30分钟安全教育；防火、防烫、防煤气中毒、烟花爆竹安全；给家长一封信。"),
    2: (
        "开学安全第一课",
        "开学前各班与家长共上“开学安全第一课”：在园生活、户外活动、上下楼梯、卫生习惯、安全常规。",
    ),
    3: (
        "食品安全“三个一”",
        "一次食品安全专题讲座；各班一节食品安全教育课；家园共育：“减盐行动 小手拉大手”给家长一封信、“远离垃圾食品从我做起”倡议书。",
    ),
    4: ("消防安全月", "消防安全讲座；邀请家长参与的消防演练；逃生自救技能。"),
    5: ("“一盔一带”交通安全", "头盔和安全带主题：环境宣传、告家长书、主题活动、评比。"),
    6: (
        "防溺水安全教育",
        "暑假前防溺水教育，向每位幼儿和家长发安全提示；提醒家长“常教育、多陪伴、知去向、有监督”。",
    ),
    7: ("暑期安全教育", "放假前30分钟安全教育：防溺水、交通、居家用电用火安全。"),
    9: ("开学安全第一课", "新学期安全常规：入园离园、上下楼梯、户外活动、认识安全标志。"),
    10: ("交通安全教育", "认识交通标志，安全乘车；国庆假期前后安全教育。"),
    11: ("消防安全宣传月（11·9）", "消防安全讲座，全园消防疏散演练，学习灭火器使用。"),
    12: ("冬季安全与防一氧化碳中毒", "冬季取暖、防滑、防烫伤、防一氧化碳中毒教育。"),
    8: ("开学前安全准备", "开学前安全自查与教职工安全培训。"),
}


def term_months(term):
    month = term.start_date.replace(day=1)
    out = []
    while month <= term.end_date:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


@transaction.atomic
def education_plan_prefill(*, actor, term):
    """Fill the term's monthly plan from the built-in list; months that already have a theme are kept."""
    existing = set(
        EducationTheme.objects.filter(campus_id=term.campus_id, term=term).values_list("month", flat=True)
    )
    created = []
    for month in term_months(term):
        if month in existing or month.month not in BUILTIN_THEMES:
            continue
        title, content = BUILTIN_THEMES[month.month]
        theme = EducationTheme(campus_id=term.campus_id, term=term, month=month, title=title, content=content)
        theme.full_clean()
        theme.save()
        audit.record(
            actor=actor, action="create", obj=theme, after=audit.snapshot(theme), message="built-in plan"
        )
        created.append(theme)
    return created


@transaction.atomic
def education_record_save(*, actor, theme, school_class, held_on, note="", photos=()):
    """A class teacher records the month's lesson of the class (once per theme; photos optional)."""
    if EducationRecord.objects.filter(theme=theme, school_class=school_class).exists():
        raise ValidationError(_("This class has already recorded this theme."), code="education_recorded")
    record = EducationRecord(
        campus_id=theme.campus_id,
        theme=theme,
        school_class=school_class,
        held_on=held_on,
        teacher=actor,
        note=_clean_text(note),
    )
    record.full_clean()
    record.save()
    audit.record(actor=actor, action="create", obj=record, after=audit.snapshot(record))
    _add_photos(actor, record, photos, "photo")
    return record


# The 1530 mechanism: a talk before leaving every school day (1 min, 5 min before a
# weekend, 30 min before a holiday) and one on arrival after a break (5 min after a
# weekend, 30 min after a holiday and at the start of term).
TALK_MINUTES = {"daily": 1, "weekend": 5, "holiday": 30}


def talk_due_list(term, *, until=None):
    """[(date, slot, minutes, reason)] of the 1530 talks due in ``term`` up to ``until``."""
    days = term.calendar_days()
    dates = sorted(days)
    school = [d for d in dates if days[d][0]]
    out = []
    for i, day in enumerate(school):
        prev_day = school[i - 1] if i else None
        next_day = school[i + 1] if i + 1 < len(school) else None

        def gap_kind(start, end):
            """What the days strictly between two school days are: '' none, weekend, holiday."""
            d = start + dt.timedelta(days=1)
            kind = ""
            while d < end:
                if days.get(d, (False, ""))[1]:  # a named holiday
                    return "holiday"
                kind = "weekend"
                d += dt.timedelta(days=1)
            return kind

        before = "holiday" if next_day is None else gap_kind(day, next_day)
        after = "holiday" if prev_day is None else gap_kind(prev_day, day)
        if after:
            out.append((day, SafetyTalk.Slot.ARRIVAL, TALK_MINUTES[after], after))
        out.append((day, SafetyTalk.Slot.LEAVING, TALK_MINUTES[before or "daily"], before or "daily"))
    if until is not None:
        out = [row for row in out if row[0] <= until]
    return out


def talk_completion(term, classes, *, until=None):
    """{class id: (done, due)} for the 1530 talks of ``term`` up to ``until`` (today)."""
    until = until or timezone.localdate()
    due = talk_due_list(term, until=until)
    due_keys = {(d, s) for d, s, _m, _r in due}
    done = {}
    for class_id, date, slot in SafetyTalk.objects.filter(
        school_class__in=classes, date__gte=term.start_date, date__lte=until
    ).values_list("school_class_id", "date", "slot"):
        if (date, slot) in due_keys:
            done[class_id] = done.get(class_id, 0) + 1
    return {c.pk: (done.get(c.pk, 0), len(due)) for c in classes}


@transaction.atomic
def safety_talk_record(*, actor, term, school_class, date, slot, topic=""):
    """Record that a class held a 1530 talk that was due (minutes follow the rule of that day)."""
    due = {(d, s): m for d, s, m, _r in talk_due_list(term)}
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date is in the future.")})
    minutes = due.get((date, slot))
    if minutes is None:
        raise ValidationError({"date": _("No 1530 talk of this kind is due on that day.")})
    if SafetyTalk.objects.filter(school_class=school_class, date=date, slot=slot).exists():
        raise ValidationError(_("This talk has already been recorded."), code="talk_recorded")
    talk = SafetyTalk(
        campus_id=school_class.campus_id,
        school_class=school_class,
        date=date,
        slot=slot,
        minutes=minutes,
        topic=_clean_text(topic, 120),
        recorded_by=actor,
    )
    talk.full_clean()
    talk.save()
    audit.record(actor=actor, action="create", obj=talk, after=audit.snapshot(talk))
    return talk


ACTIVITY_PLAN_FIELDS = (
    "title", "starts_at", "ends_at", "destination", "children_count", "adults_count", "responsible", "transport",
    "risks", "measures", "emergency",
)  # fmt: skip
ACTIVITY_EDITABLE = {ActivityPlan.Status.DRAFT, ActivityPlan.Status.REJECTED, ActivityPlan.Status.WITHDRAWN}


@transaction.atomic
def activity_plan_save(*, actor, campus, data, classes=None, plan=None):
    """Create or edit (while draft, rejected or withdrawn) an activity safety plan."""
    if plan is None:
        plan = ActivityPlan(campus=campus, submitted_by=actor)
        before = None
    else:
        plan = lock_for_update(plan)
        if plan.status not in ACTIVITY_EDITABLE:
            raise ValidationError(_("A plan can only be edited while it is a draft, rejected or withdrawn."))
        before = audit.snapshot(plan)
    for name, value in data.items():
        if name not in ACTIVITY_PLAN_FIELDS:
            raise ValueError(f"Not an activity plan field: {name}")
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    if plan.responsible_id is None:
        plan.responsible = actor
    plan.full_clean()
    plan.save()
    if classes is not None:
        plan.classes.set(classes)
    if before is None:
        audit.record(actor=actor, action="create", obj=plan, after=audit.snapshot(plan))
    else:
        after = audit.snapshot(plan)
        changed = [k for k in after if before.get(k) != after.get(k)]
        if changed:
            audit.record(
                actor=actor, action="update", obj=plan,
                before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
            )  # fmt: skip
    return plan


@transaction.atomic
def activity_plan_submit(*, actor, plan):
    locked = lock_for_update(plan)
    if locked.status not in ACTIVITY_EDITABLE:
        raise ValidationError(_("This plan has already been submitted."), code="already_submitted")
    before = audit.snapshot(locked)
    locked.status = ActivityPlan.Status.PENDING
    _save_transition(actor=actor, obj=locked, before=before, action="submit")
    approval = approvals.submit(
        actor=actor, obj=locked, kind=ACTIVITY_PLAN_KIND,
        title=_("Activity safety plan: %(title)s") % {"title": locked.title},
    )  # fmt: skip
    locked.refresh_from_db()
    _sync(plan, locked, ["status"])
    return approval


@transaction.atomic
def activity_plan_withdraw(*, actor, plan, comment=""):
    approval = approvals.current_request(plan)
    if approval is None:
        raise ValidationError(_("This plan is not waiting for approval."), code="not_pending")
    approvals.withdraw(actor=actor, approval=approval, comment=comment)
    plan.refresh_from_db()
    return plan


def _set_status(obj, status, actor, action):
    locked = lock_for_update(obj)
    if locked.status == status:
        return locked
    before = audit.snapshot(locked)
    locked.status = status
    _save_transition(actor=actor, obj=locked, before=before, action=action)
    obj.status = status
    return locked


def activity_plan_on_approved(obj, approval, actor):
    _set_status(obj, ActivityPlan.Status.APPROVED, actor, "approve")
    _notify(
        obj.campus, users=[obj.submitted_by, obj.responsible], exclude=[actor],
        title=_("Activity safety plan approved: %(title)s") % {"title": obj.title},
        url=campus_url(obj.campus, "safety:activity_detail", pk=obj.pk), event="safety.activity_plan_approved",
    )  # fmt: skip


def activity_plan_on_rejected(obj, approval, actor):
    _set_status(obj, ActivityPlan.Status.REJECTED, actor, "reject")


def activity_plan_on_withdrawn(obj, approval, actor):
    _set_status(obj, ActivityPlan.Status.WITHDRAWN, actor, "withdraw")


# --- Emergency plans ----------------------------------------------------------------------


@transaction.atomic
def plan_publish_version(*, actor, plan, version, text="", published_on=None, change_note="", pdf=None):
    """Publish a new version of an emergency plan; every staff member must read it again."""
    locked = lock_for_update(plan)
    text = _clean_text(text)
    if not text and pdf is None:
        raise ValidationError({"text": _("Give the plan's text or attach it as a PDF.")})
    obj = EmergencyPlanVersion(
        campus_id=locked.campus_id, plan=locked, version=_clean_text(version, 20), text=text,
        published_on=published_on or timezone.localdate(), published_by=actor, change_note=_clean_text(change_note, 300),
    )  # fmt: skip
    obj.full_clean()
    obj.save()
    audit.record(actor=actor, action="create", obj=obj, after=audit.snapshot(obj))
    if pdf is not None:
        attachment_add(actor=actor, obj=obj, uploaded_file=pdf, kind="document")
    before = audit.snapshot(locked)
    locked.current_version = obj
    _save_transition(actor=actor, obj=locked, before=before, action="plan_publish", message=obj.version)
    _sync(plan, locked, ["current_version_id"])
    _notify(
        locked.campus, roles=STAFF_ROLES, exclude=[actor],
        title=_("Please read the emergency plan “%(title)s” (version %(version)s)")
        % {"title": locked.title, "version": obj.version},
        body=obj.change_note, url=campus_url(locked.campus, "safety:plan_detail", pk=locked.pk), event="safety.plan_published",
    )  # fmt: skip
    return obj


@transaction.atomic
def plan_acknowledge(*, actor, plan, now=None):
    """The staff member confirms having read the plan's current version."""
    version = plan.current_version
    if version is None:
        raise ValidationError(_("This plan has no published version yet."))
    if not plan.is_active:
        raise ValidationError(_("This plan is no longer in force."))
    if PlanAcknowledgement.objects.filter(version=version, user=actor).exists():
        raise ValidationError(_("You have already confirmed reading this version."), code="plan_acknowledged")
    ack = PlanAcknowledgement(
        campus_id=plan.campus_id, version=version, user=actor, acknowledged_at=now or timezone.now()
    )
    ack.full_clean()
    ack.save()
    audit.record(
        actor=actor, action="plan_acknowledge", obj=plan, after={"version": version.version, "user": actor.pk}
    )
    return ack


def campus_staff(campus):
    """Active users holding a staff role on the campus (not parents or supervisors)."""
    from houqin.core.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__campus=campus,
            memberships__is_active=True,
            memberships__role__in=STAFF_ROLES,
        )
        .distinct()
        .order_by("real_name", "username")
    )


def plan_unacknowledged(plan):
    """Staff of the plan's campus who have not confirmed reading its current version."""
    staff = campus_staff(plan.campus)
    if plan.current_version_id is None:
        return staff
    return staff.exclude(
        pk__in=PlanAcknowledgement.objects.filter(version_id=plan.current_version_id).values("user_id")
    )


# --- Duty roster --------------------------------------------------------------------------


@transaction.atomic
def duty_fill_month(
    *, actor, campus, month, kind, people, start_time, end_time, days="school", skip_existing=True
):
    """Draw up a month of one shift kind by rotating through ``people``.

    ``days``: "school" (school days of the term calendar), "holidays" (days without
    school: weekends and holidays, 假期护校), or "all".
    """
    from houqin.core.models import Term

    if not people:
        raise ValidationError({"people": _("Choose at least one person.")})
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    school = set()
    for term in Term.objects.filter(
        campus=campus, start_date__lte=last, end_date__gte=first
    ).prefetch_related("holidays"):
        school.update(term.school_days(first, last))
    taken = set(
        DutyShift.objects.filter(campus=campus, date__range=(first, last), kind=kind).values_list(
            "date", flat=True
        )
    )
    created = []
    index = 0
    day = first
    while day <= last:
        is_school = day in school
        wanted = days == "all" or (days == "school" and is_school) or (days == "holidays" and not is_school)
        if wanted and not (skip_existing and day in taken):
            person = people[index % len(people)]
            index += 1
            shift = DutyShift(
                campus=campus, date=day, kind=kind, start_time=start_time, end_time=end_time, person=person,
                phone=person.phone or "",
            )  # fmt: skip
            shift.full_clean()
            shift.save()
            created.append(shift)
        day += dt.timedelta(days=1)
    audit.record(
        actor=actor, action="duty_fill", obj=campus, campus=campus,
        after={"month": f"{first:%Y-%m}", "kind": kind, "shifts": len(created)},
        message=_("%(n)s shifts added") % {"n": len(created)},
    )  # fmt: skip
    return created


@transaction.atomic
def duty_swap_request(*, actor, shift, replacement, reason, other_shift=None):
    """The person on duty asks to hand over the shift (or exchange it for one of the
    replacement's shifts); approved through core.approvals."""
    shift = lock_for_update(shift)
    if shift.person_id != actor.pk:
        raise PermissionDenied(_("Only the person on duty can ask to swap this shift."))
    if shift.date < timezone.localdate():
        raise ValidationError(_("This shift is in the past."), code="swap_past")
    if replacement is None or replacement.pk == actor.pk:
        raise ValidationError({"replacement": _("Choose another person.")})
    from houqin.core.forms import campus_users

    if not campus_users(shift.campus).filter(pk=replacement.pk).exists():
        raise ValidationError({"replacement": _("The replacement must be a member of this campus.")})
    if other_shift is not None:
        if other_shift.campus_id != shift.campus_id or other_shift.person_id != replacement.pk:
            raise ValidationError({"other_shift": _("Choose a shift of the replacement.")})
        if other_shift.date < timezone.localdate():
            raise ValidationError({"other_shift": _("This shift is in the past.")})
    if DutySwap.objects.filter(shift=shift, status=DutySwap.Status.PENDING).exists():
        raise ValidationError(_("A swap of this shift is already waiting for approval."), code="swap_pending")
    reason = clean_reason(reason, limit=300)
    swap = DutySwap(
        campus_id=shift.campus_id, shift=shift, requested_by=actor, replacement=replacement, other_shift=other_shift,
        reason=reason,
    )  # fmt: skip
    swap.full_clean()
    swap.save()
    audit.record(actor=actor, action="create", obj=swap, after=audit.snapshot(swap), message=reason)
    approvals.submit(
        actor=actor, obj=swap, kind=DUTY_SWAP_KIND,
        title=_("Duty swap %(date)s %(kind)s: %(from)s → %(to)s")
        % {"date": shift.date, "kind": shift.get_kind_display(), "from": actor.display_name, "to": replacement.display_name},
    )  # fmt: skip
    swap.refresh_from_db()
    return swap


def duty_swap_withdraw(*, actor, swap, comment=""):
    approval = approvals.current_request(swap)
    if approval is None:
        raise ValidationError(_("This swap is not waiting for approval."), code="not_pending")
    approvals.withdraw(actor=actor, approval=approval, comment=comment)
    swap.refresh_from_db()
    return swap


def duty_swap_on_approved(swap, approval, actor):
    """Apply the swap to the roster: the replacement takes the shift (and the requester
    the replacement's shift in an exchange); each change audited."""
    swap = lock_for_update(swap)
    shift = lock_for_update(swap.shift)
    if shift.person_id != swap.requested_by_id:
        raise ValidationError(
            _("The shift has changed hands since the swap was asked for."), code="swap_stale"
        )
    before = audit.snapshot(shift)
    shift.person = swap.replacement
    shift.phone = swap.replacement.phone or ""
    _save_transition(actor=actor, obj=shift, before=before, action="duty_swap", message=swap.reason)
    if swap.other_shift_id:
        other = lock_for_update(swap.other_shift)
        if other.person_id != swap.replacement_id:
            raise ValidationError(
                _("The shift has changed hands since the swap was asked for."), code="swap_stale"
            )
        before = audit.snapshot(other)
        other.person = swap.requested_by
        other.phone = swap.requested_by.phone or ""
        _save_transition(actor=actor, obj=other, before=before, action="duty_swap", message=swap.reason)
    _set_status(swap, DutySwap.Status.APPROVED, actor, "approve")
    _notify(
        swap.campus, users=[swap.requested_by, swap.replacement], exclude=[actor],
        title=_("Duty swap approved: %(shift)s") % {"shift": shift},
        url=campus_url(swap.campus, "safety:duty_month"), event="safety.duty_swap_approved",
    )  # fmt: skip


def duty_swap_on_rejected(swap, approval, actor):
    _set_status(swap, DutySwap.Status.REJECTED, actor, "reject")


def duty_swap_on_withdrawn(swap, approval, actor):
    _set_status(swap, DutySwap.Status.WITHDRAWN, actor, "withdraw")


def duty_on(campus, day):
    return (
        DutyShift.objects.filter(campus=campus, date=day)
        .select_related("person")
        .order_by("start_time", "kind", "id")
    )


# --- Fire monthly report (消防月报表) --------------------------------------------------------


def month_bounds(month):
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(nxt, dt.time.min))
    return first, nxt - dt.timedelta(days=1), start, end


def _fire_routines(campus, first, last):
    """Completion and failed items of the month's fire routines (category "safety.fire…"),
    or None while the routines engine is not installed."""
    try:
        from houqin.core.models import RoutineOccurrence, RoutineResult
    except ImportError:  # pragma: no cover - the engine ships with core
        return None
    from django.db.models import Count, Q

    occurrences = RoutineOccurrence.objects.filter(
        campus=campus, template__category__startswith="safety.fire", date__range=(first, last)
    ).exclude(status=RoutineOccurrence.Status.CANCELLED)
    failures = dict(
        RoutineResult.objects.filter(occurrence__in=occurrences, passed=False, voided_at__isnull=True)
        .values_list("occurrence__template_id")
        .annotate(n=Count("id"))
        .values_list("occurrence__template_id", "n")
    )
    rows = []
    per_template = (
        occurrences.values("template_id", "template__name")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=RoutineOccurrence.Status.DONE)),
            missed=Count("id", filter=Q(status=RoutineOccurrence.Status.MISSED)),
        )
        .order_by("template__name")
    )
    for row in per_template:
        rows.append(
            {
                "name": row["template__name"],
                "total": row["total"],
                "done": row["done"],
                "missed": row["missed"],
                "rate": round(100 * row["done"] / row["total"], 1) if row["total"] else None,
                "failures": failures.get(row["template_id"], 0),
            }
        )
    total = sum(r["total"] for r in rows)
    done = sum(r["done"] for r in rows)
    return {
        "rows": rows,
        "total": total,
        "done": done,
        "missed": sum(r["missed"] for r in rows),
        "rate": round(100 * done / total, 1) if total else None,
        "failures": sum(r["failures"] for r in rows),
    }


def fire_report(campus, month):
    """The figures of the monthly fire report: fire routines, fire hazards, drills."""
    first, last, start, end = month_bounds(month)
    today = timezone.localdate()
    hazards = list(
        Hazard.objects.filter(campus=campus, category=Hazard.Category.FIRE)
        .exclude(status=Hazard.Status.VOID)
        .filter(reported_at__lt=end)
        .filter(
            # found this month, or still open at the start of it, or closed in it
            models_q_open_in(start)
        )
        .select_related("room", "building", "owner", "verified_by")
        .order_by("reported_at", "id")
    )
    found = [h for h in hazards if start <= h.reported_at < end]
    closed = [h for h in hazards if h.verified_at and start <= h.verified_at < end]
    month_end = min(last, today)
    open_at_end = [
        h for h in hazards if h.status in Hazard.ACTIVE_STATUSES or (h.verified_at and h.verified_at >= end)
    ]
    overdue = [
        h
        for h in open_at_end
        if h.deadline
        and h.deadline < month_end
        and not (h.rectified_at and timezone.localtime(h.rectified_at).date() <= h.deadline)
    ]
    drills = list(
        Drill.objects.filter(campus=campus, planned_at__gte=start, planned_at__lt=end)
        .exclude(status=Drill.Status.CANCELLED)
        .select_related("organizer")
        .order_by("planned_at")
    )
    return {
        "month": first,
        "first": first,
        "last": last,
        "routines": _fire_routines(campus, first, last),
        "hazards": hazards,
        "found": found,
        "closed": closed,
        "open_at_end": open_at_end,
        "overdue": overdue,
        "drills": drills,
        "drills_done": [d for d in drills if d.status == Drill.Status.DONE],
        "fire_drills": [d for d in drills if d.kind == Drill.Kind.FIRE and d.status == Drill.Status.DONE],
    }


def models_q_open_in(start):
    from django.db.models import Q

    return Q(reported_at__gte=start) | Q(verified_at__isnull=True) | Q(verified_at__gte=start)
