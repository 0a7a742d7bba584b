"""Stocktakes (盘点): create one (its expected list is frozen), follow its progress, count
room by room (POST what the scanner read → what it is), tick assets found by hand, close
and reconcile, read the result, and submit the adjustments for approval.

Same permissions as the pages (``assets.view_stocktakes`` to read,
``assets.count_stocktakes`` to count, ``assets.manage_stocktakes`` to run one) and every
write through :mod:`houqin.assets.stocktake_services` (validated, audited). Rooms are
given by their id (``room``); a counter may be limited to the rooms they are named for.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.pagination import LimitOffset
from houqin.assets import stocktake_services as services
from houqin.assets.models import AssetCategory, Stocktake, StocktakeAdjustment, StocktakeLine, StocktakeRoom
from houqin.core import approvals
from houqin.core.models import Building, Room

router = Router(tags=["stocktake"])

VIEW, COUNT, MANAGE = services.VIEW, services.COUNT, services.MANAGE
Result = StocktakeLine.Result


# --- Schemas ------------------------------------------------------------------------------


class StocktakeIn(Schema):
    title: str
    scope: str = Field(Stocktake.Scope.CAMPUS.value, description="campus, buildings or rooms")
    rooms: list[int] = Field(default_factory=list, description="Room ids (scope rooms)")
    buildings: list[int] = Field(default_factory=list, description="Building ids (scope buildings)")
    categories: list[int] = Field(default_factory=list, description="Asset category ids; empty = all")
    start_date: dt.date
    end_date: dt.date
    note: str = ""
    counters: list[int] = Field(
        default_factory=list, description="User ids counting every room; empty = each room's keeper"
    )


class StocktakeOut(Schema):
    id: int
    number: str
    title: str
    scope: str
    scope_display: str = Field(alias="get_scope_display")
    start_date: dt.date
    end_date: dt.date
    status: str
    status_display: str = Field(alias="get_status_display")
    note: str
    created_by: int | None = Field(alias="created_by_id")
    started_at: dt.datetime | None
    closed_at: dt.datetime | None
    adjusted_at: dt.datetime | None
    expected: int = Field(0, alias="n_expected")
    counted: int = Field(0, alias="n_counted")


class RoomOut(Schema):
    room: int
    code: str
    name: str
    counters: list[int]
    expected: int
    counted: int
    extra: int = Field(description="Found here but expected elsewhere, or not expected at all")


class StocktakeDetailOut(StocktakeOut):
    buildings: list[int] = Field(alias="building_ids")
    categories: list[int] = Field(alias="category_ids")
    rooms: list[RoomOut] = Field(alias="room_rows")
    approval: int | None = Field(
        None, alias="approval_id", description="The latest approval request of its adjustments"
    )


class CountersIn(Schema):
    room: int
    counters: list[int] = Field(default_factory=list)


class ScanIn(Schema):
    room: int = Field(description="Id of the room being counted")
    text: str = Field(description="What the scanner read: a label URL, its token or the tag number")
    quantity: int | None = Field(None, ge=1, description="Items of a set found (default: all of them)")


class FoundIn(Schema):
    room: int
    quantity: int | None = Field(None, ge=1)


class QuantityIn(Schema):
    quantity: int = Field(ge=1)


class ReasonIn(Schema):
    reason: str


class LineOut(Schema):
    id: int
    asset: int | None = Field(alias="asset_id")
    expected: bool
    code: str
    name: str
    expected_room: int | None = Field(alias="expected_room_id")
    custodian: int | None = Field(alias="expected_custodian_id")
    expected_quantity: int
    counted_quantity: int | None
    unit_price: Decimal
    expected_value: Decimal
    result: str
    result_display: str = Field(alias="get_result_display")
    found_room: int | None = Field(alias="found_room_id")
    found_by: int | None = Field(alias="found_by_id")
    found_at: dt.datetime | None
    method: str


class ProgressOut(Schema):
    expected: int
    counted: int
    extra: int


class ScanOut(Schema):
    outcome: str = Field(description="found, wrong_room, unexpected, unknown, already or room")
    message: str
    line: LineOut | None = None
    room: int | None = Field(None, description="outcome room: the room whose label was scanned")
    progress: ProgressOut


class RoomResultOut(Schema):
    room: int | None
    room_name: str
    expected: int
    expected_value: Decimal
    in_place: int
    in_place_value: Decimal
    short: int
    moved_out: int
    missing: int
    missing_value: Decimal
    moved_in: int
    unexpected: int
    unknown: int
    rate_count: Decimal | None = Field(description="账实相符率 by count, %")
    rate_value: Decimal | None = Field(description="账实相符率 by value, %")


class ResultOut(Schema):
    status: str
    total: RoomResultOut
    rooms: list[RoomResultOut]


class AdjustmentOut(Schema):
    id: int
    line: int = Field(alias="line_id")
    asset: int | None = Field(alias="asset_id")
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    from_room: int | None = Field(alias="from_room_id")
    to_room: int | None = Field(alias="to_room_id")
    from_status: str
    to_status: str
    from_quantity: int | None
    to_quantity: int | None
    value: Decimal
    state: str
    outcome: str


class SubmitIn(Schema):
    exclude: list[int] = Field(default_factory=list, description="Adjustment ids left out")


class ApprovalOut(Schema):
    id: int
    status: str
    amount: Decimal | None


# --- Helpers ------------------------------------------------------------------------------


def _with_progress(qs):
    return qs.annotate(
        n_expected=Count("lines", filter=Q(lines__expected=True)),
        n_counted=Count(
            "lines", filter=Q(lines__expected=True, lines__result__in=(Result.FOUND, Result.WRONG_ROOM))
        ),
    )


def _stocktake(request, pk, *, progress=False):
    qs = Stocktake.objects.all()
    if progress:
        qs = _with_progress(qs)
    return get_in_campus(request, qs, pk=pk)


def _detail(request, pk):
    """The stocktake with its rooms and their progress (a fixed number of queries)."""
    s = _stocktake(request, pk, progress=True)
    progress = services.room_progress(s)
    st_rooms = StocktakeRoom.objects.filter(stocktake=s).select_related("room").prefetch_related("counters")
    s.room_rows = [
        {
            "room": r.room_id, "code": r.room.code, "name": r.room.name,
            "counters": [u.pk for u in r.counters.all()],
            **vars(progress.get(r.room_id, services.RoomProgress())),
        }
        for r in st_rooms
    ]  # fmt: skip
    s.building_ids = list(s.buildings.values_list("pk", flat=True))
    s.category_ids = list(s.categories.values_list("pk", flat=True))
    approval = approvals.requests_for(s).first()
    s.approval_id = approval.pk if approval else None
    return s


def _st_room(stocktake, room_id):
    st_room = (
        StocktakeRoom.objects.filter(stocktake=stocktake, room_id=room_id).select_related("room").first()
    )
    if st_room is None:
        raise ValidationError({"room": [_("This room is not part of the stocktake.")]})
    return st_room


def _line(stocktake, line_id):
    line = StocktakeLine.objects.filter(stocktake=stocktake, pk=line_id).first()
    if line is None:
        raise Http404
    return line


def _scan_out(stocktake, st_room, result):
    progress = services.room_progress(stocktake, [st_room.room_id]).get(
        st_room.room_id, services.RoomProgress()
    )
    return {
        "outcome": result.outcome,
        "message": services.scan_message(result),
        "line": result.line if result.line is not None and result.line.pk else None,
        "room": result.room.room_id if result.room is not None else None,
        "progress": vars(progress),
    }


def _room_result(res):
    return {
        "room": res.room.pk if res.room is not None else None,
        "room_name": str(res.room) if res.room is not None else "",
        **{k: getattr(res, k) for k in RoomResultOut.model_fields if k not in ("room", "room_name")},
    }


# --- Stocktakes ---------------------------------------------------------------------------


@router.get("/stocktakes", response=list[StocktakeOut], url_name="stocktake_list")
@requires(VIEW)
@paginate(LimitOffset)
def stocktake_list(request, status: str | None = None, year: int | None = None):
    qs = _with_progress(Stocktake.objects.filter(campus=request.campus)).order_by("-start_date", "-id")
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(start_date__year=year)
    return qs


@router.post("/stocktakes", response={201: StocktakeDetailOut}, url_name="stocktake_create")
@requires(MANAGE)
def stocktake_create(request, payload: StocktakeIn):
    """Create a draft stocktake; its expected list (every asset in use in scope) is frozen now."""
    campus = request.campus
    errors = {}
    refs = {}
    for name, model in (("rooms", Room), ("buildings", Building), ("categories", AssetCategory)):
        ids = set(getattr(payload, name))
        objs = list(model.objects.filter(campus=campus, pk__in=ids))
        if len(objs) != len(ids):
            errors[name] = [_("Select a valid choice. That choice is not one of the available choices.")]
        refs[name] = objs
    counters = []
    for pk in payload.counters:
        try:
            counters.append(resolve_refs(request, {"user": pk}, {"user": "member"})["user"])
        except ValidationError:
            errors["counters"] = [
                _("Select a valid choice. That choice is not one of the available choices.")
            ]
    if errors:
        raise ValidationError(errors)
    s = services.stocktake_create(
        actor=request.user, campus=campus,
        data={"title": payload.title, "scope": payload.scope, "start_date": payload.start_date,
              "end_date": payload.end_date, "note": payload.note},
        rooms=refs["rooms"], buildings=refs["buildings"], categories=refs["categories"], all_counters=counters,
    )  # fmt: skip
    return Status(201, _detail(request, s.pk))


@router.get("/stocktakes/{stocktake_id}", response=StocktakeDetailOut, url_name="stocktake_detail")
@requires(VIEW)
def stocktake_detail(request, stocktake_id: int):
    """The stocktake with its rooms, their counters and progress."""
    return _detail(request, stocktake_id)


@router.post(
    "/stocktakes/{stocktake_id}/counters", response=StocktakeDetailOut, url_name="stocktake_counters"
)
@requires(MANAGE)
def stocktake_counters(request, stocktake_id: int, payload: CountersIn):
    s = _stocktake(request, stocktake_id)
    st_room = _st_room(s, payload.room)
    users = [resolve_refs(request, {"user": pk}, {"user": "member"})["user"] for pk in payload.counters]
    services.stocktake_set_counters(actor=request.user, stocktake=s, room=st_room, users=users)
    return _detail(request, s.pk)


@router.post("/stocktakes/{stocktake_id}/start", response=StocktakeDetailOut, url_name="stocktake_start")
@requires(MANAGE)
def stocktake_start(request, stocktake_id: int):
    services.stocktake_start(actor=request.user, stocktake=_stocktake(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/stocktakes/{stocktake_id}/cancel", response=StocktakeDetailOut, url_name="stocktake_cancel")
@requires(MANAGE)
def stocktake_cancel(request, stocktake_id: int, payload: ReasonIn):
    services.stocktake_cancel(
        actor=request.user, stocktake=_stocktake(request, stocktake_id), reason=payload.reason
    )
    return _detail(request, stocktake_id)


@router.post("/stocktakes/{stocktake_id}/close", response=StocktakeDetailOut, url_name="stocktake_close")
@requires(MANAGE)
def stocktake_close(request, stocktake_id: int):
    """Stop counting: what was not found is missing; the adjustments are proposed."""
    services.stocktake_close(actor=request.user, stocktake=_stocktake(request, stocktake_id))
    return _detail(request, stocktake_id)


# --- Counting -----------------------------------------------------------------------------


@router.post("/stocktakes/{stocktake_id}/scan", response=ScanOut, url_name="stocktake_scan")
@requires(COUNT)
def stocktake_scan(request, stocktake_id: int, payload: ScanIn):
    """Count what the scanner read in a room. ``outcome``: found (in its room), wrong_room
    (expected in another room), unexpected (not on the expected list), unknown (a code no
    asset has; recorded too), already (counted before), or room (the label of another room
    of the stocktake: count that one)."""
    s = _stocktake(request, stocktake_id)
    st_room = _st_room(s, payload.room)
    result = services.stocktake_scan(
        actor=request.user, stocktake=s, room=st_room, text=payload.text, quantity=payload.quantity,
        perms=request.perms,
    )  # fmt: skip
    return _scan_out(s, st_room, result)


@router.post("/stocktakes/{stocktake_id}/lines/{line_id}/found", response=ScanOut, url_name="stocktake_found")
@requires(COUNT)
def stocktake_found(request, stocktake_id: int, line_id: int, payload: FoundIn):
    """Tick an expected asset found by hand (no readable label) in ``room``."""
    s = _stocktake(request, stocktake_id)
    st_room = _st_room(s, payload.room)
    result = services.stocktake_mark_found(
        actor=request.user, stocktake=s, room=st_room, line=_line(s, line_id), quantity=payload.quantity,
        perms=request.perms,
    )  # fmt: skip
    return _scan_out(s, st_room, result)


@router.post(
    "/stocktakes/{stocktake_id}/lines/{line_id}/quantity",
    response=LineOut,
    url_name="stocktake_line_quantity",
)
@requires(COUNT)
def stocktake_line_quantity(request, stocktake_id: int, line_id: int, payload: QuantityIn):
    """Correct the counted quantity of a set that was found."""
    s = _stocktake(request, stocktake_id)
    return services.stocktake_set_quantity(
        actor=request.user,
        stocktake=s,
        line=_line(s, line_id),
        quantity=payload.quantity,
        perms=request.perms,
    )


@router.post(
    "/stocktakes/{stocktake_id}/lines/{line_id}/undo", response=ProgressOut, url_name="stocktake_line_undo"
)
@requires(COUNT)
def stocktake_line_undo(request, stocktake_id: int, line_id: int):
    """Take back a count made by mistake; answers the progress of the room it was counted in."""
    s = _stocktake(request, stocktake_id)
    line = _line(s, line_id)
    room_id = line.found_room_id
    services.stocktake_undo(actor=request.user, stocktake=s, line=line, perms=request.perms)
    return vars(services.room_progress(s, [room_id]).get(room_id, services.RoomProgress()))


@router.get("/stocktakes/{stocktake_id}/lines", response=list[LineOut], url_name="stocktake_lines")
@requires(VIEW)
@paginate(LimitOffset)
def stocktake_lines(request, stocktake_id: int, result: str | None = None, room: int | None = None):
    """Lines with their results; ``result`` filters (pending, found, wrong_room, missing,
    unexpected, unknown, short, differences); ``room`` the room registered or found in."""
    s = _stocktake(request, stocktake_id)
    qs = services.lines_for(s, result)
    if room is not None:
        qs = qs.filter(Q(expected_room_id=room) | Q(found_room_id=room))
    return qs


# --- Result and adjustments ---------------------------------------------------------------


@router.get("/stocktakes/{stocktake_id}/result", response=ResultOut, url_name="stocktake_result")
@requires(VIEW)
def stocktake_result(request, stocktake_id: int):
    """The reconciliation: per room and overall, with 账实相符率 by count and by value."""
    s = _stocktake(request, stocktake_id)
    recon = services.reconcile(s, with_counters=False)
    return {
        "status": s.status,
        "total": _room_result(recon.total),
        "rooms": [_room_result(r) for r in recon.rooms],
    }


@router.get(
    "/stocktakes/{stocktake_id}/adjustments", response=list[AdjustmentOut], url_name="stocktake_adjustments"
)
@requires(VIEW)
@paginate(LimitOffset)
def stocktake_adjustments(request, stocktake_id: int, state: str | None = None):
    s = _stocktake(request, stocktake_id)
    qs = StocktakeAdjustment.objects.filter(stocktake=s).order_by("kind", "id")
    if state:
        qs = qs.filter(state=state)
    return qs


@router.post(
    "/stocktakes/{stocktake_id}/adjustments/submit", response=ApprovalOut, url_name="stocktake_submit"
)
@requires(MANAGE)
def stocktake_submit(request, stocktake_id: int, payload: SubmitIn):
    """Submit the proposed adjustments (minus ``exclude``) for approval; applied to the
    register only when the last step approves."""
    s = _stocktake(request, stocktake_id)
    return services.stocktake_submit_adjustments(actor=request.user, stocktake=s, exclude=payload.exclude)
