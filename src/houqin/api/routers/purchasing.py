"""Purchasing (采购): suppliers, purchase requests with their lines and approval, quotes and
the price comparison (询价比价), purchase orders, two-signer acceptances (验收) and invoices
signed by the principal.

The same permissions as the pages, and every write through
:mod:`houqin.procurement.purchasing_services` (validated, audited). Files (a quote sheet,
delivery photos, an invoice scan) are uploaded as multipart ``file`` to ``…/files``,
``…/photos`` and ``…/scans``. An acceptance recorded by one person takes effect only when
another confirms it (``…/acceptances/{id}/confirm``).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, PatchDict, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, get_in_campus, resolve_refs, update_object
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.assets.models import AssetCategory
from houqin.core.attachments import attachment_add
from houqin.core.models import Room, SchoolClass
from houqin.procurement import purchasing_services as services
from houqin.procurement.models import (
    Acceptance,
    AcceptanceLine,
    Invoice,
    Item,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    StockLocation,
    Supplier,
)

router = Router(tags=["purchasing"])

VIEW_SUPPLIERS, MANAGE_SUPPLIERS = "procurement.view_suppliers", "procurement.manage_suppliers"
VIEW, REQUEST, MANAGE = (
    "procurement.view_purchases",
    "procurement.request_purchases",
    "procurement.manage_purchases",
)
ACCEPT = "procurement.accept_deliveries"
RECORD_INVOICES, SIGN_INVOICES = "procurement.record_invoices", "procurement.sign_invoices"


class ReasonIn(Schema):
    reason: str


class CommentIn(Schema):
    comment: str = ""


# --- Suppliers ----------------------------------------------------------------------------


class SupplierIn(Schema):
    name: str
    contact: str = ""
    phone: str = ""
    address: str = ""
    credit_code: str = ""
    bank_account: str = ""
    scope: str = ""
    is_active: bool = True
    note: str = ""


class SupplierOut(Schema):
    id: int
    name: str
    contact: str
    phone: str
    address: str
    credit_code: str
    bank_account: str
    scope: str
    is_active: bool
    note: str


class RemoveOut(Schema):
    outcome: str = Field(description="deleted, or deactivated when records refer to the supplier")


@router.get("/suppliers", response=list[SupplierOut], url_name="purchasing_supplier_list")
@requires(VIEW_SUPPLIERS)
@paginate(LimitOffset)
def supplier_list(request, active: bool | None = None, q: str = ""):
    qs = Supplier.objects.filter(campus=request.campus).order_by("name")
    if active is not None:
        qs = qs.filter(is_active=active)
    if q:
        from houqin.core.pinyin import pinyin_q

        qs = qs.filter(pinyin_q(q, "name", "contact", "scope", pinyin_field="name_pinyin"))
    return qs


@router.post("/suppliers", response={201: SupplierOut}, url_name="purchasing_supplier_create")
@requires(MANAGE_SUPPLIERS)
def supplier_create(request, payload: SupplierIn):
    return Status(201, create_object(request, Supplier, payload.dict()))


@router.get("/suppliers/{supplier_id}", response=SupplierOut, url_name="purchasing_supplier_detail")
@requires(VIEW_SUPPLIERS)
def supplier_detail(request, supplier_id: int):
    return get_in_campus(request, Supplier.objects.all(), pk=supplier_id)


@router.patch("/suppliers/{supplier_id}", response=SupplierOut, url_name="purchasing_supplier_update")
@requires(MANAGE_SUPPLIERS)
def supplier_update(request, supplier_id: int, payload: PatchDict[SupplierIn]):
    supplier = get_in_campus(request, Supplier.objects.all(), pk=supplier_id)
    return update_object(request, supplier, dict(payload))


@router.delete("/suppliers/{supplier_id}", response=RemoveOut, url_name="purchasing_supplier_delete")
@requires(MANAGE_SUPPLIERS)
def supplier_delete(request, supplier_id: int):
    """Delete an unused supplier; one that records refer to is deactivated instead."""
    supplier = get_in_campus(request, Supplier.objects.all(), pk=supplier_id)
    return {"outcome": services.supplier_remove(actor=request.user, supplier=supplier)}


# --- Purchase requests --------------------------------------------------------------------


class RequestLineIn(Schema):
    kind: str = Field("stock", description="stock (warehouse item), asset (asset cards) or other")
    item: int | None = Field(None, description="Warehouse item id (stock lines)")
    asset_category: int | None = Field(None, description="Asset category id (asset lines)")
    description: str = Field("", description="What is bought; stock lines default to the item's name")
    spec: str = ""
    quantity: Decimal
    unit: str = ""
    estimated_unit_price: Decimal = Decimal("0")
    note: str = ""


class RequestLineOut(Schema):
    id: int
    position: int
    kind: str
    item: int | None = Field(alias="item_id")
    asset_category: int | None = Field(alias="asset_category_id")
    description: str
    spec: str
    quantity: Decimal
    unit: str
    estimated_unit_price: Decimal
    estimated_amount: Decimal
    note: str


class RequestIn(Schema):
    title: str
    department: str = ""
    school_class: int | None = Field(None, description="Class id, when a class needs it")
    reason: str
    needed_by: dt.date | None = None
    lines: list[RequestLineIn]


class RequestOut(Schema):
    id: int
    number: str
    title: str
    department: str
    school_class: int | None = Field(alias="school_class_id")
    requester_unit: str
    reason: str
    needed_by: dt.date | None
    status: str
    status_display: str = Field(alias="get_status_display")
    estimated_total: Decimal
    requested_by: int = Field(alias="requested_by_id")
    requested_by_name: str | None = None
    chosen_quote: int | None = Field(alias="chosen_quote_id")
    choice_reason: str
    cancel_reason: str
    quotes_required: int = 0
    lines: list[RequestLineOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_requested_by_name(obj):
        return _name(obj.requested_by)

    @staticmethod
    def resolve_quotes_required(obj, context):
        return services.quotes_required(obj, campus=context["request"].campus)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ApprovalOut(Schema):
    id: int
    status: str
    current_role: str
    plan: list
    amount: Decimal | None


class SubmitOut(Schema):
    request: RequestOut
    approval: ApprovalOut


def _requests(request):
    return services.requests_visible_to(request).select_related("requested_by").prefetch_related("lines")


def _purchase(request, request_id):
    return get_in_campus(request, _requests(request), pk=request_id)


def _any_purchase(request, request_id):
    """Any request of the campus (buyers' endpoints: the caller holds a buying permission)."""
    return get_in_campus(request, PurchaseRequest.objects.prefetch_related("lines"), pk=request_id)


LINE_REFS = {"item": Item, "asset_category": AssetCategory}


def _lines(request, lines):
    out, errors = [], []
    for n, line in enumerate(lines, start=1):
        data = line.dict() if hasattr(line, "dict") else dict(line)
        try:
            out.append(resolve_refs(request, data, LINE_REFS))
        except ValidationError as exc:
            errors.extend(f"{_('Line %(n)s') % {'n': n}}: {m}" for m in exc.messages)
    if errors:
        raise ValidationError({"lines": errors})
    return out


def _request_data(request, payload: dict):
    data = {k: v for k, v in payload.items() if k in services.REQUEST_FIELDS}
    return resolve_refs(request, data, {"school_class": SchoolClass})


@router.get("/purchase-requests", response=list[RequestOut], url_name="purchasing_request_list")
@requires(REQUEST)
@paginate(LimitOffset)
def request_list(request, status: str | None = None, mine: bool = False, q: str = ""):
    """Purchase requests: every one of the campus with ``procurement.view_purchases``,
    otherwise the caller's own."""
    qs = _requests(request).filter(campus=request.campus).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(requested_by=request.user)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(department__icontains=q))
    return qs


@router.post("/purchase-requests", response={201: RequestOut}, url_name="purchasing_request_create")
@requires(REQUEST)
def request_create(request, payload: RequestIn):
    """Raise a draft request (numbered CG-…); submit it with ``…/submit``."""
    data = payload.dict()
    pr = services.purchase_request_save(
        actor=request.user, campus=request.campus, data=_request_data(request, data),
        lines=_lines(request, payload.lines),
    )  # fmt: skip
    return Status(201, _purchase(request, pr.pk))


@router.get("/purchase-requests/{request_id}", response=RequestOut, url_name="purchasing_request_detail")
@requires(REQUEST)
def request_detail(request, request_id: int):
    return _purchase(request, request_id)


@router.patch("/purchase-requests/{request_id}", response=RequestOut, url_name="purchasing_request_update")
@requires(REQUEST)
def request_update(request, request_id: int, payload: PatchDict[RequestIn]):
    """Edit a draft, rejected or withdrawn request (requester only); ``lines``, when given,
    replace all the lines."""
    pr = _purchase(request, request_id)
    payload = dict(payload)
    data = _request_data(request, payload)
    lines = payload.get("lines")
    if lines is None:
        lines = [
            {name: getattr(ln, name) for name in services.LINE_FIELDS}
            for ln in pr.lines.select_related("item", "asset_category")
        ]
    else:
        lines = _lines(request, lines)
    services.purchase_request_save(
        actor=request.user, campus=request.campus, data=data, lines=lines, purchase_request=pr
    )
    return _purchase(request, request_id)


@router.post(
    "/purchase-requests/{request_id}/submit", response=SubmitOut, url_name="purchasing_request_submit"
)
@requires(REQUEST)
def request_submit(request, request_id: int):
    """Send the request for approval (logistics head; the principal from the flow's threshold)."""
    approval = services.purchase_request_submit(
        actor=request.user, purchase_request=_purchase(request, request_id)
    )
    return {"request": _purchase(request, request_id), "approval": approval}


@router.post(
    "/purchase-requests/{request_id}/withdraw", response=RequestOut, url_name="purchasing_request_withdraw"
)
@requires(REQUEST)
def request_withdraw(request, request_id: int, payload: CommentIn):
    services.purchase_request_withdraw(
        actor=request.user, purchase_request=_purchase(request, request_id), comment=payload.comment
    )
    return _purchase(request, request_id)


@router.post(
    "/purchase-requests/{request_id}/cancel", response=RequestOut, url_name="purchasing_request_cancel"
)
@requires(REQUEST)
def request_cancel(request, request_id: int, payload: ReasonIn):
    services.purchase_request_cancel(
        actor=request.user, purchase_request=_purchase(request, request_id), reason=payload.reason
    )
    return _purchase(request, request_id)


# --- Quotes and comparison ----------------------------------------------------------------


class QuoteIn(Schema):
    supplier: int
    quoted_on: dt.date | None = None
    total: Decimal | None = Field(None, description="Required unless every line is priced")
    line_prices: dict[int, Decimal] = Field(
        default_factory=dict, description="Request line id → quoted unit price (all lines, or none)"
    )
    delivery_days: int | None = Field(None, ge=0, le=365)
    note: str = ""


class QuoteLineOut(Schema):
    request_line: int = Field(alias="request_line_id")
    unit_price: Decimal


class QuoteOut(Schema):
    id: int
    request: int = Field(alias="request_id")
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    quoted_on: dt.date
    total: Decimal
    delivery_days: int | None
    note: str
    chosen: bool = False
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_chosen(obj):
        return obj.request.chosen_quote_id == obj.pk

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ChooseIn(Schema):
    quote: int
    reason: str = Field("", description="Required when the quote is not the cheapest")


class ComparisonCellOut(Schema):
    quote: int
    unit_price: Decimal | None
    amount: Decimal | None
    lowest: bool


class ComparisonRowOut(Schema):
    line: RequestLineOut
    cells: list[ComparisonCellOut]


class ComparisonOut(Schema):
    quotes: list[QuoteOut]
    rows: list[ComparisonRowOut]
    cheapest: int | None
    quotes_required: int
    chosen_quote: int | None
    choice_reason: str


def _quotes():
    return Quote.objects.select_related("supplier", "request").prefetch_related("lines")


def _quote(request, quote_id):
    return get_in_campus(request, _quotes(), pk=quote_id)


def _supplier(request, supplier_id):
    return resolve_refs(request, {"supplier": supplier_id}, {"supplier": Supplier})["supplier"]


@router.get(
    "/purchase-requests/{request_id}/quotes", response=list[QuoteOut], url_name="purchasing_quote_list"
)
@requires(VIEW)
def quote_list(request, request_id: int):
    pr = _any_purchase(request, request_id)
    return list(_quotes().filter(request=pr).order_by("total", "id"))


@router.post(
    "/purchase-requests/{request_id}/quotes", response={201: QuoteOut}, url_name="purchasing_quote_create"
)
@requires(MANAGE)
def quote_create(request, request_id: int, payload: QuoteIn):
    """Record a supplier's quote for an approved request; changing the quotes clears a choice."""
    pr = _any_purchase(request, request_id)
    quote = services.quote_save(
        actor=request.user, purchase_request=pr, supplier=_supplier(request, payload.supplier),
        quoted_on=payload.quoted_on, total=payload.total, line_prices=payload.line_prices,
        delivery_days=payload.delivery_days, note=payload.note,
    )  # fmt: skip
    return Status(201, _quote(request, quote.pk))


@router.get("/quotes/{quote_id}", response=QuoteOut, url_name="purchasing_quote_detail")
@requires(VIEW)
def quote_detail(request, quote_id: int):
    return _quote(request, quote_id)


@router.patch("/quotes/{quote_id}", response=QuoteOut, url_name="purchasing_quote_update")
@requires(MANAGE)
def quote_update(request, quote_id: int, payload: PatchDict[QuoteIn]):
    quote = _quote(request, quote_id)
    data = dict(payload)
    prices = data.get("line_prices")
    if prices is None:
        prices = {ql.request_line_id: ql.unit_price for ql in quote.lines.all()}
    services.quote_save(
        actor=request.user, purchase_request=quote.request,
        supplier=_supplier(request, data["supplier"]) if "supplier" in data else quote.supplier,
        quoted_on=data.get("quoted_on", quote.quoted_on), total=data.get("total", quote.total),
        line_prices=prices, delivery_days=data.get("delivery_days", quote.delivery_days),
        note=data.get("note", quote.note), quote=quote,
    )  # fmt: skip
    return _quote(request, quote_id)


@router.delete("/quotes/{quote_id}", response={204: None}, url_name="purchasing_quote_delete")
@requires(MANAGE)
def quote_delete(request, quote_id: int):
    services.quote_delete(actor=request.user, quote=_quote(request, quote_id))
    return Status(204, None)


@router.post("/quotes/{quote_id}/files", response={201: AttachmentOut}, url_name="purchasing_quote_file")
@requires(MANAGE)
def quote_file(request, quote_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """Attach the quote sheet (a photo or PDF)."""
    return Status(
        201,
        attachment_add(actor=request.user, obj=_quote(request, quote_id), uploaded_file=file, kind="scan"),
    )


@router.post(
    "/purchase-requests/{request_id}/choose", response=RequestOut, url_name="purchasing_quote_choose"
)
@requires(MANAGE)
def quote_choose(request, request_id: int, payload: ChooseIn):
    """Choose the winning quote (enough quotes from the campus's amount; a reason if not the cheapest)."""
    pr = _any_purchase(request, request_id)
    quote = get_in_campus(request, Quote.objects.filter(request=pr), pk=payload.quote)
    services.quote_choose(actor=request.user, purchase_request=pr, quote=quote, reason=payload.reason)
    return _any_purchase(request, request_id)


@router.get(
    "/purchase-requests/{request_id}/comparison", response=ComparisonOut, url_name="purchasing_comparison"
)
@requires(VIEW)
def comparison(request, request_id: int):
    """询价比价表: every line against every quote, the lowest unit price flagged."""
    pr = _any_purchase(request, request_id)
    table = services.comparison(pr)
    quotes = table["quotes"]
    for q in quotes:
        q.request = pr
    return {
        "quotes": quotes,
        "rows": [
            {
                "line": row["line"],
                "cells": [
                    {"quote": q.pk, "unit_price": c["price"], "amount": c["amount"], "lowest": c["lowest"]}
                    for q, c in zip(quotes, row["cells"], strict=True)
                ],
            }
            for row in table["rows"]
        ],
        "cheapest": table["cheapest_id"],
        "quotes_required": table["needed"],
        "chosen_quote": pr.chosen_quote_id,
        "choice_reason": pr.choice_reason,
    }


# --- Purchase orders ----------------------------------------------------------------------


class OrderIn(Schema):
    supplier: int | None = Field(None, description="Only for a direct order (no chosen quote)")
    prices: dict[int, Decimal] = Field(
        default_factory=dict,
        description="Request line id → agreed unit price (default: the quote's or the estimate)",
    )
    ordered_on: dt.date | None = None
    expected_delivery: dt.date | None = None
    note: str = ""


class OrderUpdateIn(Schema):
    expected_delivery: dt.date | None = None
    note: str = ""


class OrderLineOut(Schema):
    id: int
    position: int
    kind: str
    item: int | None = Field(alias="item_id")
    asset_category: int | None = Field(alias="asset_category_id")
    description: str
    spec: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    quantity_accepted: Decimal
    remaining: Decimal


class FiguresOut(Schema):
    ordered: Decimal
    accepted: Decimal
    invoiced: Decimal
    difference: Decimal


class OrderOut(Schema):
    id: int
    number: str
    request: int = Field(alias="request_id")
    quote: int | None = Field(alias="quote_id")
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    ordered_on: dt.date
    expected_delivery: dt.date | None
    status: str
    status_display: str = Field(alias="get_status_display")
    total: Decimal
    note: str
    cancel_reason: str
    lines: list[OrderLineOut]
    figures: FiguresOut

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_figures(obj):
        return services.order_figures(obj)


class OrderListOut(Schema):
    id: int
    number: str
    request: int = Field(alias="request_id")
    supplier: int = Field(alias="supplier_id")
    supplier_name: str = Field(alias="supplier.name")
    ordered_on: dt.date
    expected_delivery: dt.date | None
    status: str
    total: Decimal


def _orders():
    return PurchaseOrder.objects.select_related("supplier")


def _order(request, order_id):
    return get_in_campus(request, _orders().prefetch_related("lines"), pk=order_id)


@router.get("/purchase-orders", response=list[OrderListOut], url_name="purchasing_order_list")
@requires(VIEW)
@paginate(LimitOffset)
def order_list(request, status: str | None = None, supplier: int | None = None, open: bool = False):
    qs = _orders().filter(campus=request.campus).order_by("-ordered_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    if open:
        qs = qs.filter(status__in=PurchaseOrder.OPEN_STATUSES)
    return qs


@router.post(
    "/purchase-requests/{request_id}/order", response={201: OrderOut}, url_name="purchasing_order_create"
)
@requires(MANAGE)
def order_create(request, request_id: int, payload: OrderIn):
    """Place the order of an approved request (the chosen quote's supplier, or a direct order
    below the price-comparison amount)."""
    pr = _any_purchase(request, request_id)
    order = services.purchase_order_create(
        actor=request.user, purchase_request=pr,
        supplier=_supplier(request, payload.supplier) if payload.supplier is not None else None,
        prices=payload.prices, ordered_on=payload.ordered_on, expected_delivery=payload.expected_delivery,
        note=payload.note,
    )  # fmt: skip
    return Status(201, _order(request, order.pk))


@router.get("/purchase-orders/{order_id}", response=OrderOut, url_name="purchasing_order_detail")
@requires(VIEW)
def order_detail(request, order_id: int):
    return _order(request, order_id)


@router.patch("/purchase-orders/{order_id}", response=OrderOut, url_name="purchasing_order_update")
@requires(MANAGE)
def order_update(request, order_id: int, payload: PatchDict[OrderUpdateIn]):
    order = _order(request, order_id)
    data = dict(payload)
    services.purchase_order_update(
        actor=request.user, order=order, expected_delivery=data.get("expected_delivery", order.expected_delivery),
        note=data.get("note"),
    )  # fmt: skip
    return _order(request, order_id)


@router.post("/purchase-orders/{order_id}/cancel", response=OrderOut, url_name="purchasing_order_cancel")
@requires(MANAGE)
def order_cancel(request, order_id: int, payload: ReasonIn):
    services.purchase_order_cancel(actor=request.user, order=_order(request, order_id), reason=payload.reason)
    return _order(request, order_id)


# --- Acceptances --------------------------------------------------------------------------


class AcceptanceLineIn(Schema):
    order_line: int
    quantity_delivered: Decimal = Field(ge=0)
    quantity_accepted: Decimal | None = Field(None, ge=0, description="Empty: all that was delivered")
    quality: str = Field(
        AcceptanceLine.Quality.PASS.value, description="pass (合格) or fail (不合格, note required)"
    )
    quality_note: str = ""
    room: int | None = Field(None, description="Asset lines: the room the new assets go to")
    custodian: int | None = Field(None, description="Asset lines: the custodian (a campus member)")


class AcceptanceIn(Schema):
    delivered_on: dt.date | None = None
    location: int | None = Field(None, description="Stock location for stock lines (default: the item's)")
    invoice_number: str = ""
    note: str = ""
    lines: list[AcceptanceLineIn]


class AcceptanceLineOut(Schema):
    id: int
    order_line: int = Field(alias="order_line_id")
    description: str = Field(alias="order_line.description")
    quantity_delivered: Decimal
    quantity_accepted: Decimal
    quality: str
    quality_note: str
    room: int | None = Field(alias="room_id")
    custodian: int | None = Field(alias="custodian_id")
    value: Decimal


class AcceptanceOut(Schema):
    id: int
    number: str
    order: int = Field(alias="order_id")
    delivered_on: dt.date
    location: int | None = Field(alias="location_id")
    invoice_number: str
    note: str
    status: str
    status_display: str = Field(alias="get_status_display")
    recorded_by: int = Field(alias="recorded_by_id")
    confirmed_by: int | None = Field(alias="confirmed_by_id")
    confirmed_at: dt.datetime | None
    void_reason: str
    lines: list[AcceptanceLineOut]
    assets: list[int] = Field(default_factory=list, description="Asset cards made from it")

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_assets(obj):
        return sorted(asset.pk for line in obj.lines.all() for asset in line.assets.all())


def _acceptances():
    return Acceptance.objects.prefetch_related("lines__order_line", "lines__assets")


def _acceptance(request, acceptance_id):
    return get_in_campus(request, _acceptances(), pk=acceptance_id)


@router.get("/acceptances", response=list[AcceptanceOut], url_name="purchasing_acceptance_list")
@requires(ACCEPT)
@paginate(LimitOffset)
def acceptance_list(request, status: str | None = None, order: int | None = None):
    qs = _acceptances().filter(campus=request.campus).order_by("-delivered_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if order is not None:
        qs = qs.filter(order_id=order)
    return qs


@router.post(
    "/purchase-orders/{order_id}/acceptances",
    response={201: AcceptanceOut},
    url_name="purchasing_acceptance_create",
)
@requires(ACCEPT)
def acceptance_create(request, order_id: int, payload: AcceptanceIn):
    """The first signer records a delivery; it counts once another person confirms it."""
    order = _order(request, order_id)
    refs = resolve_refs(request, {"location": payload.location}, {"location": StockLocation})
    lines = []
    for line in payload.lines:
        data = resolve_refs(request, line.dict(), {"room": Room, "custodian": "member"})
        lines.append(data)
    acceptance = services.acceptance_record(
        actor=request.user, order=order, lines=lines, delivered_on=payload.delivered_on, location=refs["location"],
        invoice_number=payload.invoice_number, note=payload.note,
    )  # fmt: skip
    return Status(201, _acceptance(request, acceptance.pk))


@router.get("/acceptances/{acceptance_id}", response=AcceptanceOut, url_name="purchasing_acceptance_detail")
@requires(ACCEPT)
def acceptance_detail(request, acceptance_id: int):
    return _acceptance(request, acceptance_id)


@router.post(
    "/acceptances/{acceptance_id}/photos",
    response={201: AttachmentOut},
    url_name="purchasing_acceptance_photo",
)
@requires(ACCEPT)
def acceptance_photo(request, acceptance_id: int, file: UploadedFile = File(...)):  # noqa: B008
    acceptance = _acceptance(request, acceptance_id)
    return Status(201, attachment_add(actor=request.user, obj=acceptance, uploaded_file=file, kind="photo"))


@router.post(
    "/acceptances/{acceptance_id}/confirm", response=AcceptanceOut, url_name="purchasing_acceptance_confirm"
)
@requires(ACCEPT)
def acceptance_confirm(request, acceptance_id: int):
    """The second signer (another person) confirms: stock is received and asset cards are made."""
    services.acceptance_confirm(actor=request.user, acceptance=_acceptance(request, acceptance_id))
    return _acceptance(request, acceptance_id)


@router.post(
    "/acceptances/{acceptance_id}/void", response=AcceptanceOut, url_name="purchasing_acceptance_void"
)
@requires(ACCEPT)
def acceptance_void(request, acceptance_id: int, payload: ReasonIn):
    services.acceptance_void(
        actor=request.user, acceptance=_acceptance(request, acceptance_id), reason=payload.reason
    )
    return _acceptance(request, acceptance_id)


# --- Invoices -----------------------------------------------------------------------------


class InvoiceIn(Schema):
    number: str
    issued_on: dt.date
    amount: Decimal = Field(gt=0)
    note: str = ""


class SignIn(Schema):
    note: str = ""


class InvoiceOut(Schema):
    id: int
    order: int = Field(alias="order_id")
    number: str
    issued_on: dt.date
    amount: Decimal
    note: str
    status: str
    status_display: str = Field(alias="get_status_display")
    recorded_by: int = Field(alias="recorded_by_id")
    signed_by: int | None = Field(alias="signed_by_id")
    signed_at: dt.datetime | None
    sign_note: str
    void_reason: str


def _invoice(request, invoice_id):
    return get_in_campus(request, Invoice.objects.all(), pk=invoice_id)


@router.get("/invoices", response=list[InvoiceOut], url_name="purchasing_invoice_list")
@requires(VIEW)
@paginate(LimitOffset)
def invoice_list(request, status: str | None = None, order: int | None = None):
    qs = Invoice.objects.filter(campus=request.campus).order_by("-issued_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if order is not None:
        qs = qs.filter(order_id=order)
    return qs


@router.post(
    "/purchase-orders/{order_id}/invoices", response={201: InvoiceOut}, url_name="purchasing_invoice_create"
)
@requires(RECORD_INVOICES)
def invoice_create(request, order_id: int, payload: InvoiceIn):
    """Record the invoice; it waits for the principal's signature (``…/sign``)."""
    invoice = services.invoice_record(
        actor=request.user, order=_order(request, order_id), number=payload.number, issued_on=payload.issued_on,
        amount=payload.amount, note=payload.note,
    )  # fmt: skip
    return Status(201, invoice)


@router.get("/invoices/{invoice_id}", response=InvoiceOut, url_name="purchasing_invoice_detail")
@requires(VIEW)
def invoice_detail(request, invoice_id: int):
    return _invoice(request, invoice_id)


@router.post(
    "/invoices/{invoice_id}/scans", response={201: AttachmentOut}, url_name="purchasing_invoice_scan"
)
@requires(RECORD_INVOICES)
def invoice_scan(request, invoice_id: int, file: UploadedFile = File(...)):  # noqa: B008
    invoice = _invoice(request, invoice_id)
    return Status(201, attachment_add(actor=request.user, obj=invoice, uploaded_file=file, kind="scan"))


@router.post("/invoices/{invoice_id}/sign", response=InvoiceOut, url_name="purchasing_invoice_sign")
@requires(SIGN_INVOICES)
def invoice_sign(request, invoice_id: int, payload: SignIn):
    """The principal signs the invoice off (每张发票都必须由园长签字)."""
    return services.invoice_sign(actor=request.user, invoice=_invoice(request, invoice_id), note=payload.note)


@router.post("/invoices/{invoice_id}/void", response=InvoiceOut, url_name="purchasing_invoice_void")
@requires(RECORD_INVOICES)
def invoice_void(request, invoice_id: int, payload: ReasonIn):
    return services.invoice_void(
        actor=request.user, invoice=_invoice(request, invoice_id), reason=payload.reason
    )
