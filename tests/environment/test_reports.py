"""The term report: scores per zone by month with the ranking, cleaning and greening
completion, room usage, dormitories and problems; its exports and print layout."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.core.models import RoutineOccurrence
from houqin.environment import selectors, services
from houqin.environment.models import HygieneProblem, ScoringItem
from tests import factories as f
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_data(campus, term, people, zones, sheet):
    today = timezone.localdate()
    items = list(ScoringItem.objects.filter(sheet=sheet).order_by("order"))
    for weeks_ago, points in ((2, 4), (1, 2)):
        day = today - dt.timedelta(days=7 * weeks_ago)
        inspection = services.inspection_create(actor=people["head"], campus=campus, date=day)
        rows = [{"zone": zones["小一班"], "deductions": {items[0].pk: points}},
                {"zone": zones["中一班"], "deductions": {items[1].pk: 1}}]  # fmt: skip
        services.inspection_save_scores(actor=people["head"], inspection=inspection, rows=rows, submit=True)
    services.zone_generate_routines(actor=people["head"], zone=zones["小一班"])
    zones["小一班"].refresh_from_db()
    area = services.greening_area_save(
        actor=people["head"], campus=campus, data={"name": "花坛", "kind": "flowerbed"}
    )
    services.greening_generate_tasks(actor=people["head"], area=area, kinds=["watering"])
    music = f.RoomFactory(campus=campus, name="音乐室", code="B201", kind="functional")
    services.room_use_record(actor=people["teacher"], campus=campus,
                             data={"room": music, "date": today, "period": "第2节", "school_class": zones["小一班"].school_class,
                                   "purpose": "唱歌", "children_count": 20})  # fmt: skip
    dorm = f.RoomFactory(campus=campus, name="教工宿舍", code="E1", kind="bedroom")
    results = {k: {"passed": True} for k, _c, _l in services.dormitory_checklist("staff")}
    services.dormitory_inspect(actor=people["duty"], campus=campus, room=dorm, kind="staff", results=results)
    closed = services.problem_raise(
        actor=people["head"], campus=campus, zone=zones["中一班"], description="窗台有灰"
    )
    services.problem_fix(actor=people["teacher2"], problem=closed, note="擦了", photos=[png()])
    services.problem_verify(actor=people["head"], problem=closed)
    late = services.problem_raise(
        actor=people["head"], campus=campus, zone=zones["小一班"], description="纸屑"
    )
    HygieneProblem.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=1))
    return {"area": area, "music": music, "dorm": dorm}


def test_term_report_numbers(campus, term, people, zones, report_data):
    report = selectors.term_report(campus, term)
    by_zone = {r["zone"].name: r for r in report["zones"]}
    assert by_zone["小一班活动室"]["score"] == Decimal("97.0") and by_zone["小一班活动室"]["rank"] == 2
    assert by_zone["中一班活动室"]["score"] == Decimal("99.0") and by_zone["中一班活动室"]["rank"] == 1
    assert by_zone["一楼楼道"]["score"] is None and by_zone["一楼楼道"]["inspections"] == 0
    assert len(report["months"]) >= 2 and len(by_zone["小一班活动室"]["months"]) == len(report["months"])
    assert [c["label"] for c in report["class_ranking"]] == ["中一班", "小一班"]
    assert report["inspections"] == {"n": 2, "weekly": 2}
    assert report["problems"]["raised"] == 2 and report["problems"]["closed"] == 1
    assert report["problems"]["on_time"] == 1 and report["problems"]["overdue"] == 1
    assert report["rooms"]["total"] == 1 and report["dormitories"][0]["rate"] == 100.0
    assert [a["area"].name for a in report["areas"]] == ["花坛"]


def test_cleaning_completion_counts_done_and_missed(campus, term, people, zones):
    zone = zones["小一班"]
    services.zone_generate_routines(actor=people["head"], zone=zone)
    zone.refresh_from_db()
    today = timezone.localdate()
    from houqin.core.routines import generate_occurrences

    generate_occurrences(templates=[zone.daily_routine], start=today - dt.timedelta(days=14), until=today,
                         backfill=True)  # fmt: skip
    past = list(
        RoutineOccurrence.objects.filter(template=zone.daily_routine, date__lt=today).order_by("date")
    )
    RoutineOccurrence.objects.filter(pk__in=[o.pk for o in past[:-2]]).update(
        status="done", completed_at=timezone.now(), completed_by=people["teacher"]
    )
    RoutineOccurrence.objects.filter(pk__in=[o.pk for o in past[-2:]]).update(status="missed")
    stats = selectors.zone_routine_stats([zone], today - dt.timedelta(days=14), today - dt.timedelta(days=1))
    entry = stats[zone.pk]
    assert entry["done"] == len(past) - 2 and entry["missed"] == 2
    assert entry["rate"] == round(100 * (len(past) - 2) / len(past), 1)


def test_report_page_exports_and_print(campus, term, people, report_data):
    client = login(people["principal"])
    page = reverse("environment:report", kwargs={"campus": campus.code})
    response = client.get(page)
    assert response.status_code == 200 and response.context["term"] == term
    assert "report-scores" in response.content.decode()
    for which, header in (("scores", "小一班活动室"), ("classes", "中一班"), ("greening", "花坛"), ("rooms", "音乐室"),
                          ("room_classes", "小一班"), ("dormitories", "教工宿舍"), ("weeks", "一楼楼道"),
                          ("cleaning", "小一班活动室")):  # fmt: skip
        response = client.get(page + f"?term={term.pk}&export={which}")
        assert response.status_code == 200, which
        values = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
        assert any(header in str(cell) for row in values for cell in row), which
    response = client.get(
        reverse("environment:report_print", kwargs={"campus": campus.code}) + f"?term={term.pk}"
    )
    assert response.status_code == 200 and "signatures" in response.content.decode()
    assert login(people["cook"]).get(page).status_code == 200  # staff read it
    parent = f.UserFactory(username="parent")
    f.MembershipFactory(user=parent, campus=campus, role="parent")
    assert login(parent).get(page).status_code == 403
