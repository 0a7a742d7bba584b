"""Every write of purchasing (采购): ``<entity>_<action>(*, actor, …)``, atomic, validated
with ``full_clean()`` and audited in the same transaction. Views, the API and the demo all
call these functions.

The chain (申购审批、验收签名、入库再出借)::

    request (draft) ──submit──▶ pending ──approve (logistics head; principal from the
        │        ▲                 │       threshold)──▶ approved ──quotes, choose──▶ order
        │        └── edit ◀── rejected / withdrawn                                   │
        └──cancel                                                                     ▼
    acceptance (first signer records) ──second signer confirms──▶ stock in / asset cards
    invoice (recorded) ──principal signs──▶ signed

Rules enforced here, whatever the caller: only the requester edits a request, and only
while it is a draft, rejected or withdrawn; a request at or above the campus's
``procurement.min_quotes_amount`` needs ``procurement.min_quotes`` quotes before one is
chosen or an order placed; a quote that is not the cheapest needs a reason; nothing is
accepted beyond what was ordered (counting acceptances still waiting for their second
signer); the second signer of an acceptance is another person with
``procurement.accept_deliveries``; only a holder of ``procurement.sign_invoices`` (the
principal) signs invoices.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import approvals, audit
from houqin.core.attachments import attachment_add
from houqin.core.links import campus_url
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.services import lock_for_update
from houqin.core.settings_registry import campus_setting
from houqin.procurement.models import (
    Acceptance,
    AcceptanceLine,
    Invoice,
    LineKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseRequestLine,
    Quote,
    QuoteLine,
)
from houqin.procurement.models.purchasing import ZERO, money

PURCHASE_KIND = "procurement.purchase"
REQUEST_PREFIX = "CG"
ORDER_PREFIX = "CGD"
ACCEPTANCE_PREFIX = "YS"
PRINCIPAL_THRESHOLD = Decimal("2000.00")

REQUEST_FIELDS = ("title", "department", "school_class", "reason", "needed_by")
LINE_FIELDS = (
    "kind", "item", "asset_category", "description", "spec", "quantity", "unit", "estimated_unit_price", "note",
)  # fmt: skip

MANAGE = "procurement.manage_purchases"
ACCEPT = "procurement.accept_deliveries"
RECORD_INVOICES = "procurement.record_invoices"
SIGN_INVOICES = "procurement.sign_invoices"


# --- Helpers ------------------------------------------------------------------------------


def _sync(original, fresh, fields):
    if original is not fresh:
        for name in fields:
            setattr(original, name, getattr(fresh, name))


def _audit_changes(*, actor, obj, before, action, message="", extra_before=None, extra_after=None):
    after = audit.snapshot(obj)
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    b = {k: (before or {}).get(k) for k in changed}
    a = {k: after[k] for k in changed}
    if extra_before is not None or extra_after is not None:
        if extra_before != extra_after:
            b["lines"], a["lines"] = extra_before, extra_after
    if b or a or action not in ("update",):
        audit.record(actor=actor, action=action, obj=obj, before=b, after=a, message=str(message)[:300])


def _save_transition(*, actor, obj, before, action, message=""):
    obj.full_clean()
    obj.save()
    _audit_changes(actor=actor, obj=obj, before=before, action=action, message=message)
    return obj


def _text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _decimal(value, *, label, places="0.001"):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(label)s: enter a number.") % {"label": label})
    if not number.is_finite():
        raise ValidationError(_("%(label)s: enter a number.") % {"label": label})
    return number.quantize(Decimal(places))


def _notify(
    campus, *, users=(), roles=(), perm=None, exclude=(), title, body="", url="", level="info", event=""
):
    """Notify some users, the holders of some roles and/or of a permission, once each."""
    from houqin.core.notifications import notify, users_with_roles
    from houqin.core.roles import roles_with

    excluded = {getattr(u, "pk", u) for u in exclude if u is not None}
    role_list = [str(r) for r in roles]
    if perm:
        role_list += [str(r) for r in roles_with(perm)]
    recipients = {u.pk: u for u in users if u is not None and u.pk not in excluded}
    if role_list:
        for u in users_with_roles(campus, sorted(set(role_list))):
            if u.pk not in excluded:
                recipients.setdefault(u.pk, u)
    if not recipients:
        return []
    return notify(
        campus=campus, recipients=list(recipients.values()), title=title, body=body, url=url, level=level,
        event=event,
    )  # fmt: skip


def _line_snapshot(lines):
    return [
        {
            "kind": ln.kind,
            "item": ln.item_id,
            "asset_category": ln.asset_category_id,
            "description": ln.description,
            "spec": ln.spec,
            "quantity": str(ln.quantity),
            "unit": ln.unit,
            "price": str(getattr(ln, "estimated_unit_price", None) or getattr(ln, "unit_price", "")),
        }
        for ln in lines
    ]


def _errors_with_prefix(prefix, exc):
    out = []
    if hasattr(exc, "error_dict"):
        for messages in exc.message_dict.values():
            for m in messages:
                out.append(f"{prefix}: {m}")
    else:
        out.extend(f"{prefix}: {m}" for m in exc.messages)
    return out


# --- Suppliers ----------------------------------------------------------------------------


def supplier_in_use(supplier) -> bool:
    """Whether quotes, orders or asset cards refer to the supplier."""
    from houqin.assets.models import Asset

    return (
        Quote.objects.filter(supplier=supplier).exists()
        or PurchaseOrder.objects.filter(supplier=supplier).exists()
        or Asset.objects.filter(supplier=supplier).exists()
    )


@transaction.atomic
def supplier_remove(*, actor, supplier) -> str:
    """Delete an unused supplier; one that records refer to is deactivated instead.

    Returns ``"deleted"`` or ``"deactivated"``.
    """
    from django.db.models import ProtectedError, RestrictedError

    from houqin.core.services import object_delete

    supplier = lock_for_update(supplier)
    if not supplier_in_use(supplier):
        try:
            with transaction.atomic():
                object_delete(actor=actor, instance=supplier)
            return "deleted"
        except (ValidationError, ProtectedError, RestrictedError):
            pass  # something else refers to it: keep it, deactivated
    if supplier.is_active:
        before = audit.snapshot(supplier)
        supplier.is_active = False
        _save_transition(
            actor=actor, obj=supplier, before=before, action="deactivate",
            message=_("In use by purchasing records; deactivated instead of deleted."),
        )  # fmt: skip
    return "deactivated"


@transaction.atomic
def supplier_set_active(*, actor, supplier, active: bool):
    supplier = lock_for_update(supplier)
    if supplier.is_active == bool(active):
        return supplier
    before = audit.snapshot(supplier)
    supplier.is_active = bool(active)
    return _save_transition(
        actor=actor, obj=supplier, before=before, action="activate" if active else "deactivate"
    )


# --- Purchase requests --------------------------------------------------------------------


def _build_lines(request, lines):
    """Validate line dicts into unsaved :class:`PurchaseRequestLine` objects (all errors at once)."""
    built, errors = [], []
    for position, data in enumerate(lines, start=1):
        unknown = set(data) - set(LINE_FIELDS)
        if unknown:
            raise ValueError(f"Not a request line field: {sorted(unknown)}")
        label = _("Line %(n)s") % {"n": position}
        line = PurchaseRequestLine(campus=request.campus, request=request, position=position)
        try:
            line.quantity = _decimal(data.get("quantity"), label=label)
            line.estimated_unit_price = _decimal(
                data.get("estimated_unit_price") or 0, label=label, places="0.01"
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        line.kind = data.get("kind") or LineKind.STOCK
        line.item = data.get("item") or None
        line.asset_category = data.get("asset_category") or None
        line.description = _text(data.get("description"), 120)
        line.spec = _text(data.get("spec"), 120)
        line.unit = _text(data.get("unit"), 10)
        line.note = _text(data.get("note"), 200)
        if line.item is not None and line.kind == LineKind.STOCK:
            line.description = line.description or line.item.name
            line.spec = line.spec or line.item.spec
            line.unit = line.unit or line.item.unit
        if line.asset_category is not None and line.kind == LineKind.ASSET:
            line.unit = line.unit or "件"
        try:
            line.full_clean(exclude=["campus", "request"])
        except ValidationError as exc:
            errors.extend(_errors_with_prefix(label, exc))
            continue
        built.append(line)
    if not lines:
        errors.append(_("A purchase request needs at least one line."))
    if errors:
        raise ValidationError(errors)
    return built


def _apply_request_data(pr, data):
    unknown = set(data) - set(REQUEST_FIELDS)
    if unknown:
        raise ValueError(f"Not a purchase request field: {sorted(unknown)}")
    for name, value in data.items():
        setattr(pr, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def purchase_request_save(*, actor, campus, data, lines, purchase_request=None):
    """Create a draft request (numbered CG-…) or edit one that is a draft, rejected or
    withdrawn; ``lines`` (dicts of :data:`LINE_FIELDS`) replace the request's lines."""
    if purchase_request is None:
        pr = PurchaseRequest(campus=campus, requested_by=actor, status=PurchaseRequest.Status.DRAFT)
        before, lines_before = None, None
    else:
        pr = lock_for_update(purchase_request)
        if actor is None or pr.requested_by_id != actor.pk:
            raise PermissionDenied(_("Only the person who raised the request can change it."))
        if pr.status not in PurchaseRequest.EDITABLE_STATUSES:
            raise ValidationError(
                _("A request can only be edited while it is a draft, rejected or withdrawn."),
                code="not_editable",
            )
        before = audit.snapshot(pr)
        lines_before = _line_snapshot(pr.lines.all())
    _apply_request_data(pr, data)
    errors = {}
    try:
        pr.full_clean(exclude=["number"])
    except ValidationError as exc:
        errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}
    try:
        built = _build_lines(pr, list(lines))
    except ValidationError as exc:
        errors["lines"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    if pr.pk is None:
        pr.number = next_number(campus=campus, prefix=REQUEST_PREFIX)
    pr.estimated_total = money(sum((ln.estimated_amount for ln in built), ZERO))
    pr.save()
    if lines_before is not None:
        pr.lines.all().delete()
    for line in built:
        line.request = pr
        line.save()
    lines_after = _line_snapshot(built)
    if before is None:
        audit.record(actor=actor, action="create", obj=pr, after={**audit.snapshot(pr), "lines": lines_after})
    else:
        _audit_changes(
            actor=actor,
            obj=pr,
            before=before,
            action="update",
            extra_before=lines_before,
            extra_after=lines_after,
        )
    if purchase_request is not None:
        _sync(purchase_request, pr, [*REQUEST_FIELDS, "estimated_total", "status"])
    return pr


@transaction.atomic
def purchase_request_submit(*, actor, purchase_request):
    """Send the request through the approvals engine with its estimated total."""
    pr = lock_for_update(purchase_request)
    if actor is None or pr.requested_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who raised the request can submit it."))
    if pr.status not in PurchaseRequest.EDITABLE_STATUSES:
        raise ValidationError(_("This request has already been submitted."), code="already_submitted")
    if not pr.lines.exists():
        raise ValidationError(_("A purchase request needs at least one line."))
    before = audit.snapshot(pr)
    pr.status = PurchaseRequest.Status.PENDING
    _save_transition(actor=actor, obj=pr, before=before, action="submit")
    approval = approvals.submit(
        actor=actor,
        obj=pr,
        kind=PURCHASE_KIND,
        title=_("Purchase request %(number)s: %(title)s") % {"number": pr.number, "title": pr.title},
        amount=pr.estimated_total,
    )  # may approve at once when no step applies; the callback sets the status
    pr.refresh_from_db()
    _sync(purchase_request, pr, ["status"])
    return approval


@transaction.atomic
def purchase_request_withdraw(*, actor, purchase_request, comment=""):
    approval = approvals.current_request(purchase_request)
    if approval is None:
        raise ValidationError(_("This request is not waiting for approval."), code="not_pending")
    approvals.withdraw(actor=actor, approval=approval, comment=comment)
    purchase_request.refresh_from_db()
    return purchase_request


CANCELLABLE = (*PurchaseRequest.EDITABLE_STATUSES, PurchaseRequest.Status.APPROVED)


@transaction.atomic
def purchase_request_cancel(*, actor, purchase_request, reason):
    """Drop a request that is no longer needed (before anything is ordered)."""
    pr = lock_for_update(purchase_request)
    if pr.requested_by_id != getattr(actor, "pk", None) and MANAGE not in actor_perms(actor, pr.campus):
        raise PermissionDenied(_("Only the requester or a buyer can cancel the request."))
    if pr.status not in CANCELLABLE:
        raise ValidationError(_("Only a draft, rejected, withdrawn or approved request can be cancelled."))
    if pr.orders.exclude(status=PurchaseOrder.Status.CANCELLED).exists():
        raise ValidationError(_("An order has been placed for this request; cancel the order first."))
    reason = _text(reason, 300)
    if not reason:
        raise ValidationError({"cancel_reason": _("Say why the request is cancelled.")})
    before = audit.snapshot(pr)
    pr.status = PurchaseRequest.Status.CANCELLED
    pr.cancel_reason = reason
    _save_transition(actor=actor, obj=pr, before=before, action="cancel", message=reason)
    _sync(purchase_request, pr, ["status", "cancel_reason"])
    return pr


def _set_status(obj, status, actor, action):
    locked = lock_for_update(obj)
    if locked.status == status:
        return locked
    before = audit.snapshot(locked)
    locked.status = status
    _save_transition(actor=actor, obj=locked, before=before, action=action)
    obj.status = status
    return locked


def purchase_on_approved(obj, approval, actor):
    _set_status(obj, PurchaseRequest.Status.APPROVED, actor, "approve")
    _notify(
        obj.campus, perm=MANAGE, exclude=[actor],
        title=_("Purchase approved, to be bought: %(title)s") % {"title": str(obj)},
        body=_("Estimated %(amount)s yuan.") % {"amount": obj.estimated_total},
        url=campus_url(obj.campus, "procurement:purchase_detail", pk=obj.pk), event="procurement.purchase_approved",
    )  # fmt: skip


def purchase_on_rejected(obj, approval, actor):
    _set_status(obj, PurchaseRequest.Status.REJECTED, actor, "reject")


def purchase_on_withdrawn(obj, approval, actor):
    _set_status(obj, PurchaseRequest.Status.WITHDRAWN, actor, "withdraw")


# --- Price comparison (询价比价) -------------------------------------------------------------


def quotes_required(purchase_request, campus=None) -> int:
    """How many quotes the request needs before one is chosen (0: none required).

    ``campus``: the request's campus when the caller already has it (lists: no query per row).
    """
    campus = campus or purchase_request.campus
    if purchase_request.estimated_total >= campus_setting(campus, "procurement.min_quotes_amount"):
        return int(campus_setting(campus, "procurement.min_quotes"))
    return 0


def _require_buying(pr):
    if pr.status != PurchaseRequest.Status.APPROVED:
        raise ValidationError(
            _("Quotes are recorded for an approved request that has not been ordered yet."),
            code="not_approved",
        )


def _reset_choice(pr, actor, why):
    if pr.chosen_quote_id is None:
        return
    before = audit.snapshot(pr)
    pr.chosen_quote = None
    pr.choice_reason = ""
    _save_transition(actor=actor, obj=pr, before=before, action="quote_unchoose", message=why)


@transaction.atomic
def quote_save(
    *, actor, purchase_request, supplier, quoted_on=None, total=None, line_prices=None, delivery_days=None,
    note="", quote=None, files=(),
):  # fmt: skip
    """Record (or correct) one supplier's quote.

    ``line_prices`` maps request line ids to unit prices; when given, every line is priced
    and the total is their sum; otherwise ``total`` is required. Changing the quotes of a
    request clears a choice already made (it has to be made again on the new figures).
    """
    pr = lock_for_update(purchase_request)
    require_actor_perm(actor, pr.campus, MANAGE)
    _require_buying(pr)
    if supplier is None:
        raise ValidationError({"supplier": _("Choose the supplier.")})
    if not supplier.is_active and (quote is None or quote.supplier_id != supplier.pk):
        raise ValidationError({"supplier": _("This supplier is inactive.")})
    lines = list(pr.lines.all())
    prices = {}
    errors = []
    for key, value in (line_prices or {}).items():
        if value is None or value == "":
            continue
        line_id = int(getattr(key, "pk", key))
        try:
            price = _decimal(value, label=_("Unit price"), places="0.01")
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if price < 0:
            errors.append(_("Prices cannot be negative."))
        prices[line_id] = price
    known = {ln.pk for ln in lines}
    if set(prices) - known:
        errors.append(_("A priced line does not belong to this request."))
    if prices and set(prices) != known:
        errors.append(_("Price every line, or give only the total."))
    if errors:
        raise ValidationError(errors)
    if prices:
        total = money(sum((ln.quantity * prices[ln.pk] for ln in lines), ZERO))
    else:
        total = _decimal(total, label=_("Total"), places="0.01")
        if total is None:
            raise ValidationError({"total": _("Give the quoted total or a unit price for every line.")})
    if quote is None:
        obj = Quote(campus=pr.campus, request=pr, recorded_by=actor)
        before = None
    else:
        obj = lock_for_update(quote)
        if obj.request_id != pr.pk:
            raise ValidationError(_("The quote belongs to another request."))
        before = audit.snapshot(obj)
    obj.supplier = supplier
    obj.quoted_on = quoted_on or obj.quoted_on or timezone.localdate()
    obj.total = total
    obj.delivery_days = delivery_days
    obj.note = _text(note, 300)
    obj.full_clean(validate_constraints=False)
    if Quote.objects.filter(request=pr, supplier=supplier).exclude(pk=obj.pk).exists():
        raise ValidationError({"supplier": _("This supplier has already quoted for this request.")})
    obj.save()
    old_prices = {ql.request_line_id: str(ql.unit_price) for ql in obj.lines.all()} if before else {}
    obj.lines.all().delete()
    for ln in lines:
        if ln.pk in prices:
            QuoteLine.objects.create(campus=pr.campus, quote=obj, request_line=ln, unit_price=prices[ln.pk])
    new_prices = {ln_id: str(p) for ln_id, p in prices.items()}
    if before is None:
        audit.record(
            actor=actor, action="create", obj=obj, after={**audit.snapshot(obj), "prices": new_prices}
        )
    else:
        _audit_changes(actor=actor, obj=obj, before=before, action="update",
                       extra_before=old_prices, extra_after=new_prices)  # fmt: skip
    for f in files or ():
        attachment_add(actor=actor, obj=obj, uploaded_file=f, kind="scan", caption=_("Quote"))
    _reset_choice(pr, actor, _("The quotes changed."))
    if quote is not None:
        _sync(quote, obj, ["supplier", "quoted_on", "total", "delivery_days", "note"])
    return obj


@transaction.atomic
def quote_delete(*, actor, quote):
    pr = lock_for_update(quote.request)
    require_actor_perm(actor, pr.campus, MANAGE)
    _require_buying(pr)
    was_chosen = pr.chosen_quote_id == quote.pk
    if was_chosen:
        _reset_choice(pr, actor, _("The chosen quote was removed."))
    before = audit.snapshot(quote)
    pk, label = quote.pk, str(quote)
    quote.delete()
    quote.pk = pk
    audit.record(actor=actor, action="delete", obj=quote, before=before, message=label)
    audit.record(actor=actor, action="quote_delete", obj=pr, message=label)


def cheapest_total(purchase_request):
    return purchase_request.quotes.aggregate(m=Min("total"))["m"]


@transaction.atomic
def quote_choose(*, actor, purchase_request, quote, reason=""):
    """Choose the winning quote; a quote that is not the cheapest needs a reason."""
    pr = lock_for_update(purchase_request)
    require_actor_perm(actor, pr.campus, MANAGE)
    _require_buying(pr)
    quote = Quote.objects.filter(pk=quote.pk, request=pr).first()
    if quote is None:
        raise ValidationError(_("The quote belongs to another request."))
    needed = quotes_required(pr)
    have = pr.quotes.count()
    if have < needed:
        raise ValidationError(
            _("Purchases from %(amount)s yuan need at least %(n)s quotes to compare; %(have)s recorded.")
            % {
                "amount": campus_setting(pr.campus, "procurement.min_quotes_amount"),
                "n": needed,
                "have": have,
            },
            code="too_few_quotes",
        )
    reason = _text(reason, 300)
    cheapest = cheapest_total(pr)
    if cheapest is not None and quote.total > cheapest and not reason:
        raise ValidationError(
            {"choice_reason": _("This is not the cheapest quote; say why it is chosen.")},
            code="reason_needed",
        )
    before = audit.snapshot(pr)
    pr.chosen_quote = quote
    pr.choice_reason = reason
    _save_transition(actor=actor, obj=pr, before=before, action="quote_choose", message=f"{quote} {reason}")
    _sync(purchase_request, pr, ["chosen_quote", "choice_reason"])
    return pr


def comparison(purchase_request):
    """The comparison table (询价比价表): rows per request line, one column per quote.

    Returns ``{"quotes": [...], "rows": [{"line", "cells": [{"price", "amount", "lowest"}]}],
    "totals": [...], "cheapest_id"}``. Three queries.
    """
    lines = list(purchase_request.lines.select_related("item", "asset_category"))
    quotes = list(
        purchase_request.quotes.select_related("supplier", "recorded_by")
        .prefetch_related("lines")
        .order_by("total", "id")
    )
    prices = {(q.pk, ql.request_line_id): ql.unit_price for q in quotes for ql in q.lines.all()}
    rows = []
    for ln in lines:
        cells = [prices.get((q.pk, ln.pk)) for q in quotes]
        present = [p for p in cells if p is not None]
        low = min(present) if present else None
        rows.append(
            {
                "line": ln,
                "cells": [
                    {
                        "price": p,
                        "amount": money(p * ln.quantity) if p is not None else None,
                        "lowest": p is not None and p == low and len(present) > 1,
                    }
                    for p in cells
                ],
            }
        )
    cheapest = quotes[0] if quotes else None
    return {
        "quotes": quotes,
        "rows": rows,
        "cheapest_id": cheapest.pk if cheapest else None,
        "needed": quotes_required(purchase_request),
    }


# --- Purchase orders ----------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *, actor, purchase_request, supplier=None, prices=None, ordered_on=None, expected_delivery=None, note="",
):  # fmt: skip
    """Place the order for an approved request: with the chosen quote's supplier, or
    directly with a supplier when the amount needs no price comparison.

    ``prices`` maps request line ids to agreed unit prices; a line left out takes the
    chosen quote's price for it, else the estimate.
    """
    pr = lock_for_update(purchase_request)
    campus = pr.campus
    require_actor_perm(actor, campus, MANAGE)
    if pr.status != PurchaseRequest.Status.APPROVED:
        raise ValidationError(_("Only an approved request can be ordered."), code="not_approved")
    if pr.orders.exclude(status=PurchaseOrder.Status.CANCELLED).exists():
        raise ValidationError(_("This request has already been ordered."))
    quote = pr.chosen_quote
    if quote is not None:
        if supplier is not None and supplier.pk != quote.supplier_id:
            raise ValidationError({"supplier": _("The order goes to the supplier of the chosen quote.")})
        supplier = quote.supplier
    else:
        needed = quotes_required(pr)
        if needed:
            raise ValidationError(
                _(
                    "Purchases from %(amount)s yuan are ordered from a chosen quote: record at least %(n)s quotes "
                    "and choose one first."
                )
                % {"amount": campus_setting(campus, "procurement.min_quotes_amount"), "n": needed},
                code="quote_needed",
            )
        if supplier is None:
            raise ValidationError({"supplier": _("Choose the supplier.")})
        if not supplier.is_active:
            raise ValidationError({"supplier": _("This supplier is inactive.")})
    quote_prices = {ql.request_line_id: ql.unit_price for ql in quote.lines.all()} if quote else {}
    given = {}
    errors = []
    for key, value in (prices or {}).items():
        if value is None or value == "":
            continue
        try:
            price = _decimal(value, label=_("Unit price"), places="0.01")
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if price < 0:
            errors.append(_("Prices cannot be negative."))
        given[int(getattr(key, "pk", key))] = price
    if errors:
        raise ValidationError(errors)
    order = PurchaseOrder(
        campus=campus,
        request=pr,
        quote=quote,
        supplier=supplier,
        ordered_on=ordered_on or timezone.localdate(),
        expected_delivery=expected_delivery,
        ordered_by=actor,
        note=_text(note, 300),
        number=next_number(campus=campus, prefix=ORDER_PREFIX),
    )
    order.full_clean(validate_constraints=False)
    order.save()
    total = ZERO
    for ln in pr.lines.select_related("item", "asset_category"):
        price = given.get(ln.pk, quote_prices.get(ln.pk, ln.estimated_unit_price))
        line = PurchaseOrderLine(
            campus=campus, order=order, request_line=ln, position=ln.position, kind=ln.kind, item=ln.item,
            asset_category=ln.asset_category, description=ln.description, spec=ln.spec, unit=ln.unit,
            quantity=ln.quantity, unit_price=price,
        )  # fmt: skip
        line.full_clean(exclude=["order", "campus", "request_line"])
        line.save()
        total += line.amount
    order.total = money(total)
    order.save(update_fields=["total", "updated_at"])
    audit.record(
        actor=actor, action="create", obj=order,
        after={**audit.snapshot(order), "lines": _line_snapshot(order.lines.all())},
    )  # fmt: skip
    before = audit.snapshot(pr)
    pr.status = PurchaseRequest.Status.ORDERED
    _save_transition(actor=actor, obj=pr, before=before, action="order", message=order.number)
    _sync(purchase_request, pr, ["status"])
    _notify(
        campus, users=[pr.requested_by], exclude=[actor],
        title=_("Ordered: %(title)s") % {"title": str(pr)},
        body=_("Order %(number)s to %(supplier)s, %(total)s yuan.")
        % {"number": order.number, "supplier": supplier, "total": order.total},
        url=campus_url(campus, "procurement:order_detail", pk=order.pk), event="procurement.order_placed",
    )  # fmt: skip
    return order


@transaction.atomic
def purchase_order_update(*, actor, order, expected_delivery=None, note=None):
    order = lock_for_update(order)
    require_actor_perm(actor, order.campus, MANAGE)
    if order.status == PurchaseOrder.Status.CANCELLED:
        raise ValidationError(_("The order was cancelled."))
    before = audit.snapshot(order)
    order.expected_delivery = expected_delivery
    if note is not None:
        order.note = _text(note, 300)
    return _save_transition(actor=actor, obj=order, before=before, action="update")


@transaction.atomic
def purchase_order_cancel(*, actor, order, reason):
    """Cancel an order nothing has been delivered against; the request is approved again."""
    locked = lock_for_update(order)
    require_actor_perm(actor, locked.campus, MANAGE)
    if locked.status != PurchaseOrder.Status.ORDERED:
        raise ValidationError(_("Only an order with nothing received yet can be cancelled."))
    if locked.acceptances.exclude(status=Acceptance.Status.VOID).exists():
        raise ValidationError(_("A delivery has been recorded against this order; void it first."))
    if locked.invoices.exclude(status=Invoice.Status.VOID).exists():
        raise ValidationError(_("An invoice has been recorded against this order; void it first."))
    reason = _text(reason, 300)
    if not reason:
        raise ValidationError({"cancel_reason": _("Say why the order is cancelled.")})
    before = audit.snapshot(locked)
    locked.status = PurchaseOrder.Status.CANCELLED
    locked.cancel_reason = reason
    _save_transition(actor=actor, obj=locked, before=before, action="cancel", message=reason)
    pr = lock_for_update(locked.request)
    before = audit.snapshot(pr)
    pr.status = PurchaseRequest.Status.APPROVED
    _save_transition(actor=actor, obj=pr, before=before, action="order_cancelled", message=reason)
    _sync(order, locked, ["status", "cancel_reason"])
    return locked


def order_figures(order):
    """Ordered, accepted and invoiced values of an order, and the invoice difference."""
    lines = list(order.lines.all())
    accepted = money(sum((ln.accepted_value for ln in lines), ZERO))
    invoiced = money(
        order.invoices.exclude(status=Invoice.Status.VOID).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    return {
        "ordered": order.total,
        "accepted": accepted,
        "invoiced": invoiced,
        "difference": invoiced - accepted,
    }


# --- Acceptance (验收) ----------------------------------------------------------------------


def _pending_accepted(order_line_ids, exclude_acceptance=None):
    qs = AcceptanceLine.objects.filter(
        order_line_id__in=order_line_ids, acceptance__status=Acceptance.Status.PENDING
    )
    if exclude_acceptance is not None:
        qs = qs.exclude(acceptance=exclude_acceptance)
    return {
        row["order_line_id"]: row["s"] or ZERO
        for row in qs.values("order_line_id").annotate(s=Sum("quantity_accepted"))
    }


def _fmt(q):
    return f"{q.normalize():f}"


@transaction.atomic
def acceptance_record(
    *, actor, order, lines, delivered_on=None, location=None, invoice_number="", note="", photos=(),
):  # fmt: skip
    """The first signer records a delivery: per order line what was delivered, what is
    accepted and its quality. Nothing takes effect until another person confirms."""
    order = lock_for_update(order)
    campus = order.campus
    require_actor_perm(actor, campus, ACCEPT)
    if not order.is_open:
        raise ValidationError(_("Deliveries are recorded against an open order."), code="order_closed")
    order_lines = {ln.pk: ln for ln in PurchaseOrderLine.objects.select_for_update().filter(order=order)}
    pending = _pending_accepted(list(order_lines))
    errors, built, seen = [], [], set()
    for data in lines:
        ol = data.get("order_line")
        ol_id = getattr(ol, "pk", ol)
        if ol_id not in order_lines:
            errors.append(_("A line does not belong to this order."))
            continue
        if ol_id in seen:
            errors.append(_("A line of the order appears twice."))
            continue
        seen.add(ol_id)
        ol = order_lines[ol_id]
        label = _("Line %(n)s (%(item)s)") % {"n": ol.position, "item": ol.description}
        try:
            delivered = _decimal(data.get("quantity_delivered") or 0, label=label)
            accepted = _decimal(
                data.get("quantity_accepted")
                if data.get("quantity_accepted") not in (None, "")
                else delivered,
                label=label,
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if not delivered and not accepted:
            continue
        room = data.get("room") or None
        custodian = data.get("custodian") or None
        line = AcceptanceLine(
            campus=campus, order_line=ol, quantity_delivered=delivered, quantity_accepted=accepted,
            quality=data.get("quality") or AcceptanceLine.Quality.PASS, quality_note=_text(data.get("quality_note"), 200),
            room=room if ol.kind == LineKind.ASSET else None, custodian=custodian if ol.kind == LineKind.ASSET else None,
        )  # fmt: skip
        try:
            line.full_clean(exclude=["acceptance", "campus"])
        except ValidationError as exc:
            errors.extend(_errors_with_prefix(label, exc))
            continue
        if (
            ol.kind == LineKind.ASSET
            and accepted > 0
            and custodian is None
            and _is_valuable(campus, ol.unit_price)
        ):
            errors.append(
                _(
                    "%(label)s: valuable items (贵重物品) are assigned to a named person; choose the custodian."
                )
                % {"label": label}
            )
            continue
        open_qty = ol.quantity - ol.quantity_accepted - pending.get(ol.pk, ZERO)
        if accepted > open_qty:
            errors.append(
                _(
                    "%(label)s: more than ordered — %(ordered)s ordered, %(accepted)s accepted, %(pending)s "
                    "waiting for a second signer; at most %(open)s more can be accepted."
                )
                % {
                    "label": label,
                    "ordered": _fmt(ol.quantity),
                    "accepted": _fmt(ol.quantity_accepted),
                    "pending": _fmt(pending.get(ol.pk, ZERO)),
                    "open": _fmt(max(ZERO, open_qty)),
                }  # fmt: skip
            )
            continue
        built.append(line)
    if not built and not errors:
        errors.append(_("Enter what was delivered on at least one line."))
    stock_lines = [ln for ln in built if ln.order_line.kind == LineKind.STOCK and ln.quantity_accepted > 0]
    if stock_lines and location is None:
        defaults = {ln.order_line.item.default_location_id for ln in stock_lines}
        if len(defaults) == 1 and None not in defaults:
            location = stock_lines[0].order_line.item.default_location
        else:
            errors.append(_("Choose the stock location the goods are received into."))
    if errors:
        raise ValidationError(errors)
    acceptance = Acceptance(
        campus=campus, order=order, delivered_on=delivered_on or timezone.localdate(), location=location,
        invoice_number=_text(invoice_number, 40), note=_text(note, 300), recorded_by=actor,
        number=next_number(campus=campus, prefix=ACCEPTANCE_PREFIX),
    )  # fmt: skip
    acceptance.full_clean()
    if acceptance.delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("The delivery date is in the future.")})
    acceptance.save()
    for line in built:
        line.acceptance = acceptance
        line.save()
    audit.record(
        actor=actor, action="create", obj=acceptance,
        after={
            **audit.snapshot(acceptance),
            "lines": [
                {"order_line": ln.order_line_id, "delivered": str(ln.quantity_delivered),
                 "accepted": str(ln.quantity_accepted), "quality": ln.quality, "note": ln.quality_note}
                for ln in built
            ],
        },
    )  # fmt: skip
    for photo in photos or ():
        attachment_add(actor=actor, obj=acceptance, uploaded_file=photo, kind="photo")
    _notify(
        campus, perm=ACCEPT, exclude=[actor],
        title=_("Second signature needed: acceptance %(number)s") % {"number": acceptance.number},
        body=_("%(who)s recorded a delivery of order %(order)s from %(supplier)s.")
        % {"who": actor, "order": order.number, "supplier": order.supplier},
        url=campus_url(campus, "procurement:acceptance_detail", pk=acceptance.pk), event="procurement.acceptance_recorded",
    )  # fmt: skip
    return acceptance


def _is_valuable(campus, unit_price):
    from houqin.assets.services import valuable_threshold

    threshold = valuable_threshold(campus)
    return bool(threshold) and unit_price >= threshold


def _asset_data(line, acceptance, order, quantity, invoice_number):
    from houqin.assets.models import Asset

    ol = line.order_line
    placed = bool(line.room_id or line.custodian_id)
    return {
        "is_valuable": _is_valuable(acceptance.campus, ol.unit_price),
        "name": ol.description[:120],
        "model_spec": ol.spec[:120],
        "category": ol.asset_category,
        "unit": ol.unit[:10],
        "quantity": quantity,
        "room": line.room,
        "custodian": line.custodian,
        "status": Asset.Status.IN_USE if placed else Asset.Status.IDLE,
        "source": Asset.Source.PURCHASE,
        "supplier": order.supplier,
        "invoice_number": invoice_number,
        "price": ol.unit_price,
        "purchase_date": acceptance.delivered_on,
        "acceptance_line": line,
        "note": _("Accepted with %(number)s, order %(order)s")
        % {"number": acceptance.number, "order": order.number},
    }


def _invoice_number_for(acceptance, order):
    if acceptance.invoice_number:
        return acceptance.invoice_number
    numbers = list(order.invoices.exclude(status=Invoice.Status.VOID).values_list("number", flat=True)[:2])
    return numbers[0] if len(numbers) == 1 else ""


@transaction.atomic
def acceptance_confirm(*, actor, acceptance):
    """The second signer confirms: stock lines are received into the warehouse, asset lines
    become asset cards (one per unit for fixed assets, one set card for low-value ones)."""
    from houqin.assets.models import AssetCategory
    from houqin.assets.services import asset_create
    from houqin.procurement.warehouse_services import stock_receive

    locked = lock_for_update(acceptance)
    campus = locked.campus
    require_actor_perm(actor, campus, ACCEPT)
    if locked.status != Acceptance.Status.PENDING:
        raise ValidationError(
            _("This acceptance is no longer waiting for a signature (%(status)s).")
            % {"status": locked.get_status_display()},
            code="not_pending",
        )
    if actor is None or actor.pk == locked.recorded_by_id:
        raise PermissionDenied(
            _("You recorded this delivery; the second signature must come from another person.")
        )
    order = lock_for_update(locked.order)
    order_lines = {ln.pk: ln for ln in PurchaseOrderLine.objects.select_for_update().filter(order=order)}
    lines = list(
        locked.lines.select_related("order_line__item", "order_line__asset_category", "room", "custodian")
    )
    errors = []
    for line in lines:
        ol = order_lines[line.order_line_id]
        if ol.quantity_accepted + line.quantity_accepted > ol.quantity:
            errors.append(
                _("Line %(n)s (%(item)s): more than ordered — only %(open)s remain to be accepted.")
                % {"n": ol.position, "item": ol.description, "open": _fmt(ol.remaining)}
            )
    if errors:
        raise ValidationError(errors)
    if (
        any(ln.order_line.kind == LineKind.STOCK and ln.quantity_accepted > 0 for ln in lines)
        and not locked.location_id
    ):
        raise ValidationError(_("Choose the stock location the goods are received into."))
    before = audit.snapshot(locked)
    locked.status = Acceptance.Status.CONFIRMED
    locked.confirmed_by = actor
    locked.confirmed_at = timezone.now()
    _save_transition(actor=actor, obj=locked, before=before, action="confirm")
    invoice_number = _invoice_number_for(locked, order)
    created_assets = 0
    for line in lines:
        qty = line.quantity_accepted
        if qty <= 0:
            continue
        ol = order_lines[line.order_line_id]
        if ol.kind == LineKind.STOCK:
            stock_receive(
                actor=actor, campus=campus, item=ol.item, location=locked.location, quantity=qty,
                unit_cost=ol.unit_price, source=line, note=f"{locked.number} · {order.number}",
            )  # fmt: skip
        elif ol.kind == LineKind.ASSET:
            count = int(qty)
            if ol.asset_category.kind == AssetCategory.Kind.FIXED:
                for _i in range(count):
                    asset_create(
                        actor=actor, campus=campus, data=_asset_data(line, locked, order, 1, invoice_number)
                    )
                created_assets += count
            else:
                asset_create(
                    actor=actor, campus=campus, data=_asset_data(line, locked, order, count, invoice_number)
                )
                created_assets += 1
        before_line = audit.snapshot(ol)
        ol.quantity_accepted = ol.quantity_accepted + qty
        ol.full_clean(exclude=["order", "campus", "request_line"])
        ol.save(update_fields=["quantity_accepted", "updated_at"])
        _audit_changes(actor=actor, obj=ol, before=before_line, action="receive", message=locked.number)
    _refresh_order_status(order, actor)
    _sync(acceptance, locked, ["status", "confirmed_by", "confirmed_at"])
    _notify(
        campus, users=[locked.recorded_by, order.request.requested_by], exclude=[actor],
        title=_("Acceptance %(number)s confirmed") % {"number": locked.number},
        body=_("Order %(order)s: %(status)s.") % {"order": order.number, "status": order.get_status_display()},
        url=campus_url(campus, "procurement:acceptance_detail", pk=locked.pk), event="procurement.acceptance_confirmed",
    )  # fmt: skip
    locked.created_assets = created_assets
    return locked


def _refresh_order_status(order, actor):
    lines = list(PurchaseOrderLine.objects.filter(order=order))
    if lines and all(ln.quantity_accepted >= ln.quantity for ln in lines):
        status = PurchaseOrder.Status.RECEIVED
    elif any(ln.quantity_accepted > 0 for ln in lines):
        status = PurchaseOrder.Status.PARTIAL
    else:
        status = PurchaseOrder.Status.ORDERED
    if order.status != status:
        before = audit.snapshot(order)
        order.status = status
        _save_transition(actor=actor, obj=order, before=before, action="receive")
    return order


@transaction.atomic
def acceptance_void(*, actor, acceptance, reason):
    """Void an acceptance still waiting for its second signer (wrong count, refused goods)."""
    locked = lock_for_update(acceptance)
    require_actor_perm(actor, locked.campus, ACCEPT)
    if locked.status != Acceptance.Status.PENDING:
        raise ValidationError(_("Only an acceptance waiting for its second signer can be voided."))
    reason = _text(reason, 300)
    if not reason:
        raise ValidationError({"void_reason": _("Give a reason for voiding the acceptance.")})
    before = audit.snapshot(locked)
    locked.status = Acceptance.Status.VOID
    locked.void_reason = reason
    _save_transition(actor=actor, obj=locked, before=before, action="void", message=reason)
    _sync(acceptance, locked, ["status", "void_reason"])
    if locked.recorded_by_id != actor.pk:
        _notify(
            locked.campus, users=[locked.recorded_by],
            title=_("Acceptance %(number)s was voided") % {"number": locked.number}, body=reason,
            url=campus_url(locked.campus, "procurement:acceptance_detail", pk=locked.pk), level="warning",
            event="procurement.acceptance_voided",
        )  # fmt: skip
    return locked


# --- Invoices -----------------------------------------------------------------------------


@transaction.atomic
def invoice_record(*, actor, order, number, issued_on, amount, note="", scans=()):
    """Record the supplier's invoice against the order; it waits for the principal's signature."""
    order = lock_for_update(order)
    campus = order.campus
    require_actor_perm(actor, campus, RECORD_INVOICES)
    if order.status == PurchaseOrder.Status.CANCELLED:
        raise ValidationError(_("The order was cancelled."))
    number = _text(number, 40)
    if not number:
        raise ValidationError({"number": _("Enter the invoice number.")})
    if Invoice.objects.filter(campus=campus, number=number).exclude(status=Invoice.Status.VOID).exists():
        raise ValidationError({"number": _("An invoice with this number has already been recorded.")})
    invoice = Invoice(
        campus=campus, order=order, number=number, issued_on=issued_on,
        amount=_decimal(amount, label=_("Amount"), places="0.01"), note=_text(note, 300), recorded_by=actor,
    )  # fmt: skip
    invoice.full_clean()
    invoice.save()
    audit.record(actor=actor, action="create", obj=invoice, after=audit.snapshot(invoice))
    for scan in scans or ():
        attachment_add(actor=actor, obj=invoice, uploaded_file=scan, kind="scan", caption=_("Invoice"))
    _notify(
        campus, perm=SIGN_INVOICES, exclude=[actor],
        title=_("Invoice to sign: %(number)s") % {"number": invoice.number},
        body=_("%(supplier)s, %(amount)s yuan, order %(order)s.")
        % {"supplier": order.supplier, "amount": invoice.amount, "order": order.number},
        url=campus_url(campus, "procurement:invoice_detail", pk=invoice.pk), event="procurement.invoice_recorded",
    )  # fmt: skip
    return invoice


@transaction.atomic
def invoice_sign(*, actor, invoice, note=""):
    """The principal signs the invoice off (每张发票都必须由园长签字)."""
    locked = lock_for_update(invoice)
    require_actor_perm(actor, locked.campus, SIGN_INVOICES)
    if locked.status != Invoice.Status.AWAITING:
        raise ValidationError(
            _("This invoice is not waiting for a signature (%(status)s).")
            % {"status": locked.get_status_display()},
            code="not_awaiting",
        )
    before = audit.snapshot(locked)
    locked.status = Invoice.Status.SIGNED
    locked.signed_by = actor
    locked.signed_at = timezone.now()
    locked.sign_note = _text(note, 300)
    _save_transition(actor=actor, obj=locked, before=before, action="sign", message=locked.sign_note)
    _sync(invoice, locked, ["status", "signed_by", "signed_at", "sign_note"])
    return locked


@transaction.atomic
def invoice_void(*, actor, invoice, reason):
    """Void a wrongly recorded invoice that has not been signed yet."""
    locked = lock_for_update(invoice)
    perms = actor_perms(actor, locked.campus)
    if RECORD_INVOICES not in perms and SIGN_INVOICES not in perms:
        raise PermissionDenied(_("You do not have permission to do this."))
    if locked.status != Invoice.Status.AWAITING:
        raise ValidationError(_("Only an invoice waiting for the principal's signature can be voided."))
    reason = _text(reason, 300)
    if not reason:
        raise ValidationError({"void_reason": _("Give a reason for voiding the invoice.")})
    before = audit.snapshot(locked)
    locked.status = Invoice.Status.VOID
    locked.void_reason = reason
    _save_transition(actor=actor, obj=locked, before=before, action="void", message=reason)
    _sync(invoice, locked, ["status", "void_reason"])
    return locked


# --- Reading ------------------------------------------------------------------------------


def requests_visible_to(request):
    """Purchase requests the user may see: all with view_purchases, else their own."""
    from houqin.core.permissions import has_perm

    qs = PurchaseRequest.objects.all()
    if has_perm(request, "procurement.view_purchases"):
        return qs
    return qs.filter(requested_by=request.user)


def accepted_in_month(campus, year, month):
    """Confirmed acceptances of a month with their lines (for the public disclosure)."""
    return (
        Acceptance.objects.filter(
            campus=campus,
            status=Acceptance.Status.CONFIRMED,
            delivered_on__year=year,
            delivered_on__month=month,
        )
        .select_related("order__supplier")
        .prefetch_related("lines__order_line")
        .order_by("delivered_on", "id")
    )
