# ruff: noqa: F811 (pytest fixtures imported from care_helpers)
"""Health statistics checked against numbers computed by hand on a small data set:
2 classes × 5 children × 4 school days of attendance, exams and measurements; the pages,
their .xlsx exports and print pages, and a bounded number of queries."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.core.roles import Role
from houqin.health import care_reports, care_services
from tests import factories as f
from tests.health.care_helpers import client_for, exam, measurement, roll_call

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)  # 21 weekdays; the campus has no term calendar → Monday to Friday
D1, D2, D3, D4 = (dt.date(2025, 3, d) for d in (3, 4, 5, 6))


@pytest.fixture
def school(campus):
    a = f.SchoolClassFactory(campus=campus, name="小一班", sort_order=1)
    b = f.SchoolClassFactory(campus=campus, name="小二班", sort_order=2)
    kids = {
        a: [f.ChildFactory(campus=campus, school_class=a, name=f"甲{i}") for i in range(5)],
        b: [f.ChildFactory(campus=campus, school_class=b, name=f"乙{i}") for i in range(5)],
    }
    return a, b, kids


@pytest.fixture
def attendance(school, other_campus):
    a, b, kids = school
    ka, kb = kids[a], kids[b]
    # class A: 20 child-days, 3 absent (2 sick, 1 personal) → 17 present: 85.0 %, illness 10.0 %
    roll_call(a, ka, D1)
    roll_call(a, ka, D2, sick=[ka[0]])
    roll_call(a, ka, D3, sick=[ka[1]], personal=[ka[2]])
    roll_call(a, ka, D4)
    # class B: 20 child-days, 1 sick → 19 present: 95.0 %, illness 5.0 %
    roll_call(b, kb, D1, sick=[kb[0]])
    for day in (D2, D3, D4):
        roll_call(b, kb, day)
    # not counted: a Saturday, another month, another campus
    roll_call(a, ka, dt.date(2025, 3, 8), sick=ka)
    roll_call(b, kb, dt.date(2025, 4, 1), sick=kb)
    oc = f.SchoolClassFactory(campus=other_campus, name="外园班")
    roll_call(oc, [f.ChildFactory(campus=other_campus, school_class=oc)], D1, sick=[])
    return school


def test_attendance_and_illness_rates_by_hand(campus, attendance):
    a, b, _kids = attendance
    report = care_reports.attendance_report(campus, dt.date(2025, 3, 17))
    assert report["school_days"] == 21 and report["month"] == MARCH
    rows = {r["label"]: r for r in report["rows"]}
    ra, rb = rows["小一班"], rows["小二班"]
    assert (ra["days"], ra["enrolled"], ra["present"], ra["absent"], ra["sick"]) == (4, 20, 17, 3, 2)
    assert ra["attendance_rate"] == Decimal("85.0") and ra["illness_rate"] == Decimal("10.0")
    assert ra["other_absent"] == 1 and ra["missing"] == 17
    assert (rb["enrolled"], rb["present"], rb["sick"]) == (20, 19, 1)
    assert rb["attendance_rate"] == Decimal("95.0") and rb["illness_rate"] == Decimal("5.0")
    t = report["totals"]
    assert (t["enrolled"], t["present"], t["sick"]) == (40, 36, 3)
    assert t["attendance_rate"] == Decimal("90.0") and t["illness_rate"] == Decimal("7.5")
    assert "外园班" not in rows


def test_attendance_follows_the_term_calendar(campus, attendance):
    """With a term calendar, a holiday is not a school day: its roll call is not counted."""
    year = f.SchoolYearFactory(campus=campus, start_date=dt.date(2024, 8, 1), end_date=dt.date(2025, 7, 31))
    term = f.TermFactory(
        campus=campus, school_year=year, start_date=dt.date(2025, 2, 17), end_date=dt.date(2025, 6, 30)
    )
    f.HolidayFactory(campus=campus, term=term, name="停课", start_date=D3, end_date=D3)
    report = care_reports.attendance_report(campus, MARCH)
    assert report["school_days"] == 20
    ra = {r["label"]: r for r in report["rows"]}["小一班"]
    assert (ra["days"], ra["enrolled"], ra["present"], ra["sick"]) == (3, 15, 14, 1)
    assert ra["attendance_rate"] == Decimal("93.3")


def test_rates_are_none_without_data(campus, school):
    report = care_reports.attendance_report(campus, MARCH)
    assert all(r["attendance_rate"] is None for r in report["rows"])
    assert report["totals"]["illness_rate"] is None


@pytest.fixture
def exams(school, campus):
    a, b, kids = school
    ka, kb = kids[a], kids[b]
    day = dt.date(2025, 4, 10)
    # class A: 5 enrolled, 5 examined, 4 passed → 100 % coverage, 80.0 % (below the 90 % target)
    for i, c in enumerate(ka):
        exam(c, day, passed=i != 0, hb=100 if i == 0 else 120, anaemia="mild" if i == 0 else "", vision=i == 1,
             caries=2 if i in (1, 2) else 0)  # fmt: skip
    exam(ka[0], dt.date(2025, 1, 5), passed=True)  # older exam of the same child: the latest counts
    # class B: 4 of 5 examined, all passed → 80.0 % coverage, 100.0 % pass rate (meets the target)
    for c in kb[:4]:
        exam(c, day)
    exam(kb[4], day, passed=False, void=True)  # void: not counted
    exam(kb[4], dt.date(2024, 1, 5))  # outside the period
    return school


def test_exam_coverage_and_pass_rate_by_hand(campus, exams):
    report = care_reports.exam_report(campus, dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    rows = {r["label"]: r for r in report["rows"]}
    ra, rb = rows["小一班"], rows["小二班"]
    assert (ra["enrolled"], ra["examined"], ra["passed"], ra["anaemia"], ra["vision"], ra["caries"]) == (
        5,
        5,
        4,
        1,
        1,
        2,
    )
    assert (
        ra["coverage"] == Decimal("100.0")
        and ra["pass_rate"] == Decimal("80.0")
        and ra["meets_target"] is False
    )
    assert (rb["examined"], rb["passed"]) == (4, 4)
    assert (
        rb["coverage"] == Decimal("80.0")
        and rb["pass_rate"] == Decimal("100.0")
        and rb["meets_target"] is True
    )
    t = report["totals"]
    assert (t["enrolled"], t["examined"], t["passed"]) == (10, 9, 8)
    assert (
        t["coverage"] == Decimal("90.0") and t["pass_rate"] == Decimal("88.9") and t["meets_target"] is False
    )
    assert report["target"] == 90


def test_exam_target_is_a_campus_setting(campus, member, exams):
    from houqin.core.settings_services import campus_settings_update

    campus_settings_update(actor=member, campus=campus, values={"health.care.exam_pass_target": 80})
    campus.refresh_from_db()
    fresh = type(campus).objects.get(pk=campus.pk)
    report = care_reports.exam_report(fresh, dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert report["target"] == 80
    assert {r["label"]: r["meets_target"] for r in report["rows"]} == {"小一班": True, "小二班": True}


@pytest.fixture
def growth(school):
    a, b, kids = school
    ka, kb = kids[a], kids[b]
    on = dt.date(2025, 3, 20)
    # class A latest: stunting, underweight+wasting, overweight, obesity, normal
    for c, flags in zip(
        ka, [("stunting",), ("underweight", "wasting"), ("overweight",), ("obesity",), ()], strict=True
    ):
        measurement(c, on, flags=flags)
    measurement(ka[4], dt.date(2024, 12, 1), flags=("obesity",))  # older: not the latest
    # class B: 3 measured, all normal; a void one ignored; one child never measured
    for c in kb[:3]:
        measurement(c, on)
    measurement(kb[3], on, flags=("obesity",), void=True)
    return school


def test_growth_classification_by_hand(campus, growth):
    report = care_reports.growth_report(campus, dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    rows = {r["label"]: r for r in report["rows"]}
    ra, rb = rows["小一班"], rows["小二班"]
    assert [ra[k] for k in ("measured", "stunting", "underweight", "wasting", "overweight", "obesity", "normal")] == [
        5, 1, 1, 1, 1, 1, 1,
    ]  # fmt: skip
    assert ra["obesity_rate"] == Decimal("20.0") and ra["normal_rate"] == Decimal("20.0")
    assert (rb["enrolled"], rb["measured"], rb["normal"], rb["obesity"]) == (5, 3, 3, 0)
    assert rb["normal_rate"] == Decimal("100.0") and rb["coverage"] == Decimal("60.0")
    t = report["totals"]
    assert (t["measured"], t["normal"], t["obesity"]) == (8, 4, 1)
    assert t["normal_rate"] == Decimal("50.0") and t["obesity_rate"] == Decimal("12.5")


def test_disease_report_by_month(campus, school):
    from django.apps import apps

    try:
        DiseaseCase = apps.get_model("health", "DiseaseCase")
        Disease = apps.get_model("health", "Disease")
    except LookupError:
        report = care_reports.disease_report(campus, 2025)
        assert report["available"] is False
        return
    a, _b, kids = school
    field_names = {fld.name for fld in DiseaseCase._meta.concrete_fields}
    hfmd = Disease.objects.create(campus=campus, name="手足口病", isolation_days=14)
    flu = Disease.objects.create(campus=campus, name="流行性感冒", isolation_days=7)
    counter = iter(range(1, 100))

    def case(disease, onset, void=False):
        extra = {
            name: value
            for name, value in (
                ("number", f"CR-{next(counter)}"), ("reported_on", onset), ("isolation_from", onset),
                ("isolation_until", onset + dt.timedelta(days=7)),
            )
            if name in field_names
        }  # fmt: skip
        obj = DiseaseCase(
            campus=campus, child=kids[a][0], school_class=a, disease=disease, onset_date=onset, **extra
        )
        if void:
            obj.is_void = True
            obj.void_reason = "误报"
        obj.save()

    case(hfmd, dt.date(2025, 4, 2))
    case(hfmd, dt.date(2025, 4, 20))
    case(hfmd, dt.date(2025, 5, 2))
    case(flu, dt.date(2025, 1, 9))
    case(flu, dt.date(2025, 2, 9), void=True)
    case(flu, dt.date(2024, 12, 9))
    report = care_reports.disease_report(campus, 2025)
    rows = {r["label"]: r for r in report["rows"]}
    assert (
        rows["手足口病"]["months"][3] == 2
        and rows["手足口病"]["months"][4] == 1
        and rows["手足口病"]["total"] == 3
    )
    assert rows["流行性感冒"]["total"] == 1 and rows["流行性感冒"]["months"][0] == 1
    assert report["totals"]["total"] == 4


def test_special_care_summary(campus, school, health_user):
    _a, _b, kids = school
    children = [c for group in kids.values() for c in group]
    care_services.case_open(actor=health_user, child=children[0], category="obesity", severity="moderate")
    care_services.case_open(actor=health_user, child=children[1], category="obesity", severity="mild")
    case = care_services.case_open(actor=health_user, child=children[2], category="anaemia", severity="mild")
    care_services.case_close(actor=health_user, case=case, outcome="moved_away")
    report = care_reports.special_care_summary(campus)
    rows = {r["category"]: r for r in report["rows"]}
    assert (rows["obesity"]["open"], rows["obesity"]["sev_moderate"], rows["obesity"]["sev_mild"]) == (
        2,
        1,
        1,
    )
    assert (rows["anaemia"]["open"], rows["anaemia"]["closed"], rows["anaemia"]["closed_moved_away"]) == (
        0,
        1,
        1,
    )
    assert report["totals"]["open"] == 2


# --- Pages -----------------------------------------------------------------------------------------

from tests.health.care_helpers import health_user  # noqa: E402,F401


def _xlsx(response):
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_attendance_page_export_and_print(campus, attendance, member_client):
    base = f"/c/{campus.code}/health/reports/"
    page = member_client.get(base, {"month": "2025-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "85.0%" in html and "95.0%" in html and "90.0%" in html and "7.5%" in html
    assert 'data-testid="report-chart"' in html
    export = member_client.get(base, {"month": "2025-03", "export": "xlsx"})
    assert export.status_code == 200
    rows = _xlsx(export)
    by_label = {r[0]: r for r in rows[1:]}
    assert (
        by_label["小一班"][3:7] == [20, 17, 3, 2]
        and by_label["小一班"][8] == 85.0
        and by_label["小一班"][9] == 10.0
    )
    assert by_label[rows[-1][0]][8] == 90.0  # the total row
    printed = member_client.get(base + "print/", {"month": "2025-03"})
    assert (
        printed.status_code == 200
        and "85.0%" in printed.content.decode()
        and "2025-03" in printed.content.decode()
    )


def test_exam_and_growth_pages(campus, exams, growth, member_client):
    period = {"date_from": "2024-09-01", "date_to": "2025-08-31"}
    page = member_client.get(f"/c/{campus.code}/health/reports/exams/", period)
    html = page.content.decode()
    assert (
        page.status_code == 200 and "80.0%" in html and 'data-meets="0"' in html and 'data-meets="1"' in html
    )
    rows = _xlsx(member_client.get(f"/c/{campus.code}/health/reports/exams/", {**period, "export": "xlsx"}))
    assert {r[0]: r[5] for r in rows[1:]}["小一班"] == 80.0
    page = member_client.get(f"/c/{campus.code}/health/reports/growth/", period)
    assert page.status_code == 200 and 'data-flag="obesity"' in page.content.decode()
    rows = _xlsx(member_client.get(f"/c/{campus.code}/health/reports/growth/", {**period, "export": "xlsx"}))
    a = {r[0]: r for r in rows[1:]}["小一班"]
    assert a[3] == 1 and a[4] == 20.0  # stunting: count and %
    for name in ("exams", "growth"):
        assert member_client.get(f"/c/{campus.code}/health/reports/{name}/print/", period).status_code == 200
    bad = member_client.get(
        f"/c/{campus.code}/health/reports/exams/", {"date_from": "2025-09-01", "date_to": "2025-01-01"}
    )
    assert bad.status_code == 200 and 'data-testid="report-table"' not in bad.content.decode()


def test_disease_and_special_pages(campus, school, member_client):
    for name in ("diseases", "special-care"):
        assert member_client.get(f"/c/{campus.code}/health/reports/{name}/").status_code == 200
        assert member_client.get(f"/c/{campus.code}/health/reports/{name}/print/").status_code == 200
        export = member_client.get(f"/c/{campus.code}/health/reports/{name}/", {"export": "xlsx"})
        assert export.status_code == 200 and len(_xlsx(export)) >= 2


def test_report_permissions(campus, school, make_member, outsider_client):
    teacher = client_for(make_member(Role.CLASS_TEACHER, username="rep-teacher"))
    cook = client_for(make_member(Role.COOK, username="rep-cook"))
    for name in ("", "exams/", "growth/", "diseases/", "special-care/"):
        url = f"/c/{campus.code}/health/reports/{name}"
        assert teacher.get(url).status_code == 200
        assert cook.get(url).status_code == 403
        assert outsider_client.get(url).status_code == 404
        assert cook.get(url + "print/").status_code == 403
    # exports need core.export as well
    assert teacher.get(f"/c/{campus.code}/health/reports/", {"export": "xlsx"}).status_code in (200, 403)


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx)


def test_report_queries_do_not_grow_with_the_data(campus, member_client):
    """Aggregated in the database: the same number of queries for 2 classes as for 6 with
    many more children and days."""
    a = f.SchoolClassFactory(campus=campus, name="甲班")
    kids = [f.ChildFactory(campus=campus, school_class=a) for _ in range(3)]
    roll_call(a, kids, D1, sick=kids[:1])
    for k in kids:
        measurement(k, D1)
        exam(k, D1)
    urls = [
        (f"/c/{campus.code}/health/reports/", {"month": "2025-03"}),
        (f"/c/{campus.code}/health/reports/exams/", {"date_from": "2025-01-01", "date_to": "2025-06-30"}),
        (f"/c/{campus.code}/health/reports/growth/", {"date_from": "2025-01-01", "date_to": "2025-06-30"}),
        (f"/c/{campus.code}/health/reports/special-care/", {}),
    ]
    small = [_queries(member_client, url, params) for url, params in urls]
    for n in range(5):
        cls = f.SchoolClassFactory(campus=campus, name=f"乙{n}班")
        more = [f.ChildFactory(campus=campus, school_class=cls) for _ in range(8)]
        for day in (D1, D2, D3, D4):
            roll_call(cls, more, day, sick=more[:1])
        for k in more:
            measurement(k, D1, flags=("obesity",))
            measurement(k, D2)
            exam(k, D1, passed=False)
    large = [_queries(member_client, url, params) for url, params in urls]
    assert small == large, (small, large)
    assert max(large) <= 25
