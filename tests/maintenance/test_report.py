"""维修统计 per term: repairs by category, place and worker, average hours to fix, cost,
same-day rate and sent-back rate; the page, its Excel export and the print view."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest
from tests import factories as f
from tests.conftest import login
from tests.maintenance.helpers import png, report

pytestmark = pytest.mark.django_db


def at(days_ago, hour):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def repair_done(people, room, *, reported, done, description="水龙头漏水", worker="repair", labour=None, parts=()):
    repair = report(people, room, description=description, now=reported)
    if worker == "contractor":
        services.repair_dispatch(actor=people["head"], repair=repair, contractor_name="安居管道疏通", now=reported)
        doer = people["head"]
    else:
        services.repair_dispatch(actor=people["head"], repair=repair, worker=people[worker], now=reported)
        doer = people[worker]
    for amount in parts:
        services.work_order_add_part(actor=doer, repair=repair, description="配件", quantity="1", unit_price=amount)
    services.work_order_finish(
        actor=doer, repair=repair, work_done="修好", labour_cost=labour, photos=[png()], now=done
    )
    return repair


@pytest.fixture
def history(people, room, campus):
    """Four repairs three days ago: two fixed the same day (one sent back once), one the
    next day by a contractor, one still open; plus one cancelled."""
    kitchen = f.RoomFactory(campus=campus, name="厨房", code="C101")
    a = repair_done(people, room, reported=at(3, 9), done=at(3, 11), parts=["20"])
    services.repair_sign_off(actor=people["teacher"], repair=a, now=at(3, 12))
    b = repair_done(people, room, reported=at(3, 10), done=at(3, 15), description="灯管不亮", worker="repair2")
    services.repair_send_back(actor=people["teacher"], repair=b, reason="还是闪", now=at(3, 16))
    services.work_order_finish(actor=people["repair2"], repair=b, work_done="换镇流器", photos=[png()], now=at(3, 17))
    c = repair_done(
        people, kitchen, reported=at(3, 14), done=at(2, 14), description="燃气灶打不着火", worker="contractor",
        labour="150",
    )  # fmt: skip
    services.repair_sign_off(actor=people["teacher"], repair=c, now=at(2, 15))
    report(people, room, description="门锁坏了", now=at(3, 16))
    cancelled = report(people, room, description="重复报修", now=at(3, 16))
    services.repair_cancel(actor=people["head"], repair=cancelled, reason="重复")
    return {"a": a, "b": b, "c": c, "kitchen": kitchen}


def test_report_numbers(people, room, campus, history):
    today = timezone.localdate()
    data = services.repair_report(campus=campus, date_from=today - dt.timedelta(days=7), date_to=today)
    t = data["totals"]
    assert data["cancelled"] == 1
    assert (t["total"], t["done"], t["closed"], t["open"]) == (4, 3, 2, 1)
    assert t["avg_hours"] == round((2 + 7 + 24) / 3, 1)
    assert t["same_day_rate"] == round(100 * 2 / 3, 1)
    assert t["same_day_closed_rate"] == 50.0  # a closed the same day, c the next day
    assert t["reopened_rate"] == round(100 * 1 / 3, 1)
    assert t["parts"] == Decimal("20.00") and t["labour"] == Decimal("150.00") and t["cost"] == Decimal("170.00")
    by_worker = {e["label"]: e for e in data["groups"]["worker"]}
    assert by_worker[people["repair"].display_name]["done"] == 1
    assert by_worker[people["repair2"].display_name]["reopened"] == 1
    assert "安居管道疏通" in " ".join(by_worker)
    by_category = {e["label"]: e["total"] for e in data["groups"]["category"]}
    C = RepairRequest.Category
    assert by_category == {str(C.UTILITIES.label): 2, str(C.KITCHEN.label): 1, str(C.DOORS_WINDOWS.label): 1}
    by_place = {e["label"]: e["total"] for e in data["groups"]["room"]}
    assert by_place[f"{history['kitchen'].code} {history['kitchen'].name}"] == 1
    assert sum(e["total"] for e in data["groups"]["building"]) == 4
    empty = services.repair_report(campus=campus, date_from=today - dt.timedelta(days=1), date_to=today)
    assert empty["totals"]["total"] == 0 and empty["totals"]["same_day_rate"] is None


def test_report_page_by_term_and_group(people, campus, history):
    today = timezone.localdate()
    term = f.TermFactory(campus=campus, start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=30))
    url = reverse("maintenance:repair_report", kwargs={"campus": campus.code})
    assert login(people["teacher"]).get(url).status_code == 403
    client = login(people["accountant"])  # view_reports
    page = client.get(url)
    assert page.status_code == 200 and page.context["report"]["totals"]["total"] == 4  # the current term by default
    page = client.get(url, {"term": term.pk, "by": "worker"})
    assert {r["label"] for r in page.context["rows"]} >= {people["repair"].display_name}
    bad = client.get(url, {"date_from": "2026-09-10", "date_to": "2026-09-01"})
    assert bad.status_code == 200 and bad.context["report"] is None and bad.context["form"].errors


def history_groups(campus, today):
    return services.repair_report(campus=campus, date_from=today - dt.timedelta(days=7), date_to=today)["groups"].values()


def test_report_export_and_print(people, campus, history):
    today = timezone.localdate()
    params = {"date_from": str(today - dt.timedelta(days=7)), "date_to": str(today)}
    client = login(people["principal"])
    response = client.get(reverse("maintenance:repair_report", kwargs={"campus": campus.code}), {**params, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] and not rows[-1][0] and rows[-1][2] == 4
    assert len(rows) == 1 + sum(len(g) for g in history_groups(campus, today)) + 1
    printed = client.get(reverse("maintenance:repair_report_print", kwargs={"campus": campus.code}), params)
    assert printed.status_code == 200
    body = printed.content.decode()
    assert "安居管道疏通" in body and people["repair"].display_name in body
