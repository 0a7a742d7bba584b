"""Every write of the warehouse (库房): stock moves, requisitions (领用), counts (清点).

``<entity>_<action>(*, actor, …)``, atomic, validated and audited in the same transaction.
Views, the API, the demo and other modules (purchasing acceptances, maintenance) call them.

The stock ledger
----------------
Every move goes through :func:`_post`, which

1. locks the item × location :class:`StockBalance` row (``SELECT … FOR UPDATE``; the row is
   created with ``get_or_create`` inside a savepoint, and a writer that loses the race to
   create it retries and locks the winner's row),
2. refuses a move that would take the balance below zero,
3. writes the append-only :class:`StockMove` with the balance after it, updates the
   balance in the same transaction and writes the audit event,
4. checks the item's reorder level (one notification to the keeper per crossing).

Several balances are always locked in the order of their location ids (transfers), then
the item row (reorder flag), so concurrent writers never deadlock.

Valuation: moving average per item × location. A receipt adds ``quantity × unit cost``
(when no unit cost is given, the balance's current average or the item's last receipt
cost); every outgoing move takes ``quantity × (value ÷ quantity)`` of the balance,
rounded to the fen, and the move that empties a balance takes exactly the value left.
A reversal posts the opposite quantity and value of the move it cancels (for an
outgoing effect capped at the value the balance still holds).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import approvals, audit
from houqin.core.links import campus_url
from houqin.core.numbering import next_number
from houqin.core.roles import Role
from houqin.procurement.models import (
    Item,
    Requisition,
    RequisitionLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockLocation,
    StockMove,
)

REQUISITION_KIND = "procurement.requisition"
REQUISITION_PREFIX = "LY"
COUNT_PREFIX = "PD"
ZERO = Decimal("0")
Q3 = Decimal("0.001")
Q2 = Decimal("0.01")
Q4 = Decimal("0.0001")
_ATTEMPTS = 3

Kind = StockMove.Kind


# --- Helpers ------------------------------------------------------------------------------


def _quantity(value, *, label=None, allow_negative=False, allow_zero=False):
    """A quantity as a Decimal with at most 3 decimals; a clear error otherwise."""
    label = label or _("Quantity")
    try:
        qty = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}, code="invalid_quantity")
    if not qty.is_finite():
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}, code="invalid_quantity")
    if qty != qty.quantize(Q3):
        raise ValidationError(
            _("%(label)s may have at most 3 decimals.") % {"label": label}, code="invalid_quantity"
        )
    if abs(qty) >= Decimal("1000000000"):
        raise ValidationError(_("%(label)s is too large.") % {"label": label}, code="invalid_quantity")
    qty = qty.quantize(Q3)
    if qty == 0 and not allow_zero:
        raise ValidationError(_("%(label)s cannot be zero.") % {"label": label}, code="invalid_quantity")
    if qty < 0 and not allow_negative:
        raise ValidationError(_("%(label)s must be positive.") % {"label": label}, code="invalid_quantity")
    return qty


def _money(value, *, label):
    if value is None or value == "":
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}, code="invalid_amount")
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("%(label)s cannot be negative.") % {"label": label}, code="invalid_amount")
    if amount >= Decimal("100000000"):
        raise ValidationError(_("%(label)s is too large.") % {"label": label}, code="invalid_amount")
    return amount.quantize(Q4, rounding=ROUND_HALF_UP)


def _check_campus(campus, *objs):
    for obj in objs:
        if obj is not None and getattr(obj, "campus_id", None) != campus.pk:
            raise ValidationError(
                _("“%(obj)s” belongs to another campus.") % {"obj": obj}, code="other_campus"
            )


def _balances():
    return StockBalance.objects.with_scopes_disabled()


def _moves():
    return StockMove.objects.with_scopes_disabled()


def _lock_balance(campus, item, location):
    """The item × location balance row, locked for the rest of the transaction."""
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                balance, _created = (
                    _balances()
                    .select_for_update()
                    .get_or_create(item=item, location=location, defaults={"campus": campus})
                )
                return balance
        except IntegrityError:
            # Another writer created the row first; the next select sees (and waits for) it.
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _last_receipt_cost(item):
    move = _moves().filter(item=item, kind=Kind.IN, unit_cost__gt=0).order_by("-moved_at", "-id").first()
    return move.unit_cost if move else ZERO


def _outgoing_value(balance, qty):
    """The (positive) value leaving ``balance`` with ``qty`` units at the moving average."""
    if qty >= balance.quantity:
        return balance.value
    value = (qty * balance.value / balance.quantity).quantize(Q2, rounding=ROUND_HALF_UP)
    return min(value, balance.value)


def _source_fields(source):
    if source is None:
        return {}
    if source.pk is None:
        raise ValueError("A stock move's source must be a saved object.")
    return {
        "source_type": ContentType.objects.get_for_model(source, for_concrete_model=True),
        "source_id": str(source.pk),
    }


def _post(
    *,
    actor,
    campus,
    kind,
    item,
    location,
    quantity,
    unit_cost=None,
    value=None,
    source=None,
    note="",
    to_class=None,
    to_department="",
    reverses=None,
    counterpart=None,
    balance=None,
    moved_at=None,
    action=None,
):
    """Write one move and update its balance; ``quantity`` is signed.

    ``unit_cost`` prices an incoming move (``None``: the current average); ``value``, when
    given, is the move's signed value as is (reversals and transfer legs).
    """
    if balance is None:
        balance = _lock_balance(campus, item, location)
    new_quantity = balance.quantity + quantity
    if new_quantity < 0:
        raise ValidationError(
            _(
                "Not enough stock of “%(item)s” at %(location)s: %(have)s %(unit)s in stock, %(want)s %(unit)s asked for."
            )
            % {
                "item": item,
                "location": location,
                "have": _fmt(balance.quantity),
                "want": _fmt(-quantity),
                "unit": item.unit,
            },
            code="insufficient_stock",
        )
    if value is None:
        if quantity > 0:
            if unit_cost is None:
                unit_cost = balance.average_cost if balance.quantity > 0 else _last_receipt_cost(item)
            value = (quantity * unit_cost).quantize(Q2, rounding=ROUND_HALF_UP)
        else:
            value = -_outgoing_value(balance, -quantity)
    if new_quantity == 0:
        value = -balance.value  # an emptied balance keeps no value
    elif balance.value + value < 0:
        value = -balance.value
    if unit_cost is None:
        unit_cost = (abs(value) / abs(quantity)).quantize(Q4, rounding=ROUND_HALF_UP)
    move = StockMove(
        campus=campus,
        kind=kind,
        item=item,
        location=location,
        quantity=quantity,
        unit_cost=unit_cost,
        value=value,
        balance_after=new_quantity,
        to_class=to_class,
        to_department=(to_department or "").strip()[:60],
        reverses=reverses,
        counterpart=counterpart,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        moved_at=moved_at or timezone.now(),
        note=(note or "").strip()[:300],
        **_source_fields(source),
    )
    move.full_clean(exclude=["campus", "item", "location", "to_class", "reverses", "counterpart", "actor"])
    move.save()
    balance.quantity = new_quantity
    balance.value = balance.value + value
    balance.save(update_fields=["quantity", "value", "updated_at"])
    audit.record(
        actor=actor, action=action or f"stock_{kind}", obj=move, after=audit.snapshot(move), message=move.note
    )
    _check_reorder(item)
    return move


def _fmt(qty):
    """A quantity without trailing zeros (12.500 → 12.5)."""
    text = format(Decimal(qty).normalize(), "f")
    return text


def item_total(item) -> Decimal:
    return _balances().filter(item=item).aggregate(total=Sum("quantity"))["total"] or ZERO


def _check_reorder(item):
    """Tell the keeper once when the item falls to its reorder level; re-arm above it."""
    level = item.reorder_level or ZERO
    items = Item.objects.with_scopes_disabled().filter(pk=item.pk)
    if level <= 0:
        return
    total = item_total(item)
    if total <= level:
        if items.filter(reorder_alerted_at__isnull=True).update(reorder_alerted_at=timezone.now()):
            _notify_reorder(item, total)
    elif item.reorder_alerted_at is not None or items.filter(reorder_alerted_at__isnull=False).exists():
        items.update(reorder_alerted_at=None)
        item.reorder_alerted_at = None


def _notify_reorder(item, total):
    from houqin.core.notifications import notify, users_with_roles

    campus = item.campus
    recipients = [item.keeper] if item.keeper_id else list(users_with_roles(campus, [Role.ASSET_KEEPER]))
    if not recipients:
        recipients = list(users_with_roles(campus, [Role.LOGISTICS_HEAD]))
    notify(
        campus=campus,
        recipients=recipients,
        title=_("Low stock: %(item)s") % {"item": item},
        body=_("%(total)s %(unit)s left, reorder level %(level)s; order %(qty)s %(unit)s.")
        % {
            "total": _fmt(total),
            "unit": item.unit,
            "level": _fmt(item.reorder_level),
            "qty": _fmt(item.reorder_quantity),
        },
        url=campus_url(campus, "procurement:item_detail", pk=item.pk),
        level="warning",
        event="procurement.reorder",
    )


def _check_usable(item, location, *, incoming):
    if incoming and not item.is_active:
        raise ValidationError(_("“%(item)s” is no longer in use.") % {"item": item}, code="inactive_item")
    if incoming and not location.is_active:
        raise ValidationError(
            _("The location “%(location)s” is no longer in use.") % {"location": location},
            code="inactive_location",
        )


# --- Stock moves --------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *, actor, campus, item, location, quantity, unit_cost=None, source=None, note="", moved_at=None
):
    """入库: put ``quantity`` of ``item`` into ``location`` (``unit_cost`` in yuan, optional)."""
    _check_campus(campus, item, location)
    qty = _quantity(quantity)
    cost = _money(unit_cost, label=_("Unit cost"))
    _check_usable(item, location, incoming=True)
    return _post(
        actor=actor, campus=campus, kind=Kind.IN, item=item, location=location, quantity=qty,
        unit_cost=cost, source=source, note=note, moved_at=moved_at,
    )  # fmt: skip


def check_issue_rules(*, actor, item, quantity):
    """The rules for hazardous goods (专人保管、限量发放); raises ValidationError."""
    if not item.is_hazardous:
        return
    if not item.keeper_id:
        raise ValidationError(
            _("“%(item)s” is hazardous and has no named keeper; name one before issuing it.")
            % {"item": item},
            code="hazardous_no_keeper",
        )
    if actor is None or actor.pk != item.keeper_id:
        raise ValidationError(
            _("“%(item)s” is hazardous: only its keeper %(keeper)s may issue it.")
            % {"item": item, "keeper": item.keeper.display_name},
            code="hazardous_not_keeper",
        )
    if item.per_issue_limit and quantity > item.per_issue_limit:
        raise ValidationError(
            _("“%(item)s” is hazardous: at most %(limit)s %(unit)s may be issued at once.")
            % {"item": item, "limit": _fmt(item.per_issue_limit), "unit": item.unit},
            code="hazardous_over_limit",
        )


def check_exchange(*, item, quantity, returned_quantity, return_note="", has_photo=False):
    """以旧换新: a non-consumable item is issued only against as many old ones handed back."""
    if item.is_consumable:
        return
    if returned_quantity < quantity:
        raise ValidationError(
            _(
                "“%(item)s” is issued old-for-new (以旧换新): hand back %(qty)s old %(unit)s first (%(returned)s handed back)."
            )
            % {"item": item, "qty": _fmt(quantity), "unit": item.unit, "returned": _fmt(returned_quantity)},
            code="exchange_required",
        )


@transaction.atomic
def stock_issue(
    *,
    actor,
    campus,
    item,
    location,
    quantity,
    source=None,
    note="",
    to_class=None,
    to_department="",
    returned_quantity=None,
    return_note="",
    moved_at=None,
):
    """出库: take ``quantity`` of ``item`` out of ``location`` for a class or department.

    Refused when the balance would go below zero (the balance row is locked), for
    hazardous goods when ``actor`` is not the item's keeper or the quantity is above the
    limit per issue. ``returned_quantity``: the old items handed back for a
    non-consumable item (以旧换新) — required to cover the quantity when given; callers
    that record the exchange on their own document (requisitions, repairs) pass ``None``.
    """
    _check_campus(campus, item, location, to_class)
    qty = _quantity(quantity)
    check_issue_rules(actor=actor, item=item, quantity=qty)
    text = (note or "").strip()
    if returned_quantity is not None:
        returned = _quantity(returned_quantity, label=_("Old items handed back"), allow_zero=True)
        check_exchange(item=item, quantity=qty, returned_quantity=returned)
        if not item.is_consumable:
            if not (return_note or "").strip():
                raise ValidationError(
                    _("Say what was handed back (以旧换新): a note on the old items."), code="exchange_note"
                )
            text = _("Old handed back: %(qty)s %(unit)s, %(note)s") % {
                "qty": _fmt(returned),
                "unit": item.unit,
                "note": return_note.strip(),
            } + (f" · {text}" if text else "")
    return _post(
        actor=actor, campus=campus, kind=Kind.OUT, item=item, location=location, quantity=-qty, source=source,
        note=text, to_class=to_class, to_department=to_department, moved_at=moved_at,
    )  # fmt: skip


@transaction.atomic
def stock_adjust(
    *, actor, campus, item, location, quantity, reason, unit_cost=None, source=None, moved_at=None
):
    """调整: correct a balance by a signed ``quantity`` with a reason (breakage, count…)."""
    _check_campus(campus, item, location)
    qty = _quantity(quantity, allow_negative=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the adjustment."), code="reason_required")
    cost = _money(unit_cost, label=_("Unit cost")) if qty > 0 else None
    return _post(
        actor=actor, campus=campus, kind=Kind.ADJUST, item=item, location=location, quantity=qty,
        unit_cost=cost, source=source, note=reason, moved_at=moved_at,
    )  # fmt: skip


@transaction.atomic
def stock_transfer(*, actor, campus, item, from_location, to_location, quantity, note="", moved_at=None):
    """调拨: move stock between two locations; two moves in one transaction.

    Returns ``(out_move, in_move)``; the incoming leg points to the outgoing one
    (``counterpart``) and carries its value, so the item's total value is unchanged.
    """
    _check_campus(campus, item, from_location, to_location)
    if from_location.pk == to_location.pk:
        raise ValidationError(_("Choose two different locations."), code="same_location")
    qty = _quantity(quantity)
    _check_usable(item, to_location, incoming=True)
    # Lock both balances in location-id order so that two opposite transfers never deadlock.
    locked = {}
    for loc in sorted((from_location, to_location), key=lambda x: x.pk):
        locked[loc.pk] = _lock_balance(campus, item, loc)
    text = (note or "").strip()
    out_move = _post(
        actor=actor, campus=campus, kind=Kind.TRANSFER, item=item, location=from_location, quantity=-qty,
        note=text or _("To %(location)s") % {"location": to_location}, balance=locked[from_location.pk],
        action="stock_transfer", moved_at=moved_at,
    )  # fmt: skip
    in_move = _post(
        actor=actor, campus=campus, kind=Kind.TRANSFER, item=item, location=to_location, quantity=qty,
        value=-out_move.value, unit_cost=out_move.unit_cost, counterpart=out_move,
        note=text or _("From %(location)s") % {"location": from_location}, balance=locked[to_location.pk],
        action="stock_transfer", moved_at=moved_at,
    )  # fmt: skip
    return out_move, in_move


def transfer_peer(move):
    """The other leg of a transfer move, or None."""
    if move.kind != Kind.TRANSFER:
        return None
    if move.counterpart_id:
        return move.counterpart
    return _moves().filter(counterpart=move).first()


@transaction.atomic
def stock_move_reverse(*, actor, move, reason, moved_at=None):
    """冲销: cancel ``move`` with an opposite move; a move is reversed at most once.

    Reversing a transfer leg reverses both legs. Refused when it would take a balance
    below zero (e.g. the received goods were already issued).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the reversal."), code="reason_required")
    campus = move.campus
    moves = [move]
    peer = transfer_peer(move)
    if peer is not None:
        moves.append(peer)
    for m in moves:
        if m.kind == Kind.REVERSAL:
            raise ValidationError(
                _("A reversal cannot itself be reversed; record a new move."), code="is_reversal"
            )
    # Lock the balances first (location order), then check that nothing was reversed yet.
    locked = {}
    for m in sorted(moves, key=lambda x: x.location_id):
        locked[m.pk] = _lock_balance(campus, m.item, m.location)
    if _moves().filter(reverses__in=[m.pk for m in moves]).exists():
        raise ValidationError(_("This move has already been reversed."), code="already_reversed")
    results = {}
    # Take stock out before putting it back, so the check below zero sees real balances.
    for m in sorted(moves, key=lambda x: -x.quantity):
        results[m.pk] = _post(
            actor=actor,
            campus=campus,
            kind=Kind.REVERSAL,
            item=m.item,
            location=m.location,
            quantity=-m.quantity,
            value=-m.value,
            unit_cost=m.unit_cost,
            to_class=m.to_class,
            to_department=m.to_department,
            reverses=m,
            note=_("Reverses #%(id)s: %(reason)s") % {"id": m.pk, "reason": reason},
            balance=locked[m.pk],
            action="stock_reverse",
            moved_at=moved_at,
        )
    return results[move.pk]


# --- Reorder ------------------------------------------------------------------------------


def items_to_order(campus):
    """Active items whose total stock is at or below their reorder level (level > 0)."""
    from django.db.models import DecimalField, F, Value
    from django.db.models.functions import Coalesce

    return (
        Item.objects.with_scopes_disabled()
        .filter(campus=campus, is_active=True, reorder_level__gt=0)
        .annotate(total=Coalesce(Sum("balances__quantity"), Value(ZERO), output_field=DecimalField()))
        .filter(total__lte=F("reorder_level"))
        .select_related("category", "keeper")
        .order_by("category__sort_order", "name")
    )


# --- Requisitions (领用) ------------------------------------------------------------------


def _clean_lines(campus, lines):
    cleaned = []
    seen = set()
    for entry in lines or ():
        if isinstance(entry, dict):
            item, quantity, note = entry.get("item"), entry.get("quantity"), entry.get("note", "")
        else:
            item, quantity, *rest = entry
            note = rest[0] if rest else ""
        if item is None:
            continue
        _check_campus(campus, item)
        if not item.is_active:
            raise ValidationError(_("“%(item)s” is no longer in use.") % {"item": item}, code="inactive_item")
        if item.pk in seen:
            raise ValidationError(_("“%(item)s” is listed twice.") % {"item": item}, code="duplicate_item")
        seen.add(item.pk)
        cleaned.append((item, _quantity(quantity, label=str(item)), (note or "").strip()[:200]))
    if not cleaned:
        raise ValidationError(_("Add at least one item."), code="no_lines")
    return cleaned


def _issuers(requisition):
    """Who is told that a requisition is ready: the items' keepers, or the asset keepers."""
    from houqin.core.notifications import users_with_roles

    keepers = [
        line.item.keeper for line in requisition.lines.select_related("item__keeper") if line.item.keeper_id
    ]
    return keepers or list(users_with_roles(requisition.campus, [Role.ASSET_KEEPER]))


def _notify_ready(requisition, actor):
    from houqin.core.notifications import notify

    recipients = [u for u in _issuers(requisition) if actor is None or u.pk != getattr(actor, "pk", None)]
    if recipients:
        notify(
            campus=requisition.campus,
            recipients=recipients,
            title=_("Requisition %(number)s to issue") % {"number": requisition.number},
            body=_("For %(recipient)s.") % {"recipient": requisition.recipient},
            url=campus_url(requisition.campus, "procurement:requisition_detail", pk=requisition.pk),
            event="procurement.requisition_ready",
        )


def _set_status(requisition, status, actor, action, message=""):
    locked = Requisition._base_manager.select_for_update().get(pk=requisition.pk)
    before = audit.snapshot(locked)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor, action=action, obj=locked, before={"status": before["status"]}, after={"status": status},
        message=message,
    )  # fmt: skip
    requisition.status = status
    return locked


@transaction.atomic
def requisition_create(*, actor, campus, lines, school_class=None, department="", purpose="", now=None):
    """领用: a class or department asks for items, on need (按需), not per head.

    Items of a category that needs approval send the whole requisition through the
    approval flow ``procurement.requisition``; otherwise it goes straight to the keeper.
    """
    _check_campus(campus, school_class)
    cleaned = _clean_lines(campus, lines)
    needs_approval = any(item.category.needs_approval for item, _q, _n in cleaned)
    requisition = Requisition(
        campus=campus,
        school_class=school_class,
        department=(department or "").strip()[:60],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        purpose=(purpose or "").strip()[:200],
        needs_approval=needs_approval,
        requested_at=now or timezone.now(),
        status=Requisition.Status.PENDING if needs_approval else Requisition.Status.APPROVED,
    )
    requisition.full_clean(exclude=["number"])
    requisition.number = next_number(campus=campus, prefix=REQUISITION_PREFIX)
    requisition.save()
    for item, qty, note in cleaned:
        line = RequisitionLine(campus=campus, requisition=requisition, item=item, quantity=qty, note=note)
        line.full_clean(exclude=["requisition", "item"])
        line.save()
    audit.record(
        actor=actor, action="create", obj=requisition, after=audit.snapshot(requisition),
        message="; ".join(f"{item} × {_fmt(q)}" for item, q, _n in cleaned),
    )  # fmt: skip
    if needs_approval:
        approvals.submit(
            actor=actor,
            obj=requisition,
            kind=REQUISITION_KIND,
            title=_("Requisition %(number)s for %(recipient)s")
            % {"number": requisition.number, "recipient": requisition.recipient},
        )
        requisition.refresh_from_db()
    else:
        _notify_ready(requisition, actor)
    return requisition


def requisition_on_approved(obj, approval, actor):
    if obj.status == Requisition.Status.PENDING:
        _set_status(obj, Requisition.Status.APPROVED, actor, "approve")
        _notify_ready(obj, actor)


def requisition_on_rejected(obj, approval, actor):
    if obj.status == Requisition.Status.PENDING:
        _set_status(obj, Requisition.Status.REJECTED, actor, "reject")


def requisition_on_withdrawn(obj, approval, actor):
    if obj.status == Requisition.Status.PENDING:
        _set_status(obj, Requisition.Status.WITHDRAWN, actor, "withdraw")


@transaction.atomic
def requisition_withdraw(*, actor, requisition, comment=""):
    """The requester pulls back a requisition nothing has been issued from yet."""
    locked = Requisition._base_manager.select_for_update().get(pk=requisition.pk)
    if actor is None or locked.requested_by_id != actor.pk:
        raise ValidationError(_("Only the requester may withdraw a requisition."), code="not_requester")
    if locked.status == Requisition.Status.PENDING:
        approval = approvals.current_request(locked)
        if approval is not None:
            approvals.withdraw(actor=actor, approval=approval, comment=comment)
            requisition.refresh_from_db()
            return requisition
    if locked.status != Requisition.Status.APPROVED:
        raise ValidationError(_("This requisition can no longer be withdrawn."), code="not_withdrawable")
    _set_status(requisition, Requisition.Status.WITHDRAWN, actor, "withdraw", comment)
    return requisition


@transaction.atomic
def requisition_close(*, actor, requisition, reason):
    """The keeper closes a requisition that will not be (further) issued, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for closing the requisition."), code="reason_required")
    locked = Requisition._base_manager.select_for_update().get(pk=requisition.pk)
    if locked.status not in Requisition.ISSUABLE_STATUSES:
        raise ValidationError(_("Only a requisition waiting to be issued can be closed."), code="not_open")
    locked.closed_reason = reason[:200]
    locked.save(update_fields=["closed_reason", "updated_at"])
    _set_status(requisition, Requisition.Status.CLOSED, actor, "close", reason)
    requisition.closed_reason = locked.closed_reason
    return requisition


@transaction.atomic
def requisition_issue(*, actor, requisition, location, lines, return_note="", photos=(), now=None):
    """The keeper issues a requisition, fully or partly, from ``location``.

    ``lines``: ``[{"line": RequisitionLine, "quantity": …, "returned": …}]`` — the quantity
    issued now and the old items handed back now (以旧换新, non-consumables). A
    non-consumable line is issued only up to the old items handed back in total; a
    hand-back needs a note or a photo. Each issue is a :func:`stock_issue` move (to the
    requisition's class or department, source = the requisition), so the hazardous-goods
    rules and the stock check apply. Returns the moves.
    """
    from houqin.core.attachments import attachment_add

    campus = requisition.campus
    _check_campus(campus, location)
    locked = Requisition._base_manager.select_for_update().get(pk=requisition.pk)
    if locked.status not in Requisition.ISSUABLE_STATUSES:
        raise ValidationError(
            _("Requisition %(number)s cannot be issued now (%(status)s).")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="not_issuable",
        )
    own = {
        line.pk: line
        for line in RequisitionLine._base_manager.select_for_update(of=("self",))
        .filter(requisition=locked)
        .select_related("item__keeper", "item__category")
    }
    photos = [p for p in (photos or ()) if p]
    return_note = (return_note or "").strip()
    moves = []
    any_entry = False
    for entry in lines or ():
        line = own.get(getattr(entry.get("line"), "pk", entry.get("line")))
        if line is None:
            raise ValidationError(_("That line is not part of this requisition."), code="other_line")
        qty = _quantity(entry.get("quantity") or 0, label=str(line.item), allow_zero=True)
        returned = _quantity(entry.get("returned") or 0, label=_("Old items handed back"), allow_zero=True)
        if qty == 0 and returned == 0:
            continue
        any_entry = True
        if qty > line.outstanding:
            raise ValidationError(
                _("“%(item)s”: only %(left)s %(unit)s are still to issue.")
                % {"item": line.item, "left": _fmt(line.outstanding), "unit": line.item.unit},
                code="over_issue",
            )
        if returned and line.item.is_consumable:
            returned = ZERO
        if returned:
            if not return_note and not photos:
                raise ValidationError(
                    _("Record the old items handed back with a note or a photo."), code="exchange_note"
                )
            line.returned_quantity += returned
            line.return_note = (return_note or _("photo"))[:200]
        if qty:
            check_exchange(
                item=line.item, quantity=line.quantity_issued + qty, returned_quantity=line.returned_quantity
            )
            move = stock_issue(
                actor=actor,
                campus=campus,
                item=line.item,
                location=location,
                quantity=qty,
                source=locked,
                note=_("Requisition %(number)s") % {"number": locked.number},
                to_class=locked.school_class,
                to_department=locked.department,
                moved_at=now,
            )
            moves.append(move)
            line.quantity_issued += qty
        line.save(update_fields=["quantity_issued", "returned_quantity", "return_note", "updated_at"])
    if not any_entry:
        raise ValidationError(_("Enter a quantity to issue for at least one line."), code="nothing_to_issue")
    for photo in photos:
        attachment_add(
            actor=actor, obj=locked, uploaded_file=photo, kind="photo", caption=_("Old items handed back")
        )
    all_done = all(line.outstanding == 0 for line in own.values())
    status = Requisition.Status.ISSUED if all_done else Requisition.Status.PARTIAL
    if status != locked.status:
        _set_status(requisition, status, actor, "issue", ", ".join(f"#{m.pk}" for m in moves))
    else:
        audit.record(actor=actor, action="issue", obj=locked, message=", ".join(f"#{m.pk}" for m in moves))
    return moves


# --- Counts (定期清点) --------------------------------------------------------------------


@transaction.atomic
def stock_count_start(*, actor, campus, location, note="", now=None):
    """Start counting a location: the expected balances are frozen now.

    The lines are every item with a balance row at the location plus the active items
    whose default location it is. Moves posted while counting stay valid: posting the
    count adjusts by the difference to the frozen quantity.
    """
    _check_campus(campus, location)
    StockLocation._base_manager.select_for_update().filter(pk=location.pk).first()
    counts = StockCount.objects.with_scopes_disabled()
    if counts.filter(location=location, status=StockCount.Status.OPEN).exists():
        raise ValidationError(_("A count of this location is already open."), code="count_open")
    count = StockCount(
        campus=campus,
        location=location,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=now or timezone.now(),
        note=(note or "").strip()[:300],
    )
    count.full_clean(exclude=["number"])
    count.number = next_number(campus=campus, prefix=COUNT_PREFIX)
    count.save()
    expected = {b.item_id: b.quantity for b in _balances().filter(location=location)}
    defaults = Item.objects.with_scopes_disabled().filter(
        campus=campus, default_location=location, is_active=True
    )
    item_ids = set(expected) | set(defaults.values_list("pk", flat=True))
    StockCountLine.objects.with_scopes_disabled().bulk_create(
        [
            StockCountLine(
                campus=campus, count=count, item_id=item_id, expected_quantity=expected.get(item_id, ZERO)
            )
            for item_id in sorted(item_ids)
        ]
    )
    audit.record(actor=actor, action="count_start", obj=count, after=audit.snapshot(count),
                 message=_("%(n)s lines") % {"n": len(item_ids)})  # fmt: skip
    return count


def _lock_open_count(count):
    locked = StockCount._base_manager.select_for_update().get(pk=count.pk)
    if locked.status != StockCount.Status.OPEN:
        raise ValidationError(_("This count is no longer open."), code="count_closed")
    return locked


@transaction.atomic
def stock_count_record(*, actor, count, entries):
    """Enter counted quantities: ``entries`` maps a line id to (counted, note); None = not counted."""
    locked = _lock_open_count(count)
    lines = {line.pk: line for line in StockCountLine.objects.with_scopes_disabled().filter(count=locked)}
    changed = {}
    for line_id, value in (entries or {}).items():
        counted, note = value if isinstance(value, tuple) else (value, None)
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationError(_("That line is not part of this count."), code="other_line")
        if counted is None or counted == "":
            qty = None
        else:
            qty = _quantity(counted, label=str(line.item_id), allow_zero=True)
        fields = []
        if qty != line.counted_quantity:
            line.counted_quantity = qty
            fields.append("counted_quantity")
        if note is not None and note.strip()[:200] != line.note:
            line.note = note.strip()[:200]
            fields.append("note")
        if fields:
            line.save(update_fields=[*fields, "updated_at"])
            changed[str(line.item_id)] = None if qty is None else str(qty)
    if changed:
        audit.record(actor=actor, action="count_record", obj=locked, after={"counted": changed})
    return locked


@transaction.atomic
def stock_count_post(*, actor, count, now=None):
    """The keeper posts the count: every difference becomes an adjustment move (audited)."""
    locked = _lock_open_count(count)
    lines = list(
        StockCountLine.objects.with_scopes_disabled()
        .filter(count=locked)
        .select_related("item")
        .order_by("id")
    )
    missing = [str(line.item) for line in lines if line.counted_quantity is None]
    if missing:
        raise ValidationError(
            _("Count every line before posting; not counted yet: %(items)s.")
            % {"items": "、".join(missing[:10])},
            code="count_incomplete",
        )
    reason = _("Count %(number)s") % {"number": locked.number}
    adjusted = 0
    for line in lines:
        diff = line.counted_quantity - line.expected_quantity
        if diff == 0:
            continue
        move = stock_adjust(
            actor=actor, campus=locked.campus, item=line.item, location=locked.location, quantity=diff,
            reason=f"{reason}{'：' + line.note if line.note else ''}", source=locked, moved_at=now,
        )  # fmt: skip
        line.adjust_move = move
        line.save(update_fields=["adjust_move", "updated_at"])
        adjusted += 1
    before = audit.snapshot(locked)
    locked.status = StockCount.Status.POSTED
    locked.posted_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.posted_at = now or timezone.now()
    locked.save(update_fields=["status", "posted_by", "posted_at", "updated_at"])
    audit.record(
        actor=actor, action="count_post", obj=locked, before={"status": before["status"]},
        after={"status": locked.status, "adjustments": adjusted},
    )  # fmt: skip
    count.status, count.posted_by, count.posted_at = locked.status, locked.posted_by, locked.posted_at
    return locked


@transaction.atomic
def stock_count_cancel(*, actor, count, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for cancelling the count."), code="reason_required")
    locked = _lock_open_count(count)
    locked.status = StockCount.Status.CANCELLED
    locked.note = (f"{locked.note} · " if locked.note else "") + reason
    locked.note = locked.note[:300]
    locked.save(update_fields=["status", "note", "updated_at"])
    audit.record(
        actor=actor, action="count_cancel", obj=locked, after={"status": locked.status}, message=reason
    )
    count.status = locked.status
    return locked
