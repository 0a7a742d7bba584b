"""Routines (例行工作): routines with their checklists, the routine library, the checks
(occurrences) with completion and void, follow-ups of failed items, completion rates.

The same services as the pages (:mod:`houqin.core.routines`) and the same permissions:
``core.view_routines`` to read, ``core.complete_routines`` to record checks one answers
for (by role or by name; leaders any), ``core.manage_routines`` to set routines up and
void a completed check.
"""

import datetime as dt
import json
from decimal import Decimal

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.pagination import LimitOffset
from houqin.core import attachables, audit, routine_library, routines
from houqin.core.models import (
    Attachment,
    Building,
    Room,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
)
from houqin.core.models.routines import CATEGORY_LABELS
from houqin.core.pinyin import pinyin_q

router = Router(tags=["routines"])

VIEW, COMPLETE, MANAGE = "core.view_routines", "core.complete_routines", "core.manage_routines"
Status_ = RoutineOccurrence.Status


# --- schemas -------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    display_name: str


class ItemIn(Schema):
    order: int = 0
    label: str
    kind: str = Field("pass_fail", description="pass_fail, value, text or choice")
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    choices: list[str] = Field(default_factory=list)
    failing_choices: list[str] = Field(default_factory=list)
    required: bool = True
    photo_required: bool = False
    fail_hint: str = ""


class ItemOut(Schema):
    id: int
    order: int
    label: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None
    range_label: str
    choices: list[str]
    failing_choices: list[str]
    required: bool
    photo_required: bool
    fail_hint: str


class TemplateIn(Schema):
    name: str
    category: str = "safety.patrol"
    description: str = ""
    building: int | None = None
    room: int | None = None
    zone: str = ""
    responsible_role: str = ""
    responsible_user: int | None = Field(None, description="Id of a user holding a role on the campus.")
    window_start: dt.time | None = None
    window_end: dt.time | None = None
    grace_days: int = 0
    frequency: str = Field(
        "daily",
        description="daily, weekdays, every_n_weeks, monthly_day, monthly_nth_weekday, termly, yearly, "
        "term_start or term_end",
    )
    weekdays: list[int] = Field(default_factory=list, description="0 = Monday … 6 = Sunday (weekdays)")
    interval_weeks: int = 1
    weekday: int | None = Field(None, description="every_n_weeks, monthly_nth_weekday")
    anchor_date: dt.date | None = None
    month_day: int | None = Field(None, description="monthly_day, yearly (31 = last day of shorter months)")
    nth: int | None = Field(None, description="1–4, or -1 for the last (monthly_nth_weekday)")
    month: int | None = None
    term_points: list[str] = Field(default_factory=list, description="start, mid, end (termly)")
    offset_days: int = 0
    school_days_only: bool = True
    auto_follow_up: str = ""
    is_active: bool = True


class TemplateCreateIn(TemplateIn):
    items: list[ItemIn] = Field(default_factory=list, description="The checklist (at least one item).")


class TemplateOut(Schema):
    id: int
    name: str
    category: str
    category_label: str
    description: str
    building: int | None = Field(alias="building_id")
    room: int | None = Field(alias="room_id")
    zone: str
    place: str = Field(alias="place_label")
    responsible_role: str
    responsible_user: int | None = Field(alias="responsible_user_id")
    responsible: str = Field(alias="responsible_label")
    window_start: dt.time | None
    window_end: dt.time | None
    grace_days: int
    frequency: str
    frequency_label: str
    weekdays: list[int]
    interval_weeks: int
    weekday: int | None
    anchor_date: dt.date | None
    month_day: int | None
    nth: int | None
    month: int | None
    term_points: list[str]
    offset_days: int
    school_days_only: bool
    auto_follow_up: str
    library_key: str
    is_active: bool
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return [i for i in obj.items.all() if i.is_active]

    @staticmethod
    def resolve_category_label(obj):
        return str(obj.category_label)


class LibraryItemOut(Schema):
    label: str
    kind: str
    unit: str
    range_label: str
    photo_required: bool


class LibraryEntryOut(Schema):
    key: str
    name: str
    category: str
    category_label: str
    responsible_role: str
    frequency_label: str
    window: str
    source: str
    enabled: bool
    items: list[LibraryItemOut]


class LibraryEnableIn(Schema):
    keys: list[str] = Field(description="Library keys to enable (already enabled ones are skipped).")


class TemplateRef(Schema):
    id: int
    name: str
    category: str


class OccurrenceOut(Schema):
    id: int
    template: TemplateRef
    date: dt.date
    window_start: dt.datetime
    window_end: dt.datetime
    status: str
    status_display: str = Field(alias="get_status_display")
    overdue: bool = Field(alias="is_overdue")
    place: str
    responsible: str
    completed_by: PersonOut | None
    completed_at: dt.datetime | None
    notes: str
    void_reason: str
    failed_count: int = 0

    @staticmethod
    def resolve_place(obj):
        return obj.template.place_label

    @staticmethod
    def resolve_responsible(obj):
        return obj.template.responsible_label


class FollowUpOut(Schema):
    kind: str
    type: str
    id: str
    label: str
    url: str


class ResultOut(Schema):
    id: int
    item: int = Field(alias="item_id")
    label: str
    passed: bool | None
    value: Decimal | None
    unit: str
    text: str
    note: str
    photos: list[int] = Field(default_factory=list, alias="photo_ids", description="Attachment ids")
    follow_up: FollowUpOut | None = Field(None, alias="follow_up_out")
    voided_at: dt.datetime | None
    void_reason: str


class ActionOut(Schema):
    key: str
    label: str
    icon: str


class OccurrenceDetailOut(OccurrenceOut):
    items: list[ItemOut] = Field(default_factory=list, alias="checklist", description="The checklist to complete")
    results: list[ResultOut] = Field(default_factory=list, alias="result_rows")
    follow_up_actions: list[ActionOut] = Field(
        default_factory=list, description="Follow-ups you may open for a failed item"
    )
    can_complete: bool = False


class ResultIn(Schema):
    item: int
    passed: bool | None = None
    value: Decimal | None = None
    text: str = ""
    note: str = ""


class CompleteIn(Schema):
    results: list[ResultIn] = Field(default_factory=list)
    notes: str = ""


class ReasonIn(Schema):
    reason: str


class FollowUpIn(Schema):
    action: str = Field(description="A registered follow-up, e.g. hazard")


class ReportRowOut(Schema):
    label: str
    template_id: int | None = None
    total: int
    done: int
    on_time: int
    late: int
    missed: int
    open: int
    failed: int
    rate: float | None
    on_time_rate: float | None


class ReportOut(Schema):
    by: str
    date_from: dt.date
    date_to: dt.date
    rows: list[ReportRowOut]
    totals: ReportRowOut


# --- routines (templates) --------------------------------------------------------------------

TEMPLATE_REFS = {"building": Building, "room": Room, "responsible_user": "member"}


def _templates():
    return RoutineTemplate.objects.select_related("room", "building", "responsible_user").prefetch_related(
        Prefetch("items", queryset=RoutineItem.objects.order_by("order", "id"))
    )


@router.get("/routines", response=list[TemplateOut], url_name="routine_template_list")
@requires(VIEW)
@paginate(LimitOffset)
def template_list(
    request,
    category: str | None = None,
    frequency: str | None = None,
    responsible_role: str | None = None,
    is_active: bool | None = None,
    q: str = Query("", description="Name (also pinyin or initials)"),
):
    qs = _templates().filter(campus=request.campus).order_by("category", "name")
    if category:
        qs = qs.filter(category=category)
    if frequency:
        qs = qs.filter(frequency=frequency)
    if responsible_role:
        qs = qs.filter(responsible_role=responsible_role)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(pinyin_q(q, "name"))
    return qs


@router.post("/routines", response={201: TemplateOut}, url_name="routine_template_create")
@requires(MANAGE)
def template_create(request, payload: TemplateCreateIn):
    """Create a routine with its checklist; its checks of the next days are planned at once."""
    data = payload.dict()
    items = data.pop("items")
    if not items:
        raise ValidationError({"items": [_("Give at least one checklist item.")]})
    template = RoutineTemplate(**resolve_refs(request, data, TEMPLATE_REFS))
    item_objs = []
    errors = {}
    for index, item in enumerate(items):
        obj = RoutineItem(campus=request.campus, **item)
        try:
            obj.full_clean(exclude=["template"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items.{index}.{field}"] = messages
        item_objs.append(obj)
    if errors:
        raise ValidationError(errors)
    routines.routine_template_create(actor=request.user, campus=request.campus, template=template, items=item_objs)
    return Status(201, get_in_campus(request, _templates(), pk=template.pk))


@router.get("/routines/{template_id}", response=TemplateOut, url_name="routine_template_detail")
@requires(VIEW)
def template_detail(request, template_id: int):
    return get_in_campus(request, _templates(), pk=template_id)


@router.patch("/routines/{template_id}", response=TemplateOut, url_name="routine_template_update")
@requires(MANAGE)
def template_update(request, template_id: int, payload: PatchDict[TemplateIn]):
    """Change a routine (not its checklist); open checks no longer due are cancelled."""
    template = get_in_campus(request, RoutineTemplate.objects.all(), pk=template_id)
    before = audit.snapshot(template)
    for field, value in resolve_refs(request, payload, TEMPLATE_REFS).items():
        setattr(template, field, value)
    routines.routine_template_update(actor=request.user, template=template, before=before)
    return get_in_campus(request, _templates(), pk=template_id)


# --- library ---------------------------------------------------------------------------------


@router.get("/routine-library", response=list[LibraryEntryOut], url_name="routine_library_list")
@requires(VIEW)
def library_list(request):
    """Every routine of the library, with whether this campus has enabled it."""
    enabled = routines.enabled_library_keys(request.campus)
    out = []
    for entry in routine_library.LIBRARY:
        template, items = routines.library_template(entry, request.campus)
        out.append(
            {
                "key": entry.key,
                "name": entry.name,
                "category": entry.category,
                "category_label": str(CATEGORY_LABELS.get(entry.category, entry.category)),
                "responsible_role": str(entry.role),
                "frequency_label": template.frequency_label,
                "window": template.window_label,
                "source": entry.source,
                "enabled": entry.key in enabled,
                "items": [
                    {
                        "label": i.label,
                        "kind": i.kind,
                        "unit": i.unit,
                        "range_label": i.range_label,
                        "photo_required": i.photo_required,
                    }
                    for i in items
                ],
            }
        )
    return out


@router.post("/routine-library/enable", response={201: list[TemplateOut]}, url_name="routine_library_enable")
@requires(MANAGE)
def library_enable(request, payload: LibraryEnableIn):
    """Create the campus's routines from the library (to adjust afterwards)."""
    created = routines.routine_enable_from_library(
        actor=request.user, campus=request.campus, library_keys=payload.keys
    )
    return Status(201, list(_templates().filter(pk__in=[t.pk for t in created]).order_by("category", "name")))


# --- checks (occurrences) --------------------------------------------------------------------


def _occurrences(request):
    return (
        RoutineOccurrence.objects.filter(campus=request.campus)
        .select_related("template", "template__room", "template__building", "template__responsible_user", "completed_by")
        .annotate(failed_count=Count("results", filter=Q(results__passed=False, results__voided_at__isnull=True)))
    )


@router.get("/routine-checks", response=list[OccurrenceOut], url_name="routine_check_list")
@requires(VIEW)
@paginate(LimitOffset)
def check_list(
    request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = Query(None, description="pending, done, missed or cancelled"),
    template: int | None = Query(None, description="Routine id"),
    category: str | None = None,
    building: int | None = None,
    room: int | None = None,
    person: int | None = Query(None, description="User id: completed by or responsible"),
    failed: bool | None = Query(None, description="Only checks with (or without) failed items"),
):
    qs = _occurrences(request).order_by("-date", "window_start", "id")
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if status:
        qs = qs.filter(status=status)
    if template:
        qs = qs.filter(template_id=template)
    if category:
        qs = qs.filter(template__category=category)
    if building:
        qs = qs.filter(template__building_id=building)
    if room:
        qs = qs.filter(template__room_id=room)
    if person:
        qs = qs.filter(Q(completed_by_id=person) | Q(template__responsible_user_id=person))
    if failed is not None:
        qs = qs.filter(failed_count__gt=0) if failed else qs.filter(failed_count=0)
    return qs


@router.get("/routine-checks/today", response=list[OccurrenceOut], url_name="routine_check_today")
@requires(VIEW)
def check_today(request):
    """My checks of today (by my roles or by name) and my open ones still allowed, overdue first."""
    now = timezone.now()
    qs = routines.occurrences_for_user(user=request.user, roles=request.roles, campus=request.campus, now=now)
    rows = list(
        qs.annotate(
            failed_count=Count("results", filter=Q(results__passed=False, results__voided_at__isnull=True))
        ).select_related("template__responsible_user")[:300]
    )

    def rank(o):
        if o.status == Status_.PENDING:
            overdue = o.window_end < now
            return (0 if overdue else 1, o.window_end if overdue else o.window_start)
        return (2, o.window_start)

    return sorted(rows, key=rank)


def _detail(request, occurrence_id):
    occ = get_in_campus(request, _occurrences(request), pk=occurrence_id)
    occ.checklist = list(RoutineItem.objects.filter(template_id=occ.template_id, is_active=True).order_by("order", "id"))
    results = list(
        RoutineResult.objects.filter(occurrence=occ)
        .select_related("follow_up_type")
        .prefetch_related("follow_up")
        .order_by("voided_at", "item__order", "id")
    )
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(RoutineResult)
    photos: dict[str, list[int]] = {}
    if results:
        for object_id, pk in Attachment.objects.filter(
            content_type=ct, object_id__in=[str(r.pk) for r in results], voided_at__isnull=True
        ).values_list("object_id", "pk"):
            photos.setdefault(object_id, []).append(pk)
    for r in results:
        r.photo_ids = photos.get(str(r.pk), [])
        r.follow_up_out = (
            {
                "kind": r.follow_up_kind,
                "type": f"{r.follow_up_type.app_label}.{r.follow_up_type.model}",
                "id": r.follow_up_id,
                "label": str(r.follow_up) if r.follow_up else "",
                "url": attachables.object_url(r.follow_up, request.campus.code) if r.follow_up else "",
            }
            if r.follow_up_id
            else None
        )
    occ.result_rows = results
    occ.follow_up_actions = [
        {"key": a.key, "label": str(a.label), "icon": a.icon} for a in routines.fail_actions_for(request.perms)
    ]
    occ.can_complete = occ.is_due and routines.may_complete(
        occ, user=request.user, roles=request.roles, perms=request.perms
    )
    return occ


@router.get("/routine-checks/{occurrence_id}", response=OccurrenceDetailOut, url_name="routine_check_detail")
@requires(VIEW)
def check_detail(request, occurrence_id: int):
    return _detail(request, occurrence_id)


def _complete_payload(request):
    if request.content_type.startswith("multipart/"):
        raw = request.POST.get("data") or "{}"
    else:
        raw = request.body or b"{}"
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValidationError({"data": [_("Send the results as JSON.")]})
    try:
        return CompleteIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(exc.errors(include_url=False))


COMPLETE_SCHEMA = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "item": {"type": "integer", "description": "Checklist item id"},
                    "passed": {"type": "boolean", "nullable": True},
                    "value": {"type": "number", "nullable": True},
                    "text": {"type": "string"},
                    "note": {"type": "string"},
                },
                "required": ["item"],
            },
        },
        "notes": {"type": "string"},
    },
}

COMPLETE_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": COMPLETE_SCHEMA},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "data": {"type": "string", "description": "The JSON body above, as text."},
                        "photo_<item id>": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Photos of one checklist item (field name photo_12 for item 12).",
                        },
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Photos of the whole check.",
                        },
                    },
                }
            },
        },
        "required": True,
    }
}


@router.post(
    "/routine-checks/{occurrence_id}/complete",
    response=OccurrenceDetailOut,
    url_name="routine_check_complete",
    openapi_extra=COMPLETE_BODY,
)
@requires(COMPLETE)
def check_complete(request, occurrence_id: int):
    """Record a check: a result per checklist item (``passed`` for pass/fail items, ``value``
    for measured values, ``text`` for text and choice items), with notes. A value outside
    the item's range or a failing choice counts as failed. Items that need a photo need a
    multipart request: ``data`` (this JSON as text) and files ``photo_<item id>``."""
    occ = get_in_campus(request, RoutineOccurrence.objects.select_related("template"), pk=occurrence_id)
    payload = _complete_payload(request)
    results = []
    for entry in payload.results:
        row = entry.dict()
        row["photos"] = request.FILES.getlist(f"photo_{entry.item}") if request.FILES else []
        results.append(row)
    routines.occurrence_complete(
        actor=request.user,
        occurrence=occ,
        results=results,
        notes=payload.notes,
        photos=request.FILES.getlist("photos") if request.FILES else (),
    )
    return _detail(request, occurrence_id)


@router.post("/routine-checks/{occurrence_id}/void", response=OccurrenceDetailOut, url_name="routine_check_void")
@requires(MANAGE)
def check_void(request, occurrence_id: int, payload: ReasonIn):
    """Void a completed check with a reason (its results stay, marked void); it can then be
    recorded again."""
    occ = get_in_campus(request, RoutineOccurrence.objects.all(), pk=occurrence_id)
    routines.occurrence_void(actor=request.user, occurrence=occ, reason=payload.reason)
    return _detail(request, occurrence_id)


@router.post(
    "/routine-results/{result_id}/follow-up",
    response={201: FollowUpOut},
    url_name="routine_result_follow_up",
)
@requires(COMPLETE)
def result_follow_up(request, result_id: int, payload: FollowUpIn):
    """Open a follow-up (e.g. ``hazard``) for a failed item; it is linked to the result."""
    result = get_in_campus(request, RoutineResult.objects.all(), pk=result_id)
    action = routines.get_fail_action(payload.action)
    if action is None:
        raise ValidationError({"action": [_("Unknown follow-up: %(key)s") % {"key": payload.action}]})
    if action.permission not in request.perms:
        raise PermissionDenied
    created = routines.fail_action_run(actor=request.user, result=result, key=action.key)
    meta = created._meta
    return Status(
        201,
        {
            "kind": action.key,
            "type": f"{meta.app_label}.{meta.model_name}",
            "id": str(created.pk),
            "label": str(created),
            "url": attachables.object_url(created, request.campus.code),
        },
    )


# --- report ----------------------------------------------------------------------------------


@router.get("/routine-report", response=ReportOut, url_name="routine_report")
@requires(VIEW)
def report(
    request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    by: str = Query("routine", description="routine, place, responsible or completer"),
):
    """Completion rates (done / (done + missed)) and on-time rates over any date range
    (default: the last 30 days up to today)."""
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to - dt.timedelta(days=30)
    if date_from > date_to:
        raise ValidationError({"date_to": [_("The end date must not be before the start date.")]})
    if by not in routines.REPORT_GROUPS:
        raise ValidationError({"by": [_("Select a valid choice. That choice is not one of the available choices.")]})
    data = routines.routine_report(campus=request.campus, date_from=date_from, date_to=date_to, by=by)
    data["totals"] = {**data["totals"], "label": _("Total")}
    return data
