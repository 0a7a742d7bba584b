"""School years, terms, holidays / make-up days and the term calendar."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import AuditEvent, Holiday, SchoolYear, Term
from houqin.core.views.calendar import term_months
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def school_year(campus):
    return f.SchoolYearFactory(campus=campus, name="2026—2027学年", start_date=dt.date(2026, 8, 1), end_date=dt.date(2027, 7, 31))


@pytest.fixture
def october_term(campus, school_year):
    """Mon 28 Sep – Fri 16 Oct 2026: 15 weekdays; 国庆 1–7 Oct takes 5 of them; Sat 10 Oct is a make-up day."""
    term = f.TermFactory(
        campus=campus,
        school_year=school_year,
        name="十月短学期",
        start_date=dt.date(2026, 9, 28),
        end_date=dt.date(2026, 10, 16),
    )
    Holiday.objects.create(
        campus=campus, term=term, name="国庆节", kind=Holiday.Kind.HOLIDAY,
        start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 10, 7),
    )
    Holiday.objects.create(
        campus=campus, term=term, name="国庆调休", kind=Holiday.Kind.MAKEUP,
        start_date=dt.date(2026, 10, 10), end_date=dt.date(2026, 10, 10),
    )
    return term


def kinds_in(body):
    return dict(re.findall(r'data-date="([\d-]+)" data-kind="(\w+)"', body))


# --- the term calendar -------------------------------------------------------------------


def test_term_calendar_counts_school_days_with_holiday_and_makeup(member_client, campus, october_term):
    assert len(october_term.school_days()) == 11
    response = member_client.get(url("core:term_detail", campus, pk=october_term.pk))
    assert response.status_code == 200
    body = response.content.decode()
    count = re.search(r'data-testid="school-day-count">(\d+)<', body)
    assert count and count.group(1) == "11"
    kinds = kinds_in(body)
    assert kinds["2026-09-28"] == "school"
    assert kinds["2026-10-01"] == "holiday"
    assert kinds["2026-10-03"] == "holiday"  # a Saturday inside the holiday
    assert kinds["2026-10-08"] == "school"
    assert kinds["2026-10-10"] == "makeup"
    assert kinds["2026-10-11"] == "rest"  # Sunday
    assert kinds["2026-09-27"] == "out"  # before the term
    assert kinds["2026-10-17"] == "out"
    assert "国庆节" in body and "国庆调休" in body


def test_term_months_per_month_counts(october_term):
    months, total = term_months(october_term, today=dt.date(2026, 10, 8))
    assert total == 11
    assert [(m["month"], m["school_days"]) for m in months] == [(9, 3), (10, 8)]
    october = months[1]
    assert [n["label"] for n in october["notes"]] == ["国庆节", "国庆调休"]
    assert october["notes"][0]["first"] == dt.date(2026, 10, 1)
    assert october["notes"][0]["last"] == dt.date(2026, 10, 7)
    today_cells = [c for week in october["weeks"] for c in week if c and c["today"]]
    assert [c["date"] for c in today_cells] == [dt.date(2026, 10, 8)]


def test_term_with_six_day_week(campus, school_year):
    term = f.TermFactory(
        campus=campus, school_year=school_year, start_date=dt.date(2026, 9, 28), end_date=dt.date(2026, 10, 4),
        school_weekdays=[0, 1, 2, 3, 4, 5],
    )
    assert term_months(term)[1] == 6


# --- terms -------------------------------------------------------------------------------


def test_term_list_shows_current_badge(member_client, campus):
    today = timezone.localdate()
    year = f.SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=100), end_date=today + dt.timedelta(days=200))
    f.TermFactory(campus=campus, school_year=year, name="本学期", start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=30))
    f.TermFactory(campus=campus, school_year=year, name="下学期", start_date=today + dt.timedelta(days=40), end_date=today + dt.timedelta(days=150))
    body = member_client.get(url("core:term_list", campus)).content.decode()
    assert re.search(r"本学期\s*<span class=\"badge[^\"]*\">", body)
    assert not re.search(r"下学期\s*<span class=\"badge", body)


def test_term_create_and_update_audited(member_client, campus, school_year, member):
    create = url("core:term_create", campus)
    page = member_client.get(create + f"?school_year={school_year.pk}")
    assert page.status_code == 200
    assert 'name="school_weekdays"' in page.content.decode()
    data = {
        "school_year": school_year.pk,
        "name": "2026秋季学期",
        "kind": Term.Kind.AUTUMN,
        "start_date": "2026-09-01",
        "end_date": "2027-01-22",
        "school_weekdays": ["0", "1", "2", "3", "4"],
    }
    response = member_client.post(create, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    term = Term.objects.get(campus=campus, name="2026秋季学期")
    assert term.school_weekdays == [0, 1, 2, 3, 4]
    assert AuditEvent.objects.filter(action="create", object_id=str(term.pk), actor=member).exists()

    data["school_weekdays"] = ["0", "1", "2", "3", "4", "5"]
    response = member_client.post(url("core:term_update", campus, pk=term.pk), data)
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.school_weekdays == [0, 1, 2, 3, 4, 5]
    event = AuditEvent.objects.get(action="update", object_id=str(term.pk), content_type__model="term")
    assert event.after == {"school_weekdays": [0, 1, 2, 3, 4, 5]}


def test_term_outside_school_year_refused(member_client, campus, school_year):
    data = {
        "school_year": school_year.pk, "name": "越界学期", "kind": "autumn",
        "start_date": "2026-07-01", "end_date": "2026-12-31", "school_weekdays": ["0"],
    }
    response = member_client.post(url("core:term_create", campus), data)
    assert response.status_code == 200
    assert not Term.objects.filter(name="越界学期").exists()


def test_overlapping_terms_refused(member_client, campus, october_term, school_year):
    data = {
        "school_year": school_year.pk, "name": "重叠", "kind": "autumn",
        "start_date": "2026-10-01", "end_date": "2026-12-31", "school_weekdays": ["0"],
    }
    response = member_client.post(url("core:term_create", campus), data)
    assert response.status_code == 200
    assert not Term.objects.filter(name="重叠").exists()


# --- school years ------------------------------------------------------------------------


def test_school_year_crud(member_client, campus):
    response = member_client.post(
        url("core:schoolyear_create", campus), {"name": "2027—2028学年", "start_date": "2027-08-01", "end_date": "2028-07-31"}
    )
    assert response.status_code == 302
    year = SchoolYear.objects.get(campus=campus, name="2027—2028学年")
    assert member_client.get(url("core:schoolyear_list", campus)).status_code == 200
    assert member_client.get(url("core:schoolyear_detail", campus, pk=year.pk)).status_code == 200
    bad = member_client.post(
        url("core:schoolyear_update", campus, pk=year.pk), {"name": year.name, "start_date": "2028-08-01", "end_date": "2028-07-31"}
    )
    assert bad.status_code == 200
    assert member_client.post(url("core:schoolyear_delete", campus, pk=year.pk)).status_code == 302
    assert not SchoolYear.objects.filter(pk=year.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(year.pk)).exists()


def test_school_year_with_terms_cannot_be_deleted(member_client, campus, october_term):
    member_client.post(url("core:schoolyear_delete", campus, pk=october_term.school_year_id))
    assert SchoolYear.objects.filter(pk=october_term.school_year_id).exists()


# --- holidays ----------------------------------------------------------------------------


def test_holiday_and_makeup_created_from_term_page(member_client, campus, october_term, member):
    detail = member_client.get(url("core:term_detail", campus, pk=october_term.pk)).content.decode()
    create = url("core:holiday_create", campus, term_pk=october_term.pk)
    assert create in detail
    page = member_client.get(create + "?kind=makeup")
    assert page.status_code == 200
    assert 'value="makeup" selected' in page.content.decode()

    response = member_client.post(
        create, {"kind": "holiday", "name": "运动会补休", "start_date": "2026-10-12", "end_date": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == url("core:term_detail", campus, pk=october_term.pk)
    holiday = Holiday.objects.get(name="运动会补休")
    assert holiday.term == october_term and holiday.end_date == dt.date(2026, 10, 12)
    assert AuditEvent.objects.filter(action="create", object_id=str(holiday.pk), actor=member).exists()
    october_term.refresh_from_db()
    assert len(october_term.school_days()) == 10

    response = member_client.post(
        url("core:holiday_update", campus, pk=holiday.pk),
        {"kind": "holiday", "name": "运动会补休", "start_date": "2026-10-12", "end_date": "2026-10-13"},
    )
    assert response.status_code == 302
    holiday.refresh_from_db()
    assert holiday.end_date == dt.date(2026, 10, 13)

    response = member_client.post(url("core:holiday_delete", campus, pk=holiday.pk))
    assert response.status_code == 302
    assert response["Location"] == url("core:term_detail", campus, pk=october_term.pk)
    assert not Holiday.objects.filter(pk=holiday.pk).exists()


def test_holiday_outside_term_refused(member_client, campus, october_term):
    response = member_client.post(
        url("core:holiday_create", campus, term_pk=october_term.pk),
        {"kind": "holiday", "name": "寒假", "start_date": "2027-01-20", "end_date": "2027-02-20"},
    )
    assert response.status_code == 200
    assert not Holiday.objects.filter(name="寒假").exists()


def test_holiday_list_and_detail(member_client, campus, october_term):
    assert member_client.get(url("core:holiday_list", campus)).status_code == 200
    holiday = october_term.holidays.first()
    assert member_client.get(url("core:holiday_detail", campus, pk=holiday.pk)).status_code == 200


# --- permissions -------------------------------------------------------------------------


def test_calendar_permissions(other_role_client, outsider_client, campus, october_term):
    holiday = october_term.holidays.first()
    reads = [
        ("core:schoolyear_list", {}),
        ("core:schoolyear_detail", {"pk": october_term.school_year_id}),
        ("core:term_list", {}),
        ("core:term_detail", {"pk": october_term.pk}),
        ("core:holiday_list", {}),
        ("core:holiday_detail", {"pk": holiday.pk}),
    ]
    writes = [
        ("core:schoolyear_create", {}),
        ("core:schoolyear_update", {"pk": october_term.school_year_id}),
        ("core:term_create", {}),
        ("core:term_update", {"pk": october_term.pk}),
        ("core:term_delete", {"pk": october_term.pk}),
        ("core:holiday_create", {"term_pk": october_term.pk}),
        ("core:holiday_update", {"pk": holiday.pk}),
        ("core:holiday_delete", {"pk": holiday.pk}),
    ]
    for name, kwargs in reads:
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 200, name
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404, name
    for name, kwargs in writes:
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 403, name
        assert other_role_client.post(url(name, campus, **kwargs), {}).status_code == 403, name
        assert outsider_client.post(url(name, campus, **kwargs), {}).status_code == 404, name
    assert Holiday.objects.filter(pk=holiday.pk).exists()
    # The cook sees no write buttons on the term page.
    body = other_role_client.get(url("core:term_detail", campus, pk=october_term.pk)).content.decode()
    assert url("core:holiday_create", campus, term_pk=october_term.pk) not in body


def test_term_of_other_campus_is_404(member_client, campus, other_campus):
    foreign = f.TermFactory(campus=other_campus)
    assert member_client.get(url("core:term_detail", campus, pk=foreign.pk)).status_code == 404
    assert member_client.get(url("core:holiday_create", campus, term_pk=foreign.pk)).status_code == 404


@pytest.mark.parametrize("name", ["core:term_list", "core:schoolyear_list", "core:holiday_list"])
def test_calendar_lists_have_bounded_queries(member_client, campus, name, django_assert_max_num_queries):
    counts = []
    made = 0
    for total in (10, 200):
        for i in range(made, total):
            year = f.SchoolYearFactory(campus=campus, start_date=dt.date(2000 + i, 8, 1), end_date=dt.date(2001 + i, 7, 31))
            term = f.TermFactory(campus=campus, school_year=year, start_date=dt.date(2000 + i, 9, 1), end_date=dt.date(2000 + i, 9, 30))
            f.HolidayFactory(term=term, start_date=dt.date(2000 + i, 9, 10), end_date=dt.date(2000 + i, 9, 11))
        made = total
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(20):
            assert member_client.get(url(name, campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
