"""The gate (门卫): visitors, the watch list, pickup persons and releases.

Same permissions and masking as the pages: ID numbers come back masked unless the token's
user holds ``safety.unmask_visitor_identity``; every write goes through
:mod:`houqin.safety.gate_services` (validated, audited, ledgers voided — never edited).

* Registering a visitor who matches the watch list answers **409** with the matches;
  send it again with ``admit_anyway`` and an ``override_reason`` to admit them.
* A release to someone who may not take the child is **refused and logged**: the answer
  is **409** with the logged row (``outcome: "refused"``, ``reason``); a release is 201.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, File, Form, PatchDict, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import CAMPUS_MEMBER, requires
from houqin.api.errors import json_error
from houqin.api.helpers import get_in_campus
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.core import audit
from houqin.core.attachments import attachment_add
from houqin.core.models import Child, Guardian
from houqin.core.permissions import has_perm
from houqin.core.pinyin import pinyin_q
from houqin.safety import gate_services as gs
from houqin.safety.models import PickupPerson, PickupRelease, Visitor, WatchEntry

router = Router(tags=["gate"])

IDENTITY = gs.IDENTITY
VIEW_VISITORS, REGISTER = "safety.view_visitors", "safety.register_visitors"
WATCHLIST = "safety.manage_watchlist"
VIEW_PICKUP, MANAGE_PICKUP, RELEASE = "safety.view_pickup", "safety.manage_pickup", "safety.release_children"


# Parameter markers (module-level: ruff's B008 wants no calls in argument defaults).
VISIT_DAY = Query(None, description="Visits of one day (local time).")
RELEASE_DAY = Query(None, description="Releases of one day (local time).")
A_FILE = File(..., description="A photo (JPEG, PNG, WebP) or a PDF.")


def _shown_id(obj, context):
    return obj.id_number if has_perm(context["request"], IDENTITY) else obj.masked_id_number


# --- Visitors -----------------------------------------------------------------------------


class VisitorIn(Schema):
    name: str
    id_number: str = Field("", description="18-character resident ID number, checked digit by digit.")
    phone: str
    organization: str = ""
    category: str = Field(Visitor.Category.OTHER.value, description="parent, delivery, repair, inspection, …")
    purpose: str = ""
    host: int | None = Field(None, description="Id of a staff member of the campus.")
    badge_no: str = ""
    people_count: int = 1
    vehicle_plate: str = ""
    time_in: dt.datetime | None = Field(None, description="Default: now.")


class VisitorRegisterIn(VisitorIn):
    confirmed_by_phone: bool = Field(False, description="The guard called the host, who confirmed.")
    admit_anyway: bool = Field(False, description="Admit a visitor who matches the watch list.")
    override_reason: str = Field("", description="Required with admit_anyway.")


class VisitorRefusedIn(VisitorIn):
    reason: str


class ReasonIn(Schema):
    reason: str


class ConfirmIn(Schema):
    by_phone: bool = Field(False, description="Record the host's phone confirmation (gate staff only).")


class VisitorOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked (3301**********0081) unless you may see visitors' ID numbers.")
    phone: str
    organization: str
    category: str
    category_display: str = Field(alias="get_category_display")
    purpose: str
    host: int | None = Field(alias="host_id")
    host_name: str | None = None
    badge_no: str
    people_count: int
    vehicle_plate: str
    time_in: dt.datetime
    time_out: dt.datetime | None
    status: str
    status_display: str = Field(alias="get_status_display")
    on_campus: bool
    refusal_reason: str
    confirmed_by: int | None = Field(alias="confirmed_by_id")
    confirmed_by_name: str | None = None
    confirmed_at: dt.datetime | None
    confirmation: str
    registered_by: int | None = Field(alias="registered_by_id")
    watch_entry: int | None = Field(alias="watch_entry_id")
    override_reason: str
    flagged_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_id_number(obj, context):
        return _shown_id(obj, context)

    @staticmethod
    def resolve_host_name(obj):
        return _name(obj.host)

    @staticmethod
    def resolve_confirmed_by_name(obj):
        return _name(obj.confirmed_by)


class WatchEntryOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked unless you may see visitors' ID numbers.")
    reason: str
    is_active: bool
    added_by: int | None = Field(alias="added_by_id")
    created_at: dt.datetime

    @staticmethod
    def resolve_id_number(obj, context):
        return _shown_id(obj, context)


def _visitors():
    return Visitor.objects.select_related("host", "confirmed_by")


def _visitor_data(request, payload: dict) -> dict:
    data = {k: v for k, v in payload.items() if k in gs.VISITOR_FIELDS}
    if data.get("time_in") is None:
        data.pop("time_in", None)
    host_id = data.pop("host", None)
    if host_id is not None:
        host = gs.campus_staff(request.campus).filter(pk=host_id).first()
        if host is None:
            raise ValidationError({"host": [_("The host must be a staff member of this campus.")]})
        data["host"] = host
    return data


def _visitor(request, visitor_id):
    return get_in_campus(request, _visitors(), pk=visitor_id)


@router.get("/visitors", response=list[VisitorOut], url_name="gate_visitor_list")
@requires(VIEW_VISITORS)
@paginate(LimitOffset)
def visitor_list(
    request,
    date: dt.date | None = VISIT_DAY,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = None,
    category: str | None = None,
    include_voided: bool = False,
    q: str = Query("", description="Name (also pinyin or initials), organisation, badge, plate or phone."),
):
    """The visitor log, newest first."""
    qs = _visitors().filter(campus=request.campus)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    if date:
        start, end = gs.day_bounds(date)
        qs = qs.filter(time_in__gte=start, time_in__lt=end)
    if date_from:
        qs = qs.filter(time_in__gte=gs.day_bounds(date_from)[0])
    if date_to:
        qs = qs.filter(time_in__lt=gs.day_bounds(date_to)[1])
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(pinyin_q(q, "name", "organization", "badge_no", "vehicle_plate", "phone"))
    return qs.order_by("-time_in", "-id")


@router.get("/visitors/on-campus", response=list[VisitorOut], url_name="gate_visitor_onsite")
@requires(VIEW_VISITORS)
@paginate(LimitOffset)
def visitor_on_campus(request):
    """Who is on campus now: registered (waiting or admitted) and not signed out."""
    return gs.visitors_on_campus(request.campus).select_related("host", "confirmed_by").order_by("time_in", "id")


class WatchMatchOut(Schema):
    id: int
    name: str
    id_number: str
    reason: str

    @staticmethod
    def resolve_id_number(obj, context):
        return _shown_id(obj, context)


@router.post(
    "/visitors",
    response={201: VisitorOut, 409: dict},
    url_name="gate_visitor_register",
    openapi_extra={"responses": {"409": {"description": "The visitor matches the watch list."}}},
)
@requires(REGISTER)
def visitor_register(request, payload: VisitorRegisterIn):
    """Register a visitor; the host is notified and confirms (or the guard records a phone
    confirmation). A watch-list match answers 409 unless ``admit_anyway`` with a reason."""
    data = payload.dict()
    try:
        visitor = gs.visitor_register(
            actor=request.user,
            campus=request.campus,
            data=_visitor_data(request, data),
            confirmed_by_phone=payload.confirmed_by_phone,
            admit_anyway=payload.admit_anyway,
            override_reason=payload.override_reason,
        )
    except gs.WatchListWarning as warning:
        matches = [WatchMatchOut.from_orm(m, context={"request": request}).dict() for m in warning.matches]
        return json_error(
            409,
            _("This visitor matches the watch list. Refuse entry, or admit anyway with a reason."),
            matches=matches,
        )
    return Status(201, _visitor(request, visitor.pk))


@router.post("/visitors/refused", response={201: VisitorOut}, url_name="gate_visitor_refused")
@requires(REGISTER)
def visitor_refused(request, payload: VisitorRefusedIn):
    """Log a visitor turned away at the gate (status ``refused``)."""
    data = payload.dict()
    visitor = gs.visitor_refuse_at_gate(
        actor=request.user, campus=request.campus, data=_visitor_data(request, data), reason=payload.reason
    )
    return Status(201, _visitor(request, visitor.pk))


@router.get("/visitors/{visitor_id}", response=VisitorOut, url_name="gate_visitor_detail")
@requires(VIEW_VISITORS)
def visitor_detail(request, visitor_id: int):
    return _visitor(request, visitor_id)


def _answering(request, visitor_id):
    """The host or gate staff: others get 403 (members) — outsiders already got 404."""
    from django.core.exceptions import PermissionDenied

    visitor = _visitor(request, visitor_id)
    if not gs.may_answer_for_visit(request, visitor):
        raise PermissionDenied
    return visitor


@router.post("/visitors/{visitor_id}/confirm", response=VisitorOut, url_name="gate_visitor_confirm")
@requires(CAMPUS_MEMBER)
def visitor_confirm(request, visitor_id: int, payload: ConfirmIn):
    """The host confirms the entry; gate staff record a phone confirmation (``by_phone``)."""
    visitor = _answering(request, visitor_id)
    if payload.by_phone and not has_perm(request, REGISTER):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    gs.visitor_confirm(actor=request.user, visitor=visitor, by_phone=payload.by_phone)
    return _visitor(request, visitor_id)


@router.post("/visitors/{visitor_id}/refuse", response=VisitorOut, url_name="gate_visitor_refuse")
@requires(CAMPUS_MEMBER)
def visitor_refuse(request, visitor_id: int, payload: ReasonIn):
    """Turn away a visitor waiting at the gate (the host declines, or gate staff refuse)."""
    visitor = _answering(request, visitor_id)
    gs.visitor_refuse(actor=request.user, visitor=visitor, reason=payload.reason)
    return _visitor(request, visitor_id)


@router.post("/visitors/{visitor_id}/sign-out", response=VisitorOut, url_name="gate_visitor_sign_out")
@requires(REGISTER)
def visitor_sign_out(request, visitor_id: int):
    gs.visitor_sign_out(actor=request.user, visitor=_visitor(request, visitor_id))
    return _visitor(request, visitor_id)


@router.post("/visitors/{visitor_id}/void", response=VisitorOut, url_name="gate_visitor_void")
@requires(REGISTER)
def visitor_void(request, visitor_id: int, payload: ReasonIn):
    """Void a wrong entry of the visitor log (it stays, with the reason)."""
    gs.visitor_void(actor=request.user, visitor=_visitor(request, visitor_id), reason=payload.reason)
    return _visitor(request, visitor_id)


@router.post("/visitors/{visitor_id}/photo", response={201: AttachmentOut}, url_name="gate_visitor_photo")
@requires(REGISTER)
def visitor_photo(request, visitor_id: int, file: UploadedFile = A_FILE):
    """Attach the visitor's photo (multipart ``file``)."""
    visitor = _visitor(request, visitor_id)
    return Status(201, attachment_add(actor=request.user, obj=visitor, uploaded_file=file, kind="photo"))


# --- Watch list ---------------------------------------------------------------------------


class WatchEntryIn(Schema):
    name: str = ""
    id_number: str = ""
    reason: str
    is_active: bool = True


@router.get("/watchlist", response=list[WatchEntryOut], url_name="gate_watch_list")
@requires(WATCHLIST)
@paginate(LimitOffset)
def watch_list(request, is_active: bool | None = None, q: str = ""):
    qs = WatchEntry.objects.filter(campus=request.campus)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(pinyin_q(q, "name", "reason"))
    return qs.order_by("-is_active", "name", "id")


@router.post("/watchlist", response={201: WatchEntryOut}, url_name="gate_watch_create")
@requires(WATCHLIST)
def watch_create(request, payload: WatchEntryIn):
    entry = gs.watch_entry_save(actor=request.user, instance=WatchEntry(**payload.dict()), campus=request.campus)
    return Status(201, entry)


@router.get("/watchlist/{entry_id}", response=WatchEntryOut, url_name="gate_watch_detail")
@requires(WATCHLIST)
def watch_detail(request, entry_id: int):
    return get_in_campus(request, WatchEntry.objects.all(), pk=entry_id)


@router.patch("/watchlist/{entry_id}", response=WatchEntryOut, url_name="gate_watch_update")
@requires(WATCHLIST)
def watch_update(request, entry_id: int, payload: PatchDict[WatchEntryIn]):
    entry = get_in_campus(request, WatchEntry.objects.all(), pk=entry_id)
    before = audit.snapshot(entry)
    for field, value in payload.items():
        setattr(entry, field, value)
    return gs.watch_entry_save(actor=request.user, instance=entry, before=before)


@router.delete("/watchlist/{entry_id}", response={204: None}, url_name="gate_watch_delete")
@requires(WATCHLIST)
def watch_delete(request, entry_id: int):
    gs.watch_entry_delete(actor=request.user, instance=get_in_campus(request, WatchEntry.objects.all(), pk=entry_id))
    return Status(204, None)


# --- Pickup persons -----------------------------------------------------------------------


class PickupPersonIn(Schema):
    child: int
    kind: str = Field(PickupPerson.Kind.GUARDIAN.value, description="guardian or proxy")
    guardian: int | None = Field(None, description="Id of one of the child's guardians (kind guardian).")
    name: str
    relation: str
    phone: str
    id_number: str = ""
    card_no: str = ""
    agreement_signed: bool = False
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    is_active: bool = True
    note: str = ""


class PickupPersonOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    guardian: int | None = Field(alias="guardian_id")
    name: str
    relation: str
    phone: str
    id_number: str = Field(description="Masked unless you may see visitors' ID numbers.")
    card_no: str
    agreement_signed: bool
    has_agreement: bool = Field(False, description="A signed agreement scan is on file.")
    valid_from: dt.date | None
    valid_until: dt.date | None
    is_active: bool
    note: str
    authorised_today: bool = False
    not_authorised_reason: str = ""

    @staticmethod
    def resolve_child_name(obj):
        return obj.child.name

    @staticmethod
    def resolve_id_number(obj, context):
        return _shown_id(obj, context)

    @staticmethod
    def resolve_has_agreement(obj):
        return bool(getattr(obj, "has_agreement", False))

    @staticmethod
    def resolve_authorised_today(obj):
        return gs.authorisation(obj, has_agreement=bool(getattr(obj, "has_agreement", False)))[0]

    @staticmethod
    def resolve_not_authorised_reason(obj):
        return str(gs.authorisation(obj, has_agreement=bool(getattr(obj, "has_agreement", False)))[1])


def _persons():
    return gs.with_agreement_flag(PickupPerson.objects.select_related("child", "guardian"))


def _person(request, person_id):
    return get_in_campus(request, _persons(), pk=person_id)


def _person_refs(request, data: dict, child=None) -> dict:
    out = dict(data)
    if "child" in data:
        found = Child.objects.filter(campus=request.campus, pk=data["child"]).first()
        if found is None:
            raise ValidationError({"child": [_("Select a valid choice. That choice is not one of the available choices.")]})
        if child is not None and found.pk != child.pk:
            raise ValidationError({"child": [_("A pickup person cannot move to another child; add a new one.")]})
        out["child"] = found
    if data.get("guardian") is not None:
        target = out.get("child") or child
        guardian = Guardian.objects.filter(campus=request.campus, pk=data["guardian"], child=target).first()
        if guardian is None:
            raise ValidationError({"guardian": [_("This guardian belongs to another child.")]})
        out["guardian"] = guardian
    if data.get("id_number"):
        out["id_number"] = data["id_number"].strip().upper()
    return out


@router.get("/pickup/persons", response=list[PickupPersonOut], url_name="gate_person_list")
@requires(VIEW_PICKUP)
@paginate(LimitOffset)
def person_list(
    request,
    child: int | None = Query(None, description="Child id"),
    kind: str | None = None,
    is_active: bool | None = None,
    card: str = Query("", description="Exact pickup card number"),
    q: str = Query("", description="Person's or child's name (also pinyin), phone or card"),
):
    qs = _persons().filter(campus=request.campus)
    if child is not None:
        qs = qs.filter(child_id=child)
    if kind:
        qs = qs.filter(kind=kind)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if card:
        qs = qs.filter(card_no=card.strip())
    if q:
        qs = qs.filter(pinyin_q(q, "name", "child__name", "phone", "card_no") | Q(child__name_pinyin__icontains=q))
    return qs.order_by("child__name", "kind", "id")


@router.post("/pickup/persons", response={201: PickupPersonOut}, url_name="gate_person_create")
@requires(MANAGE_PICKUP)
def person_create(request, payload: PickupPersonIn):
    person = gs.pickup_person_save(
        actor=request.user, instance=PickupPerson(**_person_refs(request, payload.dict())), campus=request.campus
    )
    return Status(201, _person(request, person.pk))


@router.get("/pickup/persons/{person_id}", response=PickupPersonOut, url_name="gate_person_detail")
@requires(VIEW_PICKUP)
def person_detail(request, person_id: int):
    return _person(request, person_id)


@router.patch("/pickup/persons/{person_id}", response=PickupPersonOut, url_name="gate_person_update")
@requires(MANAGE_PICKUP)
def person_update(request, person_id: int, payload: PatchDict[PickupPersonIn]):
    person = get_in_campus(request, PickupPerson.objects.select_related("child"), pk=person_id)
    before = audit.snapshot(person)
    for field, value in _person_refs(request, payload, child=person.child).items():
        setattr(person, field, value)
    gs.pickup_person_save(actor=request.user, instance=person, before=before)
    return _person(request, person_id)


@router.delete("/pickup/persons/{person_id}", response={204: None}, url_name="gate_person_delete")
@requires(MANAGE_PICKUP)
def person_delete(request, person_id: int):
    gs.pickup_person_delete(actor=request.user, instance=get_in_campus(request, PickupPerson.objects.all(), pk=person_id))
    return Status(204, None)


@router.post("/pickup/persons/{person_id}/files", response={201: AttachmentOut}, url_name="gate_person_file")
@requires(MANAGE_PICKUP)
def person_file(
    request,
    person_id: int,
    file: UploadedFile = A_FILE,
    kind: str = Form("photo", description="photo, or agreement (the signed 代接送协议)"),
):
    """Attach the person's photo or the signed proxy agreement (multipart)."""
    person = get_in_campus(request, PickupPerson.objects.all(), pk=person_id)
    if kind not in ("photo", "agreement"):
        raise ValidationError({"kind": [_("Select a valid choice. That choice is not one of the available choices.")]})
    attachment = attachment_add(
        actor=request.user,
        obj=person,
        uploaded_file=file,
        kind="photo" if kind == "photo" else "scan",
        caption=_("Photo") if kind == "photo" else _("Proxy agreement (代接送协议)"),
    )
    return Status(201, attachment)


@router.post(
    "/pickup/children/{child_id}/from-guardians",
    response={201: list[PickupPersonOut]},
    url_name="gate_person_from_guardians",
)
@requires(MANAGE_PICKUP)
def person_from_guardians(request, child_id: int):
    """Authorise every guardian of the child who is not a pickup person yet; returns the new ones."""
    child = get_in_campus(request, Child.objects.all(), pk=child_id)
    created = gs.pickup_persons_from_guardians(actor=request.user, child=child)
    return Status(201, list(_persons().filter(pk__in=[p.pk for p in created]).order_by("id")))


# --- Releases -----------------------------------------------------------------------------


class ReleaseIn(Schema):
    child: int | None = Field(None, description="Child id; optional with a card or a person (their child).")
    person: int | None = Field(None, description="Pickup person id.")
    card: str = Field("", description="Pickup card number as scanned.")
    person_name: str = Field("", description="Someone not on the list: their name (always refused).")
    relation: str = ""
    note: str = ""


class ReleaseOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str
    class_name: str | None = None
    person: int | None = Field(alias="person_id")
    person_name: str
    relation: str
    card_no: str
    outcome: str
    outcome_display: str = Field(alias="get_outcome_display")
    reason: str
    reason_display: str = Field(alias="get_reason_display")
    note: str
    released_at: dt.datetime
    released_by: int | None = Field(alias="released_by_id")
    released_by_name: str | None = None
    voided_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_child_name(obj):
        return obj.child.name

    @staticmethod
    def resolve_class_name(obj):
        return obj.child.school_class.name if obj.child.school_class_id else None

    @staticmethod
    def resolve_released_by_name(obj):
        return _name(obj.released_by)


def _releases():
    return PickupRelease.objects.select_related("child__school_class", "released_by")


@router.post(
    "/pickup/releases",
    response={201: ReleaseOut, 409: ReleaseOut},
    url_name="gate_release_create",
    openapi_extra={"responses": {"409": {"description": "Refused and logged; see reason."}}},
)
@requires(RELEASE)
def release_create(request, payload: ReleaseIn):
    """Release a child by card (``card``) or by pickup person (``person``); someone not on
    the list (``person_name``) is refused. Refusals are logged and notified; they answer 409."""
    child = get_in_campus(request, Child.objects.select_related("school_class"), pk=payload.child) if payload.child else None
    if payload.card:
        release = gs.pickup_release_by_card(actor=request.user, campus=request.campus, card_no=payload.card, child=child)
    elif payload.person:
        person = get_in_campus(request, PickupPerson.objects.select_related("child"), pk=payload.person)
        release = gs.pickup_release(
            actor=request.user, child=child or person.child, person=person, note=payload.note
        )
    else:
        if child is None:
            raise ValidationError({"child": [_("This field is required.")]})
        release = gs.pickup_release(
            actor=request.user,
            child=child,
            person_name=payload.person_name,
            relation=payload.relation,
            note=payload.note,
        )
    row = get_in_campus(request, _releases(), pk=release.pk)
    return Status(201 if release.outcome == PickupRelease.Outcome.RELEASED else 409, row)


@router.get("/pickup/releases", response=list[ReleaseOut], url_name="gate_release_list")
@requires(VIEW_PICKUP)
@paginate(LimitOffset)
def release_list(
    request,
    date: dt.date | None = RELEASE_DAY,
    child: int | None = None,
    outcome: str | None = None,
    include_voided: bool = False,
):
    qs = _releases().filter(campus=request.campus)
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    if date:
        start, end = gs.day_bounds(date)
        qs = qs.filter(released_at__gte=start, released_at__lt=end)
    if child is not None:
        qs = qs.filter(child_id=child)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-released_at", "-id")


@router.get("/pickup/releases/{release_id}", response=ReleaseOut, url_name="gate_release_detail")
@requires(VIEW_PICKUP)
def release_detail(request, release_id: int):
    return get_in_campus(request, _releases(), pk=release_id)


@router.post("/pickup/releases/{release_id}/void", response=ReleaseOut, url_name="gate_release_void")
@requires(RELEASE)
def release_void(request, release_id: int, payload: ReasonIn):
    release = get_in_campus(request, _releases(), pk=release_id)
    gs.pickup_release_void(actor=request.user, release=release, reason=payload.reason)
    return get_in_campus(request, _releases(), pk=release_id)


class ChildOnCampusOut(Schema):
    id: int
    name: str
    school_class: int | None = Field(alias="school_class_id")
    class_name: str | None = None

    @staticmethod
    def resolve_class_name(obj):
        return obj.school_class.name if obj.school_class_id else None


@router.get("/pickup/still-on-campus", response=list[ChildOnCampusOut], url_name="gate_still_on_campus")
@requires(VIEW_PICKUP)
@paginate(LimitOffset)
def still_on_campus(request):
    """Children present today and not released yet."""
    return (
        gs.children_still_on_campus(request.campus)
        .select_related("school_class")
        .order_by("school_class__sort_order", "school_class__name", "name")
    )

