"""Custody of assets: class property hand-overs, loans, damage and compensation, disposal
requests and the asset reports, under /api/v1/c/{campus}/.

The same permissions as the pages, every write through :mod:`houqin.assets.custody_services`
(validated, audited). An asset is given by id (``asset``) or by what a scanner read
(``scan``: the label's URL, its token or the tag number). Disposal requests are decided
through the approvals API (``/approvals/{id}/decide``); ``…/submit`` returns the request
with its approval id.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, PatchDict, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import MAX_LIMIT, LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.assets import custody_services as services
from houqin.assets.models import (
    Asset,
    AssetCategory,
    CompensationPayment,
    Condition,
    Damage,
    DisposalLine,
    DisposalRequest,
    Handover,
    HandoverLine,
    Loan,
)
from houqin.core import approvals
from houqin.core.attachments import attachment_add
from houqin.core.models import Room, SchoolClass, Term

router = Router(tags=["custody"])

VIEW, MANAGE, SIGN = "assets.view_custody", "assets.manage_custody", "assets.sign_handover"
BORROW, DISPOSE, REPORTS = "assets.borrow_assets", "assets.request_disposal", "assets.view_reports"


class ReasonIn(Schema):
    reason: str


class CommentIn(Schema):
    comment: str = ""


def _asset(request, asset_id=None, scan=""):
    """The campus's asset named by id or by a scanned text; a field error otherwise."""
    from houqin.assets.services import asset_by_scan

    if asset_id is not None:
        asset = Asset.objects.filter(campus=request.campus, pk=asset_id).first()
    elif scan:
        asset = asset_by_scan(request.campus, scan)
    else:
        raise ValidationError({"asset": [_("Give the asset: its id or the scanned label.")]})
    if asset is None:
        raise ValidationError({"asset": [_("No asset of this campus matches.")]})
    return asset


def _upload(request, obj, file, kind, allowed):
    if kind not in allowed:
        raise ValidationError({"kind": [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(allowed)}]})
    return Status(201, attachment_add(actor=request.user, obj=obj, uploaded_file=file, kind=kind))


# --- Hand-overs ---------------------------------------------------------------------------


class HandoverLineOut(Schema):
    id: int
    asset: int = Field(alias="asset_id")
    tag: str
    name: str
    model_spec: str
    quantity: int
    unit: str
    value: Decimal
    on_loan: bool
    present: bool
    condition: str
    note: str
    is_discrepancy: bool
    damage: int | None = Field(alias="damage_id")
    resolution: str


class HandoverOut(Schema):
    id: int
    number: str
    term: int = Field(alias="term_id")
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    room: int = Field(alias="room_id")
    room_name: str
    school_class: int | None = Field(alias="school_class_id")
    from_user: int | None = Field(alias="from_user_id")
    giver: str = Field(alias="giver_display")
    to_user: int = Field(alias="to_user_id")
    receiver: str | None = None
    status: str
    from_signed_at: dt.datetime | None
    to_signed_at: dt.datetime | None
    from_signature: int | None = Field(alias="from_signature_id")
    to_signature: int | None = Field(alias="to_signature_id")
    completed_at: dt.datetime | None
    note: str
    void_reason: str

    @staticmethod
    def resolve_room_name(obj):
        return str(obj.room)

    @staticmethod
    def resolve_receiver(obj):
        return _name(obj.to_user)


class HandoverDetailOut(HandoverOut):
    lines: list[HandoverLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.order_by("tag", "id"))


class HandoverIn(Schema):
    term: int
    kind: str = Handover.Kind.CHANGE.value
    room: int
    to_user: int = Field(description="Id of the campus member who receives the property.")
    from_user: int | None = Field(None, description="Empty: the asset office hands over.")
    school_class: int | None = Field(None, description="Empty: the class using the room.")
    note: str = ""


class HandoverBulkIn(Schema):
    term: int
    kind: str = Field(Handover.Kind.TERM_START.value, description="term_start or term_end")
    keeper: int | None = Field(None, description="For the asset office; empty: you.")


class SkippedOut(Schema):
    room: int
    room_name: str
    reason: str


class HandoverBulkOut(Schema):
    created: list[HandoverOut]
    skipped: list[SkippedOut]


class LineCheckIn(Schema):
    id: int
    present: bool | None = None
    condition: str | None = None
    note: str | None = None


class SignIn(Schema):
    side: str = Field(description="from (the giver) or to (the receiver); with your own login.")
    signature: str = Field("", description="Optional handwritten signature: a data:image/png;base64 URL.")


class ResolveIn(Schema):
    resolution: str


def _handovers():
    return Handover.objects.select_related("room", "to_user", "from_user")


def _handover(request, handover_id):
    return get_in_campus(request, _handovers(), pk=handover_id)


@router.get("/handovers", response=list[HandoverOut], url_name="custody_handover_list")
@requires(VIEW)
@paginate(LimitOffset)
def handover_list(
    request,
    term: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    room: int | None = None,
    unsigned: bool | None = None,
):
    qs = _handovers().filter(campus=request.campus).order_by("-created_at", "-id")
    for name, value in (("term_id", term), ("kind", kind), ("status", status), ("room_id", room)):
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    if unsigned:
        qs = qs.filter(status=Handover.Status.OPEN).filter(
            Q(from_signed_at__isnull=True) | Q(to_signed_at__isnull=True)
        )
    return qs


@router.post("/handovers", response={201: HandoverDetailOut}, url_name="custody_handover_create")
@requires(MANAGE)
def handover_create(request, payload: HandoverIn):
    """Open the hand-over of a room: its active assets are frozen as lines."""
    data = resolve_refs(
        request,
        payload.dict(),
        {"term": Term, "room": Room, "school_class": SchoolClass, "to_user": "member", "from_user": "member"},
    )
    school_class = data["school_class"] or services.class_of_room(data["room"])
    handover = services.handover_create(
        actor=request.user, campus=request.campus, term=data["term"], room=data["room"], kind=data["kind"],
        to_user=data["to_user"], from_user=data["from_user"], school_class=school_class, note=data["note"],
    )  # fmt: skip
    return Status(201, _handover(request, handover.pk))


@router.post("/handovers/bulk", response={201: HandoverBulkOut}, url_name="custody_handover_bulk")
@requires(MANAGE)
def handover_bulk(request, payload: HandoverBulkIn):
    """One hand-over per classroom of the term (term end: teacher → asset office; term
    start: the other way); rooms that cannot be handed over are listed with the reason."""
    data = resolve_refs(request, payload.dict(), {"term": Term, "keeper": "member"})
    if data["kind"] not in (Handover.Kind.TERM_START, Handover.Kind.TERM_END):
        raise ValidationError({"kind": [_("Choose term_start or term_end.")]})
    result = services.handover_create_for_term(
        actor=request.user, campus=request.campus, term=data["term"], kind=data["kind"], keeper=data["keeper"]
    )
    return Status(
        201,
        {
            "created": list(_handovers().filter(pk__in=[h.pk for h in result.created]).order_by("id")),
            "skipped": [
                {"room": r.pk, "room_name": str(r), "reason": str(reason)} for r, reason in result.skipped
            ],
        },
    )


@router.get("/handovers/mine", response=list[HandoverDetailOut], url_name="custody_handover_mine")
@requires(SIGN)
def handover_mine(request):
    """Open hand-overs waiting for my own signature, with their lines."""
    return list(
        services.handovers_to_sign(request.user, request.campus)
        .select_related("room", "to_user", "from_user")
        .prefetch_related("lines")
        .order_by("created_at", "id")[:50]
    )


@router.get("/handovers/{handover_id}", response=HandoverDetailOut, url_name="custody_handover_detail")
@requires(VIEW)
def handover_detail(request, handover_id: int):
    return _handover(request, handover_id)


@router.patch("/handovers/{handover_id}/lines", response=HandoverDetailOut, url_name="custody_handover_lines")
@requires(SIGN)
def handover_lines(request, handover_id: int, payload: list[LineCheckIn]):
    """Record the check (the two people of the hand-over or an asset keeper); a change
    after a signature clears the signatures."""
    handover = _handover(request, handover_id)
    changes = {}
    for item in payload:
        values = {k: v for k, v in item.dict().items() if k != "id" and v is not None}
        if "condition" in values and values["condition"] not in Condition.values:
            raise ValidationError({"condition": [_("Choose good, worn or damaged.")]})
        changes[item.id] = values
    services.handover_lines_update(actor=request.user, handover=handover, changes=changes)
    return _handover(request, handover_id)


@router.post("/handovers/{handover_id}/sign", response=HandoverDetailOut, url_name="custody_handover_sign")
@requires(SIGN)
def handover_sign(request, handover_id: int, payload: SignIn):
    """Sign one side with your own login; when both have signed the hand-over completes."""
    services.handover_sign(
        actor=request.user, handover=_handover(request, handover_id), side=payload.side,
        signature=payload.signature or None,
    )  # fmt: skip
    return _handover(request, handover_id)


@router.post("/handovers/{handover_id}/void", response=HandoverDetailOut, url_name="custody_handover_void")
@requires(MANAGE)
def handover_void(request, handover_id: int, payload: ReasonIn):
    services.handover_void(
        actor=request.user, handover=_handover(request, handover_id), reason=payload.reason
    )
    return _handover(request, handover_id)


def _line(request, line_id):
    return get_in_campus(request, HandoverLine.objects.select_related("handover"), pk=line_id)


@router.post(
    "/handovers/lines/{line_id}/damage", response={201: dict}, url_name="custody_handover_line_damage"
)
@requires(MANAGE)
def handover_line_damage(request, line_id: int):
    """Turn a missing or damaged line of a signed hand-over into a damage record."""
    damage = services.handover_line_to_damage(actor=request.user, line=_line(request, line_id))
    return Status(201, {"damage": damage.pk, "number": damage.number})


@router.post(
    "/handovers/lines/{line_id}/resolve", response=HandoverLineOut, url_name="custody_handover_line_resolve"
)
@requires(MANAGE)
def handover_line_resolve(request, line_id: int, payload: ResolveIn):
    return services.handover_line_resolve(
        actor=request.user, line=_line(request, line_id), resolution=payload.resolution
    )


# --- Loans --------------------------------------------------------------------------------


class LoanOut(Schema):
    id: int
    number: str
    asset: int = Field(alias="asset_id")
    asset_tag: str
    asset_name: str
    borrower: int | None = Field(alias="borrower_id")
    school_class: int | None = Field(alias="school_class_id")
    borrower_display: str
    purpose: str
    status: str
    status_display: str = Field(alias="get_status_display")
    requested_by: int | None = Field(alias="requested_by_id")
    requested_at: dt.datetime | None
    due_on: dt.date | None
    is_overdue: bool
    lent_by: int | None = Field(alias="lent_by_id")
    lent_at: dt.datetime | None
    condition_out: str
    note_out: str
    returned_at: dt.datetime | None
    received_by: int | None = Field(alias="received_by_id")
    condition_in: str
    note_in: str
    decision_note: str

    @staticmethod
    def resolve_asset_tag(obj):
        return obj.asset.tag

    @staticmethod
    def resolve_asset_name(obj):
        return obj.asset.name


class LendIn(Schema):
    asset: int | None = Field(None, description="Asset id")
    scan: str = Field("", description="Or what the scanner read: label URL, token or tag number")
    borrower: int | None = None
    school_class: int | None = None
    due_on: dt.date | None = Field(None, description="Empty: the campus's usual loan period.")
    purpose: str = ""
    condition_out: str = Condition.GOOD.value
    note_out: str = ""


class LoanRequestIn(Schema):
    asset: int | None = None
    scan: str = ""
    purpose: str
    due_on: dt.date | None = None
    school_class: int | None = None


class ApproveIn(Schema):
    due_on: dt.date | None = None
    condition_out: str = Condition.GOOD.value
    note_out: str = ""


class ReturnIn(Schema):
    condition_in: str
    note_in: str = ""
    record_damage: bool = Field(False, description="Open a damage record with the borrower responsible.")
    damage_description: str = ""
    compensation_due: Decimal | None = Field(None, ge=0)


def _loans():
    return Loan.objects.select_related("asset", "borrower", "school_class")


def _loan(request, loan_id):
    return get_in_campus(request, _loans(), pk=loan_id)


@router.get("/loans", response=list[LoanOut], url_name="custody_loan_list")
@requires(VIEW)
@paginate(LimitOffset)
def loan_list(
    request,
    status: str | None = None,
    borrower: int | None = None,
    school_class: int | None = None,
    asset: int | None = None,
    overdue: bool | None = None,
):
    qs = _loans().filter(campus=request.campus).order_by("-created_at", "-id")
    for name, value in (("status", status), ("borrower_id", borrower), ("school_class_id", school_class),
                        ("asset_id", asset)):  # fmt: skip
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    if overdue:
        qs = qs.filter(status=Loan.Status.OUT, due_on__lt=timezone.localdate())
    return qs


@router.get("/loans/overdue", response=list[LoanOut], url_name="custody_loan_overdue")
@requires(VIEW)
@paginate(LimitOffset)
def loan_overdue(request):
    """Loans past their due date and not returned, the longest overdue first."""
    return (
        services.overdue_loans(request.campus)
        .select_related("asset", "borrower", "school_class")
        .order_by("due_on", "id")
    )


@router.get("/loans/mine", response=list[LoanOut], url_name="custody_loan_mine")
@requires(BORROW)
@paginate(LimitOffset)
def loan_mine(request):
    return (
        _loans()
        .filter(campus=request.campus)
        .filter(Q(borrower=request.user) | Q(requested_by=request.user))
        .order_by("-created_at", "-id")
    )


@router.post("/loans", response={201: LoanOut}, url_name="custody_loan_lend")
@requires(MANAGE)
def loan_lend(request, payload: LendIn):
    """Lend an asset directly; refused with the reason when it cannot go out."""
    data = resolve_refs(request, payload.dict(), {"borrower": "member", "school_class": SchoolClass})
    loan = services.loan_lend(
        actor=request.user, campus=request.campus, asset=_asset(request, data["asset"], data["scan"]),
        borrower=data["borrower"], school_class=data["school_class"], due_on=data["due_on"],
        purpose=data["purpose"], condition_out=data["condition_out"], note_out=data["note_out"],
    )  # fmt: skip
    return Status(201, _loan(request, loan.pk))


@router.post("/loans/requests", response={201: LoanOut}, url_name="custody_loan_request")
@requires(BORROW)
def loan_request(request, payload: LoanRequestIn):
    """Ask to borrow an asset (for yourself or your class); the asset keepers are told."""
    data = resolve_refs(request, payload.dict(), {"school_class": SchoolClass})
    loan = services.loan_request(
        actor=request.user, campus=request.campus, asset=_asset(request, data["asset"], data["scan"]),
        purpose=data["purpose"], due_on=data["due_on"], school_class=data["school_class"],
    )  # fmt: skip
    return Status(201, _loan(request, loan.pk))


@router.get("/loans/{loan_id}", response=LoanOut, url_name="custody_loan_detail")
@requires(VIEW)
def loan_detail(request, loan_id: int):
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/lend", response=LoanOut, url_name="custody_loan_approve")
@requires(MANAGE)
def loan_approve(request, loan_id: int, payload: ApproveIn):
    services.loan_approve(actor=request.user, loan=_loan(request, loan_id), **payload.dict())
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/refuse", response=LoanOut, url_name="custody_loan_refuse")
@requires(MANAGE)
def loan_refuse(request, loan_id: int, payload: ReasonIn):
    services.loan_reject(actor=request.user, loan=_loan(request, loan_id), reason=payload.reason)
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/cancel", response=LoanOut, url_name="custody_loan_cancel")
@requires(BORROW)
def loan_cancel(request, loan_id: int, payload: CommentIn):
    """The requester (or an asset keeper) cancels a request not yet lent."""
    loan = _loan(request, loan_id)
    services.loan_cancel(actor=request.user, loan=loan, reason=payload.comment)
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/return", response=LoanOut, url_name="custody_loan_return")
@requires(MANAGE)
def loan_return(request, loan_id: int, payload: ReturnIn):
    services.loan_return(actor=request.user, loan=_loan(request, loan_id), **payload.dict())
    return _loan(request, loan_id)


@router.post("/loans/{loan_id}/photos", response={201: AttachmentOut}, url_name="custody_loan_photo")
@requires(MANAGE)
def loan_photo(request, loan_id: int, file: UploadedFile = File(...), kind: str = Form("before")):  # noqa: B008
    """A photo of the condition (multipart ``file``; ``kind`` before = when lent, after = when returned)."""
    return _upload(request, _loan(request, loan_id), file, kind, ("before", "after"))


# --- Damage and compensation --------------------------------------------------------------


class PaymentOut(Schema):
    id: int
    amount: Decimal
    received_on: dt.date
    receipt_number: str
    payer_name: str
    received_by: int = Field(alias="received_by_id")
    note: str
    voided_at: dt.datetime | None
    void_reason: str


class DamageOut(Schema):
    id: int
    number: str
    asset: int = Field(alias="asset_id")
    kind: str
    occurred_on: dt.date
    description: str
    responsible_kind: str
    responsible_user: int | None = Field(alias="responsible_user_id")
    responsible_class: int | None = Field(alias="responsible_class_id")
    responsible_name: str
    responsible_display: str
    source: str
    loan: int | None = Field(alias="loan_id")
    compensation_due: Decimal
    compensation_received: Decimal
    outstanding: Decimal
    compensation_note: str
    repair: int | None = Field(alias="repair_id")
    status: str
    void_reason: str


class DamageDetailOut(DamageOut):
    payments: list[PaymentOut]

    @staticmethod
    def resolve_payments(obj):
        return list(obj.payments.order_by("received_on", "id"))


class DamageIn(Schema):
    asset: int | None = None
    scan: str = ""
    kind: str = Damage.Kind.DAMAGED.value
    occurred_on: dt.date | None = None
    description: str
    responsible_kind: str = Damage.Responsible.UNKNOWN.value
    responsible_user: int | None = None
    responsible_class: int | None = None
    responsible_name: str = ""
    compensation_due: Decimal = Field(Decimal("0"), ge=0)
    compensation_note: str = ""


class DamageUpdateIn(Schema):
    occurred_on: dt.date
    description: str
    responsible_kind: str
    responsible_user: int | None = None
    responsible_class: int | None = None
    responsible_name: str = ""
    compensation_note: str = ""


class CompensationIn(Schema):
    amount: Decimal = Field(ge=0)
    note: str = ""


class PaymentIn(Schema):
    amount: Decimal = Field(gt=0)
    receipt_number: str
    received_on: dt.date | None = None
    payer_name: str = ""
    note: str = ""


DAMAGE_REFS = {"responsible_user": "member", "responsible_class": SchoolClass}


def _damages():
    return Damage.objects.select_related("responsible_user", "responsible_class")


def _damage(request, damage_id):
    return get_in_campus(request, _damages(), pk=damage_id)


@router.get("/damages", response=list[DamageOut], url_name="custody_damage_list")
@requires(VIEW)
@paginate(LimitOffset)
def damage_list(
    request,
    status: str | None = None,
    kind: str | None = None,
    asset: int | None = None,
    responsible_class: int | None = None,
    outstanding: bool | None = None,
):
    qs = _damages().filter(campus=request.campus).order_by("-occurred_on", "-id")
    for name, value in (("status", status), ("kind", kind), ("asset_id", asset),
                        ("responsible_class_id", responsible_class)):  # fmt: skip
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    if outstanding:
        qs = qs.filter(pk__in=services.outstanding_compensation(request.campus).values("pk"))
    return qs


@router.post("/damages", response={201: DamageDetailOut}, url_name="custody_damage_create")
@requires(MANAGE)
def damage_create(request, payload: DamageIn):
    """Record damage or a loss; the asset becomes damaged (or missing)."""
    data = resolve_refs(request, payload.dict(), DAMAGE_REFS)
    asset = _asset(request, data.pop("asset"), data.pop("scan"))
    if data["occurred_on"] is None:
        data["occurred_on"] = timezone.localdate()
    damage = services.damage_record(actor=request.user, campus=request.campus, asset=asset, data=data)
    return Status(201, _damage(request, damage.pk))


@router.get("/damages/{damage_id}", response=DamageDetailOut, url_name="custody_damage_detail")
@requires(VIEW)
def damage_detail(request, damage_id: int):
    return _damage(request, damage_id)


@router.patch("/damages/{damage_id}", response=DamageDetailOut, url_name="custody_damage_update")
@requires(MANAGE)
def damage_update(request, damage_id: int, payload: PatchDict[DamageUpdateIn]):
    services.damage_update(
        actor=request.user,
        damage=_damage(request, damage_id),
        data=resolve_refs(request, payload, DAMAGE_REFS),
    )
    return _damage(request, damage_id)


@router.post(
    "/damages/{damage_id}/compensation", response=DamageDetailOut, url_name="custody_damage_compensation"
)
@requires(MANAGE)
def damage_compensation(request, damage_id: int, payload: CompensationIn):
    """Set the compensation due (0 waives it)."""
    services.damage_set_compensation(
        actor=request.user, damage=_damage(request, damage_id), amount=payload.amount, note=payload.note
    )
    return _damage(request, damage_id)


@router.post(
    "/damages/{damage_id}/payments", response={201: DamageDetailOut}, url_name="custody_damage_payment"
)
@requires(MANAGE)
def damage_payment(request, damage_id: int, payload: PaymentIn):
    """Record a compensation payment (receipt number required); paid in full, the record closes."""
    services.compensation_receive(actor=request.user, damage=_damage(request, damage_id), **payload.dict())
    return Status(201, _damage(request, damage_id))


@router.post("/damages/payments/{payment_id}/void", response=DamageDetailOut, url_name="custody_payment_void")
@requires(MANAGE)
def payment_void(request, payment_id: int, payload: ReasonIn):
    payment = get_in_campus(request, CompensationPayment.objects.all(), pk=payment_id)
    services.compensation_void(actor=request.user, payment=payment, reason=payload.reason)
    return _damage(request, payment.damage_id)


@router.post("/damages/{damage_id}/repair", response={201: DamageDetailOut}, url_name="custody_damage_repair")
@requires(MANAGE)
def damage_repair(request, damage_id: int):
    """Open a repair request for the damaged asset and keep the link."""
    services.damage_open_repair(actor=request.user, damage=_damage(request, damage_id))
    return Status(201, _damage(request, damage_id))


@router.post("/damages/{damage_id}/close", response=DamageDetailOut, url_name="custody_damage_close")
@requires(MANAGE)
def damage_close(request, damage_id: int, payload: CommentIn):
    services.damage_close(actor=request.user, damage=_damage(request, damage_id), note=payload.comment)
    return _damage(request, damage_id)


@router.post("/damages/{damage_id}/void", response=DamageDetailOut, url_name="custody_damage_void")
@requires(MANAGE)
def damage_void(request, damage_id: int, payload: ReasonIn):
    services.damage_void(actor=request.user, damage=_damage(request, damage_id), reason=payload.reason)
    return _damage(request, damage_id)


@router.post("/damages/{damage_id}/photos", response={201: AttachmentOut}, url_name="custody_damage_photo")
@requires(MANAGE)
def damage_photo(request, damage_id: int, file: UploadedFile = File(...)):  # noqa: B008
    return _upload(request, _damage(request, damage_id), file, "photo", ("photo",))


# --- Disposal requests --------------------------------------------------------------------


class DisposalLineOut(Schema):
    id: int
    asset: int = Field(alias="asset_id")
    tag: str
    name: str
    original_value: Decimal
    accumulated_depreciation: Decimal
    net_value: Decimal
    residual_value: Decimal
    note: str

    @staticmethod
    def resolve_tag(obj):
        return obj.asset.tag

    @staticmethod
    def resolve_name(obj):
        return obj.asset.name


class DisposalOut(Schema):
    id: int
    number: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    reason: str
    recipient: str
    status: str
    requested_by: int | None = Field(alias="requested_by_id")
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    total_value: Decimal
    total_residual: Decimal


class DisposalDetailOut(DisposalOut):
    lines: list[DisposalLineOut]
    approval: int | None = None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.select_related("asset").order_by("id"))

    @staticmethod
    def resolve_approval(obj):
        latest = approvals.requests_for(obj).first()
        return latest.pk if latest else None


class DisposalLineIn(Schema):
    asset: int | None = None
    scan: str = ""
    residual_value: Decimal = Field(Decimal("0"), ge=0)
    note: str = ""


class DisposalIn(Schema):
    kind: str = DisposalRequest.Kind.SCRAP.value
    reason: str
    recipient: str = ""
    lines: list[DisposalLineIn] = Field(default_factory=list)


class DisposalUpdateIn(Schema):
    kind: str
    reason: str
    recipient: str = ""


def _disposal(request, disposal_id):
    return get_in_campus(request, DisposalRequest.objects.all(), pk=disposal_id)


@router.get("/disposals", response=list[DisposalOut], url_name="custody_disposal_list")
@requires(VIEW)
@paginate(LimitOffset)
def disposal_list(request, status: str | None = None, kind: str | None = None):
    qs = DisposalRequest.objects.filter(campus=request.campus).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.post("/disposals", response={201: DisposalDetailOut}, url_name="custody_disposal_create")
@requires(DISPOSE)
def disposal_create(request, payload: DisposalIn):
    """A draft disposal request with its assets; submit it with ``…/submit``."""
    from django.db import transaction

    with transaction.atomic():
        disposal = services.disposal_create(
            actor=request.user, campus=request.campus,
            data={"kind": payload.kind, "reason": payload.reason, "recipient": payload.recipient},
        )  # fmt: skip
        for line in payload.lines:
            services.disposal_add_asset(
                actor=request.user, request=disposal, asset=_asset(request, line.asset, line.scan),
                residual_value=line.residual_value, note=line.note,
            )  # fmt: skip
    return Status(201, _disposal(request, disposal.pk))


@router.get("/disposals/{disposal_id}", response=DisposalDetailOut, url_name="custody_disposal_detail")
@requires(VIEW)
def disposal_detail(request, disposal_id: int):
    return _disposal(request, disposal_id)


@router.patch("/disposals/{disposal_id}", response=DisposalDetailOut, url_name="custody_disposal_update")
@requires(DISPOSE)
def disposal_update(request, disposal_id: int, payload: PatchDict[DisposalUpdateIn]):
    services.disposal_update(actor=request.user, request=_disposal(request, disposal_id), data=dict(payload))
    return _disposal(request, disposal_id)


@router.post(
    "/disposals/{disposal_id}/lines", response={201: DisposalDetailOut}, url_name="custody_disposal_add"
)
@requires(DISPOSE)
def disposal_add(request, disposal_id: int, payload: DisposalLineIn):
    disposal = _disposal(request, disposal_id)
    services.disposal_add_asset(
        actor=request.user, request=disposal, asset=_asset(request, payload.asset, payload.scan),
        residual_value=payload.residual_value, note=payload.note,
    )  # fmt: skip
    return Status(201, _disposal(request, disposal_id))


@router.delete(
    "/disposals/{disposal_id}/lines/{line_id}", response=DisposalDetailOut, url_name="custody_disposal_remove"
)
@requires(DISPOSE)
def disposal_remove(request, disposal_id: int, line_id: int):
    disposal = _disposal(request, disposal_id)
    line = get_in_campus(request, DisposalLine.objects.filter(request=disposal), pk=line_id)
    services.disposal_remove_line(actor=request.user, line=line)
    return _disposal(request, disposal_id)


@router.post(
    "/disposals/{disposal_id}/submit", response=DisposalDetailOut, url_name="custody_disposal_submit"
)
@requires(DISPOSE)
def disposal_submit(request, disposal_id: int):
    """Send for approval (logistics head → principal; amount = total book value). Decide it
    through ``/approvals/{approval}/decide``."""
    services.disposal_submit(actor=request.user, request=_disposal(request, disposal_id))
    return _disposal(request, disposal_id)


@router.post(
    "/disposals/{disposal_id}/withdraw", response=DisposalDetailOut, url_name="custody_disposal_withdraw"
)
@requires(DISPOSE)
def disposal_withdraw(request, disposal_id: int, payload: CommentIn):
    services.disposal_withdraw(
        actor=request.user, request=_disposal(request, disposal_id), comment=payload.comment
    )
    return _disposal(request, disposal_id)


@router.post(
    "/disposals/{disposal_id}/photos", response={201: AttachmentOut}, url_name="custody_disposal_photo"
)
@requires(DISPOSE)
def disposal_photo(request, disposal_id: int, file: UploadedFile = File(...)):  # noqa: B008
    return _upload(request, _disposal(request, disposal_id), file, "photo", ("photo",))


# --- Reports ------------------------------------------------------------------------------


class CategoryRowOut(Schema):
    category_id: int
    category: str
    cards: int
    items: int
    value: Decimal


class TotalOut(Schema):
    cards: int
    items: int
    value: Decimal


class PeriodReportOut(Schema):
    start: dt.date
    end: dt.date
    rows: list[CategoryRowOut]
    total: TotalOut


class DepreciationRowOut(Schema):
    asset_id: int
    tag: str
    name: str
    category_id: int
    category: str
    life_years: int
    start: dt.date | None
    original: Decimal
    monthly: Decimal
    months: int
    accumulated: Decimal
    net: Decimal


class DepreciationCategoryOut(Schema):
    category_id: int
    category: str
    life_years: int
    cards: int
    original: Decimal
    accumulated: Decimal
    net: Decimal


class DepreciationTotalOut(Schema):
    cards: int
    original: Decimal
    accumulated: Decimal
    net: Decimal


class DepreciationOut(Schema):
    as_of: dt.date
    categories: list[DepreciationCategoryOut]
    total: DepreciationTotalOut
    count: int
    rows: list[DepreciationRowOut]


def _period(request, start, end, year, term):
    if term is not None:
        t = get_in_campus(request, Term.objects.all(), pk=term)
        return t.start_date, t.end_date
    if year is not None:
        return services.year_bounds(year)
    if start and end:
        if end < start:
            raise ValidationError({"end": [_("The end must not be before the start.")]})
        return start, end
    return services.year_bounds(timezone.localdate().year)


@router.get("/reports/acquisitions", response=PeriodReportOut, url_name="custody_report_acquisitions")
@requires(REPORTS)
def report_acquisitions(
    request,
    year: int | None = None,
    term: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
):
    """Assets acquired in a term, a calendar year or between two dates, by category."""
    start, end = _period(request, start, end, year, term)
    rows, total = services.acquisitions_by_category(request.campus, start, end)
    return {"start": start, "end": end, "rows": rows, "total": total}


@router.get("/reports/disposals", response=PeriodReportOut, url_name="custody_report_disposals")
@requires(REPORTS)
def report_disposals(
    request,
    year: int | None = None,
    term: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
):
    """Assets disposed of in the period, by category (original value)."""
    start, end = _period(request, start, end, year, term)
    rows, total = services.disposals_by_category(request.campus, start, end)
    return {"start": start, "end": end, "rows": rows, "total": total}


@router.get("/reports/depreciation", response=DepreciationOut, url_name="custody_report_depreciation")
@requires(REPORTS)
def report_depreciation(
    request,
    as_of: dt.date | None = None,
    category: int | None = None,
    limit: int = Query(50, ge=1),  # noqa: B008
    offset: int = Query(0, ge=0),  # noqa: B008
):
    """Straight-line depreciation (年限平均法) as of a date (default: the end of this month):
    totals by category, and the asset rows from ``offset`` (``limit`` ≤ 200)."""
    cat = get_in_campus(request, AssetCategory.objects.all(), pk=category) if category is not None else None
    report = services.depreciation_report(
        request.campus, as_of or services.month_end(timezone.localdate()), category=cat
    )
    limit = min(limit, MAX_LIMIT)
    return {
        "as_of": report.as_of,
        "categories": report.categories,
        "total": report.total,
        "count": len(report.rows),
        "rows": report.rows[offset : offset + limit],
    }
