"""Stocktakes (盘点): every write (``stocktake_<action>(*, actor, …)``, atomic and audited)
and the reconciliation that the result page, the report, the export and the API read.

* Creating a stocktake freezes its expected list: one line per active asset in scope
  (room, custodian, quantity and value as the register says that day), written with
  ``bulk_create``.
* Counting (:func:`stocktake_scan`, :func:`stocktake_mark_found`) marks a line found with
  a conditional UPDATE (``… WHERE result = 'pending'``) and adds lines for what was not
  expected under a unique constraint per stocktake × asset (or × code), so two counters
  never count one asset twice and no scan is lost: every scan is also logged.
* :func:`reconcile` aggregates in SQL (a couple of GROUP BY queries, whatever the number
  of lines).
* Closing proposes one adjustment per difference; the keeper submits them through
  ``core.approvals`` (kind :data:`ADJUSTMENT_KIND`) and they are applied through the
  register's own audited services only when the last step approves; each adjustment is
  claimed with a conditional UPDATE, so nothing is applied twice.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.assets.models import (
    Asset,
    Stocktake,
    StocktakeAdjustment,
    StocktakeLine,
    StocktakeRoom,
    StocktakeScan,
)
from houqin.core import approvals, audit
from houqin.core.models import Room
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms
from houqin.core.roles import Role
from houqin.core.services import lock_for_update

ADJUSTMENT_KIND = "assets.stocktake_adjustment"
NUMBER_PREFIX = "PD"
VIEW, COUNT, MANAGE = "assets.view_stocktakes", "assets.count_stocktakes", "assets.manage_stocktakes"
MAX_SCAN_LENGTH = 200
ZERO = Decimal("0.00")

Result = StocktakeLine.Result
Kind = StocktakeAdjustment.Kind
State = StocktakeAdjustment.State
ACTIONABLE_KINDS = (Kind.MISSING, Kind.MOVE, Kind.RECOVERED, Kind.QUANTITY)
LISTED_KINDS = (Kind.REGISTER, Kind.REVIEW)

# A room's QR label: …/q/<token>/ (an asset's is …/q/a/<token>/).
ROOM_URL_RE = re.compile(r"/q/(?!a/)([A-Za-z0-9_-]{4,40})/?(?:[?#].*)?$")


# --- Helpers ------------------------------------------------------------------------------


def _asset_services():
    from houqin.assets import services

    return services


def _sync(original, fresh, fields=("status", "started_at", "closed_at", "closed_by_id", "adjusted_at")):
    if original is not fresh:
        for name in fields:
            setattr(original, name, getattr(fresh, name))


def _transition(*, actor, obj, before, action, message=""):
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


def stocktake_url(stocktake, name="assets:stocktake_detail", **kwargs):
    try:
        return reverse(name, kwargs={"campus": stocktake.campus.code, "pk": stocktake.pk, **kwargs})
    except NoReverseMatch:  # pragma: no cover - the URLconf always has it
        return ""


def _require_status(stocktake, *statuses, message):
    if stocktake.status not in statuses:
        raise ValidationError(message, code="wrong_status")


# --- Scope and creation -------------------------------------------------------------------


def scope_assets(campus, *, scope, rooms=(), buildings=(), categories=()):
    """The active assets a stocktake of this scope expects."""
    qs = Asset.objects.filter(campus=campus, status__in=Asset.ACTIVE_STATUSES)
    if scope == Stocktake.Scope.ROOMS:
        qs = qs.filter(room__in=list(rooms))
    elif scope == Stocktake.Scope.BUILDINGS:
        qs = qs.filter(room__building__in=list(buildings))
    if categories:
        qs = qs.filter(category__in=list(categories))
    return qs


def _scope_rooms(campus, *, scope, rooms, buildings, asset_room_ids):
    """The rooms to count: the chosen ones, or every room in use of the buildings / campus
    plus any room still holding an expected asset."""
    if scope == Stocktake.Scope.ROOMS:
        return list(Room.objects.filter(campus=campus, pk__in=[r.pk for r in rooms]))
    base = Room.objects.filter(campus=campus)
    if scope == Stocktake.Scope.BUILDINGS:
        base = base.filter(building__in=list(buildings))
    return list(base.filter(Q(is_active=True) | Q(pk__in=asset_room_ids)))


def _member_ids(campus, ids) -> set:
    from houqin.core.forms import campus_users

    if not ids:
        return set()
    return set(campus_users(campus).filter(pk__in=set(ids)).values_list("pk", flat=True))


def _check_counters(campus, users):
    users = [u for u in users if u is not None]
    if not users:
        return []
    members = _member_ids(campus, [u.pk for u in users])
    strangers = [u for u in users if u.pk not in members]
    if strangers:
        raise ValidationError(
            {
                "counters": _("%(names)s hold no role on this campus.")
                % {"names": "、".join(map(str, strangers))}
            }
        )
    return users


@transaction.atomic
def stocktake_create(
    *, actor, campus, data, rooms=(), buildings=(), categories=(), counters=None, all_counters=(), now=None
):
    """Create a draft stocktake and freeze its expected list.

    ``data``: title, scope, start_date, end_date, note. ``counters``: {room pk: [users]};
    the other rooms are counted by ``all_counters`` if given, else by their keeper (the
    class teacher of a classroom).
    """
    unknown = set(data) - {"title", "scope", "start_date", "end_date", "note"}
    if unknown:
        raise ValueError(f"Not stocktake fields: {sorted(unknown)}")
    now = now or timezone.now()
    rooms, buildings, categories = list(rooms or ()), list(buildings or ()), list(categories or ())
    stocktake = Stocktake(
        campus=campus, created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    for name, value in data.items():
        setattr(stocktake, name, value.strip() if isinstance(value, str) else value)
    errors = {}
    for label, objs in (("rooms", rooms), ("buildings", buildings), ("categories", categories)):
        if any(o.campus_id != campus.pk for o in objs):
            errors[label] = _("Choose only rooms, buildings and categories of this campus.")
    if stocktake.scope == Stocktake.Scope.ROOMS and not rooms:
        errors["rooms"] = _("Choose the rooms to count.")
    if stocktake.scope == Stocktake.Scope.BUILDINGS and not buildings:
        errors["buildings"] = _("Choose the buildings to count.")
    try:
        stocktake.full_clean(exclude=["number"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, messages)
    if errors:
        raise ValidationError(errors)

    assets = list(
        scope_assets(campus, scope=stocktake.scope, rooms=rooms, buildings=buildings, categories=categories)
        .order_by("tag")
        .values_list(
            "pk",
            "tag",
            "name",
            "category_id",
            "unit",
            "room_id",
            "custodian_id",
            "quantity",
            "price",
            "status",
        )
    )
    if not assets:
        raise ValidationError(
            _("No asset in use is registered in the chosen scope; there is nothing to count."),
            code="empty_scope",
        )
    room_list = _scope_rooms(
        campus, scope=stocktake.scope, rooms=rooms, buildings=buildings,
        asset_room_ids={a[5] for a in assets if a[5]},
    )  # fmt: skip

    stocktake.number = next_number(campus=campus, prefix=NUMBER_PREFIX, on_date=stocktake.start_date)
    stocktake.save()
    if stocktake.scope == Stocktake.Scope.BUILDINGS:
        stocktake.buildings.set(buildings)
    if categories:
        stocktake.categories.set(categories)

    StocktakeRoom.objects.bulk_create(
        [StocktakeRoom(campus=campus, stocktake=stocktake, room=room) for room in room_list], batch_size=500
    )
    counters = dict(counters or {})
    all_counters = _check_counters(campus, list(all_counters or ()))
    st_rooms = list(StocktakeRoom.objects.filter(stocktake=stocktake).select_related("room__keeper"))
    keepers = [
        r.room.keeper for r in st_rooms if r.room_id not in counters and r.room.keeper_id and not all_counters
    ]
    members = _member_ids(campus, [u.pk for u in keepers if u.is_active])
    through = StocktakeRoom.counters.through
    links = []
    for st_room in st_rooms:
        users = counters.get(st_room.room_id)
        if users is None and all_counters:
            users = all_counters
        elif users is None:
            # the room's keeper (a class teacher for a classroom), if still a member here
            users = [st_room.room.keeper] if st_room.room.keeper_id in members else []
        else:
            users = _check_counters(campus, users)
        links += [through(stocktakeroom_id=st_room.pk, user_id=u.pk) for u in users]
    through.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)

    lines = [
        StocktakeLine(
            campus=campus,
            stocktake=stocktake,
            asset_id=pk,
            expected=True,
            code=tag,
            name=name,
            category_id=category_id,
            unit=unit,
            expected_room_id=room_id,
            expected_custodian_id=custodian_id,
            expected_quantity=quantity,
            unit_price=price,
            expected_value=(price or ZERO) * quantity,
            asset_status=status,
            result=Result.PENDING,
        )  # fmt: skip
        for pk, tag, name, category_id, unit, room_id, custodian_id, quantity, price, status in assets
    ]
    StocktakeLine.objects.bulk_create(lines, batch_size=1000)
    audit.record(
        actor=actor,
        action="create",
        obj=stocktake,
        after=audit.snapshot(stocktake),
        message=_("%(assets)s assets expected in %(rooms)s rooms")
        % {"assets": len(lines), "rooms": len(room_list)},
    )
    return stocktake


STOCKTAKE_EDITABLE = ("title", "start_date", "end_date", "note")


@transaction.atomic
def stocktake_update(*, actor, stocktake, data):
    """Correct the title, dates or note while the stocktake is not closed."""
    locked = lock_for_update(stocktake)
    _require_status(locked, *Stocktake.OPEN_STATUSES, message=_("A closed stocktake cannot be edited."))
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in STOCKTAKE_EDITABLE:
            raise ValueError(f"Not an editable stocktake field: {name}")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _transition(actor=actor, obj=locked, before=before, action="update")
    _sync(stocktake, locked, STOCKTAKE_EDITABLE)
    return locked


@transaction.atomic
def stocktake_set_counters(*, actor, stocktake, room, users):
    """Name the people who count ``room`` (a :class:`StocktakeRoom`) while it is open."""
    locked = lock_for_update(stocktake)
    _require_status(
        locked, *Stocktake.OPEN_STATUSES, message=_("The stocktake is closed; counters cannot change.")
    )
    if room.stocktake_id != locked.pk:
        raise ValidationError(_("This room is not part of the stocktake."))
    users = _check_counters(locked.campus, list(users))
    before = sorted(room.counters.values_list("pk", flat=True))
    room.counters.set(users)
    after = sorted(u.pk for u in users)
    if before != after:
        audit.record(
            actor=actor, action="set_counters", obj=locked,
            before={"room": room.room_id, "counters": before}, after={"room": room.room_id, "counters": after},
            message=str(room.room),
        )  # fmt: skip
    return room


@transaction.atomic
def stocktake_start(*, actor, stocktake, now=None):
    locked = lock_for_update(stocktake)
    _require_status(locked, Stocktake.Status.DRAFT, message=_("Only a draft stocktake can start counting."))
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.COUNTING
    locked.started_at = now or timezone.now()
    _transition(actor=actor, obj=locked, before=before, action="start")
    _sync(stocktake, locked)
    _notify_counters(locked, actor)
    return locked


def _notify_counters(stocktake, actor):
    from houqin.core.models import User
    from houqin.core.notifications import notify

    users = list(
        User.objects.filter(
            pk__in=StocktakeRoom.counters.through.objects.filter(stocktakeroom__stocktake=stocktake).values(
                "user_id"
            ),
            is_active=True,
        ).exclude(pk=getattr(actor, "pk", None))
    )
    if users:
        notify(
            campus=stocktake.campus, recipients=users,
            title=_("Stocktake started: %(title)s") % {"title": stocktake.title},
            body=_("Count your rooms by %(date)s.") % {"date": stocktake.end_date},
            url=stocktake_url(stocktake, "assets:stocktake_count"), level="info", event="assets.stocktake_started",
        )  # fmt: skip


@transaction.atomic
def stocktake_cancel(*, actor, stocktake, reason):
    locked = lock_for_update(stocktake)
    _require_status(
        locked, *Stocktake.OPEN_STATUSES, message=_("Only a draft or counting stocktake can be cancelled.")
    )
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stocktake is cancelled.")})
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.CANCELLED
    locked.cancel_reason = reason[:300]
    _transition(actor=actor, obj=locked, before=before, action="cancel", message=reason)
    _sync(stocktake, locked, ("status", "cancel_reason"))
    return locked


# --- Counting -----------------------------------------------------------------------------


def can_count_room(actor, st_room, perms) -> bool:
    """Keepers count every room; other counters the rooms they are named for (or rooms
    nobody is named for)."""
    if MANAGE in perms:
        return True
    if COUNT not in perms:
        return False
    counter_ids = [u.pk for u in st_room.counters.all()]
    return not counter_ids or actor.pk in counter_ids


def _lock_for_count(stocktake):
    """Lock the stocktake row (not its campus) for one count: a scan and the closing never
    interleave, so no scan lands after the stocktake was reconciled."""
    return Stocktake.objects.select_related("campus").select_for_update(of=("self",)).get(pk=stocktake.pk)


def _require_counting(stocktake, st_room, actor, perms):
    if stocktake.status != Stocktake.Status.COUNTING:
        raise ValidationError(_("The stocktake is not counting (it is %(status)s).")
                              % {"status": stocktake.get_status_display()}, code="not_counting")  # fmt: skip
    if st_room.stocktake_id != stocktake.pk:
        raise ValidationError(_("This room is not part of the stocktake."), code="wrong_room")
    if perms is None:
        perms = actor_perms(actor, stocktake.campus)
    if not can_count_room(actor, st_room, perms):
        raise PermissionDenied(_("Other people are named to count this room."))


@dataclass
class ScanResult:
    """What one scan gave: ``outcome`` is found, wrong_room, unexpected, unknown, already or
    room (the text was a room's QR label: count that room instead)."""

    outcome: str
    text: str
    line: StocktakeLine | None = None
    room: StocktakeRoom | None = None
    reason: str = ""  # why an asset was not expected

    @property
    def ok(self):
        return self.outcome == "found"


def room_from_scan(stocktake, text) -> StocktakeRoom | None:
    """The stocktake's room whose QR label (full URL or bare token) ``text`` is."""
    text = (text or "").strip()
    match = ROOM_URL_RE.search(text)
    token = match.group(1) if match else text
    if not token or len(token) > 40:
        return None
    return (
        StocktakeRoom.objects.filter(stocktake=stocktake, room__qr_token=token)
        .select_related("room", "room__building")
        .first()
    )


def _log_scan(stocktake, room, text, outcome, line, actor, now):
    StocktakeScan.objects.create(
        campus_id=stocktake.campus_id, stocktake=stocktake, room=room, text=text[:MAX_SCAN_LENGTH],
        outcome=outcome, line=line, scanned_by=actor if getattr(actor, "is_authenticated", False) else None,
        scanned_at=now,
    )  # fmt: skip


def _found_fields(room, actor, now, method, quantity):
    return {
        "found_room": room,
        "found_at": now,
        "found_by": actor if getattr(actor, "is_authenticated", False) else None,
        "method": method,
        "counted_quantity": quantity,
    }


def _clean_quantity(quantity):
    if quantity in (None, ""):
        return None
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ValidationError({"quantity": _("Enter a whole number.")})
    if quantity < 1 or quantity > 100000:
        raise ValidationError({"quantity": _("Enter the number of items found (at least 1).")})
    return quantity


def _claim_expected(line, room, actor, now, method, quantity):
    """Mark an expected line found, unless somebody else just did (conditional UPDATE)."""
    result = Result.FOUND if line.expected_room_id == room.room_id else Result.WRONG_ROOM
    quantity = quantity or line.expected_quantity or 1
    fields = _found_fields(room.room, actor, now, method, quantity)
    updated = StocktakeLine.objects.filter(pk=line.pk, result=Result.PENDING).update(result=result, **fields)
    if not updated:
        return None
    line.result = result
    for name, value in fields.items():
        setattr(line, name, value)
    audit.record(
        actor=actor, action="stocktake_found", obj=line,
        after={"result": result, "found_room": room.room_id, "counted_quantity": quantity, "method": method},
        message=str(room.room),
    )  # fmt: skip
    return line


def _unexpected_reason(stocktake, asset):
    if asset.status not in Asset.ACTIVE_STATUSES:
        return _("registered as %(status)s") % {"status": asset.get_status_display()}
    if asset.room_id is None:
        return _("registered without a room")
    return _("registered in %(room)s, outside this stocktake") % {"room": asset.room}


def _add_line(stocktake, fields):
    """Create an unexpected line; ``None`` when another scan created it first."""
    try:
        with transaction.atomic():
            line = StocktakeLine(campus_id=stocktake.campus_id, stocktake=stocktake, expected=False, **fields)
            line.full_clean(validate_constraints=False)
            line.save()
            return line
    except IntegrityError:
        return None


@transaction.atomic
def stocktake_scan(*, actor, stocktake, room, text, quantity=None, perms=None, method=StocktakeLine.Method.SCAN,
                   now=None):  # fmt: skip
    """Count what was scanned in ``room`` (a :class:`StocktakeRoom`): a label's URL, its
    token or the tag number (see ``assets.services.asset_by_scan``). An unknown code is
    recorded too. Returns a :class:`ScanResult`."""
    locked = _lock_for_count(stocktake)
    _require_counting(locked, room, actor, perms)
    text = str(text or "").strip()
    if not text:
        raise ValidationError({"text": _("Scan a label or type its number.")})
    text = text[:MAX_SCAN_LENGTH]
    quantity = _clean_quantity(quantity)
    now = now or timezone.now()

    asset = _asset_services().asset_by_scan(locked.campus, text)
    if asset is None:
        other_room = room_from_scan(locked, text)
        if other_room is not None:
            return ScanResult("room", text, room=other_room)
        if ROOM_URL_RE.search(text):
            raise ValidationError(
                {
                    "text": ValidationError(
                        _("This is the label of a room that is not part of this stocktake."), code="other_room"
                    )
                }
            )
        outcome, line = _count_unknown(locked, room, text, actor, now, method)
        _log_scan(locked, room.room, text, outcome, line, actor, now)
        return ScanResult(outcome, text, line=line)

    line = (
        StocktakeLine.objects.filter(stocktake=locked, asset=asset)
        .select_related("expected_room", "found_room", "found_by")
        .first()
    )
    reason = ""
    if line is not None and line.result == Result.PENDING:
        claimed = _claim_expected(line, room, actor, now, method, quantity)
        if claimed is not None:
            outcome = claimed.result
        else:
            line.refresh_from_db()
            outcome = "already"
    elif line is not None:
        outcome = "already"
    else:
        reason = _unexpected_reason(locked, asset)
        line = _add_line(
            locked,
            {
                "asset": asset, "code": asset.tag, "name": asset.name, "category_id": asset.category_id,
                "unit": asset.unit, "expected_room_id": asset.room_id, "expected_custodian_id": asset.custodian_id,
                "expected_quantity": 0, "unit_price": asset.price, "expected_value": ZERO,
                "asset_status": asset.status, "result": Result.UNEXPECTED,
                **_found_fields(room.room, actor, now, method, quantity or asset.quantity),
            },
        )  # fmt: skip
        if line is None:
            line = StocktakeLine.objects.get(stocktake=locked, asset=asset)
            outcome = "already"
        else:
            outcome = Result.UNEXPECTED
            audit.record(actor=actor, action="stocktake_unexpected", obj=line, after=audit.snapshot(line),
                         message=reason)  # fmt: skip
    _log_scan(locked, room.room, text, outcome, line, actor, now)
    return ScanResult(str(outcome), text, line=line, reason=reason)


def _count_unknown(stocktake, room, text, actor, now, method):
    existing = StocktakeLine.objects.filter(stocktake=stocktake, asset__isnull=True, code=text).first()
    if existing is not None:
        return "already", existing
    line = _add_line(
        stocktake,
        {"code": text, "result": Result.UNKNOWN, **_found_fields(room.room, actor, now, method, 1)},
    )
    if line is None:
        return "already", StocktakeLine.objects.get(stocktake=stocktake, asset__isnull=True, code=text)
    audit.record(actor=actor, action="stocktake_unknown", obj=line, after=audit.snapshot(line), message=text)
    return Result.UNKNOWN, line


def scan_message(result) -> str:
    """What the counter reads after a scan."""
    line = result.line
    what = f"{line.code} {line.name}".strip() if line is not None else result.text
    if result.outcome == "room":
        return _("Room label: count %(room)s.") % {"room": result.room.room}
    if result.outcome == "found":
        return _("Found: %(what)s") % {"what": what}
    if result.outcome == "wrong_room":
        return _("%(what)s is registered in %(room)s: counted here, in the wrong room.") % {
            "what": what, "room": line.expected_room or _("no room"),
        }  # fmt: skip
    if result.outcome == "unexpected":
        return _("Not on the expected list: %(what)s (%(why)s).") % {"what": what, "why": result.reason}
    if result.outcome == "unknown":
        return _("Unknown code %(code)s: recorded for the asset keeper.") % {"code": result.text}
    if result.outcome == "already":
        if line is not None and line.found_room_id:
            return _("Already counted: %(what)s, in %(room)s by %(who)s at %(time)s.") % {
                "what": what, "room": line.found_room, "who": line.found_by or "—",
                "time": timezone.localtime(line.found_at).strftime("%H:%M") if line.found_at else "",
            }  # fmt: skip
        return _("Already counted: %(what)s.") % {"what": what}
    return what


@transaction.atomic
def stocktake_mark_found(*, actor, stocktake, room, line, quantity=None, perms=None, now=None):
    """Tick an expected asset found by hand (its label cannot be read)."""
    locked = _lock_for_count(stocktake)
    _require_counting(locked, room, actor, perms)
    if line.stocktake_id != locked.pk or not line.expected:
        raise ValidationError(_("This line is not on the expected list of the stocktake."))
    quantity = _clean_quantity(quantity)
    now = now or timezone.now()
    claimed = _claim_expected(line, room, actor, now, StocktakeLine.Method.MANUAL, quantity)
    line.refresh_from_db()
    outcome = claimed.result if claimed is not None else "already"
    _log_scan(locked, room.room, line.code, outcome, line, actor, now)
    return ScanResult(str(outcome), line.code, line=line)


@transaction.atomic
def stocktake_set_quantity(*, actor, stocktake, line, quantity, perms=None):
    """Correct the counted quantity of a set that has been found."""
    locked = _lock_for_count(stocktake)
    if locked.status != Stocktake.Status.COUNTING:
        raise ValidationError(_("The stocktake is not counting (it is %(status)s).")
                              % {"status": locked.get_status_display()})  # fmt: skip
    line = StocktakeLine.objects.select_for_update().get(pk=line.pk, stocktake=locked)
    if line.result not in (Result.FOUND, Result.WRONG_ROOM, Result.UNEXPECTED) or line.found_room_id is None:
        raise ValidationError(_("Only an item that has been found has a counted quantity."))
    st_room = StocktakeRoom.objects.filter(stocktake=locked, room_id=line.found_room_id).first()
    if st_room is not None:
        _require_counting(locked, st_room, actor, perms)
    quantity = _clean_quantity(quantity)
    if quantity is None:
        raise ValidationError({"quantity": _("Enter the number of items found (at least 1).")})
    before = line.counted_quantity
    if before != quantity:
        line.counted_quantity = quantity
        line.save(update_fields=["counted_quantity", "updated_at"])
        audit.record(actor=actor, action="stocktake_quantity", obj=line,
                     before={"counted_quantity": before}, after={"counted_quantity": quantity})  # fmt: skip
    return line


@transaction.atomic
def stocktake_undo(*, actor, stocktake, line, perms=None, now=None):
    """Take back a count made by mistake: an expected line is not found again; a line for
    something unexpected is removed (the scan log keeps the trail)."""
    locked = _lock_for_count(stocktake)
    if locked.status != Stocktake.Status.COUNTING:
        raise ValidationError(_("The stocktake is not counting (it is %(status)s).")
                              % {"status": locked.get_status_display()})  # fmt: skip
    line = StocktakeLine.objects.select_for_update().get(pk=line.pk, stocktake=locked)
    if line.found_room_id is None:
        raise ValidationError(_("This item has not been counted."))
    st_room = (
        StocktakeRoom.objects.filter(stocktake=locked, room_id=line.found_room_id)
        .select_related("room")
        .get()
    )
    _require_counting(locked, st_room, actor, perms)
    before = audit.snapshot(line)
    now = now or timezone.now()
    _log_scan(locked, st_room.room, line.code, "undo", line if line.expected else None, actor, now)
    if line.expected:
        line.result = Result.PENDING
        for name in ("found_room", "found_at", "found_by", "counted_quantity"):
            setattr(line, name, None)
        line.method = ""
        line.save()
        audit.record(actor=actor, action="stocktake_undo", obj=line, before=before,
                     after=audit.snapshot(line))  # fmt: skip
    else:
        audit.record(actor=actor, action="stocktake_undo", obj=line, before=before, message=line.code)
        line.delete()
    return line


# --- Reading: progress and reconciliation --------------------------------------------------

COUNTED = Q(result__in=StocktakeLine.FOUND_RESULTS)


def progress_for(stocktake_ids) -> dict:
    """{stocktake id: (expected lines, of which counted)} in one grouped query."""
    rows = (
        StocktakeLine.objects.filter(stocktake_id__in=list(stocktake_ids), expected=True)
        .values("stocktake_id")
        .annotate(
            expected=Count("id"), counted=Count("id", filter=Q(result__in=(Result.FOUND, Result.WRONG_ROOM)))
        )
        .order_by()
    )
    return {r["stocktake_id"]: (r["expected"], r["counted"]) for r in rows}


@dataclass
class RoomProgress:
    expected: int = 0
    counted: int = 0
    extra: int = 0  # found here but expected elsewhere, or not expected at all

    @property
    def remaining(self):
        return self.expected - self.counted

    @property
    def percent(self):
        return round(100 * self.counted / self.expected) if self.expected else 100


def room_progress(stocktake, room_ids=None) -> dict:
    """{room id: RoomProgress} in two grouped queries."""
    lines = StocktakeLine.objects.filter(stocktake=stocktake)
    expected = lines.filter(expected=True)
    extra = lines.filter(result__in=(Result.WRONG_ROOM, Result.UNEXPECTED, Result.UNKNOWN))
    if room_ids is not None:
        expected = expected.filter(expected_room_id__in=list(room_ids))
        extra = extra.filter(found_room_id__in=list(room_ids))
    out = {}
    for r in (
        expected.values("expected_room_id")
        .annotate(n=Count("id"), counted=Count("id", filter=Q(result__in=(Result.FOUND, Result.WRONG_ROOM))))
        .order_by()
    ):
        out[r["expected_room_id"]] = RoomProgress(r["n"], r["counted"])
    for r in extra.values("found_room_id").annotate(n=Count("id")).order_by():
        out.setdefault(r["found_room_id"], RoomProgress()).extra = r["n"]
    return out


@dataclass
class RoomResult:
    """The reconciliation of one room (``room`` None: assets registered without a room)."""

    room: object = None
    counters: list = field(default_factory=list)
    expected: int = 0
    expected_value: Decimal = ZERO
    in_place: int = 0  # found in their room, complete
    in_place_value: Decimal = ZERO
    short: int = 0  # sets found in place with fewer items
    moved_out: int = 0  # found in another room
    moved_out_value: Decimal = ZERO
    missing: int = 0  # not found (still pending while counting)
    missing_value: Decimal = ZERO
    moved_in: int = 0  # found here, expected in another room
    unexpected: int = 0  # found here, not on the expected list (known assets)
    unknown: int = 0  # codes nobody knows, found here

    def add(self, other):
        for name in ("expected", "expected_value", "in_place", "in_place_value", "short", "moved_out",
                     "moved_out_value", "missing", "missing_value", "moved_in", "unexpected", "unknown"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rate_count(self):
        """账实相符率 by count: found in place / expected."""
        return (
            (Decimal(self.in_place) / self.expected * 100).quantize(Decimal("0.1")) if self.expected else None
        )

    @property
    def rate_value(self):
        """账实相符率 by value: value found in place / book value expected."""
        if not self.expected_value:
            return None
        return (self.in_place_value / self.expected_value * 100).quantize(Decimal("0.1"))

    @property
    def counted(self):
        return self.in_place + self.short + self.moved_out

    @property
    def differences(self):
        return self.short + self.moved_out + self.missing + self.moved_in + self.unexpected + self.unknown


@dataclass
class Reconciliation:
    stocktake: Stocktake
    rooms: list
    total: RoomResult

    def lines(self, result=None):
        return lines_for(self.stocktake, result)


def _money(value):
    return (
        (value or ZERO).quantize(Decimal("0.01")) if isinstance(value, Decimal) else Decimal(str(value or 0))
    )


def reconcile(stocktake, *, with_counters=True) -> Reconciliation:
    """Per-room and overall figures in three queries (plus one for the counters)."""
    money = DecimalField(max_digits=14, decimal_places=2)
    complete = Q(result=Result.FOUND, counted_quantity__gte=F("expected_quantity"))
    in_place_value = Case(
        When(complete, then=F("expected_value")),
        When(
            result=Result.FOUND,
            then=ExpressionWrapper(F("unit_price") * F("counted_quantity"), output_field=money),
        ),
        default=Value(ZERO),
        output_field=money,
    )
    lines = StocktakeLine.objects.filter(stocktake=stocktake)
    lost = Q(result__in=(Result.MISSING, Result.PENDING))
    by_room = {}
    for r in (
        lines.filter(expected=True)
        .values("expected_room_id")
        .annotate(
            expected=Count("id"),
            book_value=Sum("expected_value"),
            in_place=Count("id", filter=complete),
            in_place_value=Sum(in_place_value),
            short=Count("id", filter=Q(result=Result.FOUND) & ~complete),
            moved_out=Count("id", filter=Q(result=Result.WRONG_ROOM)),
            moved_out_value=Sum("expected_value", filter=Q(result=Result.WRONG_ROOM)),
            missing=Count("id", filter=lost),
            missing_value=Sum("expected_value", filter=lost),
        )
        .order_by()
    ):
        room_id = r.pop("expected_room_id")
        r["expected_value"] = r.pop("book_value")
        res = RoomResult(**{k: (_money(v) if k.endswith("_value") else v) for k, v in r.items()})
        by_room[room_id] = res
    for r in (
        lines.filter(result__in=(Result.WRONG_ROOM, Result.UNEXPECTED, Result.UNKNOWN))
        .values("found_room_id")
        .annotate(
            moved_in=Count("id", filter=Q(result=Result.WRONG_ROOM)),
            unexpected=Count("id", filter=Q(result=Result.UNEXPECTED)),
            unknown=Count("id", filter=Q(result=Result.UNKNOWN)),
        )
        .order_by()
    ):
        res = by_room.setdefault(r["found_room_id"], RoomResult())
        res.moved_in, res.unexpected, res.unknown = r["moved_in"], r["unexpected"], r["unknown"]

    st_rooms = StocktakeRoom.objects.filter(stocktake=stocktake).select_related("room", "room__building")
    if with_counters:
        st_rooms = st_rooms.prefetch_related("counters")
    rooms = []
    seen = set()
    for st_room in st_rooms:
        res = by_room.get(st_room.room_id, RoomResult())
        res.room = st_room.room
        res.counters = list(st_room.counters.all()) if with_counters else []
        rooms.append(res)
        seen.add(st_room.room_id)
    if None in by_room:
        rooms.append(by_room[None])
    total = RoomResult()
    for room_id, res in by_room.items():
        total.add(res)
        if (
            room_id is not None and room_id not in seen
        ):  # pragma: no cover - every line's room is a stocktake room
            rooms.append(res)
    return Reconciliation(stocktake, rooms, total)


def lines_for(stocktake, result=None):
    """Lines of a stocktake with what their tables show (no per-row queries)."""
    qs = StocktakeLine.objects.filter(stocktake=stocktake).select_related(
        "expected_room", "found_room", "expected_custodian", "found_by", "category"
    )
    if result == "short":
        qs = qs.filter(result=Result.FOUND, counted_quantity__lt=F("expected_quantity"))
    elif result == "differences":
        qs = qs.exclude(result=Result.FOUND, counted_quantity__gte=F("expected_quantity"))
    elif result:
        qs = qs.filter(result=result)
    return qs.order_by("expected_room__code", "code", "id")


def not_found_in(stocktake, room):
    """Expected lines of ``room`` not found yet."""
    return (
        StocktakeLine.objects.filter(
            stocktake=stocktake, expected=True, expected_room=room, result=Result.PENDING
        )
        .select_related("expected_custodian")
        .order_by("code", "id")
    )


# --- Closing and adjustments --------------------------------------------------------------


def _proposal(stocktake, line):
    """The adjustment a line calls for (or None)."""
    asset = line.asset
    common = {"campus_id": stocktake.campus_id, "stocktake": stocktake, "line": line, "asset": asset}
    if asset is None:
        return StocktakeAdjustment(
            **common, kind=Kind.REGISTER, to_room_id=line.found_room_id, state=State.LISTED
        )
    current_room, current_status = asset.room_id, asset.status
    if line.result == Result.MISSING:
        return StocktakeAdjustment(
            **common, kind=Kind.MISSING, from_room_id=line.expected_room_id, from_status=current_status,
            to_status=Asset.Status.MISSING, value=line.expected_value,
        )  # fmt: skip
    quantity = {}
    if line.expected and line.counted_quantity and line.counted_quantity != line.expected_quantity:
        quantity = {
            "from_quantity": line.expected_quantity,
            "to_quantity": line.counted_quantity,
            "value": line.unit_price * abs(line.expected_quantity - line.counted_quantity),
        }
    if line.result == Result.WRONG_ROOM:
        return StocktakeAdjustment(
            **common, kind=Kind.MOVE, from_room_id=current_room, to_room_id=line.found_room_id, **quantity
        )
    if line.result == Result.FOUND:
        return (
            StocktakeAdjustment(**common, kind=Kind.QUANTITY, from_room_id=current_room, **quantity)
            if quantity
            else None
        )
    # unexpected: a known asset found where the stocktake did not expect it
    if current_status == Asset.Status.DISPOSED:
        return StocktakeAdjustment(**common, kind=Kind.REVIEW, from_status=current_status,
                                   to_room_id=line.found_room_id, state=State.LISTED)  # fmt: skip
    if current_status == Asset.Status.MISSING:
        return StocktakeAdjustment(
            **common, kind=Kind.RECOVERED, from_status=current_status, to_status=Asset.Status.IN_USE,
            from_room_id=current_room, to_room_id=line.found_room_id if line.found_room_id != current_room else None,
            value=asset.total_value,
        )  # fmt: skip
    if current_room != line.found_room_id:
        return StocktakeAdjustment(
            **common, kind=Kind.MOVE, from_room_id=current_room, to_room_id=line.found_room_id
        )
    return None


@transaction.atomic
def stocktake_close(*, actor, stocktake, now=None):
    """Stop counting: what was not found is missing; propose the adjustments."""
    locked = lock_for_update(stocktake)
    _require_status(
        locked, Stocktake.Status.COUNTING, message=_("Only a stocktake being counted can be closed.")
    )
    now = now or timezone.now()
    missing = StocktakeLine.objects.filter(stocktake=locked, result=Result.PENDING).update(
        result=Result.MISSING
    )
    differing = (
        StocktakeLine.objects.filter(stocktake=locked)
        .filter(
            Q(result__in=(Result.MISSING, Result.WRONG_ROOM, Result.UNEXPECTED, Result.UNKNOWN))
            | Q(result=Result.FOUND, expected=True, counted_quantity__isnull=False)
            & ~Q(counted_quantity=F("expected_quantity"))
        )
        .select_related("asset")
        .order_by("id")
    )
    proposals = [p for p in (_proposal(locked, line) for line in differing.iterator(chunk_size=2000)) if p]
    StocktakeAdjustment.objects.bulk_create(proposals, batch_size=1000)
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.CLOSED
    locked.closed_at = now
    locked.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    _transition(
        actor=actor, obj=locked, before=before, action="close",
        message=_("%(missing)s missing; %(n)s adjustments proposed") % {"missing": missing, "n": len(proposals)},
    )  # fmt: skip
    _sync(stocktake, locked)
    return locked


def adjustment_summary(stocktake) -> dict:
    """{kind: (count, value)} of the adjustments still to be decided or applied, one query."""
    out = {}
    for r in (
        StocktakeAdjustment.objects.filter(stocktake=stocktake)
        .values("kind", "state")
        .annotate(n=Count("id"), value=Sum("value"))
        .order_by()
    ):
        key = (r["kind"], r["state"])
        out[key] = (r["n"], _money(r["value"]))
    return out


def loss_amount(stocktake) -> Decimal:
    """The value written off if the proposed adjustments are approved (盘亏金额)."""
    loss = Q(kind=Kind.MISSING) | Q(kind__in=(Kind.QUANTITY, Kind.MOVE), to_quantity__lt=F("from_quantity"))
    total = (
        StocktakeAdjustment.objects.filter(stocktake=stocktake, state=State.PROPOSED)
        .filter(loss)
        .aggregate(v=Sum("value"))["v"]
    )
    return _money(total)


@transaction.atomic
def stocktake_submit_adjustments(*, actor, stocktake, exclude=()):
    """Submit the proposed adjustments (minus ``exclude``, adjustment ids) for approval;
    the amount is the value of what would be written off."""
    locked = lock_for_update(stocktake)
    _require_status(
        locked, Stocktake.Status.CLOSED, message=_("Adjustments are submitted once the stocktake is closed.")
    )
    adjustments = StocktakeAdjustment.objects.filter(stocktake=locked, kind__in=ACTIONABLE_KINDS)
    exclude = {int(pk) for pk in exclude or ()}
    adjustments.filter(state__in=(State.PROPOSED, State.EXCLUDED)).exclude(pk__in=exclude).update(
        state=State.PROPOSED
    )
    adjustments.filter(state=State.PROPOSED, pk__in=exclude).update(state=State.EXCLUDED)
    count = adjustments.filter(state=State.PROPOSED).count()
    if not count:
        raise ValidationError(_("There is no adjustment to submit."), code="nothing_to_submit")
    amount = loss_amount(locked)
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.PENDING
    _transition(actor=actor, obj=locked, before=before, action="submit_adjustments",
                message=_("%(n)s adjustments, %(amount)s yuan written off") % {"n": count, "amount": amount})  # fmt: skip
    _sync(stocktake, locked)
    approval = approvals.submit(
        actor=actor, obj=locked, kind=ADJUSTMENT_KIND,
        title=_("Stocktake adjustments: %(number)s %(title)s") % {"number": locked.number, "title": locked.title},
        amount=amount,
    )  # fmt: skip
    locked.refresh_from_db()
    _sync(stocktake, locked)
    return approval


def _apply(adjustment, actor, reason, now):
    """Apply one adjustment through the register's services; claimed first so that it
    is never applied twice."""
    claimed = StocktakeAdjustment.objects.filter(pk=adjustment.pk, state=State.PROPOSED).update(
        state=State.APPLIED,
        applied_at=now,
        applied_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if not claimed:
        return False
    services = _asset_services()
    asset = adjustment.asset  # the register's services lock and re-read it
    done = []
    try:
        with transaction.atomic():
            if asset.status == Asset.Status.DISPOSED:
                raise ValidationError(_("The asset has been disposed of meanwhile."))
            if adjustment.to_quantity and asset.quantity != adjustment.to_quantity:
                asset = services.asset_update(
                    actor=actor, asset=asset, data={"quantity": adjustment.to_quantity}
                )
                done.append(
                    _("quantity %(a)s → %(b)s") % {"a": adjustment.from_quantity, "b": adjustment.to_quantity}
                )
            if adjustment.to_status and asset.status != adjustment.to_status:
                asset = services.asset_set_status(
                    actor=actor, asset=asset, status=adjustment.to_status, reason=reason
                )
                done.append(str(Asset.Status(adjustment.to_status).label))
            if adjustment.to_room_id and asset.room_id != adjustment.to_room_id:
                asset = services.asset_move(actor=actor, asset=asset, room=adjustment.to_room, reason=reason)
                done.append(_("moved to %(room)s") % {"room": adjustment.to_room})
    except ValidationError as exc:
        StocktakeAdjustment.objects.filter(pk=adjustment.pk).update(
            state=State.SKIPPED, outcome=" ".join(exc.messages)[:300]
        )
        return False
    StocktakeAdjustment.objects.filter(pk=adjustment.pk).update(
        outcome=("; ".join(str(d) for d in done) or _("already so in the register"))[:300]
    )
    return True


def stocktake_on_approved(obj, approval, actor):
    """The last step approved: apply every proposed adjustment (once)."""
    locked = lock_for_update(obj)
    if locked.status != Stocktake.Status.PENDING:
        return
    now = timezone.now()
    reason = _("Stocktake %(number)s %(title)s") % {"number": locked.number, "title": locked.title}
    applied = 0
    for adjustment in (
        StocktakeAdjustment.objects.filter(stocktake=locked, state=State.PROPOSED, kind__in=ACTIONABLE_KINDS)
        .select_related("to_room", "asset")
        .order_by("id")
    ):
        applied += _apply(adjustment, actor, reason, now)
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.ADJUSTED
    locked.adjusted_at = now
    _transition(actor=actor, obj=locked, before=before, action="adjust",
                message=_("%(n)s adjustments applied") % {"n": applied})  # fmt: skip
    _sync(obj, locked)
    _notify_keepers(locked, actor, _("Stocktake adjustments approved: %(title)s") % {"title": locked.title})


def _back_to_closed(obj, actor, action):
    locked = lock_for_update(obj)
    if locked.status != Stocktake.Status.PENDING:
        return
    before = audit.snapshot(locked)
    locked.status = Stocktake.Status.CLOSED
    _transition(actor=actor, obj=locked, before=before, action=action)
    _sync(obj, locked)


def stocktake_on_rejected(obj, approval, actor):
    """Rejected: the register stays as it is; the keeper may submit again."""
    _back_to_closed(obj, actor, "adjustments_rejected")


def stocktake_on_withdrawn(obj, approval, actor):
    _back_to_closed(obj, actor, "adjustments_withdrawn")


def _notify_keepers(stocktake, actor, title):
    from houqin.core.notifications import notify_roles

    notify_roles(
        campus=stocktake.campus, roles=[Role.ASSET_KEEPER], exclude=[actor] if actor else [], title=title,
        url=stocktake_url(stocktake, "assets:stocktake_result"), level="info", event="assets.stocktake_adjusted",
    )  # fmt: skip


# --- Asset detail panel -------------------------------------------------------------------


def asset_history(asset, limit=20):
    """The stocktakes that counted (or missed) this asset, newest first (one query)."""
    return list(
        StocktakeLine.objects.filter(asset=asset)
        .exclude(stocktake__status=Stocktake.Status.CANCELLED)
        .select_related("stocktake", "found_room", "expected_room", "found_by")
        .order_by("-stocktake__start_date", "-stocktake_id")[:limit]
    )
