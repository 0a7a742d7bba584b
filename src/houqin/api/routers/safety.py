"""Safety: hazards and rectification, drills, responsibility agreements, safety education
(monthly plan, 1530 talks, activity safety plans), emergency plans, the duty roster and the
monthly fire report.

The same permissions as the pages, and every write through :mod:`houqin.safety.services`
(validated, audited). A hazard's photos are uploaded to ``…/hazards/{id}/photos``
(multipart ``file`` and ``kind`` before/after); ``…/rectify`` then needs an after-photo of
the current round, and ``…/verify`` someone other than the rectifier.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, PatchDict, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, delete_object, get_in_campus, resolve_refs, update_object
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.core.attachments import attachment_add
from houqin.core.models import Building, Child, Room, SchoolClass, Term
from houqin.core.permissions import has_perm
from houqin.safety import services
from houqin.safety.models import (
    ActivityPlan,
    Agreement,
    AgreementSignature,
    Drill,
    DrillFollowUp,
    DrillGroup,
    DutyShift,
    DutySwap,
    EducationRecord,
    EducationTheme,
    EmergencyPlan,
    Hazard,
    PlanAcknowledgement,
    SafetyTalk,
)

router = Router(tags=["safety"])

VIEW_HAZARDS, REPORT, MANAGE_HAZARDS = "safety.view_hazards", "safety.report_hazards", "safety.manage_hazards"
VIEW_DRILLS, MANAGE_DRILLS = "safety.view_drills", "safety.manage_drills"
VIEW_AGREEMENTS, MANAGE_AGREEMENTS = "safety.view_agreements", "safety.manage_agreements"
VIEW_EDU, RECORD_EDU, MANAGE_EDU = (
    "safety.view_education",
    "safety.record_education",
    "safety.manage_education",
)
VIEW_PLANS, MANAGE_PLANS = "safety.view_plans", "safety.manage_plans"
VIEW_DUTY, MANAGE_DUTY = "safety.view_duty", "safety.manage_duty"
SELF = "safety.self_service"


class ReasonIn(Schema):
    reason: str
    deadline: dt.date | None = None


# --- Hazards ------------------------------------------------------------------------------


class HazardIn(Schema):
    room: int | None = Field(None, description="Room id")
    building: int | None = Field(None, description="Building id")
    place_text: str = ""
    category: str = Hazard.Category.FACILITIES.value
    severity: str = Field(Hazard.Severity.LOW.value, description="low (一般), medium (较大), high (重大)")
    description: str
    owner: int | None = Field(
        None, description="Id of a campus member; a hazard with an owner starts as assigned."
    )
    deadline: dt.date | None = Field(None, description="Empty: from the severity (campus rule settings).")
    measures: str = ""


class HazardUpdateIn(Schema):
    room: int | None = None
    building: int | None = None
    place_text: str = ""
    category: str = Hazard.Category.FACILITIES.value
    severity: str = Hazard.Severity.LOW.value
    description: str = ""
    deadline: dt.date | None = None
    measures: str = ""


class HazardOut(Schema):
    id: int
    number: str
    reported_at: dt.datetime
    room: int | None = Field(alias="room_id")
    building: int | None = Field(alias="building_id")
    place: str
    place_text: str
    category: str
    category_display: str = Field(alias="get_category_display")
    severity: str
    severity_display: str = Field(alias="get_severity_display")
    description: str
    source: str
    reporter: int | None = Field(alias="reporter_id")
    reporter_name: str = Field(alias="reporter_display")
    owner: int | None = Field(alias="owner_id")
    owner_name: str | None = None
    deadline: dt.date | None
    is_overdue: bool
    measures: str
    status: str
    status_display: str = Field(alias="get_status_display")
    rectified_by: int | None = Field(alias="rectified_by_id")
    rectified_at: dt.datetime | None
    rectification_note: str
    verified_by: int | None = Field(alias="verified_by_id")
    verified_at: dt.datetime | None
    verification_note: str
    returned_reason: str
    reopen_count: int
    void_reason: str

    @staticmethod
    def resolve_owner_name(obj):
        return _name(obj.owner)


class AssignIn(Schema):
    owner: int
    deadline: dt.date | None = None
    measures: str | None = None


class NoteIn(Schema):
    note: str = ""


HAZARD_REFS = {"room": Room, "building": Building, "owner": "member"}


def _hazards():
    return Hazard.objects.select_related("room", "building", "owner", "reporter")


def _hazard(request, hazard_id):
    return get_in_campus(request, _hazards(), pk=hazard_id)


@router.get("/hazards", response=list[HazardOut], url_name="safety_hazard_list")
@requires(VIEW_HAZARDS)
@paginate(LimitOffset)
def hazard_list(
    request,
    status: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    owner: int | None = None,
    room: int | None = None,
    building: int | None = None,
    overdue: bool | None = None,
    date_from: dt.date | None = Query(None, description="Found on or after"),  # noqa: B008
    date_to: dt.date | None = Query(None, description="Found on or before"),  # noqa: B008
    q: str = "",
):
    qs = _hazards().filter(campus=request.campus).order_by("-reported_at", "-id")
    for name, value in (("status", status), ("severity", severity), ("category", category)):
        if value:
            qs = qs.filter(**{name: value})
    for name, value in (("owner_id", owner), ("room_id", room), ("building_id", building)):
        if value is not None:
            qs = qs.filter(**{name: value})
    today = timezone.localdate()
    if overdue:
        qs = qs.filter(status__in=Hazard.OPEN_STATUSES, deadline__lt=today)
    elif overdue is False:
        qs = qs.exclude(status__in=Hazard.OPEN_STATUSES, deadline__lt=today)
    if date_from:
        qs = qs.filter(reported_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(
            reported_at__lt=timezone.make_aware(
                dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)
            )
        )
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(description__icontains=q) | Q(place_text__icontains=q))
    return qs


@router.post("/hazards", response={201: HazardOut}, url_name="safety_hazard_create")
@requires(REPORT)
def hazard_create(request, payload: HazardIn):
    """Report a hazard (number and default deadline are set; the logistics head is told).
    Only safety managers may name an owner right away."""
    data = resolve_refs(request, payload.dict(), HAZARD_REFS)
    if not has_perm(request, MANAGE_HAZARDS):
        for name in ("owner", "deadline", "measures"):
            data.pop(name, None)
    hazard = services.hazard_report(actor=request.user, campus=request.campus, data=data)
    return Status(201, _hazard(request, hazard.pk))


@router.get("/hazards/{hazard_id}", response=HazardOut, url_name="safety_hazard_detail")
@requires(VIEW_HAZARDS)
def hazard_detail(request, hazard_id: int):
    return _hazard(request, hazard_id)


@router.patch("/hazards/{hazard_id}", response=HazardOut, url_name="safety_hazard_update")
@requires(MANAGE_HAZARDS)
def hazard_update(request, hazard_id: int, payload: PatchDict[HazardUpdateIn]):
    hazard = _hazard(request, hazard_id)
    services.hazard_update(
        actor=request.user, hazard=hazard, data=resolve_refs(request, payload, HAZARD_REFS)
    )
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/photos", response={201: AttachmentOut}, url_name="safety_hazard_photo")
@requires(REPORT)
def hazard_photo(request, hazard_id: int, file: UploadedFile = File(...), kind: str = Form("before")):  # noqa: B008
    """Attach a photo (multipart ``file``; ``kind`` before or after). After-photos are for
    the person rectifying the hazard (its owner, or a safety manager)."""
    hazard = _hazard(request, hazard_id)
    if kind not in ("before", "after", "photo"):
        raise ValidationError({"kind": _("Choose before or after.")})
    if kind == "after" and not services.can_rectify(request.user, hazard, request.perms):
        raise PermissionDenied(_("Only the person responsible or a safety manager can add after-photos."))
    return Status(201, attachment_add(actor=request.user, obj=hazard, uploaded_file=file, kind=kind))


@router.post("/hazards/{hazard_id}/assign", response=HazardOut, url_name="safety_hazard_assign")
@requires(MANAGE_HAZARDS)
def hazard_assign(request, hazard_id: int, payload: AssignIn):
    data = resolve_refs(request, {"owner": payload.owner}, {"owner": "member"})
    services.hazard_assign(
        actor=request.user,
        hazard=_hazard(request, hazard_id),
        owner=data["owner"],
        deadline=payload.deadline,
        measures=payload.measures,
    )
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/rectify", response=HazardOut, url_name="safety_hazard_rectify")
@requires(REPORT)
def hazard_rectify(request, hazard_id: int, payload: NoteIn):
    """Report the rectification: the owner (or a safety manager), with an after-photo
    uploaded in this round."""
    services.hazard_rectify(actor=request.user, hazard=_hazard(request, hazard_id), note=payload.note)
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/verify", response=HazardOut, url_name="safety_hazard_verify")
@requires(MANAGE_HAZARDS)
def hazard_verify(request, hazard_id: int, payload: NoteIn):
    """Verify and close: someone other than the rectifier."""
    services.hazard_verify(actor=request.user, hazard=_hazard(request, hazard_id), note=payload.note)
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/send-back", response=HazardOut, url_name="safety_hazard_send_back")
@requires(MANAGE_HAZARDS)
def hazard_send_back(request, hazard_id: int, payload: ReasonIn):
    services.hazard_send_back(
        actor=request.user,
        hazard=_hazard(request, hazard_id),
        reason=payload.reason,
        deadline=payload.deadline,
    )
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/reopen", response=HazardOut, url_name="safety_hazard_reopen")
@requires(MANAGE_HAZARDS)
def hazard_reopen(request, hazard_id: int, payload: ReasonIn):
    services.hazard_reopen(
        actor=request.user,
        hazard=_hazard(request, hazard_id),
        reason=payload.reason,
        deadline=payload.deadline,
    )
    return _hazard(request, hazard_id)


@router.post("/hazards/{hazard_id}/void", response=HazardOut, url_name="safety_hazard_void")
@requires(MANAGE_HAZARDS)
def hazard_void(request, hazard_id: int, payload: ReasonIn):
    services.hazard_void(actor=request.user, hazard=_hazard(request, hazard_id), reason=payload.reason)
    return _hazard(request, hazard_id)


# --- Drills -------------------------------------------------------------------------------


class DrillIn(Schema):
    title: str
    kind: str = Drill.Kind.FIRE.value
    planned_at: dt.datetime
    place: str = ""
    organizer: int | None = None
    scenario: str = ""


class DrillGroupIn(Schema):
    role: str
    leader: int | None = None
    leader_name: str = ""
    members: str = ""
    duties: str = ""


class DrillGroupOut(Schema):
    id: int
    role: str
    role_display: str = Field(alias="get_role_display")
    leader: int | None = Field(alias="leader_id")
    leader_name: str = Field(alias="leader_display")
    members: str
    duties: str


class FollowUpIn(Schema):
    description: str
    owner: int | None = None
    due_on: dt.date | None = None


class FollowUpOut(Schema):
    id: int
    description: str
    owner: int | None = Field(alias="owner_id")
    due_on: dt.date | None
    done: bool
    hazard: int | None = Field(alias="hazard_id")


class DrillOut(Schema):
    id: int
    title: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    planned_at: dt.datetime
    place: str
    organizer: int | None = Field(alias="organizer_id")
    scenario: str
    status: str
    held_at: dt.datetime | None
    children_count: int | None
    staff_count: int | None
    evacuation_seconds: int | None
    reflection: str


class DrillDetailOut(DrillOut):
    groups: list[DrillGroupOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_groups(obj):
        return list(obj.groups.select_related("leader"))

    @staticmethod
    def resolve_follow_ups(obj):
        return list(obj.follow_ups.all())


class DrillRecordIn(Schema):
    held_at: dt.datetime
    children_count: int | None = Field(None, ge=0)
    staff_count: int | None = Field(None, ge=0)
    evacuation_seconds: int | None = Field(None, ge=0, le=7200)
    reflection: str = ""


class FollowUpHazardIn(Schema):
    severity: str = Hazard.Severity.LOW.value
    category: str | None = None


DRILL_REFS = {"organizer": "member"}


def _drill(request, drill_id):
    return get_in_campus(request, Drill.objects.all(), pk=drill_id)


@router.get("/drills", response=list[DrillOut], url_name="safety_drill_list")
@requires(VIEW_DRILLS)
@paginate(LimitOffset)
def drill_list(request, kind: str | None = None, status: str | None = None, year: int | None = None):
    qs = Drill.objects.filter(campus=request.campus).order_by("-planned_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(planned_at__year=year)
    return qs


@router.post("/drills", response={201: DrillDetailOut}, url_name="safety_drill_create")
@requires(MANAGE_DRILLS)
def drill_create(request, payload: DrillIn):
    drill = create_object(request, Drill, resolve_refs(request, payload.dict(), DRILL_REFS))
    return Status(201, _drill(request, drill.pk))


@router.get("/drills/{drill_id}", response=DrillDetailOut, url_name="safety_drill_detail")
@requires(VIEW_DRILLS)
def drill_detail(request, drill_id: int):
    return _drill(request, drill_id)


@router.patch("/drills/{drill_id}", response=DrillDetailOut, url_name="safety_drill_update")
@requires(MANAGE_DRILLS)
def drill_update(request, drill_id: int, payload: PatchDict[DrillIn]):
    update_object(request, _drill(request, drill_id), resolve_refs(request, payload, DRILL_REFS))
    return _drill(request, drill_id)


@router.post("/drills/{drill_id}/record", response=DrillDetailOut, url_name="safety_drill_record")
@requires(MANAGE_DRILLS)
def drill_record(request, drill_id: int, payload: DrillRecordIn):
    """Record how the drill went: time, participants, evacuation seconds, reflection."""
    services.drill_record(actor=request.user, drill=_drill(request, drill_id), data=payload.dict())
    return _drill(request, drill_id)


@router.post("/drills/{drill_id}/photos", response={201: AttachmentOut}, url_name="safety_drill_photo")
@requires(MANAGE_DRILLS)
def drill_photo(request, drill_id: int, file: UploadedFile = File(...)):  # noqa: B008
    return Status(201, attachment_add(actor=request.user, obj=_drill(request, drill_id), uploaded_file=file))


@router.post("/drills/{drill_id}/groups", response={201: DrillGroupOut}, url_name="safety_drill_group_create")
@requires(MANAGE_DRILLS)
def drill_group_create(request, drill_id: int, payload: DrillGroupIn):
    data = resolve_refs(request, payload.dict(), {"leader": "member"})
    return Status(201, create_object(request, DrillGroup, {**data, "drill": _drill(request, drill_id)}))


@router.delete(
    "/drills/{drill_id}/groups/{group_id}", response={204: None}, url_name="safety_drill_group_delete"
)
@requires(MANAGE_DRILLS)
def drill_group_delete(request, drill_id: int, group_id: int):
    group = get_in_campus(request, DrillGroup.objects.filter(drill_id=drill_id), pk=group_id)
    delete_object(request, group)
    return Status(204, None)


@router.post(
    "/drills/{drill_id}/follow-ups", response={201: FollowUpOut}, url_name="safety_drill_follow_up_create"
)
@requires(MANAGE_DRILLS)
def drill_follow_up_create(request, drill_id: int, payload: FollowUpIn):
    data = resolve_refs(request, payload.dict(), {"owner": "member"})
    return Status(201, create_object(request, DrillFollowUp, {**data, "drill": _drill(request, drill_id)}))


@router.post(
    "/drills/{drill_id}/follow-ups/{follow_up_id}/hazard",
    response={201: HazardOut},
    url_name="safety_drill_follow_up_hazard",
)
@requires(MANAGE_DRILLS)
def drill_follow_up_hazard(request, drill_id: int, follow_up_id: int, payload: FollowUpHazardIn):
    """Turn a follow-up action into a hazard to rectify."""
    if not has_perm(request, REPORT):
        raise PermissionDenied
    follow_up = get_in_campus(request, DrillFollowUp.objects.filter(drill_id=drill_id), pk=follow_up_id)
    hazard = services.drill_follow_up_to_hazard(
        actor=request.user, follow_up=follow_up, severity=payload.severity, category=payload.category
    )
    return Status(201, _hazard(request, hazard.pk))


# --- Agreements ---------------------------------------------------------------------------


class AgreementIn(Schema):
    term: int
    title: str
    kind: str = Agreement.Kind.RESPONSIBILITY.value
    text: str = ""
    audience: str = Agreement.Audience.STAFF.value
    roles: list[str] = Field(default_factory=list, description="Roles whose holders sign (staff agreements).")
    classes: list[int] = Field(
        default_factory=list, description="Class ids (guardian agreements; empty: all)."
    )
    children: list[int] = Field(default_factory=list, description="Only these children (proxy pickup).")
    due_on: dt.date | None = None
    is_active: bool = True


class AgreementOut(Schema):
    id: int
    term: int = Field(alias="term_id")
    title: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    text: str
    audience: str
    roles: list[str]
    classes: list[int]
    children: list[int]
    due_on: dt.date | None
    is_active: bool
    signed: int = 0

    @staticmethod
    def resolve_classes(obj):
        return [c.pk for c in obj.classes.all()]

    @staticmethod
    def resolve_children(obj):
        return [c.pk for c in obj.children.all()]

    @staticmethod
    def resolve_signed(obj):
        return getattr(obj, "signed_count", 0)


class SignerOut(Schema):
    id: int
    name: str
    kind: str = Field(description="user or child")


class SignatureOut(Schema):
    id: int
    user: int | None = Field(alias="user_id")
    child: int | None = Field(alias="child_id")
    signer_name: str
    method: str
    signed_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str


class AgreementDetailOut(AgreementOut):
    required: int = Field(alias="required_count")
    rate: float | None = Field(alias="signed_rate")
    missing: list[SignerOut] = Field(alias="missing_signers")
    signatures: list[SignatureOut] = Field(alias="signature_list")


def _agreements():
    return (
        Agreement.objects.prefetch_related("classes", "children")
        .annotate(signed_count=Count("signatures", filter=Q(signatures__voided_at__isnull=True)))
        .order_by("-term__start_date", "title")
    )


def _agreement_detail(request, agreement_id):
    agreement = get_in_campus(request, _agreements(), pk=agreement_id)
    progress = services.agreement_progress(agreement)
    staff = agreement.audience == Agreement.Audience.STAFF
    agreement.required_count = progress["required"]
    agreement.signed_count = progress["signed"]
    agreement.signed_rate = progress["rate"]
    agreement.missing_signers = [
        {"id": p.pk, "name": p.display_name if staff else p.name, "kind": "user" if staff else "child"}
        for p in progress["missing"]
    ]
    agreement.signature_list = progress["signatures"]
    return agreement


def _agreement_data(request, payload):
    data = dict(payload)
    classes = data.pop("classes", None)
    children = data.pop("children", None)
    data = resolve_refs(request, data, {"term": Term})
    if classes is not None:
        found = list(SchoolClass.objects.filter(campus=request.campus, pk__in=classes))
        if len(found) != len(set(classes)):
            raise ValidationError(
                {"classes": [_("Select a valid choice. That choice is not one of the available choices.")]}
            )
        classes = found
    if children is not None:
        found = list(Child.objects.filter(campus=request.campus, pk__in=children))
        if len(found) != len(set(children)):
            raise ValidationError(
                {"children": [_("Select a valid choice. That choice is not one of the available choices.")]}
            )
        children = found
    return data, classes, children


@router.get("/agreements", response=list[AgreementOut], url_name="safety_agreement_list")
@requires(VIEW_AGREEMENTS)
@paginate(LimitOffset)
def agreement_list(request, term: int | None = None, kind: str | None = None):
    qs = _agreements().filter(campus=request.campus)
    if term is not None:
        qs = qs.filter(term_id=term)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.post("/agreements", response={201: AgreementDetailOut}, url_name="safety_agreement_create")
@requires(MANAGE_AGREEMENTS)
@transaction.atomic
def agreement_create(request, payload: AgreementIn):
    data, classes, children = _agreement_data(request, payload.dict())
    agreement = create_object(request, Agreement, data)
    agreement.classes.set(classes or [])
    agreement.children.set(children or [])
    return Status(201, _agreement_detail(request, agreement.pk))


@router.get("/agreements/{agreement_id}", response=AgreementDetailOut, url_name="safety_agreement_detail")
@requires(VIEW_AGREEMENTS)
def agreement_detail(request, agreement_id: int):
    """The agreement with its completion: who must sign, who has, who has not yet."""
    return _agreement_detail(request, agreement_id)


@router.patch("/agreements/{agreement_id}", response=AgreementDetailOut, url_name="safety_agreement_update")
@requires(MANAGE_AGREEMENTS)
@transaction.atomic
def agreement_update(request, agreement_id: int, payload: PatchDict[AgreementIn]):
    agreement = get_in_campus(request, Agreement.objects.all(), pk=agreement_id)
    data, classes, children = _agreement_data(request, payload)
    update_object(request, agreement, data)
    if classes is not None:
        agreement.classes.set(classes)
    if children is not None:
        agreement.children.set(children)
    return _agreement_detail(request, agreement_id)


@router.post(
    "/agreements/{agreement_id}/confirm", response={201: SignatureOut}, url_name="safety_agreement_confirm"
)
@requires(SELF)
def agreement_confirm(request, agreement_id: int):
    """Confirm a staff agreement on screen, as the logged-in user."""
    agreement = get_in_campus(request, Agreement.objects.all(), pk=agreement_id)
    return Status(201, services.agreement_confirm(actor=request.user, agreement=agreement))


@router.post(
    "/agreements/{agreement_id}/signatures",
    response={201: SignatureOut},
    url_name="safety_agreement_signature",
)
@requires(MANAGE_AGREEMENTS)
def agreement_signature(
    request,
    agreement_id: int,
    scan: UploadedFile = File(...),  # noqa: B008
    user: int | None = Form(None),  # noqa: B008
    child: int | None = Form(None),  # noqa: B008
    signer_name: str = Form(""),
    signed_on: dt.date | None = Form(None),  # noqa: B008
):
    """Record a signed paper (multipart: ``scan``, and ``user`` or ``child``)."""
    agreement = get_in_campus(request, Agreement.objects.all(), pk=agreement_id)
    refs = resolve_refs(request, {"user": user, "child": child}, {"user": "member", "child": Child})
    return Status(
        201,
        services.agreement_record_scan(
            actor=request.user,
            agreement=agreement,
            scan=scan,
            user=refs["user"],
            child=refs["child"],
            signer_name=signer_name,
            signed_on=signed_on,
        ),
    )


@router.post(
    "/agreement-signatures/{signature_id}/void",
    response=SignatureOut,
    url_name="safety_agreement_signature_void",
)
@requires(MANAGE_AGREEMENTS)
def agreement_signature_void(request, signature_id: int, payload: ReasonIn):
    signature = get_in_campus(request, AgreementSignature.objects.all(), pk=signature_id)
    return services.agreement_signature_void(actor=request.user, signature=signature, reason=payload.reason)


class MyAgreementOut(Schema):
    id: int
    title: str
    term: int
    text: str
    signed_at: dt.datetime | None


@router.get("/my/agreements", response=list[MyAgreementOut], url_name="safety_my_agreements")
@requires(SELF)
def my_agreements(request):
    """Staff agreements the user must sign (open ones, and those already signed)."""
    roles = set(request.roles)
    signed = dict(
        AgreementSignature.objects.filter(
            campus=request.campus, user=request.user, voided_at__isnull=True
        ).values_list("agreement_id", "signed_at")
    )
    return [
        {"id": a.pk, "title": a.title, "term": a.term_id, "text": a.text, "signed_at": signed.get(a.pk)}
        for a in Agreement.objects.filter(campus=request.campus, audience=Agreement.Audience.STAFF).order_by(
            "title"
        )
        if roles & set(a.roles or []) and (a.is_active or a.pk in signed)
    ]


# --- Safety education ---------------------------------------------------------------------


class ThemeIn(Schema):
    term: int
    month: dt.date = Field(description="Any day of the month")
    title: str
    content: str = ""
    per_class: bool = True


class ThemeOut(Schema):
    id: int
    term: int = Field(alias="term_id")
    month: dt.date
    title: str
    content: str
    per_class: bool
    classes_done: int = 0

    @staticmethod
    def resolve_classes_done(obj):
        return getattr(obj, "done_count", 0)


class TermIn(Schema):
    term: int


class EducationRecordIn(Schema):
    theme: int
    school_class: int
    held_on: dt.date
    note: str = ""


class EducationRecordOut(Schema):
    id: int
    theme: int = Field(alias="theme_id")
    school_class: int = Field(alias="school_class_id")
    held_on: dt.date
    teacher: int | None = Field(alias="teacher_id")
    note: str


def _term(request, term_id):
    if term_id is None:
        today = timezone.localdate()
        term = Term.objects.filter(campus=request.campus, start_date__lte=today, end_date__gte=today).first()
        if term is None:
            raise ValidationError({"term": _("There is no current term; name one.")})
        return term
    return get_in_campus(request, Term.objects.all(), pk=term_id)


@router.get("/education/themes", response=list[ThemeOut], url_name="safety_theme_list")
@requires(VIEW_EDU)
def theme_list(request, term: int | None = Query(None, description="Term id (default: the current term)")):
    """The monthly safety-education plan of a term, with how many classes recorded each theme."""
    return list(
        EducationTheme.objects.filter(campus=request.campus, term=_term(request, term))
        .annotate(done_count=Count("records"))
        .order_by("month", "id")
    )


@router.post("/education/themes", response={201: ThemeOut}, url_name="safety_theme_create")
@requires(MANAGE_EDU)
def theme_create(request, payload: ThemeIn):
    return Status(
        201, create_object(request, EducationTheme, resolve_refs(request, payload.dict(), {"term": Term}))
    )


@router.patch("/education/themes/{theme_id}", response=ThemeOut, url_name="safety_theme_update")
@requires(MANAGE_EDU)
def theme_update(request, theme_id: int, payload: PatchDict[ThemeIn]):
    theme = get_in_campus(request, EducationTheme.objects.all(), pk=theme_id)
    return update_object(request, theme, resolve_refs(request, payload, {"term": Term}))


@router.post("/education/prefill", response={201: list[ThemeOut]}, url_name="safety_theme_prefill")
@requires(MANAGE_EDU)
def theme_prefill(request, payload: TermIn):
    """Fill the term's months that have no theme from the built-in plan (SPEC §3.6)."""
    return Status(201, services.education_plan_prefill(actor=request.user, term=_term(request, payload.term)))


@router.get("/education/records", response=list[EducationRecordOut], url_name="safety_education_record_list")
@requires(VIEW_EDU)
@paginate(LimitOffset)
def education_record_list(request, theme: int | None = None, school_class: int | None = None):
    qs = EducationRecord.objects.filter(campus=request.campus).order_by("-held_on", "-id")
    if theme is not None:
        qs = qs.filter(theme_id=theme)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    return qs


@router.post(
    "/education/records", response={201: EducationRecordOut}, url_name="safety_education_record_create"
)
@requires(RECORD_EDU)
def education_record_create(request, payload: EducationRecordIn):
    """A class held the month's lesson (photos: POST …/records/{id}/photos)."""
    refs = resolve_refs(request, payload.dict(), {"theme": EducationTheme, "school_class": SchoolClass})
    return Status(
        201,
        services.education_record_save(
            actor=request.user,
            theme=refs["theme"],
            school_class=refs["school_class"],
            held_on=payload.held_on,
            note=payload.note,
        ),
    )


@router.post(
    "/education/records/{record_id}/photos",
    response={201: AttachmentOut},
    url_name="safety_education_record_photo",
)
@requires(RECORD_EDU)
def education_record_photo(request, record_id: int, file: UploadedFile = File(...)):  # noqa: B008
    record = get_in_campus(request, EducationRecord.objects.all(), pk=record_id)
    return Status(201, attachment_add(actor=request.user, obj=record, uploaded_file=file))


class TalkClassOut(Schema):
    school_class: int
    name: str
    done: int
    due: int
    rate: float | None


class TalkDueOut(Schema):
    date: dt.date
    slot: str
    minutes: int
    reason: str = Field(description="daily, weekend or holiday")
    done: bool


class TalkIn(Schema):
    school_class: int
    date: dt.date
    slot: str = SafetyTalk.Slot.LEAVING.value
    topic: str = ""


class TalkOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    date: dt.date
    slot: str
    minutes: int
    topic: str


@router.get("/education/1530", response=list[TalkClassOut], url_name="safety_talk_overview")
@requires(VIEW_EDU)
def talk_overview(request, term: int | None = None, until: dt.date | None = None):
    """The 1530 talks per class: held against due so far (today by default)."""
    term_obj = _term(request, term)
    classes = list(
        SchoolClass.objects.filter(campus=request.campus, is_active=True).order_by("sort_order", "name")
    )
    completion = services.talk_completion(term_obj, classes, until=until)
    out = []
    for c in classes:
        done, due = completion[c.pk]
        out.append(
            {
                "school_class": c.pk,
                "name": c.name,
                "done": done,
                "due": due,
                "rate": round(100 * done / due, 1) if due else None,
            }
        )
    return out


@router.get("/education/1530/classes/{class_id}", response=list[TalkDueOut], url_name="safety_talk_class")
@requires(VIEW_EDU)
def talk_class(request, class_id: int, term: int | None = None, until: dt.date | None = None):
    """Every 1530 talk due for one class in the term up to ``until`` (today), with what was held."""
    school_class = get_in_campus(request, SchoolClass.objects.all(), pk=class_id)
    term_obj = _term(request, term)
    until = until or timezone.localdate()
    held = set(
        SafetyTalk.objects.filter(school_class=school_class, date__gte=term_obj.start_date).values_list(
            "date", "slot"
        )
    )
    return [
        {"date": d, "slot": s, "minutes": m, "reason": r, "done": (d, s) in held}
        for d, s, m, r in services.talk_due_list(term_obj, until=until)
    ]


@router.post("/education/1530/talks", response={201: TalkOut}, url_name="safety_talk_create")
@requires(RECORD_EDU)
def talk_create(request, payload: TalkIn):
    school_class = get_in_campus(request, SchoolClass.objects.all(), pk=payload.school_class)
    term = Term.objects.filter(
        campus=request.campus, start_date__lte=payload.date, end_date__gte=payload.date
    ).first()
    if term is None:
        raise ValidationError({"date": _("That day is not in any term.")})
    return Status(
        201,
        services.safety_talk_record(
            actor=request.user,
            term=term,
            school_class=school_class,
            date=payload.date,
            slot=payload.slot,
            topic=payload.topic,
        ),
    )


class ActivityPlanIn(Schema):
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    destination: str
    classes: list[int] = Field(default_factory=list)
    children_count: int = Field(0, ge=0)
    adults_count: int = Field(0, ge=0)
    responsible: int | None = None
    transport: str = ""
    risks: str
    measures: str
    emergency: str = ""


class ActivityPlanOut(Schema):
    id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    destination: str
    classes: list[int]
    children_count: int
    adults_count: int
    responsible: int | None = Field(alias="responsible_id")
    transport: str
    risks: str
    measures: str
    emergency: str
    status: str
    submitted_by: int | None = Field(alias="submitted_by_id")

    @staticmethod
    def resolve_classes(obj):
        return [c.pk for c in obj.classes.all()]


class CommentIn(Schema):
    comment: str = ""


def _activity(request, plan_id):
    return get_in_campus(request, ActivityPlan.objects.prefetch_related("classes"), pk=plan_id)


def _activity_data(request, payload):
    data = dict(payload)
    classes = data.pop("classes", None)
    data = resolve_refs(request, data, {"responsible": "member"})
    if classes is not None:
        found = list(SchoolClass.objects.filter(campus=request.campus, pk__in=classes))
        if len(found) != len(set(classes)):
            raise ValidationError(
                {"classes": [_("Select a valid choice. That choice is not one of the available choices.")]}
            )
        classes = found
    return data, classes


def _may_edit_activity(request, plan):
    if plan.submitted_by_id != request.user.pk and not has_perm(request, MANAGE_EDU):
        raise PermissionDenied(_("Only the person who wrote the plan can change it."))


@router.get("/activity-plans", response=list[ActivityPlanOut], url_name="safety_activity_list")
@requires(VIEW_EDU)
@paginate(LimitOffset)
def activity_list(request, status: str | None = None):
    qs = (
        ActivityPlan.objects.filter(campus=request.campus)
        .prefetch_related("classes")
        .order_by("-starts_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/activity-plans", response={201: ActivityPlanOut}, url_name="safety_activity_create")
@requires(RECORD_EDU)
def activity_create(request, payload: ActivityPlanIn):
    data, classes = _activity_data(request, payload.dict())
    plan = services.activity_plan_save(actor=request.user, campus=request.campus, data=data, classes=classes)
    return Status(201, _activity(request, plan.pk))


@router.get("/activity-plans/{plan_id}", response=ActivityPlanOut, url_name="safety_activity_detail")
@requires(VIEW_EDU)
def activity_detail(request, plan_id: int):
    return _activity(request, plan_id)


@router.patch("/activity-plans/{plan_id}", response=ActivityPlanOut, url_name="safety_activity_update")
@requires(RECORD_EDU)
def activity_update(request, plan_id: int, payload: PatchDict[ActivityPlanIn]):
    plan = _activity(request, plan_id)
    _may_edit_activity(request, plan)
    data, classes = _activity_data(request, payload)
    services.activity_plan_save(
        actor=request.user, campus=request.campus, data=data, classes=classes, plan=plan
    )
    return _activity(request, plan_id)


@router.post("/activity-plans/{plan_id}/submit", response=ActivityPlanOut, url_name="safety_activity_submit")
@requires(RECORD_EDU)
def activity_submit(request, plan_id: int):
    """Send the plan for approval (logistics head, then principal)."""
    plan = _activity(request, plan_id)
    _may_edit_activity(request, plan)
    services.activity_plan_submit(actor=request.user, plan=plan)
    return _activity(request, plan_id)


@router.post(
    "/activity-plans/{plan_id}/withdraw", response=ActivityPlanOut, url_name="safety_activity_withdraw"
)
@requires(RECORD_EDU)
def activity_withdraw(request, plan_id: int, payload: CommentIn):
    services.activity_plan_withdraw(
        actor=request.user, plan=_activity(request, plan_id), comment=payload.comment
    )
    return _activity(request, plan_id)


# --- Emergency plans ----------------------------------------------------------------------


class PlanIn(Schema):
    title: str
    category: str = EmergencyPlan.Category.GENERAL.value
    is_active: bool = True


class PlanVersionOut(Schema):
    id: int
    version: str
    text: str
    published_on: dt.date
    published_by: int | None = Field(alias="published_by_id")
    change_note: str


class PlanOut(Schema):
    id: int
    title: str
    category: str
    is_active: bool
    current_version: PlanVersionOut | None
    read_by_me: bool = Field(False, description="You confirmed reading the current version.")
    read_count: int = Field(
        0, alias="ack_count", description="Staff who confirmed reading the current version."
    )


class PlanVersionIn(Schema):
    version: str
    text: str = ""
    published_on: dt.date | None = None
    change_note: str = ""


class PersonOut(Schema):
    id: int
    name: str = Field(alias="display_name")


def _plans(request):
    mine = PlanAcknowledgement.objects.filter(version_id=OuterRef("current_version_id"), user=request.user)
    return (
        EmergencyPlan.objects.select_related("current_version")
        .annotate(ack_count=Count("current_version__acknowledgements"), read_by_me=Exists(mine))
        .order_by("title")
    )


def _plan(request, plan_id):
    return get_in_campus(request, _plans(request), pk=plan_id)


@router.get("/emergency-plans", response=list[PlanOut], url_name="safety_plan_list")
@requires(VIEW_PLANS)
@paginate(LimitOffset)
def plan_list(request, category: str | None = None):
    qs = _plans(request).filter(campus=request.campus)
    if category:
        qs = qs.filter(category=category)
    return qs


@router.post("/emergency-plans", response={201: PlanOut}, url_name="safety_plan_create")
@requires(MANAGE_PLANS)
def plan_create(request, payload: PlanIn):
    plan = create_object(request, EmergencyPlan, payload.dict())
    return Status(201, _plan(request, plan.pk))


@router.get("/emergency-plans/{plan_id}", response=PlanOut, url_name="safety_plan_detail")
@requires(VIEW_PLANS)
def plan_detail(request, plan_id: int):
    return _plan(request, plan_id)


@router.patch("/emergency-plans/{plan_id}", response=PlanOut, url_name="safety_plan_update")
@requires(MANAGE_PLANS)
def plan_update(request, plan_id: int, payload: PatchDict[PlanIn]):
    update_object(request, _plan(request, plan_id), payload)
    return _plan(request, plan_id)


@router.post("/emergency-plans/{plan_id}/versions", response={201: PlanOut}, url_name="safety_plan_publish")
@requires(MANAGE_PLANS)
def plan_publish(request, plan_id: int, payload: PlanVersionIn):
    """Publish a new version: every staff member has to read it again."""
    services.plan_publish_version(
        actor=request.user,
        plan=_plan(request, plan_id),
        version=payload.version,
        text=payload.text,
        published_on=payload.published_on,
        change_note=payload.change_note,
    )
    return Status(201, _plan(request, plan_id))


@router.post("/emergency-plans/{plan_id}/acknowledge", response=PlanOut, url_name="safety_plan_acknowledge")
@requires(SELF)
def plan_acknowledge(request, plan_id: int):
    """Confirm having read the current version."""
    services.plan_acknowledge(actor=request.user, plan=_plan(request, plan_id))
    return _plan(request, plan_id)


@router.get("/emergency-plans/{plan_id}/unread", response=list[PersonOut], url_name="safety_plan_unread")
@requires(MANAGE_PLANS)
def plan_unread(request, plan_id: int):
    """Staff of the campus who have not confirmed reading the current version."""
    return list(services.plan_unacknowledged(_plan(request, plan_id)))


# --- Duty roster --------------------------------------------------------------------------


class ShiftIn(Schema):
    date: dt.date
    kind: str = DutyShift.Kind.ADMIN.value
    start_time: dt.time = dt.time(7, 30)
    end_time: dt.time = dt.time(17, 30)
    person: int
    phone: str = ""
    note: str = ""


class ShiftOut(Schema):
    id: int
    date: dt.date
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    start_time: dt.time
    end_time: dt.time
    person: int = Field(alias="person_id")
    person_name: str
    phone: str
    note: str

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.display_name


class SwapIn(Schema):
    replacement: int
    other_shift: int | None = Field(None, description="A shift of the replacement to take in exchange.")
    reason: str


class SwapOut(Schema):
    id: int
    shift: int = Field(alias="shift_id")
    requested_by: int = Field(alias="requested_by_id")
    replacement: int = Field(alias="replacement_id")
    other_shift: int | None = Field(alias="other_shift_id")
    reason: str
    status: str


SHIFT_REFS = {"person": "member"}


def _shifts():
    return DutyShift.objects.select_related("person")


@router.get("/duty/shifts", response=list[ShiftOut], url_name="safety_shift_list")
@requires(VIEW_DUTY)
@paginate(LimitOffset)
def shift_list(
    request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str | None = None,
    person: int | None = None,
):
    qs = _shifts().filter(campus=request.campus).order_by("date", "start_time", "id")
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if kind:
        qs = qs.filter(kind=kind)
    if person is not None:
        qs = qs.filter(person_id=person)
    return qs


@router.get("/duty/today", response=list[ShiftOut], url_name="safety_shift_today")
@requires(VIEW_DUTY)
def shift_today(request):
    """Who is on duty today."""
    return list(services.duty_on(request.campus, timezone.localdate()))


@router.post("/duty/shifts", response={201: ShiftOut}, url_name="safety_shift_create")
@requires(MANAGE_DUTY)
def shift_create(request, payload: ShiftIn):
    shift = create_object(request, DutyShift, resolve_refs(request, payload.dict(), SHIFT_REFS))
    return Status(201, get_in_campus(request, _shifts(), pk=shift.pk))


@router.get("/duty/shifts/{shift_id}", response=ShiftOut, url_name="safety_shift_detail")
@requires(VIEW_DUTY)
def shift_detail(request, shift_id: int):
    return get_in_campus(request, _shifts(), pk=shift_id)


@router.patch("/duty/shifts/{shift_id}", response=ShiftOut, url_name="safety_shift_update")
@requires(MANAGE_DUTY)
def shift_update(request, shift_id: int, payload: PatchDict[ShiftIn]):
    update_object(
        request, get_in_campus(request, _shifts(), pk=shift_id), resolve_refs(request, payload, SHIFT_REFS)
    )
    return get_in_campus(request, _shifts(), pk=shift_id)


@router.delete("/duty/shifts/{shift_id}", response={204: None}, url_name="safety_shift_delete")
@requires(MANAGE_DUTY)
def shift_delete(request, shift_id: int):
    delete_object(request, get_in_campus(request, _shifts(), pk=shift_id))
    return Status(204, None)


@router.post("/duty/shifts/{shift_id}/swap", response={201: SwapOut}, url_name="safety_shift_swap")
@requires(SELF)
def shift_swap(request, shift_id: int, payload: SwapIn):
    """The person on duty asks to hand the shift over (approved by the logistics head)."""
    shift = get_in_campus(request, _shifts(), pk=shift_id)
    refs = resolve_refs(
        request,
        {"replacement": payload.replacement, "other_shift": payload.other_shift},
        {"replacement": "member", "other_shift": DutyShift},
    )
    return Status(
        201,
        services.duty_swap_request(
            actor=request.user,
            shift=shift,
            replacement=refs["replacement"],
            other_shift=refs["other_shift"],
            reason=payload.reason,
        ),
    )


@router.get("/duty/swaps", response=list[SwapOut], url_name="safety_swap_list")
@requires(VIEW_DUTY)
@paginate(LimitOffset)
def swap_list(request, status: str | None = None):
    qs = DutySwap.objects.filter(campus=request.campus).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/duty/swaps/{swap_id}/withdraw", response=SwapOut, url_name="safety_swap_withdraw")
@requires(SELF)
def swap_withdraw(request, swap_id: int, payload: CommentIn):
    swap = get_in_campus(request, DutySwap.objects.all(), pk=swap_id)
    return services.duty_swap_withdraw(actor=request.user, swap=swap, comment=payload.comment)


# --- Fire monthly report ------------------------------------------------------------------


class FireHazardOut(Schema):
    id: int
    number: str
    place: str
    description: str
    status: str
    deadline: dt.date | None


class FireDrillOut(Schema):
    id: int
    title: str
    kind: str
    planned_at: dt.datetime
    status: str
    participants: int | None
    evacuation_seconds: int | None


class FireRoutineRow(Schema):
    name: str
    total: int
    done: int
    missed: int
    rate: float | None
    failures: int


class FireRoutinesOut(Schema):
    rows: list[FireRoutineRow]
    total: int
    done: int
    missed: int
    rate: float | None
    failures: int


class FireReportOut(Schema):
    month: str
    routines: FireRoutinesOut | None
    hazards_found: int
    hazards_closed: int
    hazards_open: int
    hazards_overdue: int
    hazards: list[FireHazardOut]
    drills_held: int
    fire_drills_held: int
    drills: list[FireDrillOut]


@router.get("/fire-report", response=FireReportOut, url_name="safety_fire_report")
@requires("safety.view_fire_report")
def fire_report(request, month: str = Query("", description="YYYY-MM (default: this month)")):
    from houqin.safety.views.fire import parse_month

    if month and parse_month(month).strftime("%Y-%m") != month[:7]:
        raise ValidationError({"month": _("Enter a month such as 2026-11.")})
    report = services.fire_report(request.campus, parse_month(month))
    return {
        "month": f"{report['month']:%Y-%m}",
        "routines": report["routines"],
        "hazards_found": len(report["found"]),
        "hazards_closed": len(report["closed"]),
        "hazards_open": len(report["open_at_end"]),
        "hazards_overdue": len(report["overdue"]),
        "hazards": report["hazards"],
        "drills_held": len(report["drills_done"]),
        "fire_drills_held": len(report["fire_drills"]),
        "drills": report["drills"],
    }
