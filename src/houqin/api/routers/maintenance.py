"""Maintenance: repair requests (报修) and their work orders (维修单), and the statistics.

The same permissions and visibility as the pages (``view_repairs`` reads every request;
others their own reports and the work orders given to them), and every write through
:mod:`houqin.maintenance.services` (validated, audited). Photos are uploaded to
``…/repairs/{id}/photos`` (multipart ``file`` and ``kind`` before/after); ``…/finish``
then needs an after-photo of the current round. Parts come from the warehouse (``item``
and ``location``: a stock issue valued from the stock) or were bought (``description``,
``quantity``, ``unit_price``).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, PatchDict, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.core.attachments import attachment_add
from houqin.core.models import Building, Room, Term
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest, WorkOrder, WorkOrderPart

router = Router(tags=["maintenance"])

VIEW, REPORT, DISPATCH, WORK, REPORTS = (
    "maintenance.view_repairs",
    "maintenance.report_repairs",
    "maintenance.dispatch_repairs",
    "maintenance.work_repairs",
    "maintenance.view_reports",
)


def _order_of(repair):
    try:
        return repair.work_order
    except WorkOrder.DoesNotExist:
        return None


class PartOut(Schema):
    id: int
    kind: str
    item: int | None = Field(alias="item_id")
    location: int | None = Field(alias="location_id")
    stock_move: int | None = Field(alias="stock_move_id")
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    voided_at: dt.datetime | None
    void_reason: str


class WorkOrderOut(Schema):
    id: int
    kind: str
    worker: int | None = Field(alias="worker_id")
    worker_name: str | None = None
    contractor_name: str
    contractor_phone: str
    assignee: str = Field(alias="assignee_display")
    dispatched_at: dt.datetime
    due_at: dt.datetime
    is_overdue: bool
    instructions: str
    started_at: dt.datetime | None
    work_done: str
    labour_cost: Decimal
    parts_cost: Decimal
    total_cost: Decimal
    done_at: dt.datetime | None
    hours_to_fix: float | None
    same_day: bool | None
    reopened_count: int
    returned_reason: str
    signed_off_at: dt.datetime | None
    signed_off_name: str
    sign_off_note: str
    parts: list[PartOut] = []

    @staticmethod
    def resolve_worker_name(obj):
        return _name(obj.worker)

    @staticmethod
    def resolve_parts(obj):
        return list(obj.parts.all())


class RepairOut(Schema):
    id: int
    number: str
    reported_at: dt.datetime
    room: int | None = Field(alias="room_id")
    building: int | None = Field(alias="building_id")
    asset: int | None = Field(alias="asset_id")
    place: str
    place_text: str
    category: str
    category_display: str = Field(alias="get_category_display")
    urgency: str
    urgency_display: str = Field(alias="get_urgency_display")
    description: str
    source: str
    reporter: int | None = Field(alias="reporter_id")
    reporter_name: str = Field(alias="reporter_display")
    status: str
    status_display: str = Field(alias="get_status_display")
    closed_at: dt.datetime | None
    cancel_reason: str
    work_order: WorkOrderOut | None = None

    @staticmethod
    def resolve_work_order(obj):
        return _order_of(obj)


class RepairIn(Schema):
    room: int | None = Field(None, description="Room id")
    asset: int | None = Field(None, description="Asset id (its room is used when no room is given)")
    place_text: str = ""
    category: str = Field("", description="Empty: guessed from the description")
    urgency: str = Field(RepairRequest.Urgency.NORMAL.value, description="normal, urgent or safety")
    description: str


class RepairUpdateIn(Schema):
    room: int | None = None
    building: int | None = None
    asset: int | None = None
    place_text: str = ""
    category: str = RepairRequest.Category.OTHER.value
    urgency: str = RepairRequest.Urgency.NORMAL.value
    description: str = ""


class DispatchIn(Schema):
    worker: int | None = Field(None, description="A repair worker of the campus (or give a contractor)")
    contractor_name: str = ""
    contractor_phone: str = ""
    supplier: int | None = Field(None, description="The contractor as a supplier, optional")
    due_at: dt.datetime | None = Field(None, description="Empty: from the urgency (campus rule settings)")
    instructions: str = ""


class WorkIn(Schema):
    work_done: str | None = None
    labour_cost: Decimal | None = None


class PartIn(Schema):
    item: int | None = Field(None, description="Warehouse item (with location): issued from the stock")
    location: int | None = None
    description: str = ""
    unit: str = ""
    quantity: Decimal
    unit_price: Decimal | None = Field(None, description="For a part bought for the job")


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class ReportEntry(Schema):
    label: str
    total: int
    done: int
    closed: int
    open: int
    avg_hours: float | None
    same_day_rate: float | None
    same_day_closed_rate: float | None
    reopened_rate: float | None
    parts: Decimal
    labour: Decimal
    cost: Decimal


class ReportOut(Schema):
    date_from: dt.date
    date_to: dt.date
    totals: ReportEntry
    cancelled: int
    by_category: list[ReportEntry]
    by_building: list[ReportEntry]
    by_place: list[ReportEntry]
    by_worker: list[ReportEntry]


REPAIR_REFS = {"room": Room, "building": Building}


def _asset_ref(request, data):
    if data.get("asset") is None:
        return data
    from houqin.assets.models import Asset

    asset = Asset.objects.filter(campus=request.campus, pk=data["asset"]).first()
    if asset is None:
        raise ValidationError({"asset": [_("Select a valid choice. That choice is not one of the available choices.")]})
    return {**data, "asset": asset}


def _repairs(request):
    return services.visible_repairs(request.user, request.perms).select_related(
        "room", "building", "asset", "reporter", "work_order", "work_order__worker", "work_order__supplier",
    ).prefetch_related("work_order__parts")  # fmt: skip


def _repair(request, repair_id):
    return get_in_campus(request, _repairs(request), pk=repair_id)


def _filter(qs, *, status=None, category=None, urgency=None, source=None, room=None, building=None, worker=None,
            overdue=None, reopened=None, date_from=None, date_to=None, q=""):  # fmt: skip
    for name, value in (("status", status), ("category", category), ("urgency", urgency), ("source", source)):
        if value:
            qs = qs.filter(**{name: value})
    for name, value in (("room_id", room), ("building_id", building), ("work_order__worker_id", worker)):
        if value is not None:
            qs = qs.filter(**{name: value})
    late = Q(work_order__due_at__lt=timezone.now(), status__in=RepairRequest.WORK_STATUSES)
    if overdue:
        qs = qs.filter(late)
    elif overdue is False:
        qs = qs.exclude(late)
    if reopened:
        qs = qs.filter(work_order__reopened_count__gt=0)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(reported_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(reported_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(description__icontains=q) | Q(place_text__icontains=q))
    return qs.order_by("-reported_at", "-id")


class ListFilters(Schema):
    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    source: str | None = None
    room: int | None = None
    building: int | None = None
    worker: int | None = None
    overdue: bool | None = None
    reopened: bool | None = None
    date_from: dt.date | None = Field(None, description="Reported on or after")
    date_to: dt.date | None = Field(None, description="Reported on or before")
    q: str = ""


@router.get("/repairs", response=list[RepairOut], url_name="maintenance_repair_list")
@requires(VIEW)
@paginate(LimitOffset)
def repair_list(request, filters: Query[ListFilters]):
    """Every repair request of the campus (报修单), newest first."""
    return _filter(_repairs(request).filter(campus=request.campus), **filters.dict())


@router.get("/repairs/mine", response=list[RepairOut], url_name="maintenance_repair_mine")
@requires(REPORT)
@paginate(LimitOffset)
def repair_mine(request, status: str | None = None):
    """The requests the user reported (我的报修), with their status."""
    return _filter(_repairs(request).filter(campus=request.campus, reporter=request.user), status=status)


@router.get("/work-orders", response=list[RepairOut], url_name="maintenance_workorder_list")
@requires(VIEW)
@paginate(LimitOffset)
def workorder_list(request, filters: Query[ListFilters], mine: bool = False):
    """The dispatched requests (维修单) with their work orders; ``mine``: given to the user."""
    qs = _repairs(request).filter(campus=request.campus, work_order__isnull=False)
    if mine:
        qs = qs.filter(work_order__worker=request.user)
    return _filter(qs, **filters.dict())


@router.post("/repairs", response={201: RepairOut}, url_name="maintenance_repair_create")
@requires(REPORT)
def repair_create(request, payload: RepairIn):
    """Report a repair (number WX-…; the logistics head is told)."""
    data = _asset_ref(request, resolve_refs(request, payload.dict(), REPAIR_REFS))
    repair = services.repair_request_create(
        actor=request.user,
        campus=request.campus,
        description=data["description"],
        room=data.get("room"),
        asset=data.get("asset"),
        place_text=data.get("place_text", ""),
        category=data.get("category") or None,
        urgency=data.get("urgency") or RepairRequest.Urgency.NORMAL,
    )
    return Status(201, _repair(request, repair.pk))


@router.get("/repairs/report", response=ReportOut, url_name="maintenance_repair_report")
@requires(REPORTS)
def repair_report(
    request,
    term: int | None = Query(None, description="Term id; or give both dates"),  # noqa: B008
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    """维修统计: by category, building, place and worker, with average hours to fix, the
    same-day and sent-back rates and the cost (cancelled requests left out)."""
    if term is not None:
        found = get_in_campus(request, Term.objects.all(), pk=term)
        date_from, date_to = found.start_date, found.end_date
    if not (date_from and date_to):
        raise ValidationError(_("Choose a term or both dates."))
    if date_from > date_to or (date_to - date_from).days > 800:
        raise ValidationError({"date_to": [_("Choose a period of at most two years, the end after the start.")]})
    report = services.repair_report(campus=request.campus, date_from=date_from, date_to=date_to)
    groups = report["groups"]
    return {
        "date_from": date_from,
        "date_to": date_to,
        "totals": report["totals"],
        "cancelled": report["cancelled"],
        "by_category": groups["category"],
        "by_building": groups["building"],
        "by_place": groups["room"],
        "by_worker": groups["worker"],
    }


@router.get("/repairs/{repair_id}", response=RepairOut, url_name="maintenance_repair_detail")
@requires(REPORT)
def repair_detail(request, repair_id: int):
    return _repair(request, repair_id)


@router.patch("/repairs/{repair_id}", response=RepairOut, url_name="maintenance_repair_update")
@requires(DISPATCH)
def repair_update(request, repair_id: int, payload: PatchDict[RepairUpdateIn]):
    """Correct the place, category, urgency or description of an open request."""
    data = _asset_ref(request, resolve_refs(request, payload, REPAIR_REFS))
    services.repair_update(actor=request.user, repair=_repair(request, repair_id), data=data)
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/photos", response={201: AttachmentOut}, url_name="maintenance_repair_photo")
@requires(REPORT)
def repair_photo(request, repair_id: int, file: UploadedFile = File(...), kind: str = Form("before")):  # noqa: B008
    """Attach a photo (multipart ``file``; ``kind`` before or after). Before-photos: the
    reporter or a dispatcher while the request is open; after-photos: whoever does the work."""
    repair = _repair(request, repair_id)
    if kind not in ("before", "after"):
        raise ValidationError({"kind": _("Choose before or after.")})
    if kind == "after":
        if not services.can_work(request.user, repair, request.perms):
            raise PermissionDenied(_("Only the repair worker it was given to (or the logistics head) can do this."))
    elif repair.status not in RepairRequest.ACTIVE_STATUSES or not (
        repair.reporter_id == request.user.pk or DISPATCH in request.perms
    ):
        raise PermissionDenied(_("Only the reporter adds photos to an open request."))
    return Status(201, attachment_add(actor=request.user, obj=repair, uploaded_file=file, kind=kind))


@router.post("/repairs/{repair_id}/dispatch", response=RepairOut, url_name="maintenance_repair_dispatch")
@requires(DISPATCH)
def repair_dispatch(request, repair_id: int, payload: DispatchIn):
    """Dispatch (or re-dispatch) to a repair worker or a contractor; due time from the urgency unless given."""
    data = resolve_refs(request, payload.dict(), {"worker": "member"})
    supplier = None
    if payload.supplier is not None:
        from houqin.procurement.models import Supplier

        supplier = get_in_campus(request, Supplier.objects.all(), pk=payload.supplier)
    services.repair_dispatch(
        actor=request.user,
        repair=_repair(request, repair_id),
        worker=data.get("worker"),
        contractor_name=payload.contractor_name,
        contractor_phone=payload.contractor_phone,
        supplier=supplier,
        due_at=payload.due_at,
        instructions=payload.instructions,
    )
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/start", response=RepairOut, url_name="maintenance_repair_start")
@requires(WORK)
def repair_start(request, repair_id: int):
    services.work_order_start(actor=request.user, repair=_repair(request, repair_id))
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/work", response=RepairOut, url_name="maintenance_repair_work")
@requires(WORK)
def repair_work(request, repair_id: int, payload: WorkIn):
    """Record what was done so far and the labour or contractor cost."""
    services.work_order_record(
        actor=request.user, repair=_repair(request, repair_id), work_done=payload.work_done,
        labour_cost=payload.labour_cost,
    )  # fmt: skip
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/parts", response={201: PartOut}, url_name="maintenance_repair_part")
@requires(WORK)
def repair_part(request, repair_id: int, payload: PartIn):
    """Add a part: from the warehouse (``item`` + ``location``) or bought for the job."""
    from houqin.procurement.models import Item, StockLocation

    repair = _repair(request, repair_id)
    item = get_in_campus(request, Item.objects.all(), pk=payload.item) if payload.item is not None else None
    location = (
        get_in_campus(request, StockLocation.objects.all(), pk=payload.location) if payload.location is not None else None
    )
    part = services.work_order_add_part(
        actor=request.user, repair=repair, quantity=payload.quantity, item=item, location=location,
        description=payload.description, unit=payload.unit, unit_price=payload.unit_price,
    )  # fmt: skip
    return Status(201, part)


@router.post(
    "/repairs/{repair_id}/parts/{part_id}/void", response=RepairOut, url_name="maintenance_repair_part_void"
)
@requires(WORK)
def repair_part_void(request, repair_id: int, part_id: int, payload: ReasonIn):
    """Void a part line with a reason (a warehouse part goes back to stock)."""
    repair = _repair(request, repair_id)
    part = get_in_campus(request, WorkOrderPart.objects.filter(work_order__request=repair), pk=part_id)
    services.work_order_void_part(actor=request.user, part=part, reason=payload.reason)
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/finish", response=RepairOut, url_name="maintenance_repair_finish")
@requires(WORK)
def repair_finish(request, repair_id: int, payload: WorkIn):
    """Report the repair done: what was done, and an after-photo of this round uploaded first."""
    services.work_order_finish(
        actor=request.user, repair=_repair(request, repair_id), work_done=payload.work_done,
        labour_cost=payload.labour_cost,
    )  # fmt: skip
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/sign-off", response=RepairOut, url_name="maintenance_repair_sign_off")
@requires(REPORT)
def repair_sign_off(request, repair_id: int, payload: NoteIn):
    """报修人验收签字: the reporter checks the repair and closes it."""
    services.repair_sign_off(actor=request.user, repair=_repair(request, repair_id), note=payload.note)
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/send-back", response=RepairOut, url_name="maintenance_repair_send_back")
@requires(REPORT)
def repair_send_back(request, repair_id: int, payload: ReasonIn):
    """The reporter sends the repair back to the worker with a reason."""
    services.repair_send_back(actor=request.user, repair=_repair(request, repair_id), reason=payload.reason)
    return _repair(request, repair_id)


@router.post("/repairs/{repair_id}/cancel", response=RepairOut, url_name="maintenance_repair_cancel")
@requires(DISPATCH)
def repair_cancel(request, repair_id: int, payload: ReasonIn):
    """Cancel a request not yet done, with a reason (it stays in the ledger)."""
    services.repair_cancel(actor=request.user, repair=_repair(request, repair_id), reason=payload.reason)
    return _repair(request, repair_id)
