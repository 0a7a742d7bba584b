"""The asset register (资产台账): categories and asset cards, with the filters of the list
page, status changes, moves and the lookup by a scanned label or tag number.

Same permissions as the pages (``assets.view_assets`` to read, ``assets.manage_assets``
to write) and every write through :mod:`houqin.assets.services` (validated, audited).
Disposed assets are left out of the list unless ``include_disposed`` is true or the
status filter asks for them.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, get_in_campus, resolve_refs, update_object
from houqin.api.pagination import LimitOffset
from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.assets.register_filters import filter_assets
from houqin.core.models import Room
from houqin.core.pinyin import pinyin_q
from houqin.procurement.models import Supplier

router = Router(tags=["assets"])

VIEW, MANAGE = "assets.view_assets", "assets.manage_assets"


# --- Categories ---------------------------------------------------------------------------


class CategoryIn(Schema):
    name: str
    code: str = ""
    kind: str = Field(
        AssetCategory.Kind.FIXED.value, description="fixed (固定资产) or low_value (低值易耗品)"
    )
    useful_life_years: int = Field(0, description="Straight-line depreciation years; 0 = not depreciated")
    national_code: str = ""
    is_active: bool = True
    note: str = ""


class CategoryOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    useful_life_years: int
    national_code: str
    is_active: bool
    note: str


@router.get("/asset-categories", response=list[CategoryOut], url_name="assets_category_list")
@requires(VIEW)
@paginate(LimitOffset)
def category_list(request, kind: str | None = None, active: bool | None = None, q: str = ""):
    qs = AssetCategory.objects.filter(campus=request.campus).order_by("kind", "code", "name")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    if q:
        qs = qs.filter(pinyin_q(q, "name", "code"))
    return qs


@router.post("/asset-categories", response={201: CategoryOut}, url_name="assets_category_create")
@requires(MANAGE)
def category_create(request, payload: CategoryIn):
    return Status(201, create_object(request, AssetCategory, payload.dict()))


@router.get("/asset-categories/{category_id}", response=CategoryOut, url_name="assets_category_detail")
@requires(VIEW)
def category_detail(request, category_id: int):
    return get_in_campus(request, AssetCategory.objects.all(), pk=category_id)


@router.patch("/asset-categories/{category_id}", response=CategoryOut, url_name="assets_category_update")
@requires(MANAGE)
def category_update(request, category_id: int, payload: PatchDict[CategoryIn]):
    category = get_in_campus(request, AssetCategory.objects.all(), pk=category_id)
    return update_object(request, category, dict(payload))


# --- Assets -------------------------------------------------------------------------------


class AssetIn(Schema):
    tag: str = Field("", description="Empty: the next automatic number (ZC-year-0001)")
    name: str
    category: int = Field(..., description="Asset category id")
    model_spec: str = ""
    brand: str = ""
    unit: str = "件"
    quantity: int = 1
    room: int | None = Field(None, description="Room id")
    custodian: int | None = Field(None, description="Id of a campus member")
    status: str = Field(
        Asset.Status.IN_USE.value, description="in_use, idle, under_repair, damaged or missing"
    )
    source: str = Asset.Source.PURCHASE.value
    supplier: int | None = Field(None, description="Supplier id")
    invoice_number: str = ""
    price: Decimal = Field(Decimal("0.00"), description="Unit price in yuan")
    purchase_date: dt.date | None = None
    in_service_date: dt.date | None = None
    warranty_until: dt.date | None = None
    is_valuable: bool = Field(False, description="Set anyway from the campus's valuable-price threshold")
    note: str = ""


class AssetUpdateIn(Schema):
    tag: str
    name: str
    category: int
    model_spec: str
    brand: str
    unit: str
    quantity: int
    room: int | None = None
    custodian: int | None = None
    source: str
    supplier: int | None = None
    invoice_number: str
    price: Decimal
    purchase_date: dt.date | None = None
    in_service_date: dt.date | None = None
    warranty_until: dt.date | None = None
    is_valuable: bool
    note: str


class AssetOut(Schema):
    id: int
    tag: str
    name: str
    category: int = Field(alias="category_id")
    category_name: str = Field(alias="category.name")
    kind: str = Field(alias="category.kind")
    model_spec: str
    brand: str
    unit: str
    quantity: int
    room: int | None = Field(alias="room_id")
    room_name: str | None = None
    custodian: int | None = Field(alias="custodian_id")
    custodian_name: str | None = None
    status: str
    status_display: str = Field(alias="get_status_display")
    source: str
    supplier: int | None = Field(alias="supplier_id")
    invoice_number: str
    price: Decimal
    total_value: Decimal
    purchase_date: dt.date | None
    in_service_date: dt.date | None
    warranty_until: dt.date | None
    is_valuable: bool
    disposed_on: dt.date | None
    qr_token: str
    note: str

    @staticmethod
    def resolve_room_name(obj):
        return str(obj.room) if obj.room_id else None

    @staticmethod
    def resolve_custodian_name(obj):
        return obj.custodian.display_name if obj.custodian_id else None


class StatusIn(Schema):
    status: str = Field(..., description="in_use, idle, under_repair, damaged or missing")
    reason: str = ""


class MoveIn(Schema):
    room: int | None = Field(..., description="Room id")
    custodian: int | None = Field(None, description="Id of a campus member; leave out to keep the custodian")
    reason: str = ""


ASSET_REFS = {"category": AssetCategory, "room": Room, "supplier": Supplier, "custodian": "member"}


def _assets():
    return Asset.objects.select_related("category", "room", "custodian")


def _asset(request, asset_id):
    return get_in_campus(request, _assets(), pk=asset_id)


@router.get("/assets", response=list[AssetOut], url_name="assets_asset_list")
@requires(VIEW)
@paginate(LimitOffset)
def asset_list(
    request,
    category: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    room: int | None = None,
    building: int | None = None,
    custodian: int | None = None,
    supplier: int | None = None,
    valuable: bool | None = None,
    no_room: bool = False,
    acquired_from: dt.date | None = Query(None, description="Acquired on or after"),  # noqa: B008
    acquired_to: dt.date | None = Query(None, description="Acquired on or before"),  # noqa: B008
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    include_disposed: bool = False,
    q: str = Query("", description="Name (also by pinyin or initials), tag or model"),  # noqa: B008
):
    """The register with the list page's filters, ordered by tag."""
    params = {
        key: value
        for key, value in {
            "category": category, "kind": kind, "status": status, "room": room, "building": building,
            "custodian": custodian, "supplier": supplier, "acquired_from": acquired_from,
            "acquired_to": acquired_to, "price_min": price_min, "price_max": price_max,
            "valuable": None if valuable is None else ("1" if valuable else "0"),
            "no_room": "1" if no_room else None, "include_disposed": "1" if include_disposed else None,
        }.items()
        if value is not None
    }  # fmt: skip
    qs = _assets().filter(campus=request.campus).order_by("tag")
    qs, filterset = filter_assets(params, qs, request)
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError({field: list(errors) for field, errors in filterset.errors.items()})
    if q:
        qs = qs.filter(pinyin_q(q, "name", "tag", "model_spec"))
    return qs


@router.post("/assets", response={201: AssetOut}, url_name="assets_asset_create")
@requires(MANAGE)
def asset_create(request, payload: AssetIn):
    """Register an asset card (photos: ``POST …/attachments`` of the core)."""
    data = resolve_refs(request, payload.dict(), ASSET_REFS)
    if data.get("status") not in [s.value for s in services.MANUAL_STATUSES]:
        raise ValidationError({"status": _("Choose in_use, idle, under_repair, damaged or missing.")})
    asset = services.asset_create(
        actor=request.user, campus=request.campus, data=services.apply_valuable_rule(request.campus, data)
    )
    return Status(201, _asset(request, asset.pk))


@router.get("/assets/scan", response=AssetOut, url_name="assets_asset_scan")
@requires(VIEW)
def asset_scan(request, text: str = Query(..., description="A label's URL, its token or a tag number")):  # noqa: B008
    """The asset a scanned label (or a typed tag number) names; 404 when none on this campus."""
    asset = services.asset_by_scan(request.campus, text)
    if asset is None:
        raise Http404
    return asset


@router.get("/assets/{asset_id}", response=AssetOut, url_name="assets_asset_detail")
@requires(VIEW)
def asset_detail(request, asset_id: int):
    return _asset(request, asset_id)


@router.patch("/assets/{asset_id}", response=AssetOut, url_name="assets_asset_update")
@requires(MANAGE)
def asset_update(request, asset_id: int, payload: PatchDict[AssetUpdateIn]):
    """Change the card's data; the status changes through ``…/status``."""
    asset = _asset(request, asset_id)
    data = resolve_refs(request, dict(payload), ASSET_REFS)
    if "price" in data:
        services.apply_valuable_rule(request.campus, data)
    services.asset_update(actor=request.user, asset=asset, data=data)
    return _asset(request, asset_id)


@router.post("/assets/{asset_id}/status", response=AssetOut, url_name="assets_asset_status")
@requires(MANAGE)
def asset_status(request, asset_id: int, payload: StatusIn):
    """Set a status by hand (on loan comes from lending, disposed from an approved disposal)."""
    asset = _asset(request, asset_id)
    if payload.status not in [s.value for s in services.MANUAL_STATUSES]:
        raise ValidationError({"status": _("Choose in_use, idle, under_repair, damaged or missing.")})
    services.asset_set_status(actor=request.user, asset=asset, status=payload.status, reason=payload.reason)
    return _asset(request, asset_id)


@router.post("/assets/{asset_id}/move", response=AssetOut, url_name="assets_asset_move")
@requires(MANAGE)
def asset_move(request, asset_id: int, payload: MoveIn):
    """Move to a room and, when ``custodian`` is given, hand the asset to that person."""
    asset = _asset(request, asset_id)
    given = payload.dict(exclude_unset=True)
    data = resolve_refs(request, given, {"room": Room, "custodian": "member"})
    kwargs = {"custodian": data["custodian"]} if "custodian" in given else {}
    services.asset_move(actor=request.user, asset=asset, room=data["room"], reason=payload.reason, **kwargs)
    return _asset(request, asset_id)
