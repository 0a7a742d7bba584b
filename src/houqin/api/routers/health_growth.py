"""API of the growth area: measurements, exams, entry health cards, the z-score
calculator and the growth-curve data (体检与生长发育).

Same permissions as the pages (``health.view_growth`` reads; ``record_measurements``
writes measurements; ``manage_exams`` writes exams and cards) and every write through
:mod:`houqin.health.growth_services` (validated, audited; records are voided with a
reason, never edited). Z-scores are against WS/T 423-2022 (under 7 years; piecewise-
linear between the printed SD columns, rows interpolated between the printed ones — the
``interpolated`` flag says so) or WHO 2006/2007 (from 7 years, or by the campus's choice).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus
from houqin.api.pagination import LimitOffset
from houqin.core.models import Child, SchoolClass
from houqin.health import growth_reference as ref
from houqin.health import growth_services as services
from houqin.health.models import Exam, HealthCard, Measurement

router = Router(tags=["health-growth"])

VIEW, RECORD, EXAMS = "health.view_growth", "health.record_measurements", "health.manage_exams"


class MeasurementOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: int = Field(alias="school_class_id")
    measured_on: dt.date
    age_months: int
    height_cm: Decimal
    weight_kg: Decimal
    bmi: Decimal | None
    haz: Decimal | None
    waz: Decimal | None
    whz: Decimal | None
    bmiz: Decimal | None
    wh_median_pct: Decimal | None
    reference: str
    interpolated: bool
    height_level: str
    weight_level: str
    wh_level: str
    stunting: bool
    underweight: bool
    wasting: bool
    overweight: bool
    obesity: bool
    obesity_degree: str
    malnutrition_severity: str
    note: str
    is_void: bool
    void_reason: str


class ExamOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: int = Field(alias="school_class_id")
    exam_date: dt.date
    kind: str
    age_months: int
    hb_g_l: int | None
    anaemia: str
    vision_left: Decimal | None
    vision_right: Decimal | None
    vision_abnormal: bool
    caries_count: int | None
    hearing: str
    findings: str
    passed: bool
    advice: str
    doctor: str
    measurement: int | None = Field(alias="measurement_id")
    is_void: bool
    void_reason: str


class HealthCardOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    exam_date: dt.date
    hospital: str
    results: str
    passed: bool
    vaccination_checked: bool
    vaccination_complete: bool
    vaccination_note: str
    allergies: str
    past_illnesses: str
    is_void: bool
    void_reason: str


class MeasurementRow(Schema):
    child: int
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    note: str = ""
    confirmed: bool = Field(False, description="Save values flagged as implausible anyway")


class GridIn(Schema):
    school_class: int
    measured_on: dt.date
    rows: list[MeasurementRow]


class MeasurementIn(Schema):
    child: int
    measured_on: dt.date
    height_cm: Decimal
    weight_kg: Decimal
    note: str = ""
    confirmed: bool = False


class ExamIn(Schema):
    child: int
    exam_date: dt.date
    kind: str = Exam.Kind.PERIODIC.value
    hb_g_l: int | None = None
    vision_left: Decimal | None = None
    vision_right: Decimal | None = None
    vision_abnormal: bool = False
    caries_count: int | None = None
    hearing: str = ""
    findings: str = ""
    passed: bool | None = Field(None, description="Empty: worked out from the results")
    advice: str = ""
    doctor: str = ""
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    confirmed: bool = False


class HealthCardIn(Schema):
    child: int
    exam_date: dt.date
    hospital: str
    results: str = ""
    passed: bool = True
    vaccination_checked: bool = False
    vaccination_complete: bool = True
    vaccination_note: str = ""
    allergies: str = ""
    past_illnesses: str = ""
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    hb_g_l: int | None = None


class ReasonIn(Schema):
    reason: str


class ZIn(Schema):
    sex: str = Field(description="M or F")
    age_months: int | None = Field(None, description="Completed months; or give birth_date and measured_on")
    birth_date: dt.date | None = None
    measured_on: dt.date | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    reference: str | None = Field(None, description="wst423 or who; empty: the campus setting")


class IndicatorOut(Schema):
    z: Decimal | None
    median: float | None
    interpolated: bool
    level: str


class ZOut(Schema):
    reference: str | None
    age_months: int
    bmi: float | None
    haz: Decimal | None
    waz: Decimal | None
    whz: Decimal | None
    bmiz: Decimal | None
    wh_indicator: str
    wh_median_pct: Decimal | None
    interpolated: bool
    height_level: str
    weight_level: str
    wh_level: str
    stunting: bool
    underweight: bool
    wasting: bool
    overweight: bool
    obesity: bool
    obesity_degree: str
    malnutrition_severity: str
    indicators: dict[str, IndicatorOut]


class CurvesOut(Schema):
    reference: str
    sex: str
    charts: dict


class DueEntry(Schema):
    child: int
    child_name: str
    school_class: str
    last: dt.date | None
    due: dt.date | None


def _measurements(request):
    return Measurement.objects.filter(campus=request.campus).select_related("child")


def _exams(request):
    return Exam.objects.filter(campus=request.campus).select_related("child")


def _child(request, pk):
    return get_in_campus(request, Child.objects.select_related("school_class", "campus"), pk=pk)


def _child_ref(request, pk):
    child = (
        Child.objects.filter(campus=request.campus, pk=pk).select_related("school_class", "campus").first()
    )
    if child is None:
        raise ValidationError(
            {"child": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    return child


@router.get("/health/growth/measurements", response=list[MeasurementOut], url_name="growth_measurement_list")
@requires(VIEW)
@paginate(LimitOffset)
def measurement_list(request, school_class: int | None = None, child: int | None = None,
                     date_from: dt.date | None = None, date_to: dt.date | None = None,
                     include_void: bool = False):  # fmt: skip
    """Measurements by class or child, newest first (void ones only with ``include_void``)."""
    qs = _measurements(request)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if child is not None:
        qs = qs.filter(child_id=child)
    if date_from:
        qs = qs.filter(measured_on__gte=date_from)
    if date_to:
        qs = qs.filter(measured_on__lte=date_to)
    if not include_void:
        qs = qs.filter(is_void=False)
    return qs.order_by("-measured_on", "child__name", "-id")


@router.post(
    "/health/growth/measurements", response={201: MeasurementOut}, url_name="growth_measurement_create"
)
@requires(RECORD)
def measurement_create(request, payload: MeasurementIn):
    """Record one measurement; the answer carries its z-scores and classification."""
    m = services.measurement_record(
        actor=request.user, child=_child_ref(request, payload.child), measured_on=payload.measured_on,
        height_cm=payload.height_cm, weight_kg=payload.weight_kg, note=payload.note, confirmed=payload.confirmed,
    )  # fmt: skip
    return Status(201, m)


@router.post(
    "/health/growth/measurements/grid",
    response={201: list[MeasurementOut]},
    url_name="growth_measurement_grid",
)
@requires(RECORD)
def measurement_grid(request, payload: GridIn):
    """A class's measurements in one go (all or nothing; errors keyed ``child_<id>``)."""
    school_class = SchoolClass.objects.filter(campus=request.campus, pk=payload.school_class).first()
    if school_class is None:
        raise ValidationError(
            {"school_class": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    saved = services.measurements_record_class(
        actor=request.user, school_class=school_class, measured_on=payload.measured_on,
        rows=[r.dict() for r in payload.rows],
    )  # fmt: skip
    return Status(
        201, list(_measurements(request).filter(pk__in=[m.pk for m in saved]).order_by("child__name"))
    )


@router.get(
    "/health/growth/measurements/{measurement_id}",
    response=MeasurementOut,
    url_name="growth_measurement_detail",
)
@requires(VIEW)
def measurement_detail(request, measurement_id: int):
    return get_in_campus(request, _measurements(request), pk=measurement_id)


@router.post("/health/growth/measurements/{measurement_id}/void", response=MeasurementOut,
             url_name="growth_measurement_void")  # fmt: skip
@requires(RECORD)
def measurement_void(request, measurement_id: int, payload: ReasonIn):
    """Void a wrong measurement with a reason."""
    m = get_in_campus(request, _measurements(request), pk=measurement_id)
    services.measurement_void(actor=request.user, measurement=m, reason=payload.reason)
    return get_in_campus(request, _measurements(request), pk=measurement_id)


@router.get("/health/growth/exams", response=list[ExamOut], url_name="growth_exam_list")
@requires(VIEW)
@paginate(LimitOffset)
def exam_list(request, school_class: int | None = None, child: int | None = None, kind: str | None = None,
              anaemia: bool | None = None, include_void: bool = False):  # fmt: skip
    qs = _exams(request)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if child is not None:
        qs = qs.filter(child_id=child)
    if kind:
        qs = qs.filter(kind=kind)
    if anaemia is True:
        qs = qs.exclude(anaemia="")
    elif anaemia is False:
        qs = qs.filter(anaemia="")
    if not include_void:
        qs = qs.filter(is_void=False)
    return qs.order_by("-exam_date", "child__name", "-id")


@router.post("/health/growth/exams", response={201: ExamOut}, url_name="growth_exam_create")
@requires(EXAMS)
def exam_create(request, payload: ExamIn):
    """Record an exam (anaemia graded from Hb; vision judged by age; result worked out
    unless given; with height and weight the measurement is recorded too)."""
    data = payload.dict()
    exam = services.exam_record(
        actor=request.user, child=_child_ref(request, payload.child), exam_date=payload.exam_date, kind=payload.kind,
        data=data, height_cm=payload.height_cm, weight_kg=payload.weight_kg, confirmed=payload.confirmed,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _exams(request), pk=exam.pk))


@router.get("/health/growth/exams/{exam_id}", response=ExamOut, url_name="growth_exam_detail")
@requires(VIEW)
def exam_detail(request, exam_id: int):
    return get_in_campus(request, _exams(request), pk=exam_id)


@router.post("/health/growth/exams/{exam_id}/void", response=ExamOut, url_name="growth_exam_void")
@requires(EXAMS)
def exam_void(request, exam_id: int, payload: ReasonIn):
    services.exam_void(actor=request.user, exam=get_in_campus(request, _exams(request), pk=exam_id),
                       reason=payload.reason)  # fmt: skip
    return get_in_campus(request, _exams(request), pk=exam_id)


@router.get("/health/growth/cards", response=list[HealthCardOut], url_name="growth_card_list")
@requires(VIEW)
@paginate(LimitOffset)
def card_list(request, child: int | None = None, include_void: bool = False):
    qs = HealthCard.objects.filter(campus=request.campus)
    if child is not None:
        qs = qs.filter(child_id=child)
    if not include_void:
        qs = qs.filter(is_void=False)
    return qs.order_by("-exam_date", "-id")


@router.post("/health/growth/cards", response={201: HealthCardOut}, url_name="growth_card_create")
@requires(EXAMS)
def card_create(request, payload: HealthCardIn):
    data = payload.dict()
    child = _child_ref(request, data.pop("child"))
    return Status(201, services.health_card_record(actor=request.user, child=child, data=data))


@router.post("/health/growth/cards/{card_id}/void", response=HealthCardOut, url_name="growth_card_void")
@requires(EXAMS)
def card_void(request, card_id: int, payload: ReasonIn):
    card = get_in_campus(request, HealthCard.objects.all(), pk=card_id)
    return services.health_card_void(actor=request.user, card=card, reason=payload.reason)


@router.get("/health/growth/zscore", response=ZOut, url_name="growth_zscore")
@requires(VIEW)
def zscore_calculator(request, payload: Query[ZIn]):
    """The z-score calculator: H/A, W/A, W/L(H), BMI/A with levels and classification
    (nothing is saved)."""
    try:
        sex = ref._norm_sex(payload.sex)
    except ValueError:
        raise ValidationError({"sex": [_("Choose M or F.")]})
    age = payload.age_months
    if age is None:
        if not (payload.birth_date and payload.measured_on):
            raise ValidationError(
                {"age_months": [_("Give the age in months, or the date of birth and the date.")]}
            )
        from houqin.core.models.tenancy import age_in_months

        age = age_in_months(payload.birth_date, payload.measured_on)
    if age < 0:
        raise ValidationError({"age_months": [_("The age cannot be negative.")]})
    choice = payload.reference or services.campus_reference(request.campus)
    if choice not in ref.REFERENCES:
        raise ValidationError({"reference": [_("Choose wst423 or who.")]})
    if payload.height_cm is None and payload.weight_kg is None:
        raise ValidationError({"height_cm": [_("Give a height or a weight.")]})
    ev = ref.evaluate(sex, age, payload.height_cm, payload.weight_kg, campus_reference=choice)
    out = {name: getattr(ev, name) for name in ZOut.model_fields if name != "indicators"}
    out["indicators"] = {
        key: {"z": r.z, "median": r.median, "interpolated": r.interpolated, "level": r.level}
        for key, r in ev.results.items()
    }
    return out


@router.get("/health/growth/children/{child_id}/curves", response=CurvesOut, url_name="growth_curves")
@requires(VIEW)
def curves(request, child_id: int):
    """The child's points and the reference's −2/0/+2 SD lines for height-for-age,
    weight-for-age and BMI-for-age (``charts.<hfa|wfa|bmi>.lines`` / ``.points``)."""
    child = _child(request, child_id)
    return services.child_curves(child, campus=request.campus)


@router.get("/health/growth/due", response=dict[str, list[DueEntry]], url_name="growth_due")
@requires(VIEW)
def due(request, school_class: int | None = None, on: dt.date | None = None):
    """Who is due for an entry card, a measurement, an exam, Hb, vision, hearing or a re-exam."""
    sc = None
    if school_class is not None:
        sc = get_object_or_404(SchoolClass.objects.filter(campus=request.campus), pk=school_class)
    lists = services.due_lists(request.campus, on, school_class=sc)
    return {
        kind: [
            {
                "child": e["child"].pk,
                "child_name": e["child"].name,
                "school_class": str(e["child"].school_class or ""),
                "last": e["last"],
                "due": e["due"],
            }
            for e in entries
        ]  # fmt: skip
        for kind, entries in lists.items()
    }
