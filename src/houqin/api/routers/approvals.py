"""Approvals (the sign-off engine of :mod:`houqin.core.approvals`) and general requests
(通用申请, :mod:`houqin.core.requests_services`).

Who may decide a step is a matter of the step's role, which the approvals service checks
(and answers 403 when the user does not hold it); the endpoints that decide or withdraw
therefore only need a role on the campus. Supervisors and parents never decide.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, Q
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import CAMPUS_MEMBER, requires
from houqin.api.helpers import get_in_campus
from houqin.api.pagination import LimitOffset
from houqin.core import approvals, requests_services
from houqin.core.models import ApprovalAction, ApprovalRequest, GeneralRequest
from houqin.core.pinyin import pinyin_q

router = Router(tags=["approvals"])


class PersonOut(Schema):
    id: int
    display_name: str


class StepOut(Schema):
    order: int
    name: str
    role: str
    role_display: str

    @staticmethod
    def resolve_role_display(obj):
        return approvals.role_label(obj["role"])


class ApprovalActionOut(Schema):
    id: int
    step_order: int | None
    step_name: str
    role: str
    actor: PersonOut
    decision: str
    decision_display: str = Field(alias="get_decision_display")
    comment: str
    created_at: dt.datetime


class ApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str = ""
    title: str
    amount: Decimal | None
    status: str
    status_display: str = Field(alias="get_status_display")
    plan: list[StepOut]
    current_index: int
    current_role: str
    current_step: StepOut | None
    requested_by: PersonOut
    target_type: str = ""
    target_id: str = Field(alias="object_id")
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj):
        try:
            return str(approvals.get_kind(obj.kind).label)
        except ValueError:
            return obj.kind

    @staticmethod
    def resolve_target_type(obj):
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}"


class ApprovalDetailOut(ApprovalOut):
    actions: list[ApprovalActionOut]
    can_decide: bool = False
    can_withdraw: bool = False

    @staticmethod
    def resolve_can_decide(obj, context):
        return approvals.can_decide(context["request"].user, obj)

    @staticmethod
    def resolve_can_withdraw(obj, context):
        return (
            obj.status == ApprovalRequest.Status.PENDING and obj.requested_by_id == context["request"].user.pk
        )


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: str = Field("", description="Required when rejecting.")


class CommentIn(Schema):
    comment: str = ""


def _approvals():
    return ApprovalRequest.objects.select_related("requested_by", "flow", "content_type")


def _approval_detail(request, approval_id):
    actions = ApprovalAction.objects.select_related("actor").order_by("created_at", "id")
    visible = approvals.visible_to(
        request.user, request.campus, see_all="core.view_all_approvals" in request.perms
    ).values("pk")
    return get_in_campus(
        request,
        _approvals().filter(pk__in=visible).prefetch_related(Prefetch("actions", queryset=actions)),
        pk=approval_id,
    )


@router.get("/approvals", response=list[ApprovalOut], url_name="approval_list")
@requires("core.view_approvals")
@paginate(LimitOffset)
def approval_list(
    request,
    box: Literal["waiting", "mine", "all"] = Query(
        "waiting",
        description="waiting: waiting for a role you hold (oldest first); mine: those you submitted; all: the campus's.",
    ),
    status: str | None = None,
    kind: str | None = None,
):
    if box == "waiting":
        pending_ids = approvals.pending_for(request.user, request.campus).values("pk")
        qs = _approvals().filter(campus=request.campus, pk__in=pending_ids).order_by("created_at", "id")
    else:
        visible = approvals.visible_to(
            request.user, request.campus, see_all="core.view_all_approvals" in request.perms
        ).values("pk")
        qs = _approvals().filter(campus=request.campus, pk__in=visible).order_by("-created_at", "-id")
        if box == "mine":
            qs = qs.filter(requested_by=request.user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.get("/approvals/{approval_id}", response=ApprovalDetailOut, url_name="approval_detail")
@requires("core.view_approvals")
def approval_detail(request, approval_id: int):
    """One approval request with its steps and every action taken on it."""
    return _approval_detail(request, approval_id)


@router.post("/approvals/{approval_id}/decide", response=ApprovalDetailOut, url_name="approval_decide")
@requires(CAMPUS_MEMBER)
def approval_decide(request, approval_id: int, payload: DecisionIn):
    """Approve or reject the current step. Only a holder of the step's role may decide
    (403 otherwise); nobody decides their own request; a rejection needs a comment."""
    approval = get_in_campus(request, _approvals(), pk=approval_id)
    approvals.decide(
        actor=request.user, approval=approval, decision=payload.decision, comment=payload.comment
    )
    return _approval_detail(request, approval_id)


@router.post("/approvals/{approval_id}/withdraw", response=ApprovalDetailOut, url_name="approval_withdraw")
@requires(CAMPUS_MEMBER)
def approval_withdraw(request, approval_id: int, payload: CommentIn):
    """The requester pulls a pending request back."""
    approval = get_in_campus(request, _approvals(), pk=approval_id)
    approvals.withdraw(actor=request.user, approval=approval, comment=payload.comment)
    return _approval_detail(request, approval_id)


# --- general requests --------------------------------------------------------------------


class GeneralRequestIn(Schema):
    title: str
    category: str = GeneralRequest.Category.OTHER.value
    amount: Decimal | None = Field(None, description="Yuan, 2 decimal places")
    description: str


class GeneralRequestOut(Schema):
    id: int
    number: str
    title: str
    category: str
    category_display: str = Field(alias="get_category_display")
    amount: Decimal | None
    description: str
    status: str
    status_display: str = Field(alias="get_status_display")
    requested_by: PersonOut
    created_at: dt.datetime
    updated_at: dt.datetime


class GeneralRequestDetailOut(GeneralRequestOut):
    approvals: list[ApprovalDetailOut] = Field(default_factory=list, description="Newest first")

    @staticmethod
    def resolve_approvals(obj):
        return list(approvals.requests_for(obj).select_related("content_type"))


class SubmittedOut(Schema):
    request: GeneralRequestDetailOut
    approval: ApprovalOut


def _general_requests():
    return GeneralRequest.objects.select_related("requested_by")


def _visible_general_requests(request):
    """Everyone sees their own requests; core.view_all_approvals sees the campus's."""
    qs = _general_requests().filter(campus=request.campus)
    if "core.view_all_approvals" not in request.perms:
        qs = qs.filter(requested_by=request.user)
    return qs


@router.get("/general-requests", response=list[GeneralRequestOut], url_name="general_request_list")
@requires("core.view_approvals")
@paginate(LimitOffset)
def general_request_list(
    request,
    mine: bool = Query(False, description="Only the requests you raised"),
    status: str | None = None,
    category: str | None = None,
    q: str = Query("", description="Number, title, or the requester's name (also pinyin)"),
):
    qs = _visible_general_requests(request).order_by("-created_at", "-id")
    if mine:
        qs = qs.filter(requested_by=request.user)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(title__icontains=q)
            | pinyin_q(q, "requested_by__real_name", pinyin_field="requested_by__name_pinyin")
        )
    return qs


@router.post("/general-requests", response={201: GeneralRequestOut}, url_name="general_request_create")
@requires("core.create_requests")
def general_request_create(request, payload: GeneralRequestIn):
    """Raise a draft request (numbered SQ-<year>-NNNN); submit it to start the approval."""
    obj = requests_services.general_request_create(
        actor=request.user, campus=request.campus, data=payload.dict()
    )
    return Status(201, get_in_campus(request, _general_requests(), pk=obj.pk))


@router.get(
    "/general-requests/{request_id}", response=GeneralRequestDetailOut, url_name="general_request_detail"
)
@requires("core.view_approvals")
def general_request_detail(request, request_id: int):
    return get_in_campus(request, _visible_general_requests(request), pk=request_id)


@router.patch(
    "/general-requests/{request_id}", response=GeneralRequestDetailOut, url_name="general_request_update"
)
@requires("core.create_requests")
def general_request_update(request, request_id: int, payload: PatchDict[GeneralRequestIn]):
    """Edit your own request while it is a draft, rejected or withdrawn."""
    obj = get_in_campus(request, _general_requests(), pk=request_id)
    requests_services.general_request_update(actor=request.user, general_request=obj, data=payload)
    return get_in_campus(request, _general_requests(), pk=request_id)


@router.post(
    "/general-requests/{request_id}/submit", response=SubmittedOut, url_name="general_request_submit"
)
@requires("core.create_requests")
def general_request_submit(request, request_id: int):
    """Send your request for approval."""
    obj = get_in_campus(request, _general_requests(), pk=request_id)
    approval = requests_services.general_request_submit(actor=request.user, general_request=obj)
    return {
        "request": get_in_campus(request, _general_requests(), pk=request_id),
        "approval": get_in_campus(request, _approvals(), pk=approval.pk),
    }


@router.post(
    "/general-requests/{request_id}/withdraw",
    response=GeneralRequestDetailOut,
    url_name="general_request_withdraw",
)
@requires("core.create_requests")
def general_request_withdraw(request, request_id: int, payload: CommentIn):
    """Pull your pending request back; it can then be edited and submitted again."""
    obj = get_in_campus(request, _general_requests(), pk=request_id)
    requests_services.general_request_withdraw(
        actor=request.user, general_request=obj, comment=payload.comment
    )
    return get_in_campus(request, _general_requests(), pk=request_id)
