"""API of the safety area: sample retention, hygiene logs and kitchen staff (留样、卫生记录、从业人员).

The same permissions as the pages and every write through
:mod:`houqin.canteen.safety_services` (validated, audited; regulated records are voided
with a reason, never edited or deleted). Paths under ``/canteen/``: ``samples``,
``temperatures`` and ``temperatures/fridges``, ``hygiene/tableware``, ``hygiene/uv``,
``pesticide``, ``staff`` (with ``certificates``, ``duty``, ``checks``, ``training``).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus, resolve_refs
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.canteen import safety_services as ss
from houqin.canteen.models import (
    Dish,
    FoodBatch,
    FoodSample,
    Fridge,
    HealthCertificate,
    KitchenDuty,
    KitchenStaff,
    PesticideTest,
    StaffMorningCheck,
    TablewareDisinfection,
    TemperatureLog,
    TrainingRecord,
    UvDisinfection,
)
from houqin.core.models import Room

router = Router(tags=["canteen-safety"])

VIEW_SAMPLES, TAKE, REVIEW = ss.VIEW_SAMPLES, ss.TAKE, ss.REVIEW
VIEW_HYGIENE, RECORD_HYGIENE = ss.VIEW_HYGIENE, ss.RECORD_HYGIENE
VIEW_STAFF, MANAGE_STAFF, CHECK_STAFF = ss.VIEW_STAFF, ss.MANAGE_STAFF, ss.CHECK_STAFF


class ReasonIn(Schema):
    reason: str


class NoteIn(Schema):
    note: str = ""


def _dates(qs, date_from, date_to, field="date"):
    if date_from:
        qs = qs.filter(**{f"{field}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{field}__lte": date_to})
    return qs


# --- Samples ------------------------------------------------------------------------------


class SampleOut(Schema):
    id: int
    label: str = Field(alias="label_code")
    date: dt.date
    meal: str
    meal_display: str = Field(alias="get_meal_display")
    dish: int = Field(alias="dish_id")
    dish_name: str
    weight_g: Decimal
    fridge: int = Field(alias="fridge_id")
    fridge_name: str
    fridge_temperature_c: Decimal | None
    taken_by: int | None = Field(alias="taken_by_id")
    taken_by_name: str | None = None
    taken_at: dt.datetime
    discard_not_before: dt.datetime
    reviewer: int | None = Field(alias="reviewer_id")
    reviewer_name: str | None = None
    reviewed_at: dt.datetime | None
    disposed_at: dt.datetime | None
    disposed_by: int | None = Field(alias="disposed_by_id")
    status: str
    note: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_dish_name(obj):
        return obj.dish.name

    @staticmethod
    def resolve_fridge_name(obj):
        return obj.fridge.name

    @staticmethod
    def resolve_taken_by_name(obj):
        return _name(obj.taken_by)

    @staticmethod
    def resolve_reviewer_name(obj):
        return _name(obj.reviewer)


class SampleIn(Schema):
    date: dt.date | None = Field(None, description="The meal's day; empty: today")
    meal: str = Field(..., description="breakfast, morning_snack, lunch, afternoon_snack or dinner")
    dish: int
    weight_g: Decimal = Field(..., description="At least the campus minimum (125 g)")
    fridge: int = Field(..., description="A sample fridge of the campus")
    fridge_temperature_c: Decimal | None = Field(
        None, description="Its temperature now (logged as a reading)"
    )
    note: str = ""


class MealDish(Schema):
    dish: int
    dish_name: str
    served: bool
    sample: SampleOut | None


class MealStatusOut(Schema):
    meal: str
    label: str
    due_at: dt.datetime
    due: bool
    violation: bool
    missing: list[str]
    dishes: list[MealDish]


def _samples(request):
    return FoodSample.objects.filter(campus=request.campus).select_related(
        "dish", "fridge", "taken_by", "reviewer", "disposed_by"
    )


class SampleFilters(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    meal: str | None = None
    status: str | None = Field(None, description="kept, ready, disposed, void")


@router.get("/canteen/samples", response=list[SampleOut], url_name="canteen_safety_sample_list")
@requires(VIEW_SAMPLES)
@paginate(LimitOffset)
def sample_list(request, filters: Query[SampleFilters]):
    """留样记录, newest first."""
    qs = _dates(_samples(request), filters.date_from, filters.date_to)
    if filters.meal:
        qs = qs.filter(meal=filters.meal)
    now = timezone.now()
    status = filters.status
    if status == "void":
        qs = qs.filter(is_void=True)
    elif status in ("kept", "ready", "disposed"):
        qs = qs.filter(is_void=False)
        if status == "disposed":
            qs = qs.filter(disposed_at__isnull=False)
        else:
            qs = qs.filter(disposed_at__isnull=True)
            if status == "ready":
                qs = qs.filter(discard_not_before__lte=now)
    return qs.order_by("-date", "meal", "dish__name", "pk")


@router.get("/canteen/samples/day", response=list[MealStatusOut], url_name="canteen_safety_sample_day")
@requires(VIEW_SAMPLES)
def sample_day(request, date: dt.date | None = None):
    """The day's meals (published menus) with each dish's sample; ``violation``: the meal's
    time has passed and a served dish has no sample."""
    day = date or timezone.localdate()
    out = []
    for meal in ss.meal_status(request.campus, day):
        out.append({
            "meal": meal["meal"], "label": str(meal["label"]), "due_at": meal["due_at"], "due": meal["due"],
            "violation": meal["violation"], "missing": [d.name for d in meal["missing"]],
            "dishes": [{"dish": r["dish"].pk, "dish_name": r["dish"].name, "served": r["served"], "sample": r["sample"]}
                       for r in meal["rows"]],
        })  # fmt: skip
    return out


@router.post("/canteen/samples", response={201: SampleOut}, url_name="canteen_safety_sample_create")
@requires(TAKE)
def sample_create(request, payload: SampleIn):
    """Record a sample (refused below the minimum weight, outside a sample fridge, or twice)."""
    data = resolve_refs(request, payload.dict(), {"dish": Dish, "fridge": Fridge})
    sample = ss.sample_take(
        actor=request.user, campus=request.campus, date=payload.date or timezone.localdate(), meal=payload.meal,
        dish=data["dish"], weight_g=payload.weight_g, fridge=data["fridge"],
        fridge_temperature_c=payload.fridge_temperature_c, note=payload.note,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _samples(request), pk=sample.pk))


@router.get("/canteen/samples/{sample_id}", response=SampleOut, url_name="canteen_safety_sample_detail")
@requires(VIEW_SAMPLES)
def sample_detail(request, sample_id: int):
    return get_in_campus(request, _samples(request), pk=sample_id)


@router.post(
    "/canteen/samples/{sample_id}/review", response=SampleOut, url_name="canteen_safety_sample_review"
)
@requires(REVIEW)
def sample_review(request, sample_id: int, payload: NoteIn):
    """The reviewer's signature (not the person who took it)."""
    sample = get_in_campus(request, _samples(request), pk=sample_id)
    ss.sample_review(actor=request.user, sample=sample, note=payload.note)
    return get_in_campus(request, _samples(request), pk=sample_id)


@router.post(
    "/canteen/samples/{sample_id}/dispose", response=SampleOut, url_name="canteen_safety_sample_dispose"
)
@requires(TAKE)
def sample_dispose(request, sample_id: int, payload: NoteIn):
    """Dispose of a sample: refused before ``discard_not_before`` (taken + 48 h)."""
    sample = get_in_campus(request, _samples(request), pk=sample_id)
    ss.sample_dispose(actor=request.user, sample=sample, note=payload.note)
    return get_in_campus(request, _samples(request), pk=sample_id)


@router.post("/canteen/samples/{sample_id}/void", response=SampleOut, url_name="canteen_safety_sample_void")
@requires(TAKE)
def sample_void(request, sample_id: int, payload: ReasonIn):
    sample = get_in_campus(request, _samples(request), pk=sample_id)
    ss.sample_void(actor=request.user, sample=sample, reason=payload.reason)
    return get_in_campus(request, _samples(request), pk=sample_id)


# --- Fridges and temperatures -------------------------------------------------------------


class FridgeOut(Schema):
    id: int
    name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    room: int | None = Field(alias="room_id")
    min_c: Decimal
    max_c: Decimal
    is_active: bool
    note: str
    last_temperature_c: Decimal | None
    last_reading_at: dt.datetime | None
    is_out_of_range: bool


class FridgeIn(Schema):
    name: str
    kind: str = Fridge.Kind.FRIDGE.value
    room: int | None = None
    min_c: Decimal | None = Field(None, description="Empty: the campus default for the kind")
    max_c: Decimal | None = None
    is_active: bool = True
    note: str = ""


class ReadingOut(Schema):
    id: int
    fridge: int = Field(alias="fridge_id")
    fridge_name: str
    recorded_at: dt.datetime
    temperature_c: Decimal
    min_c: Decimal
    max_c: Decimal
    is_out_of_range: bool
    action_taken: str
    recorded_by: int | None = Field(alias="recorded_by_id")
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_fridge_name(obj):
        return obj.fridge.name


class ReadingIn(Schema):
    fridge: int
    temperature_c: Decimal
    recorded_at: dt.datetime | None = None
    action_taken: str = ""


@router.get("/canteen/temperatures/fridges", response=list[FridgeOut], url_name="canteen_safety_fridge_list")
@requires(VIEW_HYGIENE)
@paginate(LimitOffset)
def fridge_list(request):
    return Fridge.objects.filter(campus=request.campus).order_by("-is_active", "kind", "name")


@router.post(
    "/canteen/temperatures/fridges", response={201: FridgeOut}, url_name="canteen_safety_fridge_create"
)
@requires(RECORD_HYGIENE)
def fridge_create(request, payload: FridgeIn):
    data = resolve_refs(request, payload.dict(), {"room": Room})
    return Status(201, ss.fridge_save(actor=request.user, campus=request.campus, data=data))


@router.get(
    "/canteen/temperatures/fridges/{fridge_id}", response=FridgeOut, url_name="canteen_safety_fridge_detail"
)
@requires(VIEW_HYGIENE)
def fridge_detail(request, fridge_id: int):
    return get_in_campus(request, Fridge.objects.all(), pk=fridge_id)


@router.get("/canteen/temperatures", response=list[ReadingOut], url_name="canteen_safety_temperature_list")
@requires(VIEW_HYGIENE)
@paginate(LimitOffset)
def temperature_list(request, fridge: int | None = None, out_of_range: bool | None = None):
    qs = TemperatureLog.objects.filter(campus=request.campus).select_related("fridge")
    if fridge is not None:
        qs = qs.filter(fridge_id=fridge)
    if out_of_range is not None:
        qs = qs.filter(is_void=False, is_out_of_range=out_of_range)
    return qs.order_by("-recorded_at", "-pk")


@router.post(
    "/canteen/temperatures", response={201: ReadingOut}, url_name="canteen_safety_temperature_create"
)
@requires(RECORD_HYGIENE)
def temperature_create(request, payload: ReadingIn):
    """Record a reading; out of range it is flagged and the heads are alerted."""
    data = resolve_refs(request, payload.dict(), {"fridge": Fridge})
    log = ss.temperature_record(
        actor=request.user, fridge=data["fridge"], temperature_c=payload.temperature_c,
        recorded_at=payload.recorded_at, action_taken=payload.action_taken,
    )  # fmt: skip
    return Status(201, log)


@router.post(
    "/canteen/temperatures/{reading_id}/void", response=ReadingOut, url_name="canteen_safety_temperature_void"
)
@requires(RECORD_HYGIENE)
def temperature_void(request, reading_id: int, payload: ReasonIn):
    log = get_in_campus(request, TemperatureLog.objects.select_related("fridge"), pk=reading_id)
    return ss.temperature_void(actor=request.user, log=log, reason=payload.reason)


# --- Tableware and UV disinfection --------------------------------------------------------


class TablewareOut(Schema):
    id: int
    date: dt.date
    method: str
    method_display: str = Field(alias="get_method_display")
    started_at: dt.datetime
    duration_s: int
    temperature_c: Decimal | None
    concentration_mg_l: Decimal | None
    items: str
    quantity: int | None
    performed_by: int | None = Field(alias="performed_by_id")
    is_compliant: bool
    problem: str
    note: str
    is_void: bool
    void_reason: str


class TablewareIn(Schema):
    method: str = Field(..., description="boiling, steam, infrared, chlorine or dishwasher")
    started_at: dt.datetime
    duration_s: int = Field(..., description="Seconds (15 min = 900)")
    temperature_c: Decimal | None = None
    concentration_mg_l: Decimal | None = None
    items: str
    quantity: int | None = None
    performed_by: int | None = None
    note: str = ""


class StandardOut(Schema):
    method: str
    label: str
    seconds: int
    temperature_c: Decimal | None
    concentration_mg_l: Decimal | None


class UvOut(Schema):
    id: int
    date: dt.date
    area: str
    room: int | None = Field(alias="room_id")
    started_at: dt.datetime
    minutes: int
    performed_by: int | None = Field(alias="performed_by_id")
    is_compliant: bool
    problem: str
    note: str
    is_void: bool
    void_reason: str


class UvIn(Schema):
    area: str = ""
    room: int | None = None
    started_at: dt.datetime
    minutes: int
    performed_by: int | None = None
    note: str = ""


class HygieneFilters(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    compliant: bool | None = None


def _compliance(qs, filters):
    qs = _dates(qs, filters.date_from, filters.date_to)
    if filters.compliant is not None:
        qs = qs.filter(is_void=False, is_compliant=filters.compliant)
    return qs.order_by("-started_at", "-pk")


@router.get("/canteen/hygiene/standards", response=list[StandardOut], url_name="canteen_safety_standards")
@requires(VIEW_HYGIENE)
def standards(request):
    """The campus's disinfection methods with their minimum time, temperature or concentration."""
    return [{**row, "label": str(row["label"])} for row in ss.disinfection_table(request.campus)]


@router.get(
    "/canteen/hygiene/tableware", response=list[TablewareOut], url_name="canteen_safety_tableware_list"
)
@requires(VIEW_HYGIENE)
@paginate(LimitOffset)
def tableware_list(request, filters: Query[HygieneFilters]):
    return _compliance(TablewareDisinfection.objects.filter(campus=request.campus), filters)


@router.post(
    "/canteen/hygiene/tableware", response={201: TablewareOut}, url_name="canteen_safety_tableware_create"
)
@requires(RECORD_HYGIENE)
def tableware_create(request, payload: TablewareIn):
    """Record a round; below the campus standard it is kept with ``is_compliant`` false and the reason."""
    data = resolve_refs(request, payload.dict(), {"performed_by": "member"})
    return Status(201, ss.tableware_record(actor=request.user, campus=request.campus, **data))


@router.get(
    "/canteen/hygiene/tableware/{record_id}",
    response=TablewareOut,
    url_name="canteen_safety_tableware_detail",
)
@requires(VIEW_HYGIENE)
def tableware_detail(request, record_id: int):
    return get_in_campus(request, TablewareDisinfection.objects.all(), pk=record_id)


@router.post("/canteen/hygiene/tableware/{record_id}/void", response=TablewareOut,
             url_name="canteen_safety_tableware_void")  # fmt: skip
@requires(RECORD_HYGIENE)
def tableware_void(request, record_id: int, payload: ReasonIn):
    record = get_in_campus(request, TablewareDisinfection.objects.all(), pk=record_id)
    return ss.tableware_void(actor=request.user, record=record, reason=payload.reason)


@router.get("/canteen/hygiene/uv", response=list[UvOut], url_name="canteen_safety_uv_list")
@requires(VIEW_HYGIENE)
@paginate(LimitOffset)
def uv_list(request, filters: Query[HygieneFilters]):
    return _compliance(UvDisinfection.objects.filter(campus=request.campus), filters)


@router.post("/canteen/hygiene/uv", response={201: UvOut}, url_name="canteen_safety_uv_create")
@requires(RECORD_HYGIENE)
def uv_create(request, payload: UvIn):
    data = resolve_refs(request, payload.dict(), {"room": Room, "performed_by": "member"})
    return Status(201, ss.uv_record(actor=request.user, campus=request.campus, **data))


@router.post("/canteen/hygiene/uv/{record_id}/void", response=UvOut, url_name="canteen_safety_uv_void")
@requires(RECORD_HYGIENE)
def uv_void(request, record_id: int, payload: ReasonIn):
    record = get_in_campus(request, UvDisinfection.objects.all(), pk=record_id)
    return ss.uv_void(actor=request.user, record=record, reason=payload.reason)


# --- Pesticide tests ----------------------------------------------------------------------


class PesticideOut(Schema):
    id: int
    date: dt.date
    tested_at: dt.datetime
    batch: int = Field(alias="batch_id")
    batch_number: str
    batch_blocked: bool
    vegetable: str
    sample: str
    method: str
    kit_lot: str
    inhibition_pct: Decimal
    threshold_pct: Decimal
    result: str
    result_display: str = Field(alias="get_result_display")
    operator: int | None = Field(alias="operator_id")
    note: str
    is_void: bool
    void_reason: str

    @staticmethod
    def resolve_batch_number(obj):
        return obj.batch.number

    @staticmethod
    def resolve_batch_blocked(obj):
        return obj.batch.is_blocked


class PesticideIn(Schema):
    batch: int
    inhibition_pct: Decimal = Field(
        ..., description="≥ the campus threshold (50 %) is positive and blocks the batch"
    )
    vegetable: str = ""
    sample: str = ""
    method: str = PesticideTest.Method.ENZYME.value
    kit_lot: str = ""
    tested_at: dt.datetime | None = None
    operator: int | None = None
    note: str = ""


def _tests(request):
    return PesticideTest.objects.filter(campus=request.campus).select_related("batch")


@router.get("/canteen/pesticide", response=list[PesticideOut], url_name="canteen_safety_pesticide_list")
@requires(VIEW_HYGIENE)
@paginate(LimitOffset)
def pesticide_list(request, date_from: dt.date | None = None, date_to: dt.date | None = None,
                   result: str | None = None):  # fmt: skip
    qs = _dates(_tests(request), date_from, date_to)
    if result:
        qs = qs.filter(result=result)
    return qs.order_by("-tested_at", "-pk")


@router.post("/canteen/pesticide", response={201: PesticideOut}, url_name="canteen_safety_pesticide_create")
@requires(RECORD_HYGIENE)
def pesticide_create(request, payload: PesticideIn):
    """Record a rapid test (农残快检); a positive one blocks the batch."""
    data = resolve_refs(request, payload.dict(), {"batch": FoodBatch, "operator": "member"})
    test = ss.pesticide_test_record(actor=request.user, campus=request.campus, **data)
    return Status(201, get_in_campus(request, _tests(request), pk=test.pk))


@router.get("/canteen/pesticide/{test_id}", response=PesticideOut, url_name="canteen_safety_pesticide_detail")
@requires(VIEW_HYGIENE)
def pesticide_detail(request, test_id: int):
    return get_in_campus(request, _tests(request), pk=test_id)


@router.post(
    "/canteen/pesticide/{test_id}/void", response=PesticideOut, url_name="canteen_safety_pesticide_void"
)
@requires(RECORD_HYGIENE)
def pesticide_void(request, test_id: int, payload: ReasonIn):
    ss.pesticide_void(
        actor=request.user, test=get_in_campus(request, _tests(request), pk=test_id), reason=payload.reason
    )
    return get_in_campus(request, _tests(request), pk=test_id)


# --- Kitchen staff ------------------------------------------------------------------------


class CertificateOut(Schema):
    id: int
    staff: int = Field(alias="staff_id")
    number: str
    issued_on: dt.date
    valid_until: dt.date
    issuer: str
    is_void: bool
    void_reason: str


class StaffOut(Schema):
    id: int
    name: str
    user: int | None = Field(alias="user_id")
    position: str
    position_display: str = Field(alias="get_position_display")
    phone: str
    is_active: bool
    note: str


class StaffIn(Schema):
    name: str
    user: int | None = None
    position: str = KitchenStaff.Position.CHEF.value
    phone: str = ""
    is_active: bool = True
    note: str = ""


class CertificateIn(Schema):
    number: str
    issued_on: dt.date
    valid_until: dt.date | None = Field(None, description="Empty: issued + the campus validity (12 months)")
    issuer: str = ""


class DutyOut(Schema):
    id: int
    date: dt.date
    shift: str
    staff: int = Field(alias="staff_id")
    staff_name: str
    post: str
    removed_at: dt.datetime | None
    removed_reason: str

    @staticmethod
    def resolve_staff_name(obj):
        return obj.staff.name


class DutyIn(Schema):
    staff: int
    date: dt.date
    shift: str = KitchenDuty.Shift.DAY.value
    post: str = ""


class CheckOut(Schema):
    id: int
    date: dt.date
    staff: int = Field(alias="staff_id")
    checked_at: dt.datetime
    temperature_c: Decimal | None
    fever: bool
    diarrhoea: bool
    sore_throat: bool
    hand_wound: bool
    other: str
    is_fit: bool
    checked_by: int | None = Field(alias="checked_by_id")
    is_void: bool


class CheckIn(Schema):
    staff: int
    date: dt.date | None = None
    temperature_c: Decimal | None = None
    fever: bool = False
    diarrhoea: bool = False
    sore_throat: bool = False
    hand_wound: bool = False
    other: str = ""
    note: str = ""


class CheckResultOut(Schema):
    check: CheckOut
    removed_duties: list[DutyOut]


class TrainingOut(Schema):
    id: int
    date: dt.date
    topic: str
    hours: Decimal
    trainer: str
    content: str
    attendees: list[int]

    @staticmethod
    def resolve_attendees(obj):
        return [p.pk for p in obj.attendees.all()]


class TrainingIn(Schema):
    date: dt.date
    topic: str
    hours: Decimal
    trainer: str
    content: str = ""
    attendees: list[int] = []


@router.get("/canteen/staff", response=list[StaffOut], url_name="canteen_safety_staff_list")
@requires(VIEW_STAFF)
@paginate(LimitOffset)
def staff_list(request, active: bool | None = None):
    qs = KitchenStaff.objects.filter(campus=request.campus)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("-is_active", "position", "name")


@router.post("/canteen/staff", response={201: StaffOut}, url_name="canteen_safety_staff_create")
@requires(MANAGE_STAFF)
def staff_create(request, payload: StaffIn):
    data = resolve_refs(request, payload.dict(), {"user": "member"})
    return Status(201, ss.staff_save(actor=request.user, campus=request.campus, data=data))


@router.get("/canteen/staff/on-duty", response=list[StaffOut], url_name="canteen_safety_staff_on_duty")
@requires(VIEW_STAFF)
def staff_on_duty(request, date: dt.date | None = None):
    """The kitchen staff on the roster for a day (today)."""
    return ss.staff_on_duty(request.campus, date or timezone.localdate())


@router.get("/canteen/staff/duty", response=list[DutyOut], url_name="canteen_safety_duty_list")
@requires(VIEW_STAFF)
@paginate(LimitOffset)
def duty_list(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    qs = _dates(KitchenDuty.objects.filter(campus=request.campus).select_related("staff"), date_from, date_to)
    return qs.order_by("date", "shift", "staff__name")


@router.post("/canteen/staff/duty", response={201: DutyOut}, url_name="canteen_safety_duty_create")
@requires(MANAGE_STAFF)
def duty_create(request, payload: DutyIn):
    """Put someone on duty: refused without a health certificate valid that day or after a failed morning check."""
    data = resolve_refs(request, payload.dict(), {"staff": KitchenStaff})
    return Status(201, ss.duty_assign(actor=request.user, campus=request.campus, **data))


@router.post("/canteen/staff/duty/{duty_id}/remove", response=DutyOut, url_name="canteen_safety_duty_remove")
@requires(MANAGE_STAFF)
def duty_remove(request, duty_id: int, payload: ReasonIn):
    duty = get_in_campus(request, KitchenDuty.objects.select_related("staff"), pk=duty_id)
    return ss.duty_remove(actor=request.user, duty=duty, reason=payload.reason)


@router.get("/canteen/staff/checks", response=list[CheckOut], url_name="canteen_safety_check_list")
@requires(VIEW_STAFF)
@paginate(LimitOffset)
def check_list(
    request, date_from: dt.date | None = None, date_to: dt.date | None = None, fit: bool | None = None
):
    qs = _dates(StaffMorningCheck.objects.filter(campus=request.campus), date_from, date_to)
    if fit is not None:
        qs = qs.filter(is_void=False, is_fit=fit)
    return qs.order_by("-date", "-pk")


@router.post("/canteen/staff/checks", response={201: CheckResultOut}, url_name="canteen_safety_check_create")
@requires(CHECK_STAFF)
def check_create(request, payload: CheckIn):
    """Record a morning check; anyone failing it is unfit and taken off that day's duty."""
    data = resolve_refs(request, payload.dict(), {"staff": KitchenStaff})
    check, removed = ss.morning_check_record(actor=request.user, campus=request.campus, **data)
    return Status(201, {"check": check, "removed_duties": removed})


@router.get("/canteen/staff/training", response=list[TrainingOut], url_name="canteen_safety_training_list")
@requires(VIEW_STAFF)
@paginate(LimitOffset)
def training_list(request):
    return (
        TrainingRecord.objects.filter(campus=request.campus)
        .prefetch_related("attendees")
        .order_by("-date", "-pk")
    )


@router.post(
    "/canteen/staff/training", response={201: TrainingOut}, url_name="canteen_safety_training_create"
)
@requires(MANAGE_STAFF)
def training_create(request, payload: TrainingIn):
    data = payload.dict()
    ids = data.pop("attendees") or []
    people = list(KitchenStaff.objects.filter(campus=request.campus, pk__in=ids))
    if len(people) != len(set(ids)):
        raise ValidationError(
            {"attendees": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    return Status(
        201, ss.training_save(actor=request.user, campus=request.campus, data=data, attendees=people)
    )


@router.get("/canteen/staff/{staff_id}", response=StaffOut, url_name="canteen_safety_staff_detail")
@requires(VIEW_STAFF)
def staff_detail(request, staff_id: int):
    return get_in_campus(request, KitchenStaff.objects.all(), pk=staff_id)


@router.get("/canteen/staff/{staff_id}/certificates", response=list[CertificateOut],
            url_name="canteen_safety_certificate_list")  # fmt: skip
@requires(VIEW_STAFF)
def certificate_list(request, staff_id: int):
    staff = get_in_campus(request, KitchenStaff.objects.all(), pk=staff_id)
    return list(HealthCertificate.objects.filter(staff=staff).order_by("-valid_until", "-pk"))


@router.post("/canteen/staff/{staff_id}/certificates", response={201: CertificateOut},
             url_name="canteen_safety_certificate_create")  # fmt: skip
@requires(MANAGE_STAFF)
def certificate_create(request, staff_id: int, payload: CertificateIn):
    staff = get_in_campus(request, KitchenStaff.objects.all(), pk=staff_id)
    return Status(201, ss.certificate_add(actor=request.user, staff=staff, **payload.dict()))


@router.post("/canteen/staff/certificates/{certificate_id}/void", response=CertificateOut,
             url_name="canteen_safety_certificate_void")  # fmt: skip
@requires(MANAGE_STAFF)
def certificate_void(request, certificate_id: int, payload: ReasonIn):
    cert = get_in_campus(request, HealthCertificate.objects.all(), pk=certificate_id)
    return ss.certificate_void(actor=request.user, certificate=cert, reason=payload.reason)
