"""Environment (环境): responsibility zones and their cleaning routines, scoring sheets,
hygiene inspections with their scores, the weekly / monthly rankings (卫生评比), problems sent
back with a deadline (限时纠正), greening areas and their care tasks, the functional-room use
log, dormitory inspections and the term report.

The same permissions as the pages, every write through :mod:`houqin.environment.services`
(validated, audited). An inspection is created (a draft) with its scores in one call and may
be submitted at once (``"submit": true``); once submitted it is a record, corrected only by
``…/void`` with a reason. Photos are multipart uploads (``file``): per zone of a draft
inspection, and on problems (``kind`` before/after; the fix needs an after-photo).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.api.schemas import AttachmentOut
from houqin.core.attachments import attachment_add
from houqin.core.models import Room, SchoolClass, Term
from houqin.core.permissions import has_perm
from houqin.environment import selectors, services
from houqin.environment.models import (
    CleaningZone,
    DormitoryInspection,
    GreeningArea,
    HygieneInspection,
    HygieneProblem,
    RoomUse,
    ScoringSheet,
    ZoneScore,
)

router = Router(tags=["environment"])

VIEW = "environment.view_environment"
MANAGE = "environment.manage_zones"
INSPECT = "environment.inspect_hygiene"
FIX = "environment.fix_problems"
RECORD_USE = "environment.record_room_use"
INSPECT_DORMS = "environment.inspect_dormitories"
P = "/environment"


class ReasonIn(Schema):
    reason: str


class NoteIn(Schema):
    note: str = ""


class StatsOut(Schema):
    total: int = 0
    done: int = 0
    missed: int = 0
    open: int = 0
    rate: float | None = None


# --- Zones --------------------------------------------------------------------------------------


class ZoneIn(Schema):
    name: str
    kind: str = CleaningZone.Kind.CLASS.value
    rooms: list[int] = Field(default_factory=list, description="Room ids")
    area_text: str = Field("", description="Where, beyond the rooms (e.g. 操场东侧)")
    school_class: int | None = Field(None, description="Id of the responsible class")
    responsible: int | None = Field(None, description="Id of the responsible campus member")
    sort_order: int = Field(0, ge=0)
    is_active: bool = True
    note: str = ""
    routines: bool = Field(False, description="Create its 一日一小扫 and 一周一大扫 routines at once")


class ZonePatchIn(Schema):
    name: str | None = None
    kind: str | None = None
    rooms: list[int] | None = None
    area_text: str | None = None
    school_class: int | None = None
    responsible: int | None = None
    sort_order: int | None = Field(None, ge=0)
    is_active: bool | None = None
    note: str | None = None


class ZoneOut(Schema):
    id: int
    name: str
    kind: str
    rooms: list[int]
    place: str = Field(alias="place_label")
    area_text: str
    school_class: int | None = Field(alias="school_class_id")
    responsible: int | None = Field(alias="responsible_id")
    responsible_person: str | None = None
    responsible_label: str
    sort_order: int
    is_active: bool
    note: str
    daily_routine: int | None = Field(alias="daily_routine_id")
    weekly_routine: int | None = Field(alias="weekly_routine_id")

    @staticmethod
    def resolve_rooms(obj):
        return [r.pk for r in obj.rooms.all()]

    @staticmethod
    def resolve_responsible_person(obj):
        return _name(obj.responsible_person)


class ZoneDetailOut(ZoneOut):
    cleaning_this_term: StatsOut | None = None
    open_problems: int = 0


class RoutinesIn(Schema):
    kinds: list[str] = Field(default_factory=lambda: ["daily", "weekly"], description="daily and/or weekly")


ZONE_REFS = {"school_class": SchoolClass, "responsible": "member"}


def _zones():
    return CleaningZone.objects.select_related(
        "school_class", "school_class__head_teacher", "responsible"
    ).prefetch_related("rooms")


def _zone(request, zone_id):
    return get_in_campus(request, _zones(), pk=zone_id)


def _rooms(request, ids):
    rooms = list(Room.objects.filter(campus=request.campus, pk__in=ids or []))
    if len(rooms) != len(set(ids or [])):
        raise ValidationError(
            {"rooms": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    return rooms


@router.get(P + "/zones", response=list[ZoneOut], url_name="environment_zone_list")
@requires(VIEW)
@paginate(LimitOffset)
def zone_list(request, kind: str | None = None, school_class: int | None = None, active: bool | None = None,
              q: str = ""):  # fmt: skip
    qs = _zones().filter(campus=request.campus).order_by("sort_order", "name", "id")
    if kind:
        qs = qs.filter(kind=kind)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if active is not None:
        qs = qs.filter(is_active=active)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(area_text__icontains=q) | Q(name_pinyin__icontains=q.lower()))
    return qs


@router.post(P + "/zones", response={201: ZoneOut}, url_name="environment_zone_create")
@requires(MANAGE)
def zone_create(request, payload: ZoneIn):
    data = payload.dict()
    rooms = _rooms(request, data.pop("rooms"))
    make_routines = data.pop("routines")
    data = resolve_refs(request, data, ZONE_REFS)
    zone = services.zone_save(actor=request.user, campus=request.campus, data=data, rooms=rooms)
    if make_routines and zone.is_active:
        services.zone_generate_routines(actor=request.user, zone=zone)
    return Status(201, _zone(request, zone.pk))


@router.get(P + "/zones/{zone_id}", response=ZoneDetailOut, url_name="environment_zone_detail")
@requires(VIEW)
def zone_detail(request, zone_id: int):
    zone = _zone(request, zone_id)
    term = selectors.current_term(request.campus)
    if term is not None:
        zone.cleaning_this_term = selectors.zone_routine_stats([zone], term.start_date, term.end_date).get(
            zone.pk
        )
    zone.open_problems = zone.problems.filter(status__in=HygieneProblem.ACTIVE_STATUSES).count()
    return zone


@router.patch(P + "/zones/{zone_id}", response=ZoneOut, url_name="environment_zone_update")
@requires(MANAGE)
def zone_update(request, zone_id: int, payload: ZonePatchIn):
    zone = _zone(request, zone_id)
    data = payload.dict(exclude_unset=True)
    rooms = _rooms(request, data.pop("rooms")) if "rooms" in data else None
    data = resolve_refs(request, data, ZONE_REFS)
    services.zone_save(actor=request.user, campus=request.campus, data=data, rooms=rooms, zone=zone)
    return _zone(request, zone_id)


@router.post(P + "/zones/{zone_id}/routines", response=ZoneOut, url_name="environment_zone_routines")
@requires(MANAGE)
def zone_routines(request, zone_id: int, payload: RoutinesIn):
    """Create the zone's daily small clean and weekly big clean routines (those missing)."""
    services.zone_generate_routines(actor=request.user, zone=_zone(request, zone_id), kinds=payload.kinds)
    return _zone(request, zone_id)


# --- Scoring sheets ---------------------------------------------------------------------------------


class SheetItemIn(Schema):
    id: int | None = Field(None, description="An existing standard of the sheet; empty for a new one")
    label: str
    guidance: str = ""
    max_points: Decimal = Field(..., gt=0, le=100)


class SheetIn(Schema):
    name: str
    is_default: bool = False
    is_active: bool = True
    note: str = ""
    items: list[SheetItemIn]


class SheetItemOut(Schema):
    id: int
    order: int
    label: str
    guidance: str
    max_points: Decimal


class SheetOut(Schema):
    id: int
    name: str
    is_default: bool
    is_active: bool
    note: str
    items: list[SheetItemOut]
    full_marks: Decimal

    @staticmethod
    def resolve_items(obj):
        return [i for i in obj.items.all() if i.is_active]

    @staticmethod
    def resolve_full_marks(obj):
        return sum((i.max_points for i in obj.items.all() if i.is_active), Decimal("0"))


def _sheets():
    return ScoringSheet.objects.prefetch_related("items")


@router.get(P + "/sheets", response=list[SheetOut], url_name="environment_sheet_list")
@requires(VIEW)
@paginate(LimitOffset)
def sheet_list(request):
    return _sheets().filter(campus=request.campus).order_by("-is_default", "name", "id")


@router.post(P + "/sheets", response={201: SheetOut}, url_name="environment_sheet_create")
@requires(MANAGE)
def sheet_create(request, payload: SheetIn):
    data = payload.dict()
    items = data.pop("items")
    sheet = services.sheet_save(actor=request.user, campus=request.campus, data=data, items=items)
    return Status(201, get_in_campus(request, _sheets(), pk=sheet.pk))


@router.get(P + "/sheets/{sheet_id}", response=SheetOut, url_name="environment_sheet_detail")
@requires(VIEW)
def sheet_detail(request, sheet_id: int):
    return get_in_campus(request, _sheets(), pk=sheet_id)


@router.patch(P + "/sheets/{sheet_id}", response=SheetOut, url_name="environment_sheet_update")
@requires(MANAGE)
def sheet_update(request, sheet_id: int, payload: SheetIn):
    """Replace the sheet and its standards (standards left out are deleted, or retired when
    inspections already scored them)."""
    sheet = get_in_campus(request, ScoringSheet.objects.all(), pk=sheet_id)
    data = payload.dict()
    items = data.pop("items")
    services.sheet_save(actor=request.user, campus=request.campus, data=data, items=items, sheet=sheet)
    return get_in_campus(request, _sheets(), pk=sheet_id)


# --- Inspections --------------------------------------------------------------------------------------


class ZoneScoreIn(Schema):
    zone: int = Field(..., description="Zone id")
    deductions: dict[int, Decimal] = Field(default_factory=dict, description="Standard id → points deducted")
    item_notes: dict[int, str] = Field(default_factory=dict, description="Standard id → note")
    note: str = Field("", description="Problems found in the zone")
    send_back: bool = Field(False, description="Send the zone back for rectification when submitting")
    deadline: dt.date | None = Field(None, description="Put right by; empty: the campus setting")
    skip: bool = Field(False, description="The zone was not inspected")


class InspectionIn(Schema):
    date: dt.date | None = None
    kind: str = HygieneInspection.Kind.WEEKLY.value
    sheet: int | None = Field(None, description="Scoring sheet id; empty: the default sheet")
    participants: str = ""
    note: str = ""
    scores: list[ZoneScoreIn] = Field(default_factory=list)
    submit: bool = Field(False, description="Submit at once (the scores become a record)")


class ScoresIn(Schema):
    scores: list[ZoneScoreIn]
    submit: bool = False


class ItemScoreOut(Schema):
    item: int = Field(alias="item_id")
    label: str
    max_points: Decimal
    deduction: Decimal
    score: Decimal
    note: str


class ZoneScoreOut(Schema):
    id: int
    zone: int = Field(alias="zone_id")
    zone_name: str
    total: Decimal
    max_total: Decimal
    percent: Decimal | None
    note: str
    send_back: bool
    deadline: dt.date | None
    items: list[ItemScoreOut]

    @staticmethod
    def resolve_zone_name(obj):
        return obj.zone.name

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class InspectionOut(Schema):
    id: int
    date: dt.date
    kind: str
    sheet: int = Field(alias="sheet_id")
    inspector: int = Field(alias="inspector_id")
    inspector_name: str | None = None
    participants: str
    note: str
    status: str
    submitted_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_inspector_name(obj):
        return _name(obj.inspector)


class InspectionDetailOut(InspectionOut):
    scores: list[ZoneScoreOut]
    problems: list[int]

    @staticmethod
    def resolve_scores(obj):
        return list(
            ZoneScore.objects.filter(inspection=obj).select_related("zone").prefetch_related("items")
            .order_by("zone__sort_order", "zone__name")
        )  # fmt: skip

    @staticmethod
    def resolve_problems(obj):
        return list(obj.problems.values_list("pk", flat=True))


def _inspection(request, inspection_id):
    return get_in_campus(request, HygieneInspection.objects.select_related("inspector"), pk=inspection_id)


def _score_rows(request, scores):
    rows = []
    for s in scores:
        row = s.dict()
        row["deductions"] = {k: str(v) for k, v in row["deductions"].items()}
        rows.append(row)
    zone_ids = {r["zone"] for r in rows}
    known = set(
        CleaningZone.objects.filter(campus=request.campus, pk__in=zone_ids).values_list("pk", flat=True)
    )
    if zone_ids - known:
        raise ValidationError(
            {"scores": [_("Zone %(id)s is not on this inspection.") % {"id": min(zone_ids - known)}]}
        )
    return rows


@router.get(P + "/inspections", response=list[InspectionOut], url_name="environment_inspection_list")
@requires(VIEW)
@paginate(LimitOffset)
def inspection_list(request, kind: str | None = None, status: str | None = None, date_from: dt.date | None = None,
                    date_to: dt.date | None = None):  # fmt: skip
    qs = (
        HygieneInspection.objects.filter(campus=request.campus)
        .select_related("inspector")
        .order_by("-date", "-id")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


@router.post(
    P + "/inspections", response={201: InspectionDetailOut}, url_name="environment_inspection_create"
)
@requires(INSPECT)
def inspection_create(request, payload: InspectionIn):
    """Start an inspection and record its scores in one call (all or nothing)."""
    from django.db import transaction

    sheet = None
    if payload.sheet is not None:
        sheet = get_in_campus(request, ScoringSheet.objects.all(), pk=payload.sheet)
    rows = _score_rows(request, payload.scores)
    with transaction.atomic():
        inspection = services.inspection_create(
            actor=request.user, campus=request.campus, date=payload.date, kind=payload.kind, sheet=sheet,
            participants=payload.participants, note=payload.note,
        )  # fmt: skip
        if rows:
            services.inspection_save_scores(actor=request.user, inspection=inspection, rows=rows,
                                            submit=payload.submit)  # fmt: skip
        elif payload.submit:
            services.inspection_submit(actor=request.user, inspection=inspection)
    return Status(201, _inspection(request, inspection.pk))


@router.get(P + "/inspections/{inspection_id}", response=InspectionDetailOut,
            url_name="environment_inspection_detail")  # fmt: skip
@requires(VIEW)
def inspection_detail(request, inspection_id: int):
    return _inspection(request, inspection_id)


@router.post(P + "/inspections/{inspection_id}/scores", response=InspectionDetailOut,
            url_name="environment_inspection_scores")  # fmt: skip
@requires(INSPECT)
def inspection_scores(request, inspection_id: int, payload: ScoresIn):
    """Record (more) scores of a draft inspection; zones not given keep their scores."""
    inspection = _inspection(request, inspection_id)
    services.inspection_save_scores(actor=request.user, inspection=inspection,
                                    rows=_score_rows(request, payload.scores), submit=payload.submit)  # fmt: skip
    return _inspection(request, inspection_id)


@router.post(P + "/inspections/{inspection_id}/zones/{zone_id}/photos", response={201: AttachmentOut},
             url_name="environment_inspection_photo")  # fmt: skip
@requires(INSPECT)
def inspection_photo(request, inspection_id: int, zone_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """A photo of a zone's problems in a draft inspection (the zone must be scored)."""
    inspection = _inspection(request, inspection_id)
    if not inspection.is_draft:
        raise ValidationError(_("A submitted inspection is a record: void it with a reason and score again."))
    score = get_in_campus(request, ZoneScore.objects.filter(inspection=inspection), zone_id=zone_id)
    return Status(201, attachment_add(actor=request.user, obj=score, uploaded_file=file, kind="photo"))


@router.post(P + "/inspections/{inspection_id}/submit", response=InspectionDetailOut,
             url_name="environment_inspection_submit")  # fmt: skip
@requires(INSPECT)
def inspection_submit(request, inspection_id: int):
    services.inspection_submit(actor=request.user, inspection=_inspection(request, inspection_id))
    return _inspection(request, inspection_id)


@router.post(P + "/inspections/{inspection_id}/void", response=InspectionDetailOut,
             url_name="environment_inspection_void")  # fmt: skip
@requires(INSPECT)
def inspection_void(request, inspection_id: int, payload: ReasonIn):
    services.inspection_void(actor=request.user, inspection=_inspection(request, inspection_id),
                             reason=payload.reason)  # fmt: skip
    return _inspection(request, inspection_id)


# --- Rankings ----------------------------------------------------------------------------------------------


class RankingRowOut(Schema):
    rank: int
    label: str
    zone: int | None = None
    school_class: int | None = None
    responsible: str
    score: Decimal
    inspections: int
    passed: bool
    previous_rank: int | None = None

    @staticmethod
    def resolve_zone(obj):
        return obj["zone"].pk if obj["zone"] is not None else None

    @staticmethod
    def resolve_school_class(obj):
        return obj["school_class"].pk if obj["school_class"] is not None else None


class RankingOut(Schema):
    period: str
    group: str
    date_from: dt.date
    date_to: dt.date
    rows: list[RankingRowOut]


@router.get(P + "/rankings", response=RankingOut, url_name="environment_ranking")
@requires(VIEW)
def ranking(request, period: str = "week", date: dt.date | None = None, group: str = "zone"):
    """The zones (or classes) ranked by their score out of 100 over the submitted inspections
    of the week or month containing ``date`` (default: the latest week with scores)."""
    if period not in ("week", "month"):
        raise ValidationError({"period": [_("Choose week or month.")]})
    if group not in ("zone", "class"):
        raise ValidationError({"group": [_("Choose zone or class.")]})
    day = date or selectors.latest_week_with_scores(request.campus) or timezone.localdate()
    if period == "month":
        start, end = selectors.month_bounds(day)
        prev = selectors.month_bounds(start - dt.timedelta(days=1))
    else:
        start, end = selectors.week_bounds(day)
        prev = (start - dt.timedelta(days=7), start - dt.timedelta(days=1))
    rows = selectors.ranking_with_change(request.campus, start, end, *prev, group=group)
    return {"period": period, "group": group, "date_from": start, "date_to": end, "rows": rows}


# --- Problems ----------------------------------------------------------------------------------------------


class ProblemIn(Schema):
    zone: int
    description: str
    deadline: dt.date | None = Field(None, description="Empty: the campus setting's days from today")


class SendBackIn(Schema):
    reason: str
    deadline: dt.date | None = None


class ProblemOut(Schema):
    id: int
    number: str
    zone: int = Field(alias="zone_id")
    zone_name: str
    inspection: int | None = Field(alias="inspection_id")
    description: str
    responsible: int = Field(alias="responsible_id")
    responsible_name: str | None = None
    deadline: dt.date
    is_overdue: bool
    status: str
    raised_at: dt.datetime
    fixed_by: int | None = Field(alias="fixed_by_id")
    fixed_at: dt.datetime | None
    fix_note: str
    verified_by: int | None = Field(alias="verified_by_id")
    verified_at: dt.datetime | None
    verify_note: str
    returned_reason: str
    return_count: int
    void_reason: str

    @staticmethod
    def resolve_zone_name(obj):
        return obj.zone.name

    @staticmethod
    def resolve_responsible_name(obj):
        return _name(obj.responsible)


def _problem(request, problem_id):
    return get_in_campus(request, HygieneProblem.objects.select_related("zone", "responsible"), pk=problem_id)


@router.get(P + "/problems", response=list[ProblemOut], url_name="environment_problem_list")
@requires(VIEW)
@paginate(LimitOffset)
def problem_list(request, status: str | None = None, zone: int | None = None, responsible: int | None = None,
                 overdue: bool | None = None, mine: bool = False):  # fmt: skip
    qs = HygieneProblem.objects.filter(campus=request.campus).select_related("zone", "responsible")
    if status:
        qs = qs.filter(status=status)
    if zone is not None:
        qs = qs.filter(zone_id=zone)
    if responsible is not None:
        qs = qs.filter(responsible_id=responsible)
    today = timezone.localdate()
    if overdue:
        qs = qs.filter(status=HygieneProblem.Status.OPEN, deadline__lt=today)
    elif overdue is False:
        qs = qs.exclude(status=HygieneProblem.Status.OPEN, deadline__lt=today)
    if mine:
        qs = qs.filter(responsible=request.user, status=HygieneProblem.Status.OPEN)
    return qs.order_by("-raised_at", "-id")


@router.post(P + "/problems", response={201: ProblemOut}, url_name="environment_problem_create")
@requires(INSPECT)
def problem_create(request, payload: ProblemIn):
    """Send a problem back to the zone's responsible person with a deadline."""
    zone = get_in_campus(request, CleaningZone.objects.all(), pk=payload.zone)
    problem = services.problem_raise(actor=request.user, campus=request.campus, zone=zone,
                                     description=payload.description, deadline=payload.deadline)  # fmt: skip
    return Status(201, _problem(request, problem.pk))


@router.get(P + "/problems/{problem_id}", response=ProblemOut, url_name="environment_problem_detail")
@requires(VIEW)
def problem_detail(request, problem_id: int):
    return _problem(request, problem_id)


@router.post(
    P + "/problems/{problem_id}/photos", response={201: AttachmentOut}, url_name="environment_problem_photo"
)
@requires(FIX)
def problem_photo(request, problem_id: int, file: UploadedFile = File(...), kind: str = Form("after")):  # noqa: B008
    """A photo (multipart ``file``; ``kind`` before or after). After-photos are for the
    person putting it right (the responsible person or an inspector)."""
    problem = _problem(request, problem_id)
    if kind not in ("before", "after"):
        raise ValidationError({"kind": [_("Choose before or after.")]})
    if problem.status not in HygieneProblem.ACTIVE_STATUSES:
        raise ValidationError(_("This problem is closed."))
    if kind == "after" and not services.can_fix(request.user, problem, request.perms):
        raise PermissionDenied(_("Only the zone's responsible person or an inspector can report the fix."))
    if kind == "before" and not has_perm(request, INSPECT):
        raise PermissionDenied(_("You do not have permission to do this."))
    return Status(201, attachment_add(actor=request.user, obj=problem, uploaded_file=file, kind=kind))


@router.post(P + "/problems/{problem_id}/fix", response=ProblemOut, url_name="environment_problem_fix")
@requires(FIX)
def problem_fix(request, problem_id: int, payload: NoteIn):
    """Report it put right: the responsible person (or an inspector), with an after-photo
    uploaded in this round."""
    services.problem_fix(actor=request.user, problem=_problem(request, problem_id), note=payload.note)
    return _problem(request, problem_id)


@router.post(P + "/problems/{problem_id}/verify", response=ProblemOut, url_name="environment_problem_verify")
@requires(INSPECT)
def problem_verify(request, problem_id: int, payload: NoteIn):
    """Check and close: an inspector other than the one who fixed it."""
    services.problem_verify(actor=request.user, problem=_problem(request, problem_id), note=payload.note)
    return _problem(request, problem_id)


@router.post(
    P + "/problems/{problem_id}/send-back", response=ProblemOut, url_name="environment_problem_send_back"
)
@requires(INSPECT)
def problem_send_back(request, problem_id: int, payload: SendBackIn):
    services.problem_send_back(actor=request.user, problem=_problem(request, problem_id), reason=payload.reason,
                               deadline=payload.deadline)  # fmt: skip
    return _problem(request, problem_id)


@router.post(P + "/problems/{problem_id}/void", response=ProblemOut, url_name="environment_problem_void")
@requires(INSPECT)
def problem_void(request, problem_id: int, payload: ReasonIn):
    services.problem_void(actor=request.user, problem=_problem(request, problem_id), reason=payload.reason)
    return _problem(request, problem_id)


# --- Greening -----------------------------------------------------------------------------------------------


class AreaIn(Schema):
    name: str
    kind: str = GreeningArea.Kind.FLOWERBED.value
    species: str = ""
    location: str = ""
    room: int | None = None
    quantity: int | None = Field(None, ge=0)
    area_m2: Decimal | None = Field(None, ge=0)
    caretaker: int | None = None
    school_class: int | None = None
    is_active: bool = True
    note: str = ""
    tasks: list[str] | None = Field(
        None, description="Care tasks to create; empty list: none; null: the usual"
    )


class AreaPatchIn(Schema):
    name: str | None = None
    species: str | None = None
    location: str | None = None
    room: int | None = None
    quantity: int | None = Field(None, ge=0)
    area_m2: Decimal | None = Field(None, ge=0)
    caretaker: int | None = None
    school_class: int | None = None
    is_active: bool | None = None
    note: str | None = None


class TaskOut(Schema):
    id: int
    kind: str
    routine: int = Field(alias="template_id")
    name: str
    frequency: str
    responsible: str

    @staticmethod
    def resolve_name(obj):
        return obj.template.name

    @staticmethod
    def resolve_frequency(obj):
        return obj.template.frequency_label

    @staticmethod
    def resolve_responsible(obj):
        return obj.template.responsible_label


class AreaOut(Schema):
    id: int
    name: str
    kind: str
    species: str
    location: str
    room: int | None = Field(alias="room_id")
    quantity: int | None
    area_m2: Decimal | None
    caretaker: int | None = Field(alias="caretaker_id")
    school_class: int | None = Field(alias="school_class_id")
    is_active: bool
    note: str
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.all())


class WeekCheckOut(Schema):
    id: int
    date: dt.date
    status: str


class AreaTaskWeekOut(Schema):
    kind: str
    routine: int
    this_week: list[WeekCheckOut]
    next_due: dt.date | None
    term: StatsOut | None


class AreaDetailOut(AreaOut):
    week: list[AreaTaskWeekOut]


class TasksIn(Schema):
    kinds: list[str] | None = Field(None, description="Empty: the usual tasks of the area's kind")


AREA_REFS = {"room": Room, "caretaker": "member", "school_class": SchoolClass}


def _areas():
    return GreeningArea.objects.prefetch_related("tasks__template__responsible_user")


def _area(request, area_id):
    return get_in_campus(request, _areas(), pk=area_id)


@router.get(P + "/greening/areas", response=list[AreaOut], url_name="environment_area_list")
@requires(VIEW)
@paginate(LimitOffset)
def area_list(request, kind: str | None = None, active: bool | None = None):
    qs = _areas().filter(campus=request.campus).order_by("name", "id")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


@router.post(P + "/greening/areas", response={201: AreaOut}, url_name="environment_area_create")
@requires(MANAGE)
def area_create(request, payload: AreaIn):
    from django.db import transaction

    data = payload.dict()
    tasks = data.pop("tasks")
    data = resolve_refs(request, data, AREA_REFS)
    with transaction.atomic():
        area = services.greening_area_save(actor=request.user, campus=request.campus, data=data)
        if tasks is None or tasks:
            services.greening_generate_tasks(actor=request.user, area=area, kinds=tasks)
    return Status(201, _area(request, area.pk))


@router.get(P + "/greening/areas/{area_id}", response=AreaDetailOut, url_name="environment_area_detail")
@requires(VIEW)
def area_detail(request, area_id: int):
    """The area with its tasks, this week's checks of each, the next due and the term's rate."""
    area = _area(request, area_id)
    tasks = list(area.tasks.all())
    this_week, upcoming = selectors.week_occurrences([t.template_id for t in tasks])
    term = selectors.current_term(request.campus)
    stats = (
        selectors.routine_stats([t.template_id for t in tasks], term.start_date, term.end_date)
        if term
        else {}
    )
    area.week = [
        {"kind": t.kind, "routine": t.template_id, "this_week": this_week.get(t.template_id, []),
         "next_due": upcoming.get(t.template_id), "term": stats.get(t.template_id)}
        for t in tasks
    ]  # fmt: skip
    return area


@router.patch(P + "/greening/areas/{area_id}", response=AreaOut, url_name="environment_area_update")
@requires(MANAGE)
def area_update(request, area_id: int, payload: AreaPatchIn):
    area = _area(request, area_id)
    data = resolve_refs(request, payload.dict(exclude_unset=True), AREA_REFS)
    services.greening_area_save(actor=request.user, campus=request.campus, data=data, area=area)
    return _area(request, area_id)


@router.post(P + "/greening/areas/{area_id}/tasks", response=AreaOut, url_name="environment_area_tasks")
@requires(MANAGE)
def area_tasks(request, area_id: int, payload: TasksIn):
    """Create the area's care tasks (routines) that it does not have yet."""
    services.greening_generate_tasks(actor=request.user, area=_area(request, area_id), kinds=payload.kinds)
    return _area(request, area_id)


# --- Functional rooms -----------------------------------------------------------------------------------------


class RoomUseIn(Schema):
    room: int
    date: dt.date | None = None
    period: str = ""
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    school_class: int
    teacher: int | None = Field(None, description="Default: the user")
    purpose: str
    children_count: int | None = Field(None, ge=0, le=200)
    condition: str = RoomUse.Condition.GOOD.value
    problem_note: str = ""
    open_repair: bool = Field(False, description="Report a repair for the problem at once")


class RoomUseOut(Schema):
    id: int
    room: int = Field(alias="room_id")
    room_name: str
    date: dt.date
    period: str
    start_time: dt.time | None
    end_time: dt.time | None
    school_class: int = Field(alias="school_class_id")
    teacher: int = Field(alias="teacher_id")
    purpose: str
    children_count: int | None
    condition: str
    problem_note: str
    repair: str = Field(alias="follow_up_label")
    status: str
    void_reason: str

    @staticmethod
    def resolve_room_name(obj):
        return obj.room.name


class RoomStatsRowOut(Schema):
    room: int
    room_name: str
    uses: int
    per_week: float
    classes: int
    children: int
    problems: int
    last: dt.date | None

    @staticmethod
    def resolve_room(obj):
        return obj["room"].pk

    @staticmethod
    def resolve_room_name(obj):
        return obj["room"].name


class ClassUsesOut(Schema):
    school_class: int
    name: str
    total: int
    by_room: dict[int, int]


class RoomStatsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    total: int
    rooms: list[RoomStatsRowOut]
    classes: list[ClassUsesOut]


ROOM_USE_REFS = {"room": Room, "school_class": SchoolClass, "teacher": "member"}


def _use(request, use_id):
    return get_in_campus(request, RoomUse.objects.select_related("room"), pk=use_id)


@router.get(P + "/room-uses", response=list[RoomUseOut], url_name="environment_roomuse_list")
@requires(VIEW)
@paginate(LimitOffset)
def room_use_list(request, room: int | None = None, school_class: int | None = None, status: str | None = None,
                  date_from: dt.date | None = None, date_to: dt.date | None = None):  # fmt: skip
    qs = (
        RoomUse.objects.filter(campus=request.campus)
        .select_related("room")
        .order_by("-date", "-start_time", "-id")
    )
    if room is not None:
        qs = qs.filter(room_id=room)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


@router.post(P + "/room-uses", response={201: RoomUseOut}, url_name="environment_roomuse_create")
@requires(RECORD_USE)
def room_use_create(request, payload: RoomUseIn):
    data = payload.dict()
    open_repair = data.pop("open_repair")
    if data["date"] is None:
        data["date"] = timezone.localdate()
    if data["teacher"] is None:
        data.pop("teacher")
    data = resolve_refs(request, data, ROOM_USE_REFS)
    use = services.room_use_record(
        actor=request.user, campus=request.campus, data=data, open_repair=open_repair
    )
    return Status(201, _use(request, use.pk))


@router.get(P + "/room-uses/stats", response=RoomStatsOut, url_name="environment_roomuse_stats")
@requires(VIEW)
def room_use_stats(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Uses per functional room (and per week) and per class over the period (default: the term so far)."""
    term = selectors.current_term(request.campus)
    today = timezone.localdate()
    date_to = date_to or (min(term.end_date, today) if term else today)
    date_from = date_from or (term.start_date if term else date_to - dt.timedelta(days=28))
    if date_from > date_to:
        raise ValidationError({"date_from": [_("The start must not be after the end.")]})
    stats = selectors.room_use_stats(request.campus, date_from, date_to)
    rooms = stats["room_list"]
    classes = [
        {"school_class": r["school_class"].pk, "name": r["school_class"].name, "total": r["total"],
         "by_room": {room.pk: n for room, n in zip(rooms, r["cells"], strict=True) if n}}
        for r in stats["classes"]
    ]  # fmt: skip
    return {"date_from": date_from, "date_to": date_to, "total": stats["total"], "rooms": stats["rooms"],
            "classes": classes}  # fmt: skip


@router.get(P + "/room-uses/{use_id}", response=RoomUseOut, url_name="environment_roomuse_detail")
@requires(VIEW)
def room_use_detail(request, use_id: int):
    return _use(request, use_id)


@router.post(P + "/room-uses/{use_id}/void", response=RoomUseOut, url_name="environment_roomuse_void")
@requires(RECORD_USE)
def room_use_void(request, use_id: int, payload: ReasonIn):
    services.room_use_void(actor=request.user, use=_use(request, use_id), reason=payload.reason)
    return _use(request, use_id)


@router.post(P + "/room-uses/{use_id}/repair", response=RoomUseOut, url_name="environment_roomuse_repair")
@requires("maintenance.report_repairs")
def room_use_repair(request, use_id: int):
    """Report a repair (maintenance module) for the problem found after the use."""
    services.room_use_open_repair(actor=request.user, use=_use(request, use_id))
    return _use(request, use_id)


# --- Dormitories ------------------------------------------------------------------------------------------------


class DormResultIn(Schema):
    passed: bool
    note: str = ""
    hazard: bool = Field(True, description="Open a hazard if an electrical or fire item fails")


class DormIn(Schema):
    room: int
    kind: str = DormitoryInspection.Kind.STUDENT.value
    results: dict[str, DormResultIn] = Field(
        ..., description="Item key → result, for every item of the checklist"
    )
    note: str = ""


class DormResultOut(Schema):
    key: str
    category: str
    label: str
    passed: bool
    note: str
    hazard: int | None = Field(alias="hazard_id")


class DormOut(Schema):
    id: int
    room: int = Field(alias="room_id")
    room_name: str
    kind: str
    inspected_at: dt.datetime
    inspector: int = Field(alias="inspector_id")
    passed: bool
    failed_count: int
    note: str
    status: str
    void_reason: str
    results: list[DormResultOut]

    @staticmethod
    def resolve_room_name(obj):
        return str(obj.room)

    @staticmethod
    def resolve_results(obj):
        return list(obj.results.all())


class ChecklistItemOut(Schema):
    key: str
    category: str
    label: str


def _dorms():
    return DormitoryInspection.objects.select_related("room").prefetch_related("results")


@router.get(P + "/dormitory-checklists/{kind}", response=list[ChecklistItemOut],
            url_name="environment_dorm_checklist")  # fmt: skip
@requires(VIEW)
def dorm_checklist(request, kind: str):
    """The checklist of a kind of room (student, staff, nap)."""
    items = services.dormitory_checklist(kind)
    if not items:
        raise ValidationError({"kind": [_("Choose the kind of room.")]})
    return [{"key": k, "category": c, "label": label} for k, c, label in items]


@router.get(P + "/dormitory-inspections", response=list[DormOut], url_name="environment_dorm_list")
@requires(VIEW)
@paginate(LimitOffset)
def dorm_list(request, room: int | None = None, passed: bool | None = None, status: str | None = None):
    qs = _dorms().filter(campus=request.campus).order_by("-inspected_at", "-id")
    if room is not None:
        qs = qs.filter(room_id=room)
    if passed is not None:
        qs = qs.filter(passed=passed)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post(P + "/dormitory-inspections", response={201: DormOut}, url_name="environment_dorm_create")
@requires(INSPECT_DORMS)
def dorm_create(request, payload: DormIn):
    """Record an inspection; failed electrical and fire items open hazards (safety module)."""
    room = resolve_refs(request, {"room": payload.room}, {"room": Room})["room"]
    inspection = services.dormitory_inspect(
        actor=request.user, campus=request.campus, room=room, kind=payload.kind,
        results={k: v.dict() for k, v in payload.results.items()}, note=payload.note,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _dorms(), pk=inspection.pk))


@router.get(
    P + "/dormitory-inspections/{inspection_id}", response=DormOut, url_name="environment_dorm_detail"
)
@requires(VIEW)
def dorm_detail(request, inspection_id: int):
    return get_in_campus(request, _dorms(), pk=inspection_id)


@router.post(
    P + "/dormitory-inspections/{inspection_id}/void", response=DormOut, url_name="environment_dorm_void"
)
@requires(INSPECT_DORMS)
def dorm_void(request, inspection_id: int, payload: ReasonIn):
    inspection = get_in_campus(request, _dorms(), pk=inspection_id)
    services.dormitory_void(actor=request.user, inspection=inspection, reason=payload.reason)
    return get_in_campus(request, _dorms(), pk=inspection_id)


# --- The term report ------------------------------------------------------------------------------------------------


class ReportZoneOut(Schema):
    zone: int
    name: str
    responsible: str
    months: dict[str, Decimal | None]
    score: Decimal | None
    rank: int | None
    inspections: int
    cleaning: StatsOut | None


class ReportClassOut(Schema):
    rank: int
    name: str
    score: Decimal


class ReportAreaOut(Schema):
    area: int
    name: str
    kind: str
    greening: StatsOut


class ReportProblemsOut(Schema):
    raised: int
    closed: int
    on_time: int
    open: int
    overdue: int


class ReportOut(Schema):
    term: int
    term_name: str
    date_from: dt.date
    date_to: dt.date
    inspections: int
    weekly_inspections: int
    zones: list[ReportZoneOut]
    classes: list[ReportClassOut]
    cleaning: StatsOut
    greening: StatsOut
    greening_by_task: dict[str, StatsOut]
    areas: list[ReportAreaOut]
    room_uses: list[RoomStatsRowOut]
    problems: ReportProblemsOut


@router.get(P + "/reports/term", response=ReportOut, url_name="environment_report_term")
@requires(VIEW)
def report_term(request, term: int | None = None):
    """The term's environment summary (default: the current or last term): scores per zone by
    month with the ranking, cleaning and greening completion, room usage, problems."""
    term_obj = (
        get_in_campus(request, Term.objects.all(), pk=term)
        if term
        else selectors.current_term(request.campus)
    )
    if term_obj is None:
        raise ValidationError({"term": [_("No term in the calendar yet.")]})
    r = selectors.term_report(request.campus, term_obj)
    return {
        "term": term_obj.pk, "term_name": term_obj.name, "date_from": r["date_from"], "date_to": r["date_to"],
        "inspections": r["inspections"]["n"], "weekly_inspections": r["inspections"]["weekly"],
        "zones": [
            {"zone": z["zone"].pk, "name": z["zone"].name, "responsible": z["zone"].responsible_label,
             "months": {m.strftime("%Y-%m"): s for m, s in zip(r["months"], z["months"], strict=True)},
             "score": z["score"], "rank": z["rank"], "inspections": z["inspections"], "cleaning": z["routines"]}
            for z in r["zones"]
        ],
        "classes": [{"rank": c["rank"], "name": c["label"], "score": c["score"]} for c in r["class_ranking"]],
        "cleaning": r["cleaning_total"], "greening": r["greening_total"],
        "greening_by_task": {t["kind"]: t["stats"] for t in r["greening_by_task"]},
        "areas": [{"area": a["area"].pk, "name": a["area"].name, "kind": a["area"].kind, "greening": a["stats"]["all"]}
                  for a in r["areas"]],
        "room_uses": r["rooms"]["rooms"], "problems": r["problems"],
    }  # fmt: skip
