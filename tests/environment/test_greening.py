"""Greening (绿化): areas, their care tasks as routines with the right frequencies, the library
entries, and the greening page with this week's due and done tasks."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.core import routine_library
from houqin.core.models import RoutineOccurrence, RoutineTemplate
from houqin.core.routines import occurrence_complete, routine_enable_from_library
from houqin.environment import services
from houqin.environment.models import GreeningTask
from tests import factories as f
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


def area(campus, people, kind, name="综合楼前花坛", **data):
    return services.greening_area_save(actor=people["head"], campus=campus,
                                       data={"name": name, "kind": kind, "location": "综合楼南侧", **data})  # fmt: skip


def test_library_has_the_standard_greening_routines():
    for key in services.GREENING_LIBRARY:
        entry = routine_library.get(key)
        assert entry is not None and entry.category == "environment.greening"
    watering = routine_library.get(services.LIB_WATERING)
    assert watering.frequency == {"frequency": "weekdays", "weekdays": [1, 4]}  # twice a week [000]
    assert routine_library.get(services.LIB_HEDGE_PRUNING).frequency["term_points"] == [
        "start",
        "mid",
    ]  # 4× a year
    assert routine_library.get(services.LIB_TREE_PRUNING).frequency["term_points"] == ["mid"]
    assert routine_library.get("environment.term_start_cleanup").frequency == {"frequency": "term_start"}
    assert "environment.biweekly_check" in routine_library.BY_KEY  # the core's entry, not duplicated


def test_flowerbed_tasks_and_their_frequencies(campus, term, people):
    bed = area(campus, people, "flowerbed", caretaker=people["childcare"])
    created = services.greening_generate_tasks(actor=people["head"], area=bed)
    kinds = {t.kind: t.template for t in created}
    assert set(kinds) == {"watering", "fertilising", "pruning", "weeding", "pest_control"}
    assert kinds["watering"].weekdays == [1, 4] and kinds["watering"].frequency == "weekdays"
    assert kinds["weeding"].frequency == "daily"  # 每天上操时间锄草
    assert kinds["pruning"].frequency == "monthly_day" and kinds["pruning"].month_day == 15
    for template in kinds.values():
        assert template.category == "environment.greening" and template.library_key == ""
        assert template.responsible_user == people["childcare"] and template.responsible_role == ""
        assert template.name.startswith("综合楼前花坛·") and template.zone == "综合楼南侧"
    assert kinds["watering"].items.filter(photo_required=True).exists()
    assert services.greening_generate_tasks(actor=people["head"], area=bed) == []


def test_hedges_trees_and_unsuitable_tasks(campus, term, people):
    hedge = area(campus, people, "hedge", name="围墙绿篱")
    tasks = {t.kind: t.template for t in services.greening_generate_tasks(actor=people["head"], area=hedge)}
    assert tasks["pruning"].frequency == "termly" and tasks["pruning"].term_points == ["start", "mid"]
    assert tasks["watering"].responsible_role == "repair_worker"  # no caretaker: the repair workers
    tree = area(campus, people, "tree", name="香樟")
    tasks = {t.kind: t.template for t in services.greening_generate_tasks(actor=people["head"], area=tree)}
    assert tasks["pruning"].term_points == ["mid"]
    with pytest.raises(ValidationError):
        services.greening_generate_tasks(actor=people["head"], area=tree, kinds=["weeding"])
    with pytest.raises(ValidationError) as exc:
        services.greening_area_save(actor=people["head"], campus=campus, area=tree, data={"kind": "lawn"})
    assert "kind" in exc.value.message_dict


def test_area_changes_reach_the_routines(campus, term, people):
    bed = area(campus, people, "flowerbed")
    services.greening_generate_tasks(actor=people["head"], area=bed, kinds=["watering"])
    room = f.RoomFactory(campus=campus, name="种植园地", kind="outdoor")
    services.greening_area_save(actor=people["head"], campus=campus, area=bed,
                                data={"caretaker": people["teacher"], "room": room})  # fmt: skip
    template = GreeningTask.objects.get(area=bed).template
    template.refresh_from_db()
    assert template.responsible_user == people["teacher"] and template.room == room
    services.greening_area_save(actor=people["head"], campus=campus, area=bed, data={"is_active": False})
    template.refresh_from_db()
    assert not template.is_active


def test_the_greening_page_lists_due_and_done(campus, term, people):
    bed = area(campus, people, "flowerbed", caretaker=people["childcare"])
    services.greening_generate_tasks(actor=people["head"], area=bed, kinds=["watering", "weeding"])
    weeding = GreeningTask.objects.get(area=bed, kind="weeding").template
    today = timezone.localdate()
    occ = RoutineOccurrence.objects.filter(template=weeding, date__gte=today).order_by("date").first()
    RoutineOccurrence.objects.filter(pk=occ.pk).update(date=today)
    occ.refresh_from_db()
    client = login(people["childcare"])
    response = client.get(url(campus, "greening"))
    assert response.status_code == 200
    ((shown, rows),) = response.context["areas"]
    row = next(r for r in rows if r["task"].kind == "weeding")
    assert row["record"] == occ and response.context["due_count"] >= 1
    assert (
        reverse("core:routine_complete", kwargs={"campus": campus.code, "pk": occ.pk})
        in response.content.decode()
    )
    results = [
        {"item": i, "passed": True, "photos": [png()] if i.photo_required else []}
        for i in weeding.items.all()
    ]
    occurrence_complete(actor=people["childcare"], occurrence=occ, results=results)
    response = client.get(url(campus, "greening"))
    row = next(r for r in response.context["areas"][0][1] if r["task"].kind == "weeding")
    assert row["record"] is None and any(o.status == "done" for o in row["week"])


def test_campus_wide_library_routines_are_listed_apart(campus, term, people):
    routine_enable_from_library(actor=people["head"], campus=campus, library_keys=[services.LIB_WATERING])
    bed = area(campus, people, "flowerbed")
    services.greening_generate_tasks(actor=people["head"], area=bed, kinds=["watering"])
    response = login(people["head"]).get(url(campus, "greening"))
    assert [t.library_key for t in response.context["campus_wide"]] == [services.LIB_WATERING]
    assert RoutineTemplate.objects.filter(category="environment.greening").count() == 2


def test_area_pages(campus, term, people):
    head = login(people["head"])
    response = head.post(url(campus, "area_create"), {"name": "操场草坪", "kind": "lawn", "area_m2": "800",
                                                      "is_active": "on", "make_tasks": "on"})  # fmt: skip
    assert response.status_code == 302
    lawn = GreeningTask.objects.filter(area__name="操场草坪")
    assert lawn.count() == 5
    response = head.get(url(campus, "area_list") + "?kind=lawn")
    assert [r["obj"].name for r in response.context["rows"]] == ["操场草坪"]
    assert login(people["teacher"]).get(url(campus, "area_create")).status_code == 403
