"""Every write of the custody area: class property hand-overs (班级财产交接), loans (出借),
damage and compensation (损坏赔偿), disposal requests (报废/报损/转让); and the reads of the
asset reports (acquisitions, disposals, depreciation).

``<entity>_<action>(*, actor, …)``: atomic, validated with ``full_clean()`` and audited in
the same transaction; views, the API, the demo and the tick job all call these functions.
Asset statuses only change through the register's services (``asset_set_status``,
``asset_move``). Ledgers are voided with a reason, never deleted.

Hand-over::

    open (lines checked; a changed line clears the signatures) ──giver signs + receiver signs──▶ completed
      └──void (reason)──▶ void

Loan::

    requested ──lend──▶ out ──return──▶ returned          (lend directly: straight to out)
        ├──refuse──▶ rejected
        └──cancel──▶ cancelled

Disposal request: draft → pending (core.approvals, kind ``assets.disposal``) → approved
(the assets become disposed) | rejected | withdrawn (editable and submittable again).
"""

import base64
import binascii
import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.assets.models import (
    Asset,
    CompensationPayment,
    Condition,
    Damage,
    DisposalLine,
    DisposalRequest,
    Handover,
    HandoverLine,
    Loan,
)
from houqin.core import approvals, audit
from houqin.core.attachments import attachment_add
from houqin.core.links import campus_url
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update
from houqin.core.settings_registry import campus_setting

HANDOVER_PREFIX = "JJ"
LOAN_PREFIX = "JC"
DAMAGE_PREFIX = "SH"
DISPOSAL_PREFIX = "BF"
DISPOSAL_KIND = "assets.disposal"
LOAN_DAYS_SETTING = "assets.loan_days"
DISCREPANCY_SETTING = "assets.handover_discrepancy_policy"
KEEPER_ROLES = (Role.ASSET_KEEPER,)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SIGNATURE_MAX_BYTES = 512 * 1024


# --- Helpers ------------------------------------------------------------------------------


def _is_keeper(actor, campus):
    return "assets.manage_custody" in actor_perms(actor, campus)


def _sync(original, fresh):
    if original is not fresh:
        for f in type(fresh)._meta.concrete_fields:
            setattr(original, f.attname, getattr(fresh, f.attname))


def _clean_text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _save(*, actor, obj, before, action, message=""):
    """full_clean, save, and audit the changed fields of ``obj`` under ``action``."""
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    if before is None:
        audit.record(actor=actor, action=action, obj=obj, after=after, message=message[:300])
        return obj
    changed = [k for k in after if before.get(k) != after.get(k)]
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        message=message[:300],
    )
    return obj


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


def _add_photos(actor, obj, photos, kind):
    for photo in photos or ():
        if photo:
            attachment_add(actor=actor, obj=obj, uploaded_file=photo, kind=kind)


def _check_member(campus, user, field):
    from houqin.core.forms import campus_users

    if user is not None and not campus_users(campus).filter(pk=user.pk).exists():
        raise ValidationError({field: _("Choose a member of this campus.")})


def _money(value, field):
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        raise ValidationError({field: _("Enter an amount in yuan.")})
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("Enter an amount of 0 or more.")})
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Depreciation (年限平均法) ----------------------------------------------------------------


def depreciation_start(asset_or_dates):
    """The in-service date, or the acquisition date when none is recorded."""
    in_service = getattr(asset_or_dates, "in_service_date", None)
    return in_service or getattr(asset_or_dates, "purchase_date", None)


def months_depreciated(start, as_of, life_months):
    """Months of depreciation by ``as_of``: straight line, monthly, starting the month after
    ``start`` (当月增加当月不提, 从下月起计提), counting the month of ``as_of``, at most
    ``life_months``."""
    if start is None or life_months <= 0 or as_of is None or as_of < start:
        return 0
    months = (as_of.year * 12 + as_of.month) - (start.year * 12 + start.month)
    return max(0, min(months, life_months))


def depreciation(value, life_years, start, as_of):
    """(accumulated depreciation, net book value, months) of ``value`` over ``life_years``
    (0 = not depreciated); no residual value, never below zero, rounded to the fen."""
    value = Decimal(value or 0).quantize(CENT)
    life_months = int(life_years or 0) * 12
    months = months_depreciated(start, as_of, life_months)
    if life_months <= 0 or months <= 0 or value <= 0:
        return ZERO, value if value > 0 else ZERO, months
    if months >= life_months:
        accumulated = value
    else:
        accumulated = (value * months / life_months).quantize(CENT, rounding=ROUND_HALF_UP)
    accumulated = min(max(accumulated, ZERO), value)
    return accumulated, value - accumulated, months


def monthly_depreciation(value, life_years):
    life_months = int(life_years or 0) * 12
    if life_months <= 0:
        return ZERO
    return (Decimal(value or 0) / life_months).quantize(CENT, rounding=ROUND_HALF_UP)


def asset_book_values(asset, as_of=None):
    """(original value, accumulated depreciation, net book value) of one asset."""
    as_of = as_of or timezone.localdate()
    value = asset.total_value
    accumulated, net, _months = depreciation(
        value, asset.category.useful_life_years, depreciation_start(asset), as_of
    )
    return value.quantize(CENT), accumulated, net


# --- Class property hand-overs (班级财产交接) -------------------------------------------------


def handover_url(handover):
    return campus_url(handover.campus, "assets:handover_detail", pk=handover.pk)


def handover_sign_url(handover):
    return campus_url(handover.campus, "assets:handover_sign", pk=handover.pk)


def room_assets(room):
    """The room's assets in the register now (active statuses), tag order."""
    return (
        Asset.objects.filter(campus_id=room.campus_id, room=room, status__in=Asset.ACTIVE_STATUSES)
        .select_related("category")
        .order_by("tag", "id")
    )


def class_of_room(room):
    from houqin.core.models import SchoolClass

    return (
        SchoolClass.objects.filter(campus_id=room.campus_id, room=room, is_active=True)
        .select_related("head_teacher")
        .order_by("sort_order", "id")
        .first()
    )


@transaction.atomic
def handover_create(
    *, actor, campus, term, room, kind, to_user, from_user=None, school_class=None, note="", now=None
):
    """Open the hand-over of ``room``'s property: its active assets are frozen as lines
    (all present and in good condition until checked). One open hand-over per room."""
    now = now or timezone.now()
    if to_user is None:
        raise ValidationError({"to_user": _("Choose who receives the property.")})
    _check_member(campus, to_user, "to_user")
    _check_member(campus, from_user, "from_user")
    if (
        room is not None
        and Handover.objects.filter(campus=campus, room=room, status=Handover.Status.OPEN).exists()
    ):
        raise ValidationError(
            {"room": _("This room already has a hand-over being signed; finish or void it first.")},
            code="handover_open",
        )
    handover = Handover(
        campus=campus, term=term, room=room, kind=kind, to_user=to_user, from_user=from_user,
        school_class=school_class, note=_clean_text(note, 300), created_by=actor if actor else None,
    )  # fmt: skip
    handover.full_clean(exclude=["number"])
    assets = list(room_assets(room))
    if not assets:
        raise ValidationError(
            {"room": _("The room has no assets in the register; nothing to hand over.")},
            code="handover_empty",
        )
    handover.number = next_number(campus=campus, prefix=HANDOVER_PREFIX, on_date=now)
    handover.save()
    out_loans = dict(
        Loan.objects.filter(campus=campus, asset__in=assets, status=Loan.Status.OUT).values_list(
            "asset_id", "number"
        )
    )
    lines = []
    for asset in assets:
        on_loan = asset.pk in out_loans or asset.status == Asset.Status.ON_LOAN
        line = HandoverLine(
            campus=campus, handover=handover, asset=asset, tag=asset.tag, name=asset.name,
            model_spec=asset.model_spec, unit=asset.unit, quantity=asset.quantity, value=asset.total_value,
            on_loan=on_loan,
            note=(_("On loan (%(number)s)") % {"number": out_loans[asset.pk]})[:200] if asset.pk in out_loans else "",
        )  # fmt: skip
        line.full_clean(exclude=["handover", "asset"], validate_unique=False, validate_constraints=False)
        lines.append(line)
    HandoverLine.objects.bulk_create(lines)
    audit.record(
        actor=actor, action="create", obj=handover, after={**audit.snapshot(handover), "lines": len(lines)},
        message=_("%(n)s assets") % {"n": len(lines)},
    )  # fmt: skip
    _notify(
        campus,
        users=[to_user, from_user],
        exclude=[actor],
        title=_("Class property hand-over %(number)s to check and sign: %(room)s")
        % {"number": handover.number, "room": room},
        body=_("%(kind)s · %(n)s assets · from %(giver)s to %(receiver)s")
        % {
            "kind": handover.get_kind_display(),
            "n": len(lines),
            "giver": handover.giver_display,
            "receiver": to_user.display_name,
        },
        url=handover_sign_url(handover),
        event="assets.handover_to_sign",
    )
    return handover


@dataclass
class BulkResult:
    created: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # [(room, reason)]


def handover_create_for_term(*, actor, campus, term, kind, keeper=None):
    """One hand-over per active classroom for ``term``: at term end from the class's head
    teacher to the asset office (``keeper``, default the actor), at term start the other way.
    Rooms without a class or head teacher, without assets, or already handed over
    (this term and kind) are skipped with the reason. Each room is its own transaction."""
    from houqin.core.models import Room, SchoolClass

    keeper = keeper or actor
    result = BulkResult()
    rooms = list(
        Room.objects.filter(campus=campus, kind=Room.Kind.CLASSROOM, is_active=True)
        .select_related("building")
        .order_by("code")
    )
    classes = {}
    for c in (
        SchoolClass.objects.filter(campus=campus, is_active=True, room__in=rooms)
        .select_related("head_teacher")
        .order_by("-sort_order", "-id")
    ):
        classes[c.room_id] = c  # the first by order wins
    done = set(
        Handover.objects.filter(campus=campus, term=term, kind=kind)
        .exclude(status=Handover.Status.VOID)
        .values_list("room_id", flat=True)
    )
    busy = set(
        Handover.objects.filter(campus=campus, status=Handover.Status.OPEN).values_list("room_id", flat=True)
    )
    for room in rooms:
        school_class = classes.get(room.pk)
        if room.pk in done:
            result.skipped.append((room, _("already handed over this term")))
            continue
        if room.pk in busy:
            result.skipped.append((room, _("another hand-over of this room is being signed")))
            continue
        if school_class is None or school_class.head_teacher_id is None:
            result.skipped.append((room, _("no class with a head teacher uses this room")))
            continue
        teacher = school_class.head_teacher
        if teacher.pk == keeper.pk:
            result.skipped.append((room, _("the head teacher is the asset keeper")))
            continue
        if kind == Handover.Kind.TERM_END:
            giver, receiver = teacher, keeper
        else:
            giver, receiver = keeper, teacher
        try:
            handover = handover_create(
                actor=actor, campus=campus, term=term, room=room, kind=kind, to_user=receiver,
                from_user=giver, school_class=school_class,
            )  # fmt: skip
        except ValidationError as exc:
            result.skipped.append((room, " ".join(exc.messages)))
            continue
        result.created.append(handover)
    audit.record(
        actor=actor, action="handover_bulk", obj=term, campus=campus,
        after={"kind": str(kind), "created": len(result.created), "skipped": len(result.skipped)},
        message=_("%(n)s hand-overs opened") % {"n": len(result.created)},
    )  # fmt: skip
    return result


def is_party(user, handover):
    return user is not None and user.pk in (handover.from_user_id, handover.to_user_id)


def can_check_lines(user, handover, perms=None):
    if handover.status != Handover.Status.OPEN or user is None:
        return False
    if is_party(user, handover):
        return True
    perms = perms if perms is not None else actor_perms(user, handover.campus)
    return "assets.manage_custody" in perms


def can_sign(user, handover, side, perms=None):
    """The receiver signs only with their own login; so does a named giver. When the asset
    office hands over (no giver named), a holder of assets.manage_custody signs for it."""
    if user is None or handover.status != Handover.Status.OPEN:
        return False
    if side == "to":
        return handover.to_signed_at is None and user.pk == handover.to_user_id
    if handover.from_signed_at is not None or user.pk == handover.to_user_id:
        return False
    if handover.from_user_id:
        return user.pk == handover.from_user_id
    perms = perms if perms is not None else actor_perms(user, handover.campus)
    return "assets.manage_custody" in perms


@transaction.atomic
def handover_lines_update(*, actor, handover, changes, now=None):
    """Record what the check found: ``changes`` maps a line id to a dict with ``present``,
    ``condition`` and ``note``. A change after a signature clears the signatures (they
    attested the lines as they were). Returns the number of lines changed."""
    locked = lock_for_update(handover)
    if locked.status != Handover.Status.OPEN:
        raise ValidationError(_("This hand-over is no longer open."), code="handover_closed")
    if not can_check_lines(actor, locked):
        raise PermissionDenied(
            _("Only the two people of the hand-over or an asset keeper can check its lines.")
        )
    lines = {line.pk: line for line in locked.lines.select_for_update()}
    changed = []
    for line_id, values in (changes or {}).items():
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationError(_("A line does not belong to this hand-over."))
        before = audit.snapshot(line)
        if "present" in values:
            line.present = bool(values["present"])
        if "condition" in values:
            line.condition = str(values["condition"] or Condition.GOOD)
        if "note" in values:
            line.note = _clean_text(values["note"], 200)
        line.full_clean(exclude=["handover", "asset"], validate_unique=False, validate_constraints=False)
        after = audit.snapshot(line)
        if after != before:
            line.save(update_fields=["present", "condition", "note", "updated_at"])
            keys = [k for k in after if before.get(k) != after.get(k)]
            changed.append((line, {k: before[k] for k in keys}, {k: after[k] for k in keys}))
    if not changed:
        return 0
    for line, old, new in changed:
        audit.record(
            actor=actor, action="handover_check", obj=locked, before=old, after=new, message=str(line)
        )
    if locked.from_signed_at or locked.to_signed_at:
        before = audit.snapshot(locked)
        locked.from_signed_at = locked.to_signed_at = None
        locked.from_signed_by = None
        locked.from_signature = locked.to_signature = None
        _save(
            actor=actor, obj=locked, before=before, action="handover_signatures_cleared",
            message=_("Lines changed after signing; both sides sign again."),
        )  # fmt: skip
    _sync(handover, locked)
    return len(changed)


def signature_file(data_url):
    """A handwritten signature drawn on a canvas: a ``data:image/png;base64,…`` URL → file."""
    text = str(data_url or "").strip()
    if not text:
        return None
    prefix = "data:image/png;base64,"
    if not text.startswith(prefix):
        raise ValidationError({"signature": _("The signature must be a PNG picture drawn on the screen.")})
    try:
        raw = base64.b64decode(text[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": _("The signature picture could not be read.")})
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise ValidationError({"signature": _("The signature picture is too large.")})
    return ContentFile(raw, name="signature.png")


@transaction.atomic
def handover_sign(*, actor, handover, side, signature=None, now=None):
    """Sign one side (``"from"`` giver, ``"to"`` receiver) with the actor's own login and an
    optional handwritten signature (a file, or a PNG data URL from the signature pad).
    When both sides have signed the hand-over completes: see :func:`_handover_complete`."""
    if side not in ("from", "to"):
        raise ValidationError(_("Sign as the giver or as the receiver."))
    locked = lock_for_update(handover)
    if locked.status != Handover.Status.OPEN:
        raise ValidationError(_("This hand-over is no longer open."), code="handover_closed")
    if side == "to" and locked.to_signed_at or side == "from" and locked.from_signed_at:
        raise ValidationError(_("This side has already signed."), code="handover_signed")
    if not can_sign(actor, locked, side):
        if side == "to":
            raise PermissionDenied(
                _("Only %(name)s can sign as the receiver, logged in as themselves.")
                % {"name": locked.to_user.display_name}
            )
        raise PermissionDenied(
            _("Only %(name)s can sign as the giver, logged in as themselves.")
            % {"name": locked.giver_display}
        )
    if isinstance(signature, str):
        signature = signature_file(signature)
    now = now or timezone.now()
    before = audit.snapshot(locked)
    image = None
    if signature is not None:
        image = attachment_add(
            actor=actor, obj=locked, uploaded_file=signature, kind="signature",
            caption=_("Receiver's signature") if side == "to" else _("Giver's signature"),
        )  # fmt: skip
        if not image.is_image:
            raise ValidationError({"signature": _("The signature must be a picture.")})
    if side == "to":
        locked.to_signed_at = now
        locked.to_signature = image
    else:
        locked.from_signed_at = now
        locked.from_signed_by = actor
        locked.from_signature = image
    _save(actor=actor, obj=locked, before=before, action="handover_sign", message=side)
    if locked.from_signed_at and locked.to_signed_at:
        _handover_complete(actor=actor, handover=locked, now=now)
    else:
        other = locked.from_user if side == "to" else locked.to_user
        _notify(
            locked.campus,
            users=[other] if other else [],
            roles=() if other else KEEPER_ROLES,
            exclude=[actor],
            title=_("%(who)s signed the hand-over %(number)s; your signature is needed")
            % {"who": actor.display_name, "number": locked.number},
            url=handover_sign_url(locked),
            event="assets.handover_to_sign",
        )
    _sync(handover, locked)
    return handover


def _responsible_for(handover):
    """Who answers for what a hand-over found missing or damaged: the giving class (or
    person) at term end or at a change; unknown when the asset office handed over."""
    if handover.kind == Handover.Kind.TERM_START or (
        not handover.from_user_id and not handover.school_class_id
    ):
        return {"responsible_kind": Damage.Responsible.UNKNOWN}
    if handover.school_class_id:
        return {"responsible_kind": Damage.Responsible.CLASS, "responsible_class": handover.school_class}
    return {"responsible_kind": Damage.Responsible.STAFF, "responsible_user": handover.from_user}


def _handover_complete(*, actor, handover, now):
    from houqin.assets.services import asset_move

    before = audit.snapshot(handover)
    handover.status = Handover.Status.COMPLETED
    handover.completed_at = now
    _save(actor=actor, obj=handover, before=before, action="handover_complete")
    lines = list(handover.lines.select_related("asset"))
    moved = 0
    for line in lines:
        asset = line.asset
        if line.on_loan or not line.present or not asset.is_active:
            continue
        if asset.custodian_id != handover.to_user_id:
            asset_move(
                actor=actor, asset=asset, room=asset.room, custodian=handover.to_user,
                reason=_("Hand-over %(number)s") % {"number": handover.number},
            )  # fmt: skip
            moved += 1
    discrepancies = [line for line in lines if line.is_discrepancy]
    if discrepancies and campus_setting(handover.campus, DISCREPANCY_SETTING) == "damage":
        for line in discrepancies:
            handover_line_to_damage(actor=actor, line=line)
    if discrepancies:
        _notify(
            handover.campus,
            roles=KEEPER_ROLES,
            exclude=[actor],
            title=_("Hand-over %(number)s found %(n)s missing or damaged assets")
            % {"number": handover.number, "n": len(discrepancies)},
            body="、".join(f"{line.tag} {line.name}" for line in discrepancies[:10]),
            url=handover_url(handover),
            level="warning",
            event="assets.handover_discrepancy",
        )
    return moved


@transaction.atomic
def handover_line_to_damage(*, actor, line, description=""):
    """Turn a missing or damaged line into a damage record (asset status follows)."""
    line = HandoverLine._base_manager.select_for_update().select_related("handover", "asset").get(pk=line.pk)
    handover = line.handover
    if handover.status != Handover.Status.COMPLETED:
        raise ValidationError(_("Follow-ups are recorded once both sides have signed."))
    if not line.is_discrepancy:
        raise ValidationError(_("This line is neither missing nor damaged."))
    if line.damage_id or line.resolved_at:
        raise ValidationError(_("This line has already been followed up."), code="line_followed_up")
    lost = not line.present
    text = _clean_text(description) or (
        (_("Missing at the hand-over %(number)s") if lost else _("Damaged at the hand-over %(number)s"))
        % {"number": handover.number}
        + (f": {line.note}" if line.note else "")
    )
    damage = damage_record(
        actor=actor, campus=handover.campus, asset=line.asset,
        data={
            "kind": Damage.Kind.LOST if lost else Damage.Kind.DAMAGED,
            "occurred_on": timezone.localtime(handover.completed_at or timezone.now()).date(),
            "description": text, **_responsible_for(handover),
        },
        source=Damage.Source.HANDOVER,
    )  # fmt: skip
    line.damage = damage
    line.save(update_fields=["damage", "updated_at"])
    audit.record(actor=actor, action="handover_follow_up", obj=handover, after={"line": line.pk, "damage": damage.pk},
                 message=f"{line} → {damage.number}")  # fmt: skip
    return damage


@transaction.atomic
def handover_line_resolve(*, actor, line, resolution):
    """Close the follow-up of a discrepancy without a damage record (found later, etc.)."""
    line = HandoverLine._base_manager.select_for_update().select_related("handover").get(pk=line.pk)
    if line.handover.status != Handover.Status.COMPLETED or not line.is_discrepancy:
        raise ValidationError(_("Only a missing or damaged line of a signed hand-over needs a follow-up."))
    if line.damage_id or line.resolved_at:
        raise ValidationError(_("This line has already been followed up."), code="line_followed_up")
    line.resolution = clean_reason(resolution, field="resolution")
    line.resolved_at = timezone.now()
    line.resolved_by = actor
    line.save(update_fields=["resolution", "resolved_at", "resolved_by", "updated_at"])
    audit.record(
        actor=actor, action="handover_follow_up", obj=line.handover, after={"line": line.pk, "resolution": line.resolution},
        message=f"{line}: {line.resolution}",
    )  # fmt: skip
    return line


@transaction.atomic
def handover_void(*, actor, handover, reason):
    locked = lock_for_update(handover)
    if locked.status != Handover.Status.OPEN:
        raise ValidationError(_("Only a hand-over still being signed can be voided."), code="handover_closed")
    before = audit.snapshot(locked)
    locked.status = Handover.Status.VOID
    locked.void_reason = clean_reason(reason, field="void_reason")
    _save(actor=actor, obj=locked, before=before, action="handover_void", message=locked.void_reason)
    _sync(handover, locked)
    return handover


def handovers_to_sign(user, campus):
    """Open hand-overs waiting for ``user``'s own signature."""
    return Handover.objects.filter(campus=campus, status=Handover.Status.OPEN).filter(
        Q(to_user=user, to_signed_at__isnull=True) | Q(from_user=user, from_signed_at__isnull=True)
    )


def handover_follow_ups(campus):
    """Missing or damaged lines of signed hand-overs without a damage record or resolution."""
    return (
        HandoverLine.objects.filter(
            campus=campus,
            handover__status=Handover.Status.COMPLETED,
            on_loan=False,
            damage__isnull=True,
            resolved_at__isnull=True,
        )
        .filter(Q(present=False) | Q(condition=Condition.DAMAGED))
        .select_related("handover", "handover__room")
    )


# --- Loans --------------------------------------------------------------------------------


LENDABLE = (Asset.Status.IN_USE, Asset.Status.IDLE)


def loan_url(loan):
    return campus_url(loan.campus, "assets:loan_detail", pk=loan.pk)


def pending_disposal_of(asset):
    return (
        DisposalRequest.objects.filter(
            campus_id=asset.campus_id, status=DisposalRequest.Status.PENDING, lines__asset=asset
        )
        .order_by("id")
        .first()
    )


def loan_refusal(asset):
    """Why ``asset`` cannot be lent now, or ``None``."""
    out = (
        Loan.objects.filter(asset=asset, status=Loan.Status.OUT)
        .select_related("borrower", "school_class")
        .first()
    )
    if out is not None:
        return _("This asset is already on loan (%(number)s to %(who)s, due back %(due)s).") % {
            "number": out.number,
            "who": out.borrower_display,
            "due": out.due_on,
        }
    reasons = {
        Asset.Status.DISPOSED: _("This asset has been disposed of; it cannot be lent."),
        Asset.Status.MISSING: _("This asset is recorded as missing; it cannot be lent."),
        Asset.Status.ON_LOAN: _("This asset is already on loan."),
        Asset.Status.UNDER_REPAIR: _("This asset is under repair; it cannot be lent."),
        Asset.Status.DAMAGED: _("This asset is recorded as damaged; have it repaired before lending it."),
    }
    if asset.status in reasons:
        return str(reasons[asset.status])
    pending = pending_disposal_of(asset)
    if pending is not None:
        return _(
            "This asset is in the disposal request %(number)s waiting for approval; it cannot be lent."
        ) % {"number": pending.number}
    return None


def _refuse_loan(asset):
    reason = loan_refusal(asset)
    if reason:
        raise ValidationError({"asset": reason}, code="asset_not_lendable")


def default_due_date(campus, start=None):
    return (start or timezone.localdate()) + dt.timedelta(days=int(campus_setting(campus, LOAN_DAYS_SETTING)))


def _check_borrower(campus, borrower, school_class):
    if borrower is None and school_class is None:
        raise ValidationError({"borrower": _("Say who borrows the asset: a person or a class.")})
    _check_member(campus, borrower, "borrower")


@transaction.atomic
def loan_request(*, actor, campus, asset, purpose, due_on=None, school_class=None, now=None):
    """A staff member asks to borrow ``asset`` (for themselves or their class); the asset
    keepers are told. Refused at once when the asset cannot be lent."""
    now = now or timezone.now()
    asset = Asset._base_manager.select_for_update().get(pk=asset.pk)
    if asset.campus_id != campus.pk:
        raise ValidationError({"asset": _("The asset belongs to another campus.")})
    _refuse_loan(asset)
    if Loan.objects.filter(asset=asset, borrower=actor, status=Loan.Status.REQUESTED).exists():
        raise ValidationError(_("You have already asked to borrow this asset."), code="loan_requested")
    today = timezone.localtime(now).date()
    if due_on and due_on < today:
        raise ValidationError({"due_on": _("The due date is in the past.")})
    loan = Loan(
        campus=campus, asset=asset, borrower=actor, school_class=school_class, purpose=_clean_text(purpose, 200),
        status=Loan.Status.REQUESTED, requested_by=actor, requested_at=now, due_on=due_on,
    )  # fmt: skip
    loan.full_clean(exclude=["number"])
    loan.number = next_number(campus=campus, prefix=LOAN_PREFIX, on_date=now)
    _save(actor=actor, obj=loan, before=None, action="loan_request", message=str(asset))
    _notify(
        campus,
        roles=KEEPER_ROLES,
        exclude=[actor],
        title=_("%(who)s asks to borrow %(asset)s") % {"who": actor.display_name, "asset": asset},
        body=loan.purpose,
        url=loan_url(loan),
        event="assets.loan_requested",
    )
    return loan


def _hand_out(*, actor, loan, asset, due_on, condition_out, note_out, photos, now):
    from houqin.assets.services import asset_set_status

    today = timezone.localtime(now).date()
    due_on = due_on or loan.due_on or default_due_date(loan.campus, today)
    if due_on < today:
        raise ValidationError({"due_on": _("The due date is in the past.")})
    if condition_out not in Condition.values:
        raise ValidationError({"condition_out": _("Say in what condition the asset goes out.")})
    before = audit.snapshot(loan) if loan.pk else None
    loan.status = Loan.Status.OUT
    loan.status_before = asset.status
    loan.due_on = due_on
    loan.lent_by = actor
    loan.lent_at = now
    loan.condition_out = condition_out
    loan.note_out = _clean_text(note_out, 200)
    loan.full_clean(exclude=["number"] if not loan.number else None, validate_constraints=False)
    if not loan.number:
        loan.number = next_number(campus=loan.campus, prefix=LOAN_PREFIX, on_date=now)
    _save(actor=actor, obj=loan, before=before, action="loan_lend", message=str(asset))
    asset_set_status(
        actor=actor, asset=asset, status=Asset.Status.ON_LOAN,
        reason=_("Lent: %(number)s to %(who)s") % {"number": loan.number, "who": loan.borrower_display},
    )  # fmt: skip
    _add_photos(actor, loan, photos, "before")
    _notify(
        loan.campus,
        users=[loan.borrower, loan.school_class.head_teacher if loan.school_class_id else None],
        exclude=[actor],
        title=_("%(asset)s is lent to you until %(due)s (%(number)s)")
        % {"asset": asset, "due": due_on, "number": loan.number},
        url=loan_url(loan),
        event="assets.loan_out",
    )
    return loan


@transaction.atomic
def loan_lend(
    *, actor, campus, asset, borrower=None, school_class=None, due_on=None, purpose="",
    condition_out=Condition.GOOD, note_out="", photos=(), now=None,
):  # fmt: skip
    """The keeper lends ``asset`` directly (scanned or chosen) to a person or a class."""
    now = now or timezone.now()
    asset = Asset._base_manager.select_for_update().get(pk=asset.pk)
    if asset.campus_id != campus.pk:
        raise ValidationError({"asset": _("The asset belongs to another campus.")})
    _refuse_loan(asset)
    _check_borrower(campus, borrower, school_class)
    loan = Loan(
        campus=campus, asset=asset, borrower=borrower, school_class=school_class,
        purpose=_clean_text(purpose, 200), requested_by=actor, requested_at=now,
    )  # fmt: skip
    return _hand_out(
        actor=actor, loan=loan, asset=asset, due_on=due_on, condition_out=condition_out, note_out=note_out,
        photos=photos, now=now,
    )  # fmt: skip


@transaction.atomic
def loan_approve(*, actor, loan, due_on=None, condition_out=Condition.GOOD, note_out="", photos=(), now=None):
    """Hand out a requested loan."""
    now = now or timezone.now()
    locked = lock_for_update(loan)
    if locked.status != Loan.Status.REQUESTED:
        raise ValidationError(
            _("Only a requested loan can be lent (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="loan_status",
        )
    asset = Asset._base_manager.select_for_update().get(pk=locked.asset_id)
    _refuse_loan(asset)
    _hand_out(
        actor=actor, loan=locked, asset=asset, due_on=due_on, condition_out=condition_out, note_out=note_out,
        photos=photos, now=now,
    )  # fmt: skip
    _sync(loan, locked)
    return loan


@transaction.atomic
def loan_reject(*, actor, loan, reason):
    locked = lock_for_update(loan)
    if locked.status != Loan.Status.REQUESTED:
        raise ValidationError(_("Only a requested loan can be refused."), code="loan_status")
    before = audit.snapshot(locked)
    locked.status = Loan.Status.REJECTED
    locked.decision_note = clean_reason(reason)
    _save(actor=actor, obj=locked, before=before, action="loan_reject", message=locked.decision_note)
    _notify(
        locked.campus, users=[locked.requested_by], exclude=[actor],
        title=_("Your request to borrow %(asset)s was refused: %(reason)s")
        % {"asset": locked.asset, "reason": locked.decision_note},
        url=loan_url(locked), level="warning", event="assets.loan_refused",
    )  # fmt: skip
    _sync(loan, locked)
    return loan


@transaction.atomic
def loan_cancel(*, actor, loan, reason=""):
    """The requester (or a keeper) withdraws a request that has not been lent yet."""
    locked = lock_for_update(loan)
    if locked.status != Loan.Status.REQUESTED:
        raise ValidationError(_("Only a request not yet lent can be cancelled."), code="loan_status")
    if actor.pk != locked.requested_by_id and not _is_keeper(actor, locked.campus):
        raise PermissionDenied(_("Only the person who asked or an asset keeper can cancel this request."))
    before = audit.snapshot(locked)
    locked.status = Loan.Status.CANCELLED
    locked.decision_note = _clean_text(reason, 200)
    _save(actor=actor, obj=locked, before=before, action="loan_cancel", message=locked.decision_note)
    _sync(loan, locked)
    return loan


@transaction.atomic
def loan_return(
    *, actor, loan, condition_in, note_in="", photos=(), record_damage=False, damage_description="",
    compensation_due=None, now=None,
):  # fmt: skip
    """Take the asset back with its condition (and photos); the asset returns to the
    status it had before the loan. A damaged return can open a damage record with the
    borrower responsible (谁损坏谁赔偿)."""
    from houqin.assets.services import asset_set_status

    now = now or timezone.now()
    locked = lock_for_update(loan)
    if locked.status != Loan.Status.OUT:
        raise ValidationError(_("Only an asset on loan can be returned."), code="loan_status")
    if condition_in not in Condition.values:
        raise ValidationError({"condition_in": _("Say in what condition the asset came back.")})
    if record_damage and condition_in != Condition.DAMAGED:
        raise ValidationError({"condition_in": _("A damage record needs the asset to come back damaged.")})
    before = audit.snapshot(locked)
    locked.status = Loan.Status.RETURNED
    locked.returned_at = now
    locked.received_by = actor
    locked.condition_in = condition_in
    locked.note_in = _clean_text(note_in, 200)
    _save(
        actor=actor,
        obj=locked,
        before=before,
        action="loan_return",
        message=locked.get_condition_in_display(),
    )
    asset = Asset._base_manager.select_for_update().get(pk=locked.asset_id)
    if asset.status == Asset.Status.ON_LOAN:
        back = locked.status_before if locked.status_before in LENDABLE else Asset.Status.IN_USE
        asset_set_status(
            actor=actor,
            asset=asset,
            status=back,
            reason=_("Returned: %(number)s") % {"number": locked.number},
        )
    _add_photos(actor, locked, photos, "after")
    if record_damage:
        if locked.borrower_id:
            responsible = {"responsible_kind": Damage.Responsible.STAFF, "responsible_user": locked.borrower}
        else:
            responsible = {
                "responsible_kind": Damage.Responsible.CLASS,
                "responsible_class": locked.school_class,
            }
        damage_record(
            actor=actor, campus=locked.campus, asset=asset,
            data={
                "kind": Damage.Kind.DAMAGED, "occurred_on": timezone.localtime(now).date(),
                "description": _clean_text(damage_description)
                or _("Returned damaged from the loan %(number)s") % {"number": locked.number}
                + (f": {locked.note_in}" if locked.note_in else ""),
                "compensation_due": compensation_due or ZERO, **responsible,
            },
            source=Damage.Source.LOAN, loan=locked,
        )  # fmt: skip
    _sync(loan, locked)
    return loan


def overdue_loans(campus=None, today=None):
    today = today or timezone.localdate()
    qs = Loan.objects.filter(status=Loan.Status.OUT, due_on__lt=today)
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs


def loans_remind(now=None) -> int:
    """Once a day per overdue loan, tell the borrower (or the class's head teacher) and the
    asset keepers (for ``houqin tick``; runs outside any campus scope)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    reminded = 0
    loans = Loan.objects.with_scopes_disabled()
    qs = (
        loans.filter(status=Loan.Status.OUT, due_on__lt=today)
        .exclude(last_reminded_on=today)
        .select_related("campus", "asset", "borrower", "school_class__head_teacher")
        .order_by("campus_id", "due_on", "pk")
    )
    for loan in qs.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = (
                loans.filter(pk=loan.pk, status=Loan.Status.OUT)
                .exclude(last_reminded_on=today)
                .update(last_reminded_on=today)
            )
            if not claimed:  # another runner got it
                continue
            days = (today - loan.due_on).days
            audit.record(actor=None, action="loan_overdue_reminder", obj=loan, after={"overdue_days": days})
            teacher = loan.school_class.head_teacher if loan.school_class_id else None
            _notify(
                loan.campus,
                users=[loan.borrower, teacher],
                roles=KEEPER_ROLES,
                title=_("Overdue loan %(number)s: %(asset)s was due back %(days)s days ago")
                % {"number": loan.number, "asset": loan.asset, "days": days},
                body=_("Borrowed by %(who)s, due %(due)s.")
                % {"who": loan.borrower_display, "due": loan.due_on},
                url=loan_url(loan),
                level="warning",
                event="assets.loan_overdue",
            )
            reminded += 1
    return reminded


# --- Damage and compensation --------------------------------------------------------------


DAMAGE_FIELDS = (
    "kind", "occurred_on", "description", "responsible_kind", "responsible_user", "responsible_class",
    "responsible_name", "compensation_due", "compensation_note",
)  # fmt: skip


def damage_url(damage):
    return campus_url(damage.campus, "assets:damage_detail", pk=damage.pk)


def _damage_target_status(asset, kind):
    """The status a damage record gives its asset, or None to leave it."""
    if kind == Damage.Kind.LOST:
        if asset.status in (
            Asset.Status.IN_USE,
            Asset.Status.IDLE,
            Asset.Status.DAMAGED,
            Asset.Status.UNDER_REPAIR,
        ):
            return Asset.Status.MISSING
        return None
    if asset.status in (Asset.Status.IN_USE, Asset.Status.IDLE):
        return Asset.Status.DAMAGED
    return None


def _clean_responsible(damage):
    """Keep only the fields of the chosen kind of responsible party."""
    kind = damage.responsible_kind
    if kind != Damage.Responsible.STAFF:
        damage.responsible_user = None
    if kind != Damage.Responsible.CLASS:
        damage.responsible_class = None
    if kind in (Damage.Responsible.STAFF, Damage.Responsible.UNKNOWN):
        damage.responsible_name = ""


@transaction.atomic
def damage_record(*, actor, campus, asset, data, photos=(), source=Damage.Source.MANUAL, loan=None, now=None):
    """Record damage to (or loss of) ``asset`` with who is responsible and the compensation
    due; the asset becomes damaged (or missing). The responsible person is told."""
    from houqin.assets.services import asset_set_status

    unknown = set(data) - set(DAMAGE_FIELDS)
    if unknown:
        raise ValueError(f"Not damage fields: {sorted(unknown)}")
    now = now or timezone.now()
    asset = Asset._base_manager.select_for_update().get(pk=asset.pk)
    if asset.campus_id != campus.pk:
        raise ValidationError({"asset": _("The asset belongs to another campus.")})
    if asset.status == Asset.Status.DISPOSED:
        raise ValidationError({"asset": _("This asset has been disposed of.")})
    damage = Damage(campus=campus, asset=asset, source=source, loan=loan, recorded_by=actor)
    for name, value in data.items():
        setattr(damage, name, value.strip() if isinstance(value, str) else value)
    damage.compensation_due = _money(damage.compensation_due, "compensation_due")
    _clean_responsible(damage)
    _check_member(campus, damage.responsible_user, "responsible_user")
    damage.full_clean(exclude=["number"])
    damage.number = next_number(campus=campus, prefix=DAMAGE_PREFIX, on_date=now)
    target = _damage_target_status(asset, damage.kind)
    damage.status_before = asset.status if target else ""
    _save(actor=actor, obj=damage, before=None, action="create", message=damage.get_kind_display())
    if target:
        asset_set_status(
            actor=actor, asset=asset, status=target,
            reason=_("Damage record %(number)s") % {"number": damage.number},
        )  # fmt: skip
    _add_photos(actor, damage, photos, "photo")
    _notify_compensation(actor, damage)
    return damage


def _notify_compensation(actor, damage):
    if not damage.compensation_due or damage.compensation_due <= 0:
        return
    users = []
    if damage.responsible_user_id:
        users.append(damage.responsible_user)
    if damage.responsible_class_id and damage.responsible_class.head_teacher_id:
        users.append(damage.responsible_class.head_teacher)
    _notify(
        damage.campus,
        users=users,
        exclude=[actor],
        title=_("Compensation of %(amount)s yuan due for %(asset)s (%(number)s)")
        % {"amount": damage.compensation_due, "asset": damage.asset, "number": damage.number},
        body=damage.compensation_note or damage.short_description,
        url=damage_url(damage),
        level="warning",
        event="assets.compensation_due",
    )


@transaction.atomic
def damage_update(*, actor, damage, data):
    """Correct an open record (description, responsible party, date)."""
    locked = lock_for_update(damage)
    if locked.status != Damage.Status.OPEN:
        raise ValidationError(_("Only an open damage record can be changed."), code="damage_closed")
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in DAMAGE_FIELDS or name in ("compensation_due", "kind"):
            raise ValueError(f"Not editable here: {name}")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _clean_responsible(locked)
    _check_member(locked.campus, locked.responsible_user, "responsible_user")
    _save(actor=actor, obj=locked, before=before, action="update")
    _sync(damage, locked)
    return damage


@transaction.atomic
def damage_set_compensation(*, actor, damage, amount, note=""):
    """Set the compensation due (0 waives it); never below what has been received."""
    locked = lock_for_update(damage)
    if locked.status == Damage.Status.VOID:
        raise ValidationError(_("This damage record is void."), code="damage_void")
    amount = _money(amount, "compensation_due")
    if amount < locked.compensation_received:
        raise ValidationError(
            {"compensation_due": _("%(received)s yuan has already been received; the amount due cannot be lower.")
             % {"received": locked.compensation_received}}
        )  # fmt: skip
    before = audit.snapshot(locked)
    locked.compensation_due = amount
    locked.compensation_note = _clean_text(note, 200) or locked.compensation_note
    if locked.status == Damage.Status.CLOSED and locked.outstanding > 0:
        locked.status, locked.closed_at, locked.closed_by = Damage.Status.OPEN, None, None
    _save(actor=actor, obj=locked, before=before, action="compensation_set", message=str(amount))
    _notify_compensation(actor, locked)
    _sync(damage, locked)
    return damage


def _refresh_received(damage):
    total = damage.payments.filter(voided_at__isnull=True).aggregate(total=Sum("amount"))["total"]
    damage.compensation_received = (total or ZERO).quantize(CENT)


@transaction.atomic
def compensation_receive(
    *, actor, damage, amount, receipt_number, received_on=None, payer_name="", note="", received_by=None
):
    """Record a compensation payment (receipt number required). Paid in full, the record closes."""
    locked = lock_for_update(damage)
    if locked.status == Damage.Status.VOID:
        raise ValidationError(_("This damage record is void."), code="damage_void")
    amount = _money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Enter the amount received.")})
    if amount > locked.outstanding:
        raise ValidationError(
            {"amount": _("Only %(due)s yuan is outstanding.") % {"due": locked.outstanding}}, code="overpaid"
        )
    payment = CompensationPayment(
        campus_id=locked.campus_id, damage=locked, amount=amount, received_on=received_on or timezone.localdate(),
        receipt_number=_clean_text(receipt_number, 40), payer_name=_clean_text(payer_name, 60),
        received_by=received_by or actor, note=_clean_text(note, 200),
    )  # fmt: skip
    payment.full_clean()
    payment.save()
    audit.record(actor=actor, action="compensation_receive", obj=locked, after=audit.snapshot(payment),
                 message=f"{payment.receipt_number} {amount}")  # fmt: skip
    before = audit.snapshot(locked)
    _refresh_received(locked)
    if locked.outstanding <= 0 and locked.status == Damage.Status.OPEN:
        locked.status, locked.closed_at, locked.closed_by = Damage.Status.CLOSED, timezone.now(), actor
    _save(actor=actor, obj=locked, before=before, action="compensation_update")
    _sync(damage, locked)
    return payment


@transaction.atomic
def compensation_void(*, actor, payment, reason):
    """A payment recorded by mistake is voided (never deleted); the record reopens if money is due again."""
    payment = CompensationPayment._base_manager.select_for_update().get(pk=payment.pk)
    if payment.voided_at is not None:
        raise ValidationError(_("This payment has already been voided."), code="payment_voided")
    before_payment = audit.snapshot(payment)
    payment.voided_at = timezone.now()
    payment.voided_by = actor
    payment.void_reason = clean_reason(reason, field="void_reason")
    payment.full_clean()
    payment.save()
    damage = lock_for_update(payment.damage)
    audit.record(actor=actor, action="compensation_void", obj=damage,
                 before={"payment": before_payment}, after={"payment": audit.snapshot(payment)},
                 message=f"{payment.receipt_number}: {payment.void_reason}")  # fmt: skip
    before = audit.snapshot(damage)
    _refresh_received(damage)
    if damage.status == Damage.Status.CLOSED and damage.outstanding > 0:
        damage.status, damage.closed_at, damage.closed_by = Damage.Status.OPEN, None, None
    _save(actor=actor, obj=damage, before=before, action="compensation_update")
    return payment


@transaction.atomic
def damage_close(*, actor, damage, note=""):
    """Close a record with nothing outstanding (waive the rest first by lowering the amount due)."""
    locked = lock_for_update(damage)
    if locked.status != Damage.Status.OPEN:
        raise ValidationError(_("Only an open damage record can be closed."), code="damage_closed")
    if locked.outstanding > 0:
        raise ValidationError(
            _("%(due)s yuan of compensation is still outstanding.") % {"due": locked.outstanding},
            code="compensation_outstanding",
        )
    before = audit.snapshot(locked)
    locked.status, locked.closed_at, locked.closed_by = Damage.Status.CLOSED, timezone.now(), actor
    _save(actor=actor, obj=locked, before=before, action="damage_close", message=_clean_text(note, 200))
    _sync(damage, locked)
    return damage


@transaction.atomic
def damage_void(*, actor, damage, reason):
    """A record made by mistake is voided; the asset gets back the status it had."""
    from houqin.assets.services import asset_set_status

    locked = lock_for_update(damage)
    if locked.status != Damage.Status.OPEN:
        raise ValidationError(_("Only an open damage record can be voided."), code="damage_closed")
    if locked.payments.filter(voided_at__isnull=True).exists():
        raise ValidationError(
            _("Payments have been received for this record; void them first."), code="damage_paid"
        )
    before = audit.snapshot(locked)
    locked.status = Damage.Status.VOID
    locked.void_reason = clean_reason(reason, field="void_reason")
    _save(actor=actor, obj=locked, before=before, action="damage_void", message=locked.void_reason)
    asset = Asset._base_manager.select_for_update().get(pk=locked.asset_id)
    target = Asset.Status.MISSING if locked.kind == Damage.Kind.LOST else Asset.Status.DAMAGED
    others = Damage.objects.filter(asset=asset, status=Damage.Status.OPEN).exclude(pk=locked.pk).exists()
    if locked.status_before and asset.status == target and not others:
        asset_set_status(
            actor=actor, asset=asset, status=locked.status_before,
            reason=_("Damage record %(number)s voided") % {"number": locked.number},
        )  # fmt: skip
    _sync(damage, locked)
    return damage


def repairs_available():
    try:
        from houqin.maintenance.services import repair_request_create  # noqa: F401
    except ImportError:
        return False
    return "repair" in {f.name for f in Damage._meta.get_fields()}


@transaction.atomic
def damage_open_repair(*, actor, damage, urgency="normal"):
    """Open a repair request (维修) for the damaged asset and keep the link."""
    if not repairs_available():
        raise ValidationError(_("Repair requests are not available on this installation."))
    from houqin.maintenance.services import repair_request_create

    locked = lock_for_update(damage)
    if locked.status == Damage.Status.VOID:
        raise ValidationError(_("This damage record is void."), code="damage_void")
    if locked.repair_id:
        raise ValidationError(_("A repair request is already linked to this record."), code="repair_linked")
    if locked.kind == Damage.Kind.LOST:
        raise ValidationError(_("A lost asset cannot be repaired."))
    asset = locked.asset
    repair = repair_request_create(
        actor=actor, campus=locked.campus,
        description=_("%(asset)s: %(what)s (damage record %(number)s)")
        % {"asset": asset, "what": locked.description, "number": locked.number},
        room=asset.room, asset=asset, urgency=urgency, source="damage", origin=locked,
    )  # fmt: skip
    before = audit.snapshot(locked)
    locked.repair = repair
    _save(actor=actor, obj=locked, before=before, action="damage_repair", message=str(repair))
    _sync(damage, locked)
    return repair


def outstanding_compensation(campus):
    return Damage.objects.filter(
        campus=campus, status=Damage.Status.OPEN, compensation_due__gt=F("compensation_received")
    )


# --- Disposal requests --------------------------------------------------------------------


DISPOSAL_FIELDS = ("kind", "reason", "recipient")


def disposal_url(request):
    return campus_url(request.campus, "assets:disposal_detail", pk=request.pk)


def disposal_refusal(asset, exclude_request=None):
    """Why ``asset`` cannot be put into a disposal request, or ``None``."""
    if asset.status == Asset.Status.DISPOSED:
        return _("%(asset)s has already been disposed of.") % {"asset": asset}
    if (
        asset.status == Asset.Status.ON_LOAN
        or Loan.objects.filter(asset=asset, status=Loan.Status.OUT).exists()
    ):
        return _("%(asset)s is on loan; take it back first.") % {"asset": asset}
    pending = pending_disposal_of(asset)
    if pending is not None and (exclude_request is None or pending.pk != exclude_request.pk):
        return _("%(asset)s is already in the disposal request %(number)s waiting for approval.") % {
            "asset": asset,
            "number": pending.number,
        }
    return None


@transaction.atomic
def disposal_create(*, actor, campus, data, now=None):
    unknown = set(data) - set(DISPOSAL_FIELDS)
    if unknown:
        raise ValueError(f"Not disposal fields: {sorted(unknown)}")
    now = now or timezone.now()
    request = DisposalRequest(campus=campus, requested_by=actor)
    for name, value in data.items():
        setattr(request, name, value.strip() if isinstance(value, str) else value)
    request.full_clean(exclude=["number"])
    request.number = next_number(campus=campus, prefix=DISPOSAL_PREFIX, on_date=now)
    return _save(actor=actor, obj=request, before=None, action="create")


def _editable(request):
    if request.status not in DisposalRequest.EDITABLE:
        raise ValidationError(
            _("A request can only be changed while it is a draft, rejected or withdrawn."),
            code="disposal_locked",
        )


@transaction.atomic
def disposal_update(*, actor, request, data):
    locked = lock_for_update(request)
    _editable(locked)
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in DISPOSAL_FIELDS:
            raise ValueError(f"Not a disposal field: {name}")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _save(actor=actor, obj=locked, before=before, action="update")
    _sync(request, locked)
    return request


def _line_values(line, asset, as_of):
    value, accumulated, net = asset_book_values(asset, as_of)
    line.original_value, line.accumulated_depreciation, line.net_value = value, accumulated, net


def _refresh_totals(request):
    totals = request.lines.aggregate(value=Sum("original_value"), residual=Sum("residual_value"))
    request.total_value = (totals["value"] or ZERO).quantize(CENT)
    request.total_residual = (totals["residual"] or ZERO).quantize(CENT)
    request.save(update_fields=["total_value", "total_residual", "updated_at"])


@transaction.atomic
def disposal_add_asset(*, actor, request, asset, residual_value=0, note=""):
    """Add ``asset`` (with its residual value, 残值) to an editable request; its original value,
    depreciation and net book value are frozen as of today."""
    locked = lock_for_update(request)
    _editable(locked)
    asset = Asset._base_manager.select_for_update().select_related("category").get(pk=asset.pk)
    if asset.campus_id != locked.campus_id:
        raise ValidationError({"asset": _("The asset belongs to another campus.")})
    if locked.lines.filter(asset=asset).exists():
        raise ValidationError({"asset": _("%(asset)s is already in this request.") % {"asset": asset}})
    reason = disposal_refusal(asset)
    if reason:
        raise ValidationError({"asset": reason}, code="asset_not_disposable")
    line = DisposalLine(
        campus_id=locked.campus_id, request=locked, asset=asset,
        residual_value=_money(residual_value, "residual_value"), note=_clean_text(note, 200),
    )  # fmt: skip
    _line_values(line, asset, timezone.localdate())
    line.full_clean()
    line.save()
    _refresh_totals(locked)
    audit.record(
        actor=actor, action="disposal_add", obj=locked, after=audit.snapshot(line), message=str(asset)
    )
    _sync(request, locked)
    return line


@transaction.atomic
def disposal_remove_line(*, actor, line):
    line = DisposalLine._base_manager.select_related("request", "asset").get(pk=line.pk)
    request = lock_for_update(line.request)
    _editable(request)
    snapshot = audit.snapshot(line)
    line.delete()  # a draft line, not a ledger row
    _refresh_totals(request)
    audit.record(actor=actor, action="disposal_remove", obj=request, before=snapshot, message=str(line.asset))
    return request


@transaction.atomic
def disposal_submit(*, actor, request, now=None):
    """Send the request for approval (logistics head → principal; the amount is the total
    book value, so the campus's thresholds apply). Values are refreshed as of today."""
    now = now or timezone.now()
    locked = lock_for_update(request)
    _editable(locked)
    lines = list(locked.lines.select_related("asset", "asset__category"))
    if not lines:
        raise ValidationError(_("Add at least one asset to the request."), code="disposal_empty")
    problems = [r for r in (disposal_refusal(line.asset, exclude_request=locked) for line in lines) if r]
    if problems:
        raise ValidationError(problems, code="asset_not_disposable")
    today = timezone.localtime(now).date()
    for line in lines:
        _line_values(line, line.asset, today)
        line.save(update_fields=["original_value", "accumulated_depreciation", "net_value", "updated_at"])
    _refresh_totals(locked)
    before = audit.snapshot(locked)
    locked.status = DisposalRequest.Status.PENDING
    locked.submitted_at = now
    locked.decided_at = None
    _save(actor=actor, obj=locked, before=before, action="submit")
    approval = approvals.submit(
        actor=actor, obj=locked, kind=DISPOSAL_KIND,
        title=_("Disposal %(number)s: %(kind)s, %(n)s assets")
        % {"number": locked.number, "kind": locked.get_kind_display(), "n": len(lines)},
        amount=locked.total_value,
    )  # fmt: skip
    locked.refresh_from_db()
    _sync(request, locked)
    return approval


def disposal_withdraw(*, actor, request, comment=""):
    approval = approvals.current_request(request)
    if approval is None:
        raise ValidationError(_("This request is not waiting for approval."), code="not_pending")
    approvals.withdraw(actor=actor, approval=approval, comment=comment)
    request.refresh_from_db()
    return request


def _set_disposal_status(obj, status, actor, action):
    locked = lock_for_update(obj)
    before = audit.snapshot(locked)
    locked.status = status
    locked.decided_at = timezone.now()
    _save(actor=actor, obj=locked, before=before, action=action)
    _sync(obj, locked)
    return locked


def disposal_on_approved(obj, approval, actor):
    """The assets leave the active register (status disposed, disposal date set); their
    cards and history stay."""
    from houqin.assets.services import asset_set_status

    locked = _set_disposal_status(obj, DisposalRequest.Status.APPROVED, actor, "approve")
    for line in locked.lines.select_related("asset").order_by("id"):
        asset = line.asset
        if asset.status == Asset.Status.DISPOSED:
            continue
        if asset.status == Asset.Status.ON_LOAN:
            raise ValidationError(_("%(asset)s is on loan; take it back first.") % {"asset": asset})
        asset_set_status(
            actor=actor, asset=asset, status=Asset.Status.DISPOSED,
            reason=f"{locked.number} {locked.get_kind_display()}",
        )  # fmt: skip
    _notify(
        locked.campus, users=[locked.requested_by], roles=KEEPER_ROLES, exclude=[actor],
        title=_("Disposal %(number)s approved: the assets are written off") % {"number": locked.number},
        url=disposal_url(locked), event="assets.disposal_approved",
    )  # fmt: skip


def disposal_on_rejected(obj, approval, actor):
    _set_disposal_status(obj, DisposalRequest.Status.REJECTED, actor, "reject")


def disposal_on_withdrawn(obj, approval, actor):
    _set_disposal_status(obj, DisposalRequest.Status.WITHDRAWN, actor, "withdraw")


# --- Reports ------------------------------------------------------------------------------


def year_bounds(year):
    return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


_VALUE = ExpressionWrapper(
    F("price") * F("quantity"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def _by_category(qs):
    rows = list(
        qs.values("category_id", "category__name", "category__kind")
        .annotate(cards=Count("id"), items=Sum("quantity"), value=Sum(_VALUE))
        .order_by("category__kind", "category__name")
    )
    out = [
        {
            "category_id": r["category_id"],
            "category": r["category__name"],
            "cards": r["cards"],
            "items": r["items"] or 0,
            "value": (r["value"] or ZERO).quantize(CENT),
        }
        for r in rows
    ]
    total = {
        "cards": sum(r["cards"] for r in out),
        "items": sum(r["items"] for r in out),
        "value": sum((r["value"] for r in out), ZERO),
    }
    return out, total


def acquisitions_by_category(campus, start, end):
    """Assets acquired (purchase date) between ``start`` and ``end``, by category."""
    return _by_category(Asset.objects.filter(campus=campus, purchase_date__gte=start, purchase_date__lte=end))


def disposals_by_category(campus, start, end):
    """Assets disposed of between ``start`` and ``end``, by category (original value)."""
    return _by_category(
        Asset.objects.filter(
            campus=campus, status=Asset.Status.DISPOSED, disposed_on__gte=start, disposed_on__lte=end
        )
    )


@dataclass
class DepreciationRow:
    asset_id: int
    tag: str
    name: str
    category_id: int
    category: str
    life_years: int
    start: dt.date | None
    original: Decimal
    monthly: Decimal
    months: int
    accumulated: Decimal
    net: Decimal


@dataclass
class DepreciationReport:
    as_of: dt.date
    rows: list
    categories: list  # [{"category", "life_years", "cards", "original", "accumulated", "net"}]
    total: dict


def depreciation_report(campus, as_of, category=None):
    """Straight-line depreciation (年限平均法) of every asset on the register on ``as_of``:
    acquired by then and not disposed of by then. One query; totals by category."""
    qs = (
        Asset.objects.filter(campus=campus)
        .filter(Q(purchase_date__isnull=True) | Q(purchase_date__lte=as_of))
        .exclude(status=Asset.Status.DISPOSED, disposed_on__isnull=True)
        .exclude(disposed_on__lte=as_of)
    )
    if category is not None:
        qs = qs.filter(category=category)
    values = qs.values(
        "id", "tag", "name", "price", "quantity", "purchase_date", "in_service_date", "category_id",
        "category__name", "category__kind", "category__useful_life_years",
    ).order_by("category__kind", "category__name", "tag", "id")  # fmt: skip
    rows = []
    groups = {}
    for v in values.iterator(chunk_size=2000):
        original = ((v["price"] or ZERO) * (v["quantity"] or 0)).quantize(CENT)
        life = v["category__useful_life_years"] or 0
        start = v["in_service_date"] or v["purchase_date"]
        accumulated, net, months = depreciation(original, life, start, as_of)
        row = DepreciationRow(
            v["id"], v["tag"], v["name"], v["category_id"], v["category__name"], life, start, original,
            monthly_depreciation(original, life), months, accumulated, net,
        )  # fmt: skip
        rows.append(row)
        g = groups.setdefault(
            v["category_id"],
            {"category_id": v["category_id"], "category": v["category__name"], "life_years": life, "cards": 0,
             "original": ZERO, "accumulated": ZERO, "net": ZERO},
        )  # fmt: skip
        g["cards"] += 1
        g["original"] += original
        g["accumulated"] += accumulated
        g["net"] += net
    categories = list(groups.values())
    total = {
        "cards": len(rows),
        "original": sum((g["original"] for g in categories), ZERO),
        "accumulated": sum((g["accumulated"] for g in categories), ZERO),
        "net": sum((g["net"] for g in categories), ZERO),
    }
    return DepreciationReport(as_of, rows, categories, total)
