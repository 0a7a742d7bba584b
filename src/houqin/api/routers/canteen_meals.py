"""Canteen · meals: accompanying meals (陪餐) with their follow-ups, the dietary committee
(膳委会: meetings and parents' suggestions), the menu generator (智能排餐) and the
traceability report of a meal (追溯).

The same permissions as the pages, every write through :mod:`houqin.canteen.meals_services`
or :mod:`houqin.canteen.menugen` (validated, audited). The generator's ``propose`` returns
the proposal with a signed ``token``; ``save`` turns that token into a draft menu
(``nutrition_services.menu_create(..., generated=True)``); ``generate`` does both at once.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import CAMPUS_MEMBER, requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.canteen import meals_services as services
from houqin.canteen import menugen
from houqin.canteen.meals_trace import trace_report
from houqin.canteen.models import CommitteeMeeting, CompanionMeal, MealKind, ParentSuggestion
from houqin.core.attachments import attachment_add
from houqin.core.models import SchoolClass

router = Router(tags=["canteen-meals"])

VIEW, ACCOMPANY, COMMITTEE = services.VIEW, services.ACCOMPANY, services.COMMITTEE
MANAGE_MENUS, VIEW_TRACE = menugen.MANAGE, "canteen.view_trace"


# --- Accompanying meals ---------------------------------------------------------------------


class CompanionOut(Schema):
    id: int
    date: dt.date
    meal: str
    meal_display: str = Field(alias="get_meal_display")
    companion_role: str
    companion: int | None = Field(alias="companion_id")
    companion_name: str = Field(alias="companion_display")
    school_class: int | None = Field(alias="school_class_id")
    taste: int
    temperature: int
    quantity: int
    hygiene: int
    observations: str
    issues: str
    issue_status: str
    followup_assignee: int | None = Field(alias="followup_assignee_id")
    followup_assignee_name: str | None = None
    followup_due: dt.date | None
    followup_answer: str
    followup_done_at: dt.datetime | None
    recorded_by: int | None = Field(alias="recorded_by_id")
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_followup_assignee_name(obj):
        return _name(obj.followup_assignee)


class CompanionIn(Schema):
    date: dt.date
    meal: str = MealKind.LUNCH.value
    companion_role: str = Field(CompanionMeal.Role.LEADER.value, description="leader (the user) or parent")
    companion: int | None = Field(None, description="Leader: a campus member (default: the user)")
    companion_name: str = Field("", description="Parent: their name")
    school_class: int | None = None
    taste: int = Field(..., ge=1, le=5)
    temperature: int = Field(..., ge=1, le=5)
    quantity: int = Field(..., ge=1, le=5)
    hygiene: int = Field(..., ge=1, le=5)
    observations: str = ""
    issues: str = ""
    followup_assignee: int | None = None
    followup_due: dt.date | None = None


class AssignIn(Schema):
    assignee: int
    due: dt.date | None = None


class AnswerIn(Schema):
    answer: str


class ReasonIn(Schema):
    reason: str


class CompanionFilters(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    meal: str | None = None
    companion_role: str | None = None
    issue: str | None = Field(None, description="open, done or any")
    include_void: bool = False


def _companions(request):
    return CompanionMeal.objects.filter(campus=request.campus).select_related(
        "followup_assignee", "companion", "school_class"
    )


@router.get("/canteen/companions", response=list[CompanionOut], url_name="canteen_meals_companion_list")
@requires(VIEW)
@paginate(LimitOffset)
def companion_list(request, filters: Query[CompanionFilters]):
    """Accompanying-meal records (陪餐记录), newest first."""
    qs = _companions(request)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.meal:
        qs = qs.filter(meal=filters.meal)
    if filters.companion_role:
        qs = qs.filter(companion_role=filters.companion_role)
    if filters.issue == "any":
        qs = qs.exclude(issue_status="")
    elif filters.issue:
        qs = qs.filter(issue_status=filters.issue)
    if not filters.include_void:
        qs = qs.filter(is_void=False)
    return qs.order_by("-date", "meal", "-id")


@router.get("/canteen/companions/month", url_name="canteen_meals_companion_month")
@requires(VIEW)
def companion_month(request, month: str = Query("", description="YYYY-MM; default this month")):  # noqa: B008
    """Who accompanied which day of a month, and the school days nobody did."""
    from houqin.canteen.meals_forms import MonthForm

    year, number = MonthForm({"month": month}).month_value()
    data = services.companion_month(request.campus, year, number)
    return {
        "month": f"{year}-{number:02d}",
        "school_days": data["school_days"],
        "covered_days": data["covered_days"],
        "parent_meals": data["parent_meals"],
        "companions": [{"name": str(n), "meals": c} for n, c in data["companions"]],
        "days": [
            {
                "date": d["date"],
                "school_day": d["school_day"],
                "missing": d["missing"],
                "records": [
                    {
                        "id": r.pk,
                        "meal": r.meal,
                        "companion": r.companion_display,
                        "role": r.companion_role,
                        "issue_status": r.issue_status,
                    }
                    for r in d["records"]
                ],
            }
            for d in data["days"]
        ],  # fmt: skip
    }


@router.post("/canteen/companions", response={201: CompanionOut}, url_name="canteen_meals_companion_create")
@requires(ACCOMPANY)
def companion_create(request, payload: CompanionIn):
    """Record an accompanying meal; problems found open a follow-up."""
    data = resolve_refs(request, payload.dict(), {"companion": "member", "followup_assignee": "member",
                                                  "school_class": SchoolClass})  # fmt: skip
    record = services.companion_meal_record(
        actor=request.user, campus=request.campus, date=data["date"], meal=data["meal"],
        companion_role=data["companion_role"], companion=data.get("companion"),
        companion_name=data.get("companion_name", ""), school_class=data.get("school_class"),
        taste=data["taste"], temperature=data["temperature"], quantity=data["quantity"], hygiene=data["hygiene"],
        observations=data.get("observations", ""), issues=data.get("issues", ""),
        followup_assignee=data.get("followup_assignee"), followup_due=data.get("followup_due"),
    )  # fmt: skip
    return Status(201, get_in_campus(request, _companions(request), pk=record.pk))


@router.get(
    "/canteen/companions/{record_id}", response=CompanionOut, url_name="canteen_meals_companion_detail"
)
@requires(VIEW)
def companion_detail(request, record_id: int):
    return get_in_campus(request, _companions(request), pk=record_id)


@router.post("/canteen/companions/{record_id}/photos", response={201: AttachmentOut},
             url_name="canteen_meals_companion_photo")  # fmt: skip
@requires(ACCOMPANY)
def companion_photo(request, record_id: int, file: UploadedFile = File(...)):  # noqa: B008
    record = get_in_campus(request, _companions(request), pk=record_id)
    if record.is_void:
        raise ValidationError(_("This record is void."))
    return Status(201, attachment_add(actor=request.user, obj=record, uploaded_file=file, kind="photo"))


@router.post("/canteen/companions/{record_id}/assign", response=CompanionOut,
             url_name="canteen_meals_companion_assign")  # fmt: skip
@requires(ACCOMPANY)
def companion_assign(request, record_id: int, payload: AssignIn):
    """Give the follow-up of a problem to a campus member."""
    data = resolve_refs(request, payload.dict(), {"assignee": "member"})
    record = get_in_campus(request, _companions(request), pk=record_id)
    services.companion_followup_assign(actor=request.user, record=record, assignee=data["assignee"],
                                       due=data.get("due"))  # fmt: skip
    return get_in_campus(request, _companions(request), pk=record_id)


@router.post("/canteen/companions/{record_id}/answer", response=CompanionOut,
             url_name="canteen_meals_companion_answer")  # fmt: skip
@requires(CAMPUS_MEMBER)
def companion_answer(request, record_id: int, payload: AnswerIn):
    """The person the follow-up was given to (or a leader) answers it: the problem is dealt with.
    (Open to the member it was given to, whatever their role, hence no matrix permission.)"""
    if VIEW not in request.perms:
        raise PermissionDenied
    record = get_in_campus(request, _companions(request), pk=record_id)
    if not services.may_answer(request.user, record, request.perms):
        raise PermissionDenied(_("Only the person the follow-up was given to (or a leader) answers it."))
    services.companion_followup_answer(actor=request.user, record=record, answer=payload.answer)
    return get_in_campus(request, _companions(request), pk=record_id)


@router.post("/canteen/companions/{record_id}/void", response=CompanionOut,
             url_name="canteen_meals_companion_void")  # fmt: skip
@requires(ACCOMPANY)
def companion_void(request, record_id: int, payload: ReasonIn):
    record = get_in_campus(request, _companions(request), pk=record_id)
    services.companion_meal_void(actor=request.user, record=record, reason=payload.reason)
    return get_in_campus(request, _companions(request), pk=record_id)


# --- Dietary committee -----------------------------------------------------------------------


class SuggestionOut(Schema):
    id: int
    meeting: int | None = Field(alias="meeting_id")
    received_on: dt.date
    channel: str
    from_name: str
    school_class: int | None = Field(alias="school_class_id")
    content: str
    status: str
    answer: str
    answered_by: int | None = Field(alias="answered_by_id")
    answered_by_name: str | None = None
    answered_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_answered_by_name(obj):
        return _name(obj.answered_by)


class MeetingOut(Schema):
    id: int
    date: dt.date
    topic: str
    attendees: str
    parent_representatives: str
    attendee_count: int
    minutes: str
    decisions: str
    is_void: bool
    void_reason: str
    suggestions: list[SuggestionOut] = []

    @staticmethod
    def resolve_suggestions(obj):
        return list(obj.suggestions.all())


class SuggestionLineIn(Schema):
    from_name: str
    content: str


class MeetingIn(Schema):
    date: dt.date
    topic: str
    attendees: str
    parent_representatives: str = ""
    minutes: str
    decisions: str = ""
    suggestions: list[SuggestionLineIn] = []


class MeetingUpdateIn(Schema):
    date: dt.date | None = None
    topic: str | None = None
    attendees: str | None = None
    parent_representatives: str | None = None
    minutes: str | None = None
    decisions: str | None = None


class SuggestionIn(Schema):
    received_on: dt.date
    channel: str = ParentSuggestion.Channel.BOX.value
    from_name: str
    school_class: int | None = None
    content: str
    meeting: int | None = None


def _meetings(request):
    return CommitteeMeeting.objects.filter(campus=request.campus).prefetch_related("suggestions__answered_by")


def _suggestions(request):
    return ParentSuggestion.objects.filter(campus=request.campus).select_related("answered_by")


@router.get("/canteen/committee/meetings", response=list[MeetingOut], url_name="canteen_meals_meeting_list")
@requires(VIEW)
@paginate(LimitOffset)
def meeting_list(request, include_void: bool = False):
    """Dietary committee meetings (膳委会), newest first, with the suggestions raised."""
    qs = _meetings(request)
    if not include_void:
        qs = qs.filter(is_void=False)
    return qs.order_by("-date", "-id")


@router.get("/canteen/committee/status", url_name="canteen_meals_committee_status")
@requires(VIEW)
def committee_status(request):
    """Whether a meeting is due this period, and how many suggestions await an answer."""
    due = services.committee_meeting_due(request.campus)
    return {"meeting_due": due is not None, "period_start": services.committee_period_start(
        request.campus, timezone.localdate()), "open_suggestions": services.open_suggestions(request.campus).count()}  # fmt: skip


@router.post(
    "/canteen/committee/meetings", response={201: MeetingOut}, url_name="canteen_meals_meeting_create"
)
@requires(COMMITTEE)
def meeting_create(request, payload: MeetingIn):
    """Record a meeting with its minutes; the suggestions raised are recorded with it."""
    meeting = services.meeting_record(
        actor=request.user, campus=request.campus, date=payload.date, topic=payload.topic,
        attendees=payload.attendees, parent_representatives=payload.parent_representatives,
        minutes=payload.minutes, decisions=payload.decisions,
        suggestions=[s.dict() for s in payload.suggestions],
    )  # fmt: skip
    return Status(201, get_in_campus(request, _meetings(request), pk=meeting.pk))


@router.get(
    "/canteen/committee/meetings/{meeting_id}", response=MeetingOut, url_name="canteen_meals_meeting_detail"
)
@requires(VIEW)
def meeting_detail(request, meeting_id: int):
    return get_in_campus(request, _meetings(request), pk=meeting_id)


@router.patch("/canteen/committee/meetings/{meeting_id}", response=MeetingOut,
              url_name="canteen_meals_meeting_update")  # fmt: skip
@requires(COMMITTEE)
def meeting_update(request, meeting_id: int, payload: MeetingUpdateIn):
    meeting = get_in_campus(request, _meetings(request), pk=meeting_id)
    services.meeting_update(actor=request.user, meeting=meeting, data=payload.dict(exclude_none=True))
    return get_in_campus(request, _meetings(request), pk=meeting_id)


@router.post("/canteen/committee/meetings/{meeting_id}/photos", response={201: AttachmentOut},
             url_name="canteen_meals_meeting_photo")  # fmt: skip
@requires(COMMITTEE)
def meeting_photo(request, meeting_id: int, file: UploadedFile = File(...)):  # noqa: B008
    meeting = get_in_campus(request, _meetings(request), pk=meeting_id)
    if meeting.is_void:
        raise ValidationError(_("This record is void."))
    return Status(201, attachment_add(actor=request.user, obj=meeting, uploaded_file=file, kind="photo"))


@router.post("/canteen/committee/meetings/{meeting_id}/void", response=MeetingOut,
             url_name="canteen_meals_meeting_void")  # fmt: skip
@requires(COMMITTEE)
def meeting_void(request, meeting_id: int, payload: ReasonIn):
    meeting = get_in_campus(request, _meetings(request), pk=meeting_id)
    services.meeting_void(actor=request.user, meeting=meeting, reason=payload.reason)
    return get_in_campus(request, _meetings(request), pk=meeting_id)


@router.get(
    "/canteen/committee/suggestions", response=list[SuggestionOut], url_name="canteen_meals_suggestion_list"
)
@requires(VIEW)
@paginate(LimitOffset)
def suggestion_list(request, status: str | None = None):
    """Parents' suggestions about the meals; ``status=open`` for those awaiting an answer."""
    qs = _suggestions(request)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-received_on", "-id")


@router.post("/canteen/committee/suggestions", response={201: SuggestionOut},
             url_name="canteen_meals_suggestion_create")  # fmt: skip
@requires(COMMITTEE)
def suggestion_create(request, payload: SuggestionIn):
    data = resolve_refs(request, payload.dict(), {"school_class": SchoolClass, "meeting": CommitteeMeeting})
    suggestion = services.suggestion_record(
        actor=request.user, campus=request.campus, received_on=data["received_on"], from_name=data["from_name"],
        content=data["content"], channel=data["channel"], school_class=data.get("school_class"),
        meeting=data.get("meeting"),
    )  # fmt: skip
    return Status(201, get_in_campus(request, _suggestions(request), pk=suggestion.pk))


@router.get("/canteen/committee/suggestions/{suggestion_id}", response=SuggestionOut,
            url_name="canteen_meals_suggestion_detail")  # fmt: skip
@requires(VIEW)
def suggestion_detail(request, suggestion_id: int):
    return get_in_campus(request, _suggestions(request), pk=suggestion_id)


@router.post("/canteen/committee/suggestions/{suggestion_id}/answer", response=SuggestionOut,
             url_name="canteen_meals_suggestion_answer")  # fmt: skip
@requires(COMMITTEE)
def suggestion_answer(request, suggestion_id: int, payload: AnswerIn):
    suggestion = get_in_campus(request, _suggestions(request), pk=suggestion_id)
    services.suggestion_answer(actor=request.user, suggestion=suggestion, answer=payload.answer)
    return get_in_campus(request, _suggestions(request), pk=suggestion_id)


@router.post("/canteen/committee/suggestions/{suggestion_id}/void", response=SuggestionOut,
             url_name="canteen_meals_suggestion_void")  # fmt: skip
@requires(COMMITTEE)
def suggestion_void(request, suggestion_id: int, payload: ReasonIn):
    suggestion = get_in_campus(request, _suggestions(request), pk=suggestion_id)
    services.suggestion_void(actor=request.user, suggestion=suggestion, reason=payload.reason)
    return get_in_campus(request, _suggestions(request), pk=suggestion_id)


# --- Menu generator --------------------------------------------------------------------------


class GenerateIn(Schema):
    week_start: dt.date = Field(..., description="A Monday")
    age_group: str = Field(..., description="1-3, 4-6, 7-10, 11-13 or 14-17")


class SaveIn(Schema):
    token: str = Field(..., description="The token of a proposal")
    note: str = ""


def _proposal_out(proposal):
    return {
        "week_start": proposal.week_start,
        "age_group": proposal.age_group,
        "status": proposal.status,
        "days": proposal.days,
        "items": [
            {
                "date": d,
                "meal": m,
                "dish": i.pk,
                "dish_name": i.name,
                "category": i.category,
                "protein_source": i.protein,
                "cost_yuan": round(i.cost, 2),
            }
            for d, m, i in proposal.items
        ],  # fmt: skip
        "cost_total": round(proposal.cost_total, 2),
        "cost_per_day": round(proposal.cost_per_day, 2),
        "analysis": {
            "days": [
                {
                    "date": r["date"],
                    "cost_yuan": round(r["cost"], 2),
                    "nutrients": [
                        {k: n[k] for k in ("key", "unit", "value", "pct", "min", "judgement")}
                        for n in r["nutrients"]
                    ],
                }
                for r in proposal.day_rows
            ],  # fmt: skip
            "week": {
                "nutrients": [
                    {k: n[k] for k in ("key", "unit", "value", "pct", "min", "judgement")}
                    for n in proposal.week["nutrients"]
                ],  # fmt: skip
                "energy_split": [
                    {k: s[k] for k in ("key", "pct", "low", "high", "judgement")}
                    for s in proposal.week["split"]
                ],  # fmt: skip
                "quality_protein_pct": proposal.week["quality_protein_pct"],
            },
        },
        "shortfalls": [{**s, "label": str(s["label"])} for s in proposal.shortfalls],
        "seconds": round(proposal.seconds, 3),
        "variables": proposal.variables,
        "constraints": proposal.constraints,
        "library_size": proposal.library_size,
        "skipped": [{"dish": n, "reason": str(r)} for n, r in proposal.skipped],
        "token": proposal.token(),
    }


@router.post("/canteen/generator/propose", url_name="canteen_meals_generator_propose")
@requires(MANAGE_MENUS)
def generator_propose(request, payload: GenerateIn):
    """Propose a week's menu (nothing saved). 422 with ``detail`` naming the rule when no
    menu meets the hard rules."""
    proposal = menugen.propose(request.campus, payload.age_group, payload.week_start)
    return _proposal_out(proposal)


@router.post("/canteen/generator/save", response={201: dict}, url_name="canteen_meals_generator_save")
@requires(MANAGE_MENUS)
def generator_save(request, payload: SaveIn):
    """Save a proposal (its token) as a draft menu (generated)."""
    menu = menugen.proposal_save(
        actor=request.user, campus=request.campus, token=payload.token, note=payload.note
    )
    return Status(201, {"menu": menu.pk, "week_start": menu.week_start, "age_group": menu.age_group,
                        "status": menu.status, "items": menu.items.count()})  # fmt: skip


@router.post("/canteen/generator/generate", response={201: dict}, url_name="canteen_meals_generator_generate")
@requires(MANAGE_MENUS)
def generator_generate(request, payload: GenerateIn):
    """Propose and save at once: the draft menu and its proposal."""
    menu, proposal = menugen.generate(actor=request.user, campus=request.campus, age_group=payload.age_group,
                                      week_start=payload.week_start)  # fmt: skip
    out = _proposal_out(proposal)
    out.pop("token")
    return Status(201, {"menu": menu.pk, "status": menu.status, "proposal": out})


# --- Traceability ------------------------------------------------------------------------------


@router.get("/canteen/trace", url_name="canteen_meals_trace")
@requires(VIEW_TRACE)
def trace(request, date: dt.date, meal: str = MealKind.LUNCH.value):
    """The traceability report of a meal: dishes, batches (receiving, supplier, certificates
    valid on the day, pesticide tests), samples, kitchen staff on duty, findings."""
    if meal not in MealKind.values:
        raise ValidationError({"meal": _("Choose a meal.")})
    report = trace_report(request.campus, date, meal)
    return {
        "date": report["date"],
        "meal": report["meal"],
        "findings": [str(f) for f in report["findings"]],
        "dishes": [
            {
                "dish": d["dish"].pk,
                "name": d["dish"].name,
                "age_groups": [str(g) for g in d["age_groups"]],
                "ingredients": d["ingredients"],
                "batches": [b["batch"].pk for b in d["batches"]],
                "samples": [s.pk for s in d["samples"]],
            }
            for d in report["dishes"]
        ],  # fmt: skip
        "batches": [
            {
                "batch": b["batch"].pk,
                "number": b["batch"].number,
                "name": b["batch"].name,
                "issued": b["issued"],
                "stock_outs": b["stock_outs"],
                "best_before": b["batch"].best_before,
                "expired": b["expired"],
                "blocked": b["batch"].is_blocked,
                "receiving": b["receiving"].number if b["receiving"] else None,
                "supplier": b["batch"].supplier_id,
                "supplier_name": str(b["batch"].supplier),
                "tests": [
                    {
                        "id": t.pk,
                        "tested_at": t.tested_at,
                        "inhibition_pct": t.inhibition_pct,
                        "result": t.result,
                    }
                    for t in b["tests"]
                ],
                "dishes": b["dishes"],
            }
            for b in report["batches"]
        ],  # fmt: skip
        "suppliers": [
            {
                "supplier": s["supplier"].pk,
                "name": str(s["supplier"]),
                "problems": [str(p) for p in s["problems"]],
                "certificates": [
                    {
                        "id": c["cert"].pk,
                        "kind": c["cert"].kind,
                        "number": c["cert"].number,
                        "expires_on": c["cert"].expires_on,
                        "valid_on_day": c["valid"],
                    }
                    for c in s["certificates"]
                ],
            }
            for s in report["suppliers"]
        ],  # fmt: skip
        "samples": [
            {
                "id": s.pk,
                "dish": s.dish_id,
                "dish_name": s.dish.name,
                "weight_g": s.weight_g,
                "fridge": str(s.fridge),
                "taken_at": s.taken_at,
                "discard_not_before": s.discard_not_before,
                "disposed_at": s.disposed_at,
            }
            for s in report["samples"]
        ],  # fmt: skip
        "staff": [
            {
                "staff": r["staff"].pk,
                "name": r["staff"].name,
                "position": r["staff"].position,
                "certificate": r["certificate"].number if r["certificate"] else None,
                "certificate_valid": r["certificate_valid"],
                "morning_check": None
                if r["check"] is None
                else {"fit": r["check"].is_fit, "temperature_c": r["check"].temperature_c},
            }
            for r in report["staff"]
        ],  # fmt: skip
        "companions": [c.pk for c in report["companions"]],
    }
