"""Health care — special-care registers (体弱儿/肥胖儿专案管理) and the health statistics
(保健统计).

Cases live under ``/health/care/cases``: list (filters: register_kind frail|obese, category,
status, due recheck|bp|overdue, class), detail with the follow-ups and the latest result,
open by hand, change the plan, record and void follow-ups, close (outcome recovered needs
a result showing it or a note) and reopen. ``/health/care/bp-due`` is the monthly blood
pressure due list of moderate and severe obesity. ``/health/reports/…`` gives the
statistics as JSON: attendance and illness rates for a month, exam coverage and pass rate,
growth classification by class, infectious diseases by month, special-care figures.
Every write goes through :mod:`houqin.health.care_services`.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus
from houqin.api.pagination import LimitOffset
from houqin.core.models import Child
from houqin.core.settings_registry import campus_setting
from houqin.health import care_reports, care_services
from houqin.health.models import CareFollowUp, SpecialCareCase

router = Router(tags=["health-care"])

VIEW, MANAGE, REPORTS = "health.view_special_care", "health.manage_special_care", "health.view_reports"


class FollowUpOut(Schema):
    id: int
    date: dt.date
    weight_kg: Decimal | None
    height_cm: Decimal | None
    hb_g_l: int | None
    bp_systolic: int | None
    bp_diastolic: int | None
    note: str
    recorded_by: int | None = Field(alias="recorded_by_id")
    is_void: bool
    void_reason: str


class CaseOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: str | None = None
    category: str
    category_display: str = Field(alias="get_category_display")
    severity: str
    detail: str
    opened_on: dt.date
    source: str
    origin: str
    register_kind: str = Field(alias="register", description="frail or obese")
    plan_diet: str
    plan_activity: str
    plan_parents: str
    plan: str
    recheck_months: int | None
    next_recheck_on: dt.date | None
    needs_bp: bool
    bp_due_on: dt.date | None
    status: str
    closed_on: dt.date | None
    outcome: str
    close_note: str

    @staticmethod
    def resolve_school_class(obj):
        return obj.child.school_class.name if obj.child.school_class_id else None


class ResultOut(Schema):
    date: dt.date
    text: str
    recovered: bool


class CaseDetailOut(CaseOut):
    follow_ups: list[FollowUpOut] = []
    latest_result: ResultOut | None = None

    @staticmethod
    def resolve_follow_ups(obj):
        return list(obj.follow_ups.order_by("-date", "-id"))

    @staticmethod
    def resolve_latest_result(obj):
        return care_services.latest_result(obj)


class CaseIn(Schema):
    child: int
    category: str = Field(
        description="obesity, malnutrition, anaemia, rickets, premature, heart, respiratory, other"
    )
    severity: str = Field("", description="'', mild, moderate or severe")
    opened_on: dt.date | None = None
    detail: str = ""
    plan_diet: str = ""
    plan_activity: str = ""
    plan_parents: str = ""
    plan: str = ""
    recheck_months: int | None = None


class CaseUpdateIn(Schema):
    severity: str = ""
    detail: str = ""
    plan_diet: str = ""
    plan_activity: str = ""
    plan_parents: str = ""
    plan: str = ""
    recheck_months: int | None = None


class FollowUpIn(Schema):
    date: dt.date | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    hb_g_l: int | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    note: str = ""


class CloseIn(Schema):
    outcome: str = Field(description="recovered, moved_away or other")
    closed_on: dt.date | None = None
    note: str = Field("", description="Needed for 'other', and for 'recovered' when no result shows recovery")


class ReasonIn(Schema):
    reason: str


class CaseFilters(Schema):
    register_kind: str | None = Field(None, description="frail or obese")
    category: str | None = None
    severity: str | None = None
    status: str | None = Field(None, description="open or closed")
    school_class: int | None = None
    child: int | None = None
    due: str | None = Field(None, description="recheck, bp or overdue")


def _cases(request):
    return SpecialCareCase.objects.filter(campus=request.campus).select_related(
        "child", "child__school_class"
    )


def _case(request, case_id):
    return get_in_campus(request, _cases(request), pk=case_id)


@router.get("/health/care/cases", response=list[CaseOut], url_name="health_care_case_list")
@requires(VIEW)
@paginate(LimitOffset)
def case_list(request, filters: Query[CaseFilters]):
    """Special-care cases, open ones first."""
    qs = _cases(request)
    if filters.register_kind == "obese":
        qs = qs.filter(category__in=SpecialCareCase.OBESE_CATEGORIES)
    elif filters.register_kind == "frail":
        qs = qs.exclude(category__in=SpecialCareCase.OBESE_CATEGORIES)
    for name in ("category", "severity", "status"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.school_class is not None:
        qs = qs.filter(child__school_class_id=filters.school_class)
    if filters.child is not None:
        qs = qs.filter(child_id=filters.child)
    if filters.due:
        today = timezone.localdate()
        soon = today + dt.timedelta(days=int(campus_setting(request.campus, "health.care.due_soon_days")))
        qs = qs.filter(status=SpecialCareCase.Status.OPEN)
        if filters.due == "recheck":
            qs = qs.filter(next_recheck_on__lte=soon)
        elif filters.due == "bp":
            qs = qs.filter(bp_due_on__lte=soon)
        else:
            qs = qs.filter(Q(next_recheck_on__lt=today) | Q(bp_due_on__lt=today))
    return qs.order_by("-status", "-opened_on", "-id")


@router.get("/health/care/bp-due", response=list[CaseOut], url_name="health_care_bp_due")
@requires(VIEW)
@paginate(LimitOffset)
def bp_due(request):
    """Moderate and severe obesity whose monthly blood pressure is due or overdue."""
    return care_services.bp_due(request.campus).select_related("child", "child__school_class")


@router.post("/health/care/cases", response={201: CaseDetailOut}, url_name="health_care_case_create")
@requires(MANAGE)
def case_create(request, payload: CaseIn):
    """Open a case by hand (one open case per child and category)."""
    child = Child.objects.filter(campus=request.campus, pk=payload.child).first()
    if child is None:
        raise ValidationError(
            {"child": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    data = payload.dict()
    plan = {name: data[name] for name in care_services.PLAN_FIELDS if data.get(name) not in (None, "")}
    case = care_services.case_open(
        actor=request.user, child=child, category=payload.category, severity=payload.severity,
        opened_on=payload.opened_on, detail=payload.detail, plan=plan,
    )  # fmt: skip
    return Status(201, _case(request, case.pk))


@router.get("/health/care/cases/{case_id}", response=CaseDetailOut, url_name="health_care_case_detail")
@requires(VIEW)
def case_detail(request, case_id: int):
    return _case(request, case_id)


@router.patch("/health/care/cases/{case_id}", response=CaseDetailOut, url_name="health_care_case_update")
@requires(MANAGE)
def case_update(request, case_id: int, payload: PatchDict[CaseUpdateIn]):
    """Change the plan, the severity or the finding of an open case."""
    care_services.case_update(actor=request.user, case=_case(request, case_id), data=dict(payload))
    return _case(request, case_id)


@router.post(
    "/health/care/cases/{case_id}/follow-ups",
    response={201: FollowUpOut},
    url_name="health_care_follow_up_add",
)
@requires(MANAGE)
def follow_up_add(request, case_id: int, payload: FollowUpIn):
    """Record a follow-up (weight, height, Hb, blood pressure, note); moves the due dates."""
    follow_up = care_services.follow_up_add(
        actor=request.user, case=_case(request, case_id), **payload.dict()
    )
    return Status(201, follow_up)


@router.post(
    "/health/care/cases/{case_id}/follow-ups/{follow_up_id}/void",
    response=FollowUpOut,
    url_name="health_care_follow_up_void",
)
@requires(MANAGE)
def follow_up_void(request, case_id: int, follow_up_id: int, payload: ReasonIn):
    """Void a wrong follow-up with a reason."""
    case = _case(request, case_id)
    follow_up = get_in_campus(request, CareFollowUp.objects.filter(case=case), pk=follow_up_id)
    return care_services.follow_up_void(actor=request.user, follow_up=follow_up, reason=payload.reason)


@router.post("/health/care/cases/{case_id}/close", response=CaseDetailOut, url_name="health_care_case_close")
@requires(MANAGE)
def case_close(request, case_id: int, payload: CloseIn):
    """Close the case: recovered (a result must show it, or give a note), moved away, other (note)."""
    care_services.case_close(
        actor=request.user, case=_case(request, case_id), outcome=payload.outcome, closed_on=payload.closed_on,
        note=payload.note,
    )  # fmt: skip
    return _case(request, case_id)


@router.post(
    "/health/care/cases/{case_id}/reopen", response=CaseDetailOut, url_name="health_care_case_reopen"
)
@requires(MANAGE)
def case_reopen(request, case_id: int, payload: ReasonIn):
    care_services.case_reopen(actor=request.user, case=_case(request, case_id), reason=payload.reason)
    return _case(request, case_id)


# --- Reports ---------------------------------------------------------------------------------------


class AttendanceRow(Schema):
    label: str
    days: int
    missing: int
    enrolled: int
    present: int
    absent: int
    sick: int
    attendance_rate: float | None
    illness_rate: float | None


class AttendanceOut(Schema):
    month: dt.date
    school_days: int
    rows: list[AttendanceRow]
    totals: AttendanceRow


class ExamRow(Schema):
    label: str
    enrolled: int
    examined: int
    coverage: float | None
    passed: int
    pass_rate: float | None
    meets_target: bool | None
    anaemia: int
    vision: int
    caries: int


class ExamOut(Schema):
    date_from: dt.date
    date_to: dt.date
    target: float
    rows: list[ExamRow]
    totals: ExamRow


class GrowthRow(Schema):
    label: str
    enrolled: int
    measured: int
    stunting: int
    underweight: int
    wasting: int
    overweight: int
    obesity: int
    normal: int
    stunting_rate: float | None
    underweight_rate: float | None
    wasting_rate: float | None
    overweight_rate: float | None
    obesity_rate: float | None
    normal_rate: float | None


class GrowthOut(Schema):
    date_from: dt.date
    date_to: dt.date
    rows: list[GrowthRow]
    totals: GrowthRow


class DiseaseRow(Schema):
    label: str
    months: list[int]
    total: int


class DiseaseTotals(Schema):
    months: list[int]
    total: int


class DiseaseOut(Schema):
    year: int
    available: bool
    rows: list[DiseaseRow]
    totals: DiseaseTotals


def _period(request, date_from, date_to):
    if not (date_from and date_to):
        date_from, date_to = care_reports.default_period(request.campus)
    if date_from > date_to or (date_to - date_from).days > 800:
        raise ValidationError(
            {"date_to": [_("Choose a period of at most two years, the end after the start.")]}
        )
    return date_from, date_to


@router.get("/health/reports/attendance", response=AttendanceOut, url_name="health_care_report_attendance")
@requires(REPORTS)
def report_attendance(
    request,
    month: dt.date | None = Query(None, description="Any day of the month; default this month"),  # noqa: B008
):
    """出勤率 and 因病缺勤率 per class for a month (school days with a roll call)."""
    report = care_reports.attendance_report(request.campus, month or timezone.localdate())
    return report


@router.get("/health/reports/exams", response=ExamOut, url_name="health_care_report_exams")
@requires(REPORTS)
def report_exams(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Exam coverage and pass rate per class (default: the current school year)."""
    return care_reports.exam_report(request.campus, *_period(request, date_from, date_to))


@router.get("/health/reports/growth", response=GrowthOut, url_name="health_care_report_growth")
@requires(REPORTS)
def report_growth(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    """Growth classification by class from each child's latest valid measurement of the period."""
    return care_reports.growth_report(request.campus, *_period(request, date_from, date_to))


@router.get("/health/reports/diseases", response=DiseaseOut, url_name="health_care_report_diseases")
@requires(REPORTS)
def report_diseases(request, year: int | None = None):
    """Infectious disease cases by disease and month of onset."""
    return care_reports.disease_report(request.campus, year or timezone.localdate().year)
