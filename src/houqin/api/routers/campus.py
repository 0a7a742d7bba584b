"""The campus itself, its buildings and rooms."""

from decimal import Decimal

import segno
from django.db.models import Count, Q
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from ninja import Field, PatchDict, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, delete_object, get_in_campus, resolve_refs, update_object
from houqin.api.pagination import LimitOffset
from houqin.core.models import Building, Room
from houqin.core.pinyin import pinyin_q

router = Router(tags=["campus"])


# --- campus ------------------------------------------------------------------------------


class OrganizationOut(Schema):
    code: str
    name: str
    kind: str


class CampusOut(Schema):
    code: str
    name: str
    short_name: str
    display_name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    age_min: int
    age_max: int
    address: str
    phone: str
    disclosure_enabled: bool
    organization: OrganizationOut


@router.get("/", response=CampusOut, url_name="campus_detail", summary="The campus")
@requires("core.view_campus")
def campus_detail(request):
    return request.campus


# --- buildings ---------------------------------------------------------------------------


class BuildingIn(Schema):
    name: str
    code: str = ""
    floors: int = 1
    note: str = ""


class BuildingOut(Schema):
    id: int
    name: str
    code: str
    floors: int
    note: str
    room_count: int = 0


def _buildings():
    return Building.objects.annotate(room_count=Count("rooms")).order_by("name")


@router.get("/buildings", response=list[BuildingOut], url_name="building_list")
@requires("core.view_campus")
@paginate(LimitOffset)
def building_list(request, q: str = ""):
    qs = _buildings().filter(campus=request.campus)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs


@router.post("/buildings", response={201: BuildingOut}, url_name="building_create")
@requires("core.manage_campus")
def building_create(request, payload: BuildingIn):
    obj = create_object(request, Building, payload.dict())
    return Status(201, get_in_campus(request, _buildings(), pk=obj.pk))


@router.get("/buildings/{building_id}", response=BuildingOut, url_name="building_detail")
@requires("core.view_campus")
def building_detail(request, building_id: int):
    return get_in_campus(request, _buildings(), pk=building_id)


@router.patch("/buildings/{building_id}", response=BuildingOut, url_name="building_update")
@requires("core.manage_campus")
def building_update(request, building_id: int, payload: PatchDict[BuildingIn]):
    obj = get_in_campus(request, Building.objects.all(), pk=building_id)
    update_object(request, obj, payload)
    return get_in_campus(request, _buildings(), pk=building_id)


@router.delete("/buildings/{building_id}", response={204: None}, url_name="building_delete")
@requires("core.manage_campus")
def building_delete(request, building_id: int):
    delete_object(request, get_in_campus(request, Building.objects.all(), pk=building_id))
    return Status(204, None)


# --- rooms -------------------------------------------------------------------------------


def room_qr_path(token: str) -> str:
    """Where a printed room label points (the QR landing page of the web UI)."""
    try:
        return reverse("qr_landing", kwargs={"token": token})
    except NoReverseMatch:  # the web UI is not mounted (e.g. an API-only URLconf)
        return f"/q/{token}/"


class RoomIn(Schema):
    building: int
    name: str
    code: str
    floor: int = 1
    kind: str = Room.Kind.CLASSROOM.value
    area: Decimal | None = None
    keeper: int | None = Field(None, description="Id of a user holding a role on the campus.")
    is_active: bool = True
    note: str = ""


class RoomOut(Schema):
    id: int
    building: int = Field(alias="building_id")
    building_name: str = Field(alias="building.name")
    name: str
    code: str
    floor: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    area: Decimal | None
    keeper: int | None = Field(alias="keeper_id")
    keeper_name: str | None = None
    is_active: bool
    note: str
    qr_token: str
    qr_url: str = ""

    @staticmethod
    def resolve_keeper_name(obj):
        return obj.keeper.display_name if obj.keeper_id else None

    @staticmethod
    def resolve_qr_url(obj, context):
        return context["request"].build_absolute_uri(room_qr_path(obj.qr_token))


ROOM_REFS = {"building": Building, "keeper": "member"}


def _rooms():
    return Room.objects.select_related("building", "keeper")


@router.get("/rooms", response=list[RoomOut], url_name="room_list")
@requires("core.view_campus")
@paginate(LimitOffset)
def room_list(
    request,
    building: int | None = None,
    kind: str | None = None,
    floor: int | None = None,
    is_active: bool | None = None,
    q: str = "",
):
    qs = _rooms().filter(campus=request.campus)
    if building is not None:
        qs = qs.filter(building_id=building)
    if kind:
        qs = qs.filter(kind=kind)
    if floor is not None:
        qs = qs.filter(floor=floor)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(pinyin_q(q, "name", "code"))
    return qs


@router.post("/rooms", response={201: RoomOut}, url_name="room_create")
@requires("core.manage_campus")
def room_create(request, payload: RoomIn):
    obj = create_object(request, Room, resolve_refs(request, payload.dict(), ROOM_REFS))
    return Status(201, get_in_campus(request, _rooms(), pk=obj.pk))


@router.get("/rooms/{room_id}", response=RoomOut, url_name="room_detail")
@requires("core.view_campus")
def room_detail(request, room_id: int):
    return get_in_campus(request, _rooms(), pk=room_id)


@router.get("/rooms/{room_id}/qr.svg", url_name="room_qr_svg", summary="The room's QR label as SVG")
@requires("core.view_campus")
def room_qr_svg(request, room_id: int):
    room = get_in_campus(request, Room.objects.all(), pk=room_id)
    qr = segno.make(request.build_absolute_uri(room_qr_path(room.qr_token)), error="m")
    return HttpResponse(qr.svg_inline(scale=4), content_type="image/svg+xml")


@router.patch("/rooms/{room_id}", response=RoomOut, url_name="room_update")
@requires("core.manage_campus")
def room_update(request, room_id: int, payload: PatchDict[RoomIn]):
    obj = get_in_campus(request, _rooms(), pk=room_id)
    update_object(request, obj, resolve_refs(request, payload, ROOM_REFS))
    return get_in_campus(request, _rooms(), pk=room_id)


@router.delete("/rooms/{room_id}", response={204: None}, url_name="room_delete")
@requires("core.manage_campus")
def room_delete(request, room_id: int):
    delete_object(request, get_in_campus(request, Room.objects.all(), pk=room_id))
    return Status(204, None)
