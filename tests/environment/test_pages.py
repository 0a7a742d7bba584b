"""Every environment page renders with data for a leader and shows only what the role may
do; the scoring grid works at phone width; the dashboard cards of the inspectors."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import CampusSettings
from houqin.core.permissions import perms_for_user_on_campus
from houqin.environment import environment_registrations as reg
from houqin.environment import services
from houqin.environment.models import HygieneInspection
from tests import factories as f
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def data(campus, term, people, zones, sheet):
    services.zone_generate_routines(actor=people["head"], zone=zones["小一班"])
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    services.inspection_save_scores(
        actor=people["head"], inspection=inspection, submit=True,
        rows=[{"zone": zones["小一班"], "deductions": {}, "send_back": True, "note": "纸屑", "photos": [png()]}],
    )  # fmt: skip
    area = services.greening_area_save(
        actor=people["head"], campus=campus, data={"name": "花坛", "kind": "flowerbed"}
    )
    services.greening_generate_tasks(actor=people["head"], area=area)
    music = f.RoomFactory(campus=campus, name="音乐室", code="B201", kind="functional")
    use = services.room_use_record(actor=people["teacher"], campus=campus, data={
        "room": music, "period": "第2节", "school_class": zones["小一班"].school_class, "purpose": "唱歌",
        "condition": "problem", "problem_note": "琴凳坏了"})  # fmt: skip
    dorm = f.RoomFactory(campus=campus, name="教工宿舍", code="E1", kind="bedroom")
    results = {k: {"passed": True} for k, _c, _l in services.dormitory_checklist("staff")}
    results["no_appliances"] = {"passed": False, "note": "电热毯", "hazard": False}
    check = services.dormitory_inspect(
        actor=people["duty"], campus=campus, room=dorm, kind="staff", results=results
    )
    return {
        "inspection": inspection,
        "area": area,
        "use": use,
        "dorm": check,
        "problem": inspection.problems.get(),
    }


def test_every_page_renders(campus, people, zones, sheet, data):
    client = login(people["principal"])
    pages = [
        ("zone_list", {}), ("zone_create", {}), ("zone_detail", {"pk": zones["小一班"].pk}),
        ("zone_update", {"pk": zones["小一班"].pk}), ("sheet_list", {}), ("sheet_create", {}),
        ("sheet_detail", {"pk": sheet.pk}), ("sheet_update", {"pk": sheet.pk}), ("inspection_list", {}),
        ("inspection_create", {}), ("inspection_detail", {"pk": data["inspection"].pk}),
        ("inspection_print", {"pk": data["inspection"].pk}), ("ranking", {}), ("problem_list", {}),
        ("problem_create", {}), ("problem_detail", {"pk": data["problem"].pk}), ("greening", {}), ("area_list", {}),
        ("area_create", {}), ("area_detail", {"pk": data["area"].pk}), ("area_update", {"pk": data["area"].pk}),
        ("roomuse_list", {}), ("roomuse_create", {}), ("roomuse_detail", {"pk": data["use"].pk}),
        ("roomuse_stats", {}), ("dorm_list", {}), ("dorm_create", {}), ("dorm_detail", {"pk": data["dorm"].pk}),
        ("report", {}), ("report_print", {}),
    ]  # fmt: skip
    for name, kwargs in pages:
        response = client.get(url(campus, name, **kwargs))
        assert response.status_code == 200, (name, response.status_code)
    dorm_page = client.get(url(campus, "dorm_detail", pk=data["dorm"].pk))
    failed = data["dorm"].results.get(key="no_appliances")
    hazard_url = url(campus, "dorm_hazard", pk=data["dorm"].pk, result_pk=failed.pk)
    assert dorm_page.context["can_hazard"] and hazard_url in dorm_page.content.decode()


def test_a_teacher_reads_but_does_not_score(campus, people, zones, data):
    teacher = login(people["teacher"])
    detail = teacher.get(url(campus, "inspection_detail", pk=data["inspection"].pk))
    assert (
        detail.status_code == 200
        and detail.context["void_form"] is None
        and detail.context["score_url"] is None
    )
    assert teacher.get(url(campus, "inspection_create")).status_code == 403
    assert teacher.get(url(campus, "sheet_list")).status_code == 403
    assert teacher.get(url(campus, "roomuse_create")).status_code == 200  # a class teacher logs room uses
    assert teacher.get(url(campus, "dorm_create")).status_code == 403


def test_the_grid_query_count_does_not_grow_with_zones(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus, kind="spot")
    client = login(people["head"])
    grid = url(campus, "inspection_score", pk=inspection.pk)
    counts = []
    for extra in (0, 15):
        for n in range(extra):
            services.zone_save(actor=people["head"], campus=campus, data={"name": f"区域{n}", "area_text": "x",
                                                                          "responsible": people["cook"]})  # fmt: skip
        rows = [{"zone": z, "deductions": {}} for z in services.inspection_zones(inspection)]
        services.inspection_save_scores(actor=people["head"], inspection=inspection, rows=rows)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(grid).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def _request(user, campus):
    request = RequestFactory().get("/")
    request.user, request.campus = user, campus
    request.roles, request.perms = perms_for_user_on_campus(user, campus)
    return request


def test_the_weekly_inspection_card(campus, term, people, zones, sheet):
    today = timezone.localdate()
    CampusSettings.objects.create(campus=campus, values={"environment.inspection_weekday": "0"})
    campus._settings_cache = None
    cards = reg.inspection_due_card(_request(people["head"], campus))
    assert len(cards) == 1 and cards[0].url.endswith("/inspections/new/")
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    campus._settings_cache = None
    cards = reg.inspection_due_card(_request(people["head"], campus))
    assert cards[0].url.endswith(f"/inspections/{inspection.pk}/score/")  # a draft: finish it
    services.inspection_save_scores(actor=people["head"], inspection=inspection,
                                    rows=[{"zone": zones["楼道"], "deductions": {}}], submit=True)  # fmt: skip
    campus._settings_cache = None
    assert reg.inspection_due_card(_request(people["head"], campus)) == []
    # not before the campus's inspection day
    CampusSettings.objects.filter(campus=campus).update(values={"environment.inspection_weekday": "4"})
    HygieneInspection.objects.all().delete()
    campus._settings_cache = None
    assert bool(reg.inspection_due_card(_request(people["head"], campus))) == (today.weekday() >= 4)


def test_the_ranking_card(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus,
                                            date=timezone.localdate() - dt.timedelta(days=1), kind="spot")  # fmt: skip
    services.inspection_save_scores(actor=people["head"], inspection=inspection, submit=True,
                                    rows=[{"zone": z, "deductions": {}} for z in zones.values()])  # fmt: skip
    card = reg.ranking_card(_request(people["cook"], campus))[0]
    assert card.count == 3 and len(card.items) == 3 and card.items[0][0].startswith("1. ")
    CampusSettings.objects.create(campus=campus, values={"environment.ranking_on_dashboard": False})
    campus._settings_cache = None
    assert reg.ranking_card(_request(people["cook"], campus)) == []


def test_edit_the_sheet_through_its_form(campus, people, sheet):
    client = login(people["head"])
    edit = url(campus, "sheet_update", pk=sheet.pk)
    formset = client.get(edit).context["formset"]
    items = list(sheet.items.order_by("order"))
    assert len(formset.forms) == len(items) + 3
    data = {"name": sheet.name, "is_default": "on", "is_active": "on", "note": "",
            "items-TOTAL_FORMS": str(len(items) + 1), "items-INITIAL_FORMS": str(len(items)),
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for n, item in enumerate(items):
        data.update({f"items-{n}-id": item.pk, f"items-{n}-label": item.label, f"items-{n}-max_points": item.max_points})
    data["items-0-label"] = "地面无纸屑、无杂物、无积水"
    data["items-1-DELETE"] = "on"
    data.update({f"items-{len(items)}-label": "门把手清洁", f"items-{len(items)}-max_points": "5"})
    response = client.post(edit, data)
    assert response.status_code == 302
    labels = list(sheet.items.filter(is_active=True).order_by("order").values_list("label", flat=True))
    assert labels[0] == "地面无纸屑、无杂物、无积水" and labels[-1] == "门把手清洁" and items[1].label not in labels
    data[f"items-{len(items)}-max_points"] = ""  # a standard without points: refused, nothing changed
    data[f"items-{len(items)}-label"] = "窗帘清洁"
    response = client.post(edit, data)
    assert response.status_code == 200 and "窗帘清洁" not in list(sheet.items.values_list("label", flat=True))
    assert login(people["health"]).post(edit, data).status_code == 403


def test_a_second_weekly_inspection_is_refused_on_the_form(campus, people, sheet):
    client = login(people["head"])
    today = timezone.localdate().isoformat()
    client.post(url(campus, "inspection_create"), {"date": today, "kind": "weekly"})
    assert client.get(url(campus, "inspection_create")).context["form"].initial["kind"] == "spot"
    response = client.post(url(campus, "inspection_create"), {"date": today, "kind": "weekly"})
    assert response.status_code == 200 and "date" in response.context["form"].errors
    assert HygieneInspection.objects.count() == 1
