"""School years, terms, holidays / make-up days, and the school days of a term."""

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, PatchDict, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, delete_object, get_in_campus, resolve_refs, update_object
from houqin.api.pagination import LimitOffset
from houqin.core.models import Holiday, SchoolYear, Term

router = Router(tags=["calendar"])


# --- school years ------------------------------------------------------------------------


class SchoolYearIn(Schema):
    name: str
    start_date: dt.date
    end_date: dt.date


class SchoolYearOut(Schema):
    id: int
    name: str
    start_date: dt.date
    end_date: dt.date


@router.get("/school-years", response=list[SchoolYearOut], url_name="school_year_list")
@requires("core.view_calendar")
@paginate(LimitOffset)
def school_year_list(request):
    return SchoolYear.objects.filter(campus=request.campus).order_by("-start_date")


@router.post("/school-years", response={201: SchoolYearOut}, url_name="school_year_create")
@requires("core.manage_calendar")
def school_year_create(request, payload: SchoolYearIn):
    return Status(201, create_object(request, SchoolYear, payload.dict()))


@router.get("/school-years/{year_id}", response=SchoolYearOut, url_name="school_year_detail")
@requires("core.view_calendar")
def school_year_detail(request, year_id: int):
    return get_in_campus(request, SchoolYear.objects.all(), pk=year_id)


@router.patch("/school-years/{year_id}", response=SchoolYearOut, url_name="school_year_update")
@requires("core.manage_calendar")
def school_year_update(request, year_id: int, payload: PatchDict[SchoolYearIn]):
    obj = get_in_campus(request, SchoolYear.objects.all(), pk=year_id)
    return update_object(request, obj, payload)


@router.delete("/school-years/{year_id}", response={204: None}, url_name="school_year_delete")
@requires("core.manage_calendar")
def school_year_delete(request, year_id: int):
    delete_object(request, get_in_campus(request, SchoolYear.objects.all(), pk=year_id))
    return Status(204, None)


# --- holidays (nested in terms) -----------------------------------------------------------


class HolidayIn(Schema):
    name: str
    kind: str = Holiday.Kind.HOLIDAY.value
    start_date: dt.date
    end_date: dt.date


class HolidayOut(Schema):
    id: int
    term: int = Field(alias="term_id")
    name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    start_date: dt.date
    end_date: dt.date


# --- terms -------------------------------------------------------------------------------


class TermIn(Schema):
    school_year: int
    name: str
    kind: str = Term.Kind.AUTUMN.value
    start_date: dt.date
    end_date: dt.date
    school_weekdays: list[int] = Field(
        default_factory=list,
        description="Weekdays that are school days (0 = Monday); empty means Monday–Friday.",
    )


class TermOut(Schema):
    id: int
    school_year: int = Field(alias="school_year_id")
    school_year_name: str = Field(alias="school_year.name")
    name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    start_date: dt.date
    end_date: dt.date
    school_weekdays: list[int]
    is_current: bool
    holidays: list[HolidayOut]


class SchoolDaysOut(Schema):
    term: int
    start: dt.date
    end: dt.date
    count: int
    days: list[dt.date]


TERM_REFS = {"school_year": SchoolYear}


def _terms():
    return Term.objects.select_related("school_year").prefetch_related(
        Prefetch("holidays", queryset=Holiday.objects.order_by("start_date"))
    )


@router.get("/terms", response=list[TermOut], url_name="term_list")
@requires("core.view_calendar")
@paginate(LimitOffset)
def term_list(request, school_year: int | None = None, current: bool | None = None):
    qs = _terms().filter(campus=request.campus).order_by("-start_date")
    if school_year is not None:
        qs = qs.filter(school_year_id=school_year)
    if current is not None:
        today = timezone.localdate()
        in_term = {"start_date__lte": today, "end_date__gte": today}
        qs = qs.filter(**in_term) if current else qs.exclude(**in_term)
    return qs


@router.post("/terms", response={201: TermOut}, url_name="term_create")
@requires("core.manage_calendar")
def term_create(request, payload: TermIn):
    obj = create_object(request, Term, resolve_refs(request, payload.dict(), TERM_REFS))
    return Status(201, get_in_campus(request, _terms(), pk=obj.pk))


@router.get("/terms/{term_id}", response=TermOut, url_name="term_detail")
@requires("core.view_calendar")
def term_detail(request, term_id: int):
    return get_in_campus(request, _terms(), pk=term_id)


@router.patch("/terms/{term_id}", response=TermOut, url_name="term_update")
@requires("core.manage_calendar")
def term_update(request, term_id: int, payload: PatchDict[TermIn]):
    obj = get_in_campus(request, Term.objects.select_related("school_year"), pk=term_id)
    update_object(request, obj, resolve_refs(request, payload, TERM_REFS))
    return get_in_campus(request, _terms(), pk=term_id)


@router.delete("/terms/{term_id}", response={204: None}, url_name="term_delete")
@requires("core.manage_calendar")
def term_delete(request, term_id: int):
    delete_object(request, get_in_campus(request, Term.objects.all(), pk=term_id))
    return Status(204, None)


@router.get("/terms/{term_id}/school-days", response=SchoolDaysOut, url_name="term_school_days")
@requires("core.view_calendar")
def term_school_days(request, term_id: int, start: dt.date | None = None, end: dt.date | None = None):
    """The school days of the term in order: weekdays of the term, holidays left out,
    make-up days put in. ``start`` / ``end`` narrow the range."""
    term = get_in_campus(request, Term.objects.all(), pk=term_id)
    days = term.school_days(start, end)
    return {
        "term": term.pk,
        "start": max(start or term.start_date, term.start_date),
        "end": min(end or term.end_date, term.end_date),
        "count": len(days),
        "days": days,
    }


def _term(request, term_id):
    return get_in_campus(request, Term.objects.all(), pk=term_id)


@router.get("/terms/{term_id}/holidays", response=list[HolidayOut], url_name="holiday_list")
@requires("core.view_calendar")
@paginate(LimitOffset)
def holiday_list(request, term_id: int):
    return Holiday.objects.filter(campus=request.campus, term=_term(request, term_id)).order_by("start_date")


@router.post("/terms/{term_id}/holidays", response={201: HolidayOut}, url_name="holiday_create")
@requires("core.manage_calendar")
def holiday_create(request, term_id: int, payload: HolidayIn):
    return Status(201, create_object(request, Holiday, {**payload.dict(), "term": _term(request, term_id)}))


@router.get("/terms/{term_id}/holidays/{holiday_id}", response=HolidayOut, url_name="holiday_detail")
@requires("core.view_calendar")
def holiday_detail(request, term_id: int, holiday_id: int):
    return get_in_campus(request, Holiday.objects.all(), pk=holiday_id, term_id=term_id)


@router.patch("/terms/{term_id}/holidays/{holiday_id}", response=HolidayOut, url_name="holiday_update")
@requires("core.manage_calendar")
def holiday_update(request, term_id: int, holiday_id: int, payload: PatchDict[HolidayIn]):
    obj = get_in_campus(request, Holiday.objects.select_related("term"), pk=holiday_id, term_id=term_id)
    return update_object(request, obj, payload)


@router.delete("/terms/{term_id}/holidays/{holiday_id}", response={204: None}, url_name="holiday_delete")
@requires("core.manage_calendar")
def holiday_delete(request, term_id: int, holiday_id: int):
    delete_object(request, get_in_campus(request, Holiday.objects.all(), pk=holiday_id, term_id=term_id))
    return Status(204, None)
