"""API of the daily area: Attendance, morning and midday checks, all-day observation
(出勤、晨午检、全日观察).

Same permissions and rules as the pages; every write goes through
:mod:`houqin.health.daily_services`:

* ``GET/POST /health/attendance/classes/{class}/{date}`` — a class's roll call (the roster
  with each child's status; POST ``{"absences": [{"child", "reason", "note"}]}``: everyone
  else is present, posting again corrects it). ``GET /health/attendance`` lists roll calls.
* ``/health/absences`` — sick-absence follow-ups; ``POST …/{id}/complete``.
* ``GET/POST /health/checks/classes/{class}/{date}/{session}`` — a class's morning or
  midday check (POST the exceptions only); ``/health/checks/exceptions`` the exceptions,
  with ``…/leaving`` and ``…/void``.
* ``/health/observations`` — all-day observation notes (list, create, void).
* ``GET /health/daily/summary?date=&class=`` — the class and campus daily summary.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus
from houqin.api.helpers import user_name as _name
from houqin.api.pagination import LimitOffset
from houqin.core.models import Child, SchoolClass
from houqin.health import daily_services as services
from houqin.health.models import (
    CHECK_FINDINGS,
    AbsenceFollowUp,
    ClassAttendance,
    ClassCheck,
    HealthCheck,
    ObservationNote,
)

router = Router(tags=["health-daily"])

VIEW_ATTENDANCE = "health.view_attendance"
TAKE = "health.take_attendance"
FOLLOW_UP = "health.follow_up_absences"
VIEW_CHECKS = "health.view_checks"
DO_CHECKS = "health.do_checks"
MANAGE_CHECKS = "health.manage_checks"


def _class(request, class_id):
    return get_in_campus(request, SchoolClass.objects.all(), pk=class_id)


# --- Attendance -----------------------------------------------------------------------------------


class RollOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    class_name: str = Field(alias="school_class.name")
    date: dt.date
    present_count: int
    absent_count: int
    sick_count: int
    taken_by: int | None = Field(alias="taken_by_id")
    taken_by_name: str | None = None
    taken_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_taken_by_name(obj):
        return _name(obj.taken_by)


class RosterChild(Schema):
    child: int
    name: str
    status: str | None = Field(None, description="present, absent, or null before the roll call")
    absence_reason: str = ""
    absence_note: str = ""
    follow_up: int | None = None


class RosterOut(Schema):
    school_class: int
    class_name: str
    date: dt.date
    is_school_day: bool
    taken: bool
    roll: RollOut | None = None
    children: list[RosterChild]


class AbsenceIn(Schema):
    child: int
    reason: str = Field(..., description="sick, personal or other")
    note: str = ""


class TakeIn(Schema):
    absences: list[AbsenceIn] = Field(default_factory=list, description="Everyone else is present.")
    note: str = ""


def _roster(request, school_class, day):
    roll, rows = services.attendance_roster(school_class, day)
    follow = {}
    if roll is not None:
        follow = dict(AbsenceFollowUp.objects.filter(record__roll=roll).values_list("record_id", "pk"))
    if roll is not None:
        roll.school_class = school_class
    return {
        "school_class": school_class.pk,
        "class_name": school_class.name,
        "date": day,
        "is_school_day": services.is_school_day(request.campus, day),
        "taken": roll is not None,
        "roll": roll,
        "children": [
            {
                "child": c.pk,
                "name": c.name,
                "status": r.status if r else None,
                "absence_reason": r.absence_reason if r else "",
                "absence_note": r.absence_note if r else "",
                "follow_up": follow.get(r.pk) if r else None,
            }
            for c, r in rows
        ],
    }


class RollFilters(Schema):
    date: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    school_class: int | None = None


@router.get("/health/attendance", response=list[RollOut], url_name="health_daily_roll_list")
@requires(VIEW_ATTENDANCE)
@paginate(LimitOffset)
def roll_list(request, filters: Query[RollFilters]):
    """Roll calls (one per class and day), newest first."""
    qs = ClassAttendance.objects.filter(campus=request.campus).select_related("school_class", "taken_by")
    f = filters.dict()
    if f["date"]:
        qs = qs.filter(date=f["date"])
    if f["date_from"]:
        qs = qs.filter(date__gte=f["date_from"])
    if f["date_to"]:
        qs = qs.filter(date__lte=f["date_to"])
    if f["school_class"]:
        qs = qs.filter(school_class_id=f["school_class"])
    return qs.order_by("-date", "school_class__sort_order", "school_class__name")


@router.get("/health/attendance/classes/{class_id}/{day}", response=RosterOut, url_name="health_daily_roster")
@requires(VIEW_ATTENDANCE)
def roster(request, class_id: int, day: dt.date):
    """A class's roll call on a day: every enrolled child with their status."""
    return _roster(request, _class(request, class_id), day)


@router.post("/health/attendance/classes/{class_id}/{day}", response=RosterOut, url_name="health_daily_take")
@requires(TAKE)
def take(request, class_id: int, day: dt.date, payload: TakeIn):
    """Take (or correct) the roll call: the absences; everyone else is present."""
    school_class = _class(request, class_id)
    absences = {a.child: {"reason": a.reason, "note": a.note} for a in payload.absences}
    services.attendance_take(
        actor=request.user, school_class=school_class, date=day, absences=absences, note=payload.note
    )
    return _roster(request, school_class, day)


# --- Follow-ups -------------------------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: int = Field(alias="school_class_id")
    class_name: str = Field(alias="school_class.name")
    date: dt.date
    status: str
    status_display: str = Field(alias="get_status_display")
    overdue: bool = False
    absence_note: str = Field(alias="record.absence_note")
    symptoms: str
    diagnosis: str
    infectious_suspected: bool
    expected_return: dt.date | None
    contacted_person: str
    contact_method: str
    contacted_at: dt.datetime | None
    note: str
    completed_by: int | None = Field(alias="completed_by_id")
    completed_at: dt.datetime | None
    cancel_reason: str
    case_create_url: str = ""

    @staticmethod
    def resolve_overdue(obj, context):
        request = context["request"]
        return obj.is_overdue_at(timezone.now(), services.followup_due_time(request.campus))

    @staticmethod
    def resolve_case_create_url(obj, context):
        return services.case_create_url(context["request"].campus, obj.child_id, obj.date)


class FollowUpIn(Schema):
    symptoms: str
    diagnosis: str = ""
    infectious_suspected: bool = False
    expected_return: dt.date | None = None
    contacted_person: str
    contact_method: str = Field(..., description="phone, wechat, in_person or other")
    contacted_at: dt.datetime | None = Field(None, description="Default: now.")
    note: str = ""


def _followups(request):
    return AbsenceFollowUp.objects.filter(campus=request.campus).select_related(
        "child", "school_class", "record"
    )


@router.get("/health/absences", response=list[FollowUpOut], url_name="health_daily_followup_list")
@requires(VIEW_ATTENDANCE)
@paginate(LimitOffset)
def followup_list(
    request, status: str | None = None, overdue: bool | None = None, date: dt.date | None = None,
    school_class: int | None = None,
):  # fmt: skip
    """Sick-absence follow-ups (因病缺勤追踪), oldest open first when filtered by status."""
    qs = _followups(request)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(services.overdue_q(request.campus))
    if date:
        qs = qs.filter(date=date)
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    return qs.order_by("-date", "school_class__sort_order", "child__name")


@router.get("/health/absences/{followup_id}", response=FollowUpOut, url_name="health_daily_followup_detail")
@requires(VIEW_ATTENDANCE)
def followup_detail(request, followup_id: int):
    return get_in_campus(request, _followups(request), pk=followup_id)


@router.post(
    "/health/absences/{followup_id}/complete", response=FollowUpOut, url_name="health_daily_followup_complete"
)
@requires(FOLLOW_UP)
def followup_complete(request, followup_id: int, payload: FollowUpIn):
    """Record (or correct) the follow-up: symptoms, diagnosis, suspected infection, expected
    return, whom was contacted and how."""
    followup = get_in_campus(request, _followups(request), pk=followup_id)
    services.followup_complete(actor=request.user, followup=followup, data=payload.dict())
    return get_in_campus(request, _followups(request), pk=followup_id)


# --- Checks -----------------------------------------------------------------------------------------


class ExceptionOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: int = Field(alias="school_class_id")
    date: dt.date
    session: str
    temperature: Decimal | None
    fever: bool
    tag: str
    findings: dict[str, bool] = {}
    symptoms: str
    outcome: str
    outcome_display: str = Field(alias="get_outcome_display")
    action_note: str
    informed_person: str
    informed_how: str
    informed_at: dt.datetime | None
    left_at: dt.datetime | None
    collected_by: str
    checked_by: int | None = Field(alias="checked_by_id")
    checked_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_findings(obj):
        return {name: getattr(obj, name) for name, _s, _l in CHECK_FINDINGS}


class ClassCheckOut(Schema):
    id: int
    school_class: int = Field(alias="school_class_id")
    date: dt.date
    session: str
    checked_count: int
    exception_count: int
    fever_count: int
    sent_home_count: int
    checked_by: int | None = Field(alias="checked_by_id")
    checked_at: dt.datetime | None
    note: str


class CheckRosterOut(Schema):
    school_class: int
    date: dt.date
    session: str
    fever_threshold: Decimal
    health_tags: list[list[str]]
    check: ClassCheckOut | None = None
    children: list[dict]
    absent: list[int]
    sent_home_earlier: list[int]


class ExceptionIn(Schema):
    child: int
    temperature: Decimal | None = None
    tag: str = Field("", description="A health-tag colour of the campus; empty: the default")
    touch_abnormal: bool = False
    throat_abnormal: bool = False
    skin_abnormal: bool = False
    spirit_abnormal: bool = False
    food_abnormal: bool = False
    sleep_abnormal: bool = False
    stool_abnormal: bool = False
    unsafe_object: bool = False
    symptoms: str = ""
    outcome: str = Field("none", description="none, observe, isolate or sent_home")
    action_note: str = ""
    informed_person: str = ""
    informed_how: str = ""
    informed_at: dt.datetime | None = None
    left_at: dt.datetime | None = None
    collected_by: str = ""


class CheckIn(Schema):
    exceptions: list[ExceptionIn] = Field(default_factory=list, description="Everyone else is normal.")
    note: str = ""


class LeavingIn(Schema):
    left_at: dt.datetime | None = Field(None, description="Default: now.")
    collected_by: str


class ReasonIn(Schema):
    reason: str


def _check_roster(request, school_class, day, session):
    roll, rows, absent, gone = services.check_roster(school_class, day, session)
    return {
        "school_class": school_class.pk,
        "date": day,
        "session": session,
        "fever_threshold": services.fever_threshold(request.campus),
        "health_tags": [list(t) for t in services.health_tags(request.campus)],
        "check": roll,
        "children": [
            {"child": c.pk, "name": c.name, "exception": ExceptionOut.from_orm(h).dict() if h else None}
            for c, h in rows
        ],
        "absent": [c.pk for c in absent],
        "sent_home_earlier": [c.pk for c in gone],
    }


def _session(session):
    from django.http import Http404

    if session not in ClassCheck.Session.values:
        raise Http404
    return session


@router.get("/health/checks", response=list[ClassCheckOut], url_name="health_daily_check_list")
@requires(VIEW_CHECKS)
@paginate(LimitOffset)
def check_list(
    request, date: dt.date | None = None, session: str | None = None, school_class: int | None = None
):
    """Class checks (晨检/午检), newest first."""
    qs = ClassCheck.objects.filter(campus=request.campus)
    if date:
        qs = qs.filter(date=date)
    if session:
        qs = qs.filter(session=session)
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    return qs.order_by("-date", "session", "school_class__sort_order")


@router.get("/health/checks/classes/{class_id}/{day}/{session}", response=CheckRosterOut,
            url_name="health_daily_check_roster")  # fmt: skip
@requires(VIEW_CHECKS)
def check_roster(request, class_id: int, day: dt.date, session: str):
    """The children to check (absent and sent-home children left out) with their exceptions."""
    return _check_roster(request, _class(request, class_id), day, _session(session))


@router.post("/health/checks/classes/{class_id}/{day}/{session}", response=CheckRosterOut,
             url_name="health_daily_check_take")  # fmt: skip
@requires(DO_CHECKS)
def check_take(request, class_id: int, day: dt.date, session: str, payload: CheckIn):
    """Record the check: the exceptions only; everyone else is normal with the default tag."""
    school_class = _class(request, class_id)
    exceptions = {e.child: e.dict(exclude={"child"}) for e in payload.exceptions}
    services.check_take(
        actor=request.user, school_class=school_class, date=day, session=_session(session),
        exceptions=exceptions, note=payload.note,
    )  # fmt: skip
    return _check_roster(request, school_class, day, session)


def _exceptions(request):
    return HealthCheck.objects.filter(campus=request.campus).select_related("child")


@router.get("/health/checks/exceptions", response=list[ExceptionOut], url_name="health_daily_exception_list")
@requires(VIEW_CHECKS)
@paginate(LimitOffset)
def exception_list(
    request, date: dt.date | None = None, outcome: str | None = None, fever: bool | None = None,
    school_class: int | None = None, voided: bool = False,
):  # fmt: skip
    """Check exceptions (active ones unless ``voided``)."""
    qs = _exceptions(request).filter(voided_at__isnull=not voided)
    if date:
        qs = qs.filter(date=date)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if fever is not None:
        qs = qs.filter(fever=fever)
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    return qs.order_by("-date", "session", "school_class__sort_order", "child__name")


@router.get(
    "/health/checks/exceptions/{check_id}", response=ExceptionOut, url_name="health_daily_exception_detail"
)
@requires(VIEW_CHECKS)
def exception_detail(request, check_id: int):
    return get_in_campus(request, _exceptions(request), pk=check_id)


@router.post("/health/checks/exceptions/{check_id}/leaving", response=ExceptionOut,
             url_name="health_daily_exception_leaving")  # fmt: skip
@requires(MANAGE_CHECKS)
def exception_leaving(request, check_id: int, payload: LeavingIn):
    """A child sent home was collected: when and by whom."""
    check = get_in_campus(request, _exceptions(request), pk=check_id)
    services.check_record_leaving(
        actor=request.user, check=check, left_at=payload.left_at, collected_by=payload.collected_by
    )
    return get_in_campus(request, _exceptions(request), pk=check_id)


@router.post("/health/checks/exceptions/{check_id}/void", response=ExceptionOut,
             url_name="health_daily_exception_void")  # fmt: skip
@requires(DO_CHECKS)
def exception_void(request, check_id: int, payload: ReasonIn):
    check = get_in_campus(request, _exceptions(request), pk=check_id)
    services.check_void(actor=request.user, check=check, reason=payload.reason)
    return get_in_campus(request, _exceptions(request), pk=check_id)


# --- Observation --------------------------------------------------------------------------------------


class ObservationOut(Schema):
    id: int
    child: int = Field(alias="child_id")
    child_name: str = Field(alias="child.name")
    school_class: int = Field(alias="school_class_id")
    date: dt.date
    observed_at: dt.datetime
    aspect: str
    is_abnormal: bool
    finding: str
    action: str
    recorded_by: int | None = Field(alias="recorded_by_id")
    voided_at: dt.datetime | None
    void_reason: str


class ObservationIn(Schema):
    child: int
    date: dt.date | None = Field(None, description="Default: today.")
    aspect: str = Field(..., description="food, sleep, stool, spirit, mood or behaviour")
    finding: str
    is_abnormal: bool = True
    action: str = ""
    observed_at: dt.datetime | None = None


def _observations(request):
    return ObservationNote.objects.filter(campus=request.campus).select_related("child")


@router.get("/health/observations", response=list[ObservationOut], url_name="health_daily_observation_list")
@requires(VIEW_CHECKS)
@paginate(LimitOffset)
def observation_list(
    request, date: dt.date | None = None, school_class: int | None = None, child: int | None = None,
    aspect: str | None = None,
):  # fmt: skip
    """All-day observation notes (active ones), newest first."""
    qs = _observations(request).filter(voided_at__isnull=True)
    if date:
        qs = qs.filter(date=date)
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    if child:
        qs = qs.filter(child_id=child)
    if aspect:
        qs = qs.filter(aspect=aspect)
    return qs.order_by("-date", "-observed_at")


@router.post(
    "/health/observations", response={201: ObservationOut}, url_name="health_daily_observation_create"
)
@requires(DO_CHECKS)
def observation_create(request, payload: ObservationIn):
    child = get_in_campus(request, Child.objects.all(), pk=payload.child)
    note = services.observation_add(
        actor=request.user, child=child, date=payload.date or timezone.localdate(), aspect=payload.aspect,
        finding=payload.finding, is_abnormal=payload.is_abnormal, action=payload.action,
        observed_at=payload.observed_at,
    )  # fmt: skip
    return Status(201, get_in_campus(request, _observations(request), pk=note.pk))


@router.post("/health/observations/{note_id}/void", response=ObservationOut,
             url_name="health_daily_observation_void")  # fmt: skip
@requires(DO_CHECKS)
def observation_void(request, note_id: int, payload: ReasonIn):
    note = get_in_campus(request, _observations(request), pk=note_id)
    services.observation_void(actor=request.user, note=note, reason=payload.reason)
    return get_in_campus(request, _observations(request), pk=note_id)


# --- Summary ------------------------------------------------------------------------------------------


class SummaryRow(Schema):
    school_class: int
    class_name: str
    enrolled: int
    taken: bool
    present: int | None
    absent: int | None
    sick: int
    personal: int
    other: int
    rate: float | None
    morning_checked: int | None
    midday_checked: int | None
    exceptions: int
    fever: int
    sent_home: int
    observations: int


class SummaryOut(Schema):
    date: dt.date
    is_school_day: bool
    totals: dict
    classes: list[SummaryRow]
    absences: list[dict]
    sent_home: list[dict]


@router.get("/health/daily/summary", response=SummaryOut, url_name="health_daily_summary")
@requires(VIEW_ATTENDANCE)
def summary(request, date: dt.date | None = None, school_class: int | None = None):
    """The class and campus daily summary: attendance and absences by reason, checks done,
    exceptions, fever, sent home, observation notes."""
    day = date or timezone.localdate()
    cls = _class(request, school_class) if school_class else None
    data = services.daily_summary(request.campus, day, cls)
    return {
        "date": day,
        "is_school_day": data["is_school_day"],
        "totals": data["totals"],
        "classes": [
            {
                "school_class": r["class"].pk,
                "class_name": r["class"].name,
                "enrolled": r["enrolled"],
                "taken": r["taken"],
                "present": r["present"],
                "absent": r["absent"],
                "sick": r["sick"],
                "personal": r["personal"],
                "other": r["other"],
                "rate": r["rate"],
                "morning_checked": r["morning"].checked_count if r["morning"] else None,
                "midday_checked": r["midday"].checked_count if r["midday"] else None,
                "exceptions": r["exceptions"],
                "fever": r["fever"],
                "sent_home": r["sent_home"],
                "observations": r["observations"],
            }  # fmt: skip
            for r in data["rows"]
        ],
        "absences": [
            {
                "child": a.child_id,
                "name": a.child.name,
                "school_class": a.school_class_id,
                "reason": a.absence_reason,
                "note": a.absence_note,
            }  # fmt: skip
            for a in data["absences"]
        ],
        "sent_home": [
            {
                "child": h.child_id,
                "name": h.child.name,
                "school_class": h.school_class_id,
                "temperature": str(h.temperature) if h.temperature is not None else None,
                "left_at": h.left_at.isoformat() if h.left_at else None,
                "collected_by": h.collected_by,
            }  # fmt: skip
            for h in data["sent_home"]
        ],
    }
