"""Depreciation (年限平均法) worked by hand, the depreciation report as of a date, and the
acquisitions/disposals report per term or year; their pages, exports and prints."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, AssetCategory
from houqin.core.roles import Role
from tests.factories_assets import AssetCategoryFactory, AssetFactory
from tests.factories_custody import client_for

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- The arithmetic, by hand --------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "months", "accumulated", "net"),
    [
        # 12,000 yuan over 5 years = 60 months × 200 yuan, from October 2024
        (dt.date(2025, 9, 30), 12, "2400.00", "9600.00"),  # Oct 2024 … Sep 2025
        (dt.date(2025, 9, 1), 12, "2400.00", "9600.00"),  # the month counts as a whole
        (dt.date(2024, 9, 30), 0, "0.00", "12000.00"),  # not in the month it went into service
        (dt.date(2024, 10, 1), 1, "200.00", "11800.00"),
        (dt.date(2024, 8, 31), 0, "0.00", "12000.00"),  # before it went into service
        (dt.date(2029, 9, 30), 60, "12000.00", "0.00"),  # fully depreciated after 60 months
        (dt.date(2031, 3, 31), 60, "12000.00", "0.00"),  # never beyond the value
    ],
)
def test_straight_line_monthly_from_the_month_after(as_of, months, accumulated, net):
    result = services.depreciation(D("12000.00"), 5, dt.date(2024, 9, 15), as_of)
    assert result == (D(accumulated), D(net), months)


def test_rounding_to_the_fen_and_the_last_month_takes_the_rest():
    # 1,000 yuan over 3 years: 27.777… a month; 3 months = 83.333… → 83.33
    assert services.depreciation(D("1000"), 3, dt.date(2025, 1, 10), dt.date(2025, 4, 30))[:2] == (
        D("83.33"),
        D("916.67"),
    )
    # 35 months = 972.22; the 36th brings it exactly to 1,000 (no cent left over)
    assert services.depreciation(D("1000"), 3, dt.date(2025, 1, 10), dt.date(2027, 12, 31))[0] == D("972.22")
    assert services.depreciation(D("1000"), 3, dt.date(2025, 1, 10), dt.date(2028, 1, 31))[:2] == (
        D("1000.00"),
        D("0.00"),
    )
    assert services.monthly_depreciation(D("1000"), 3) == D("27.78")
    assert services.monthly_depreciation(D("12000"), 5) == D("200.00")


def test_life_zero_or_no_date_is_not_depreciated():
    assert services.depreciation(D("5000"), 0, dt.date(2020, 1, 1), dt.date(2025, 1, 1)) == (
        D("0.00"),
        D("5000.00"),
        0,
    )
    assert services.depreciation(D("5000"), 5, None, dt.date(2025, 1, 1)) == (D("0.00"), D("5000.00"), 0)
    assert services.monthly_depreciation(D("5000"), 0) == 0


def test_months_are_counted_across_years():
    assert services.months_depreciated(dt.date(2023, 12, 31), dt.date(2024, 1, 1), 120) == 1
    assert services.months_depreciated(dt.date(2023, 12, 31), dt.date(2025, 12, 31), 120) == 24
    assert services.months_depreciated(dt.date(2023, 12, 31), dt.date(2035, 12, 31), 120) == 120


def test_the_in_service_date_wins_over_the_acquisition_date(campus):
    category = AssetCategoryFactory(campus=campus, useful_life_years=5)
    asset = AssetFactory(campus=campus, category=category, price=D("12000"), purchase_date=dt.date(2024, 6, 1),
                         in_service_date=dt.date(2024, 9, 15))  # fmt: skip
    assert services.asset_book_values(asset, dt.date(2025, 9, 30)) == (
        D("12000.00"),
        D("2400.00"),
        D("9600.00"),
    )
    cheap = AssetFactory(campus=campus, category=category, price=D("400"), purchase_date=dt.date(2024, 6, 1))
    assert services.asset_book_values(cheap, dt.date(2024, 12, 31))[1] == D("40.00")  # 400 × 6 / 60


# --- The report ---------------------------------------------------------------------------


@pytest.fixture
def register(campus):
    a = AssetCategoryFactory(campus=campus, name="电子设备", useful_life_years=5)
    b = AssetCategoryFactory(
        campus=campus, name="图书", useful_life_years=0, kind=AssetCategory.Kind.LOW_VALUE
    )
    return {
        "a1": AssetFactory(campus=campus, category=a, price=D("12000"), purchase_date=dt.date(2024, 9, 1),
                           in_service_date=dt.date(2024, 9, 15)),
        "a2": AssetFactory(campus=campus, category=a, price=D("6000"), purchase_date=dt.date(2025, 3, 1)),
        "a3": AssetFactory(campus=campus, category=a, price=D("2400"), purchase_date=dt.date(2023, 9, 30),
                           status=Asset.Status.DISPOSED, disposed_on=dt.date(2025, 12, 1)),
        "a4": AssetFactory(campus=campus, category=a, price=D("3000"), purchase_date=dt.date(2022, 1, 1),
                           status=Asset.Status.DISPOSED, disposed_on=dt.date(2025, 6, 1)),
        "a5": AssetFactory(campus=campus, category=a, price=D("9999"), purchase_date=dt.date(2025, 10, 5)),
        "b1": AssetFactory(campus=campus, category=b, price=D("50"), quantity=100, purchase_date=dt.date(2020, 1, 1)),
        "category_a": a,
        "category_b": b,
    }  # fmt: skip


@pytest.mark.django_db
def test_report_rows_totals_and_what_is_on_the_register(campus, other_campus, register):
    AssetFactory(campus=other_campus, price=D("77777"), purchase_date=dt.date(2024, 1, 1))
    report = services.depreciation_report(campus, dt.date(2025, 9, 30))
    rows = {r.asset_id: r for r in report.rows}
    assert set(rows) == {
        register[k].pk for k in ("a1", "a2", "a3", "b1")
    }  # a4 disposed before, a5 bought after
    assert rows[register["a1"].pk].accumulated == D("2400.00")
    assert (rows[register["a2"].pk].months, rows[register["a2"].pk].accumulated) == (6, D("600.00"))
    assert (rows[register["a3"].pk].months, rows[register["a3"].pk].accumulated) == (24, D("960.00"))
    assert rows[register["b1"].pk].accumulated == 0 and rows[register["b1"].pk].net == D("5000.00")
    groups = {g["category"]: g for g in report.categories}
    assert (groups["电子设备"]["original"], groups["电子设备"]["accumulated"], groups["电子设备"]["net"]) == (
        D("20400.00"), D("3960.00"), D("16440.00"),
    )  # fmt: skip
    assert (groups["图书"]["cards"], groups["图书"]["accumulated"]) == (1, 0)
    assert report.total == {"cards": 4, "original": D("25400.00"), "accumulated": D("3960.00"),
                            "net": D("21440.00")}  # fmt: skip
    only_a = services.depreciation_report(campus, dt.date(2025, 9, 30), category=register["category_a"])
    assert only_a.total["cards"] == 3


@pytest.mark.django_db
def test_acquisitions_and_disposals_by_category(campus, register):
    acquired, total = services.acquisitions_by_category(campus, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert total == {"cards": 2, "items": 2, "value": D("15999.00")}  # a2 + a5
    disposed, total = services.disposals_by_category(campus, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert [(r["category"], r["cards"], r["value"]) for r in disposed] == [("电子设备", 2, D("5400.00"))]
    acquired, total = services.acquisitions_by_category(campus, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert [(r["category"], r["items"], r["value"]) for r in acquired] == [("图书", 100, D("5000.00"))]


# --- Pages --------------------------------------------------------------------------------


def _url(campus, name):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code})


@pytest.mark.django_db
def test_depreciation_page_export_and_print(campus, register, member):
    client = client_for(member)
    page = client.get(_url(campus, "report_depreciation"), {"as_of": "2025-09-30"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "25400.00" in text and "3960.00" in text
    assert register["a1"].tag in text
    export = client.get(_url(campus, "report_depreciation"), {"as_of": "2025-09-30", "export": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Tag number"
    last = rows[-1]
    assert last[1] == "Total" and D(str(last[5])) == D("25400") and D(str(last[8])) == D("3960")
    assert any(r[1] == "Subtotal: 电子设备" for r in rows)
    printed = client.get(_url(campus, "report_depreciation_print"), {"as_of": "2025-09-30"})
    assert printed.status_code == 200 and 'data-testid="depreciation-print"' in printed.content.decode()


@pytest.mark.django_db
def test_period_report_by_year_and_term(campus, register, member):
    from tests.factories import SchoolYearFactory, TermFactory

    client = client_for(member)
    page = client.get(_url(campus, "report_index"), {"period": "year", "year": "2025"})
    assert page.status_code == 200 and "15999.00" in page.content.decode()
    year = SchoolYearFactory(campus=campus, start_date=dt.date(2024, 8, 1), end_date=dt.date(2025, 7, 31))
    term = TermFactory(
        campus=campus, school_year=year, start_date=dt.date(2025, 2, 17), end_date=dt.date(2025, 7, 4)
    )
    page = client.get(_url(campus, "report_index"), {"period": "term", "term": term.pk})
    assert page.status_code == 200 and "6000.00" in page.content.decode()
    export = client.get(_url(campus, "report_index"), {"period": "year", "year": "2025", "export": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True)
    )
    assert ("Disposals", "Total", 2, 2, 5400) in [tuple(r) for r in rows]
    assert (
        client.get(_url(campus, "report_index_print"), {"period": "year", "year": "2025"}).status_code == 200
    )


@pytest.mark.django_db
def test_reports_need_view_reports(campus, make_member):
    assert (
        client_for(make_member(Role.CLASS_TEACHER)).get(_url(campus, "report_depreciation")).status_code
        == 403
    )
    assert (
        client_for(make_member(Role.ACCOUNTANT)).get(_url(campus, "report_depreciation")).status_code == 200
    )
    guard = client_for(make_member(Role.GUARD))
    assert guard.get(_url(campus, "report_index")).status_code == 403
