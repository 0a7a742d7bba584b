"""API endpoints of the warehouse (库房) under /api/v1/c/{campus}/.

Items with their balances, locations, balances, the stock ledger and its moves (receive,
issue, adjust, transfer, reverse), requisitions (领用) with issue, counts (定期清点) and the
consumption per class report. Same permissions as the pages; every write goes through
:mod:`houqin.procurement.warehouse_services` (the ledger is append-only, a balance never
goes below zero, hazardous goods only by their keeper within the limit per issue,
non-consumables old-for-new).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, get_in_campus, resolve_refs, update_object
from houqin.api.pagination import LimitOffset
from houqin.core.models import SchoolClass
from houqin.core.permissions import has_perm
from houqin.procurement import warehouse_reports as reports
from houqin.procurement import warehouse_services as services
from houqin.procurement.models import (
    Item,
    ItemCategory,
    Requisition,
    RequisitionLine,
    StockBalance,
    StockCount,
    StockLocation,
    StockMove,
)

router = Router(tags=["warehouse"])

VIEW = "procurement.view_stock"
MANAGE = "procurement.manage_stock"
ISSUE = "procurement.issue_stock"
REQUEST = "procurement.request_items"
ZERO = Decimal("0")


# --- Categories and locations -------------------------------------------------------------


class CategoryIn(Schema):
    name: str
    needs_approval: bool = False
    sort_order: int = 0
    note: str = ""


class CategoryOut(Schema):
    id: int
    name: str
    needs_approval: bool
    sort_order: int
    note: str


@router.get("/item-categories", response=list[CategoryOut], url_name="warehouse_category_list")
@requires(VIEW)
@paginate(LimitOffset)
def category_list(request):
    return ItemCategory.objects.filter(campus=request.campus).order_by("sort_order", "name")


@router.post("/item-categories", response={201: CategoryOut}, url_name="warehouse_category_create")
@requires(MANAGE)
def category_create(request, payload: CategoryIn):
    return Status(201, create_object(request, ItemCategory, payload.dict()))


@router.patch("/item-categories/{category_id}", response=CategoryOut, url_name="warehouse_category_update")
@requires(MANAGE)
def category_update(request, category_id: int, payload: PatchDict[CategoryIn]):
    obj = get_in_campus(request, ItemCategory.objects.all(), pk=category_id)
    return update_object(request, obj, payload)


class LocationIn(Schema):
    name: str
    room: int | None = None
    keeper: int | None = None
    is_active: bool = True
    note: str = ""


class LocationOut(Schema):
    id: int
    name: str
    room: int | None = Field(alias="room_id")
    keeper: int | None = Field(alias="keeper_id")
    is_active: bool
    note: str


def _location_refs():
    from houqin.core.models import Room

    return {"room": Room, "keeper": "member"}


@router.get("/stock-locations", response=list[LocationOut], url_name="warehouse_location_list")
@requires(VIEW)
@paginate(LimitOffset)
def location_list(request):
    return StockLocation.objects.filter(campus=request.campus).order_by("name")


@router.post("/stock-locations", response={201: LocationOut}, url_name="warehouse_location_create")
@requires(MANAGE)
def location_create(request, payload: LocationIn):
    data = resolve_refs(request, payload.dict(), _location_refs())
    return Status(201, create_object(request, StockLocation, data))


@router.patch("/stock-locations/{location_id}", response=LocationOut, url_name="warehouse_location_update")
@requires(MANAGE)
def location_update(request, location_id: int, payload: PatchDict[LocationIn]):
    obj = get_in_campus(request, StockLocation.objects.all(), pk=location_id)
    return update_object(request, obj, resolve_refs(request, payload, _location_refs()))


# --- Items --------------------------------------------------------------------------------


class ItemIn(Schema):
    name: str
    spec: str = ""
    unit: str
    category: int
    is_consumable: bool = True
    is_hazardous: bool = False
    keeper: int | None = None
    per_issue_limit: Decimal | None = None
    reorder_level: Decimal = ZERO
    reorder_quantity: Decimal = ZERO
    default_location: int | None = None
    is_active: bool = True
    note: str = ""


class ItemOut(Schema):
    id: int
    name: str
    spec: str
    unit: str
    category: int = Field(alias="category_id")
    category_name: str = Field(alias="category.name")
    is_consumable: bool
    is_hazardous: bool
    keeper: int | None = Field(alias="keeper_id")
    per_issue_limit: Decimal | None
    reorder_level: Decimal
    reorder_quantity: Decimal
    default_location: int | None = Field(alias="default_location_id")
    is_active: bool
    note: str
    total: Decimal = ZERO
    total_value: Decimal = ZERO
    below_reorder_level: bool = False

    @staticmethod
    def resolve_below_reorder_level(obj):
        total = getattr(obj, "total", None)
        return bool(total is not None and obj.reorder_level > 0 and total <= obj.reorder_level)


ITEM_REFS = {"category": ItemCategory, "keeper": "member", "default_location": StockLocation}


def _items():
    return (
        Item.objects.select_related("category")
        .annotate(
            total=Coalesce(Sum("balances__quantity"), Value(ZERO), output_field=DecimalField()),
            total_value=Coalesce(Sum("balances__value"), Value(ZERO), output_field=DecimalField()),
        )
        .order_by("category__sort_order", "name", "spec")
    )


def _item(request, item_id):
    return get_in_campus(request, _items(), pk=item_id)


@router.get("/items", response=list[ItemOut], url_name="warehouse_item_list")
@requires(VIEW)
@paginate(LimitOffset)
def item_list(
    request,
    category: int | None = None,
    hazardous: bool | None = None,
    consumable: bool | None = None,
    below_reorder_level: bool | None = Query(None, description="Only items at or below their reorder level"),  # noqa: B008
    active: bool | None = None,
    q: str = "",
):
    qs = _items().filter(campus=request.campus)
    if category is not None:
        qs = qs.filter(category_id=category)
    if hazardous is not None:
        qs = qs.filter(is_hazardous=hazardous)
    if consumable is not None:
        qs = qs.filter(is_consumable=consumable)
    if active is not None:
        qs = qs.filter(is_active=active)
    if below_reorder_level:
        qs = qs.filter(reorder_level__gt=0, total__lte=F("reorder_level"))
    if q:
        from houqin.core.pinyin import pinyin_q

        qs = qs.filter(pinyin_q(q, "name", "spec", pinyin_field="name_pinyin"))
    return qs


@router.post("/items", response={201: ItemOut}, url_name="warehouse_item_create")
@requires(MANAGE)
def item_create(request, payload: ItemIn):
    item = create_object(request, Item, resolve_refs(request, payload.dict(), ITEM_REFS))
    return Status(201, _item(request, item.pk))


@router.get("/items/{item_id}", response=ItemOut, url_name="warehouse_item_detail")
@requires(VIEW)
def item_detail(request, item_id: int):
    return _item(request, item_id)


@router.patch("/items/{item_id}", response=ItemOut, url_name="warehouse_item_update")
@requires(MANAGE)
def item_update(request, item_id: int, payload: PatchDict[ItemIn]):
    item = get_in_campus(request, Item.objects.all(), pk=item_id)
    update_object(request, item, resolve_refs(request, payload, ITEM_REFS))
    return _item(request, item_id)


class ToOrderOut(Schema):
    id: int
    name: str
    spec: str
    unit: str
    total: Decimal
    reorder_level: Decimal
    reorder_quantity: Decimal
    keeper: int | None = Field(alias="keeper_id")


@router.get("/items-to-order", response=list[ToOrderOut], url_name="warehouse_to_order")
@requires(VIEW)
@paginate(LimitOffset)
def to_order(request):
    """Items whose total stock is at or below their reorder level (level > 0)."""
    return services.items_to_order(request.campus)


# --- Balances and moves -------------------------------------------------------------------


class BalanceOut(Schema):
    item: int = Field(alias="item_id")
    item_name: str = Field(alias="item.name")
    location: int = Field(alias="location_id")
    location_name: str = Field(alias="location.name")
    quantity: Decimal
    value: Decimal
    average_cost: Decimal


@router.get("/stock-balances", response=list[BalanceOut], url_name="warehouse_balance_list")
@requires(VIEW)
@paginate(LimitOffset)
def balance_list(request, item: int | None = None, location: int | None = None, in_stock: bool | None = None):
    qs = StockBalance.objects.filter(campus=request.campus).select_related("item", "location")
    if item is not None:
        qs = qs.filter(item_id=item)
    if location is not None:
        qs = qs.filter(location_id=location)
    if in_stock is not None:
        qs = qs.filter(quantity__gt=0) if in_stock else qs.filter(quantity=0)
    return qs.order_by("location__name", "item__name", "id")


class MoveOut(Schema):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    item: int = Field(alias="item_id")
    location: int = Field(alias="location_id")
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    balance_after: Decimal
    to_class: int | None = Field(alias="to_class_id")
    to_department: str
    source_type: str | None = None
    source_id: str
    reverses: int | None = Field(alias="reverses_id")
    counterpart: int | None = Field(alias="counterpart_id")
    actor: int | None = Field(alias="actor_id")
    moved_at: dt.datetime
    note: str

    @staticmethod
    def resolve_source_type(obj):
        if not obj.source_type_id:
            return None
        return f"{obj.source_type.app_label}.{obj.source_type.model}"


def _moves():
    return StockMove.objects.select_related("source_type")


def _move(request, move_id):
    return get_in_campus(request, _moves(), pk=move_id)


@router.get("/stock-moves", response=list[MoveOut], url_name="warehouse_move_list")
@requires(VIEW)
@paginate(LimitOffset)
def move_list(
    request,
    item: int | None = None,
    location: int | None = None,
    kind: str | None = None,
    to_class: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    qs = _moves().filter(campus=request.campus).order_by("-moved_at", "-id")
    for name, value in (("item_id", item), ("location_id", location), ("to_class_id", to_class)):
        if value is not None:
            qs = qs.filter(**{name: value})
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(moved_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(
            moved_at__lt=timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
        )
    return qs


@router.get("/stock-moves/{int:move_id}", response=MoveOut, url_name="warehouse_move_detail")
@requires(VIEW)
def move_detail(request, move_id: int):
    return _move(request, move_id)


class ReceiveIn(Schema):
    item: int
    location: int
    quantity: Decimal
    unit_cost: Decimal | None = Field(None, description="Yuan per unit; empty: the current average cost")
    note: str = ""


class IssueIn(Schema):
    item: int
    location: int
    quantity: Decimal
    to_class: int | None = None
    to_department: str = ""
    returned_quantity: Decimal | None = Field(
        None, description="Old items handed back (以旧换新); required for non-consumable items"
    )
    return_note: str = ""
    note: str = ""


class AdjustIn(Schema):
    item: int
    location: int
    quantity: Decimal = Field(..., description="Signed: positive adds, negative removes")
    reason: str


class TransferIn(Schema):
    item: int
    from_location: int
    to_location: int
    quantity: Decimal
    note: str = ""


class ReasonIn(Schema):
    reason: str


MOVE_REFS = {
    "item": Item, "location": StockLocation, "to_class": SchoolClass,
    "from_location": StockLocation, "to_location": StockLocation,
}  # fmt: skip


@router.post("/stock-moves/receive", response={201: MoveOut}, url_name="warehouse_receive")
@requires(MANAGE)
def move_receive(request, payload: ReceiveIn):
    data = resolve_refs(request, payload.dict(), MOVE_REFS)
    move = services.stock_receive(actor=request.user, campus=request.campus, **data)
    return Status(201, _move(request, move.pk))


@router.post("/stock-moves/issue", response={201: MoveOut}, url_name="warehouse_issue")
@requires(ISSUE)
def move_issue(request, payload: IssueIn):
    """出库 to a class or a department. Hazardous goods: only their keeper, within the limit.
    Non-consumable items: ``returned_quantity`` (old handed back) must cover the quantity."""
    data = resolve_refs(request, payload.dict(), MOVE_REFS)
    if not data["to_class"] and not data["to_department"].strip():
        raise ValidationError({"to_class": [_("Say which class or department the items are for.")]})
    if not data["item"].is_consumable and data["returned_quantity"] is None:
        raise ValidationError(
            {"returned_quantity": [_("This item is issued old-for-new: give the old items handed back.")]}
        )
    if data["item"].is_consumable:
        data["returned_quantity"] = None
    move = services.stock_issue(actor=request.user, campus=request.campus, **data)
    return Status(201, _move(request, move.pk))


@router.post("/stock-moves/adjust", response={201: MoveOut}, url_name="warehouse_adjust")
@requires(MANAGE)
def move_adjust(request, payload: AdjustIn):
    data = resolve_refs(request, payload.dict(), MOVE_REFS)
    move = services.stock_adjust(actor=request.user, campus=request.campus, **data)
    return Status(201, _move(request, move.pk))


@router.post("/stock-moves/transfer", response={201: list[MoveOut]}, url_name="warehouse_transfer")
@requires(MANAGE)
def move_transfer(request, payload: TransferIn):
    """Two moves: out of ``from_location`` and into ``to_location``."""
    data = resolve_refs(request, payload.dict(), MOVE_REFS)
    out_move, in_move = services.stock_transfer(actor=request.user, campus=request.campus, **data)
    return Status(201, [_move(request, out_move.pk), _move(request, in_move.pk)])


@router.post("/stock-moves/{int:move_id}/reverse", response={201: MoveOut}, url_name="warehouse_reverse")
@requires(MANAGE)
def move_reverse(request, move_id: int, payload: ReasonIn):
    """A reversing move; a move is reversed once (both legs of a transfer)."""
    move = get_in_campus(request, StockMove.objects.select_related("item", "location", "campus"), pk=move_id)
    reversal = services.stock_move_reverse(actor=request.user, move=move, reason=payload.reason)
    return Status(201, _move(request, reversal.pk))


# --- Requisitions -------------------------------------------------------------------------


class RequisitionLineIn(Schema):
    item: int
    quantity: Decimal
    note: str = ""


class RequisitionIn(Schema):
    school_class: int | None = None
    department: str = ""
    purpose: str = ""
    lines: list[RequisitionLineIn]


class RequisitionLineOut(Schema):
    id: int
    item: int = Field(alias="item_id")
    item_name: str = Field(alias="item.name")
    quantity: Decimal
    quantity_issued: Decimal
    returned_quantity: Decimal
    return_note: str
    note: str


class RequisitionOut(Schema):
    id: int
    number: str
    school_class: int | None = Field(alias="school_class_id")
    department: str
    requested_by: int | None = Field(alias="requested_by_id")
    requested_at: dt.datetime
    purpose: str
    status: str
    status_display: str = Field(alias="get_status_display")
    needs_approval: bool
    closed_reason: str
    lines: list[RequisitionLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


def _requisitions(request):
    qs = Requisition.objects.filter(campus=request.campus).prefetch_related("lines__item")
    if not has_perm(request, VIEW) and not has_perm(request, ISSUE):
        qs = qs.filter(requested_by=request.user)
    return qs


def _requisition(request, requisition_id):
    return get_in_campus(request, _requisitions(request), pk=requisition_id)


@router.get("/requisitions", response=list[RequisitionOut], url_name="warehouse_requisition_list")
@requires(REQUEST)
@paginate(LimitOffset)
def requisition_list(request, status: str | None = None, school_class: int | None = None):
    """Requisitions of the campus (one's own only, without the warehouse permissions)."""
    qs = _requisitions(request).order_by("-requested_at", "-id")
    if status == "open":
        qs = qs.filter(status__in=Requisition.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    return qs


@router.post("/requisitions", response={201: RequisitionOut}, url_name="warehouse_requisition_create")
@requires(REQUEST)
def requisition_create(request, payload: RequisitionIn):
    """领用 for a class or a department; items whose category needs approval go through the
    approval flow ``procurement.requisition``, the others straight to the keeper."""
    data = resolve_refs(request, {"school_class": payload.school_class}, {"school_class": SchoolClass})
    lines = []
    for i, line in enumerate(payload.lines, start=1):
        item = Item.objects.filter(campus=request.campus, pk=line.item).first()
        if item is None:
            raise ValidationError({"lines": [_("Line %(n)s: unknown item.") % {"n": i}]})
        lines.append((item, line.quantity, line.note))
    req = services.requisition_create(
        actor=request.user, campus=request.campus, lines=lines, school_class=data["school_class"],
        department=payload.department, purpose=payload.purpose,
    )  # fmt: skip
    return Status(201, _requisition(request, req.pk))


@router.get(
    "/requisitions/{requisition_id}", response=RequisitionOut, url_name="warehouse_requisition_detail"
)
@requires(REQUEST)
def requisition_detail(request, requisition_id: int):
    return _requisition(request, requisition_id)


class IssueLineIn(Schema):
    line: int
    quantity: Decimal = ZERO
    returned: Decimal = Field(ZERO, description="Old items handed back now (以旧换新)")


class RequisitionIssueIn(Schema):
    location: int
    lines: list[IssueLineIn]
    return_note: str = ""


@router.post(
    "/requisitions/{requisition_id}/issue", response=RequisitionOut, url_name="warehouse_requisition_issue"
)
@requires(ISSUE)
def requisition_issue(request, requisition_id: int, payload: RequisitionIssueIn):
    """Issue fully or partly from one location; each line becomes a stock move to the
    requisition's class or department."""
    req = _requisition(request, requisition_id)
    location = resolve_refs(request, {"location": payload.location}, {"location": StockLocation})["location"]
    own = {line.pk: line for line in RequisitionLine.objects.filter(requisition=req)}
    entries = []
    for entry in payload.lines:
        if entry.line not in own:
            raise ValidationError({"lines": [_("That line is not part of this requisition.")]})
        entries.append({"line": own[entry.line], "quantity": entry.quantity, "returned": entry.returned})
    services.requisition_issue(
        actor=request.user, requisition=req, location=location, lines=entries, return_note=payload.return_note
    )
    return _requisition(request, requisition_id)


class CommentIn(Schema):
    comment: str = ""


@router.post(
    "/requisitions/{requisition_id}/withdraw",
    response=RequisitionOut,
    url_name="warehouse_requisition_withdraw",
)
@requires(REQUEST)
def requisition_withdraw(request, requisition_id: int, payload: CommentIn):
    req = _requisition(request, requisition_id)
    services.requisition_withdraw(actor=request.user, requisition=req, comment=payload.comment)
    return _requisition(request, requisition_id)


@router.post(
    "/requisitions/{requisition_id}/close", response=RequisitionOut, url_name="warehouse_requisition_close"
)
@requires(ISSUE)
def requisition_close(request, requisition_id: int, payload: ReasonIn):
    req = _requisition(request, requisition_id)
    services.requisition_close(actor=request.user, requisition=req, reason=payload.reason)
    return _requisition(request, requisition_id)


# --- Counts -------------------------------------------------------------------------------


class CountLineOut(Schema):
    id: int
    item: int = Field(alias="item_id")
    item_name: str = Field(alias="item.name")
    expected_quantity: Decimal
    counted_quantity: Decimal | None
    difference: Decimal | None
    note: str
    adjust_move: int | None = Field(alias="adjust_move_id")


class CountOut(Schema):
    id: int
    number: str
    location: int = Field(alias="location_id")
    status: str
    started_by: int | None = Field(alias="started_by_id")
    started_at: dt.datetime
    posted_by: int | None = Field(alias="posted_by_id")
    posted_at: dt.datetime | None
    note: str
    lines: list[CountLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


def _count(request, count_id):
    qs = StockCount.objects.prefetch_related("lines__item")
    return get_in_campus(request, qs, pk=count_id)


class CountIn(Schema):
    location: int
    note: str = ""


class CountEntryIn(Schema):
    line: int
    counted: Decimal | None = None
    note: str | None = None


class CountRecordIn(Schema):
    entries: list[CountEntryIn]


@router.get("/stock-counts", response=list[CountOut], url_name="warehouse_count_list")
@requires(VIEW)
@paginate(LimitOffset)
def count_list(request, location: int | None = None, status: str | None = None):
    qs = (
        StockCount.objects.filter(campus=request.campus)
        .prefetch_related("lines__item")
        .order_by("-started_at", "-id")
    )
    if location is not None:
        qs = qs.filter(location_id=location)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/stock-counts", response={201: CountOut}, url_name="warehouse_count_create")
@requires(MANAGE)
def count_create(request, payload: CountIn):
    """Start counting a location: the expected balances are frozen now."""
    location = resolve_refs(request, {"location": payload.location}, {"location": StockLocation})["location"]
    count = services.stock_count_start(
        actor=request.user, campus=request.campus, location=location, note=payload.note
    )
    return Status(201, _count(request, count.pk))


@router.get("/stock-counts/{count_id}", response=CountOut, url_name="warehouse_count_detail")
@requires(VIEW)
def count_detail(request, count_id: int):
    return _count(request, count_id)


@router.post("/stock-counts/{count_id}/record", response=CountOut, url_name="warehouse_count_record")
@requires(MANAGE)
def count_record(request, count_id: int, payload: CountRecordIn):
    count = _count(request, count_id)
    entries = {e.line: (e.counted, e.note) for e in payload.entries}
    services.stock_count_record(actor=request.user, count=count, entries=entries)
    return _count(request, count_id)


@router.post("/stock-counts/{count_id}/post", response=CountOut, url_name="warehouse_count_post")
@requires(MANAGE)
def count_post(request, count_id: int):
    """Post the count: every difference becomes an adjustment move."""
    services.stock_count_post(actor=request.user, count=_count(request, count_id))
    return _count(request, count_id)


@router.post("/stock-counts/{count_id}/cancel", response=CountOut, url_name="warehouse_count_cancel")
@requires(MANAGE)
def count_cancel(request, count_id: int, payload: ReasonIn):
    services.stock_count_cancel(actor=request.user, count=_count(request, count_id), reason=payload.reason)
    return _count(request, count_id)


# --- Consumption report -------------------------------------------------------------------


class ConsumptionCellOut(Schema):
    quantity: Decimal
    value: Decimal


class ConsumptionRowOut(Schema):
    school_class: int
    class_name: str
    children: int
    cells: list[ConsumptionCellOut]
    total_quantity: Decimal
    total_value: Decimal
    per_child: Decimal | None


class ConsumptionOut(Schema):
    months: list[str]
    rows: list[ConsumptionRowOut]
    month_totals: list[ConsumptionCellOut]
    grand_value: Decimal
    average_value: Decimal


@router.get("/reports/consumption", response=ConsumptionOut, url_name="warehouse_consumption")
@requires(VIEW)
def consumption(
    request,
    start: str | None = Query(None, description="First month, YYYY-MM"),  # noqa: B008
    end: str | None = Query(None, description="Last month, YYYY-MM"),  # noqa: B008
    category: int | None = None,
    item: int | None = None,
):
    """班级日常用品消耗量: net issues to classes per month (value in yuan; quantity too)."""
    params = {k: v for k, v in (("start", start), ("end", end), ("category", category), ("item", item)) if v}
    form = reports.ConsumptionForm(params, campus=request.campus)
    if not form.is_valid():
        raise ValidationError({k: list(v) for k, v in form.errors.items()})
    report = reports.consumption_by_class(request.campus, **form.cleaned())
    return {
        "months": [m.strftime("%Y-%m") for m in report["months"]],
        "rows": [
            {
                "school_class": r["school_class"].pk,
                "class_name": r["school_class"].name,
                "children": r["children"],
                "cells": r["cells"],
                "total_quantity": r["total_quantity"],
                "total_value": r["total_value"],
                "per_child": r["per_child"],
            }
            for r in report["rows"]
        ],
        "month_totals": report["month_totals"],
        "grand_value": report["grand_value"],
        "average_value": report["average_value"],
    }
