"""Responsibility zones (责任区): rules, their generated cleaning routines, the pages."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.core.models import CampusSettings, RoutineOccurrence, RoutineTemplate
from houqin.core.routines import occurrence_complete
from houqin.environment import services
from houqin.environment.models import CleaningZone
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


def test_a_zone_needs_a_place_and_someone_responsible(campus, people):
    with pytest.raises(ValidationError) as exc:
        services.zone_save(
            actor=people["head"], campus=campus, data={"name": "操场", "responsible": people["repair"]}
        )
    assert "area_text" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.zone_save(
            actor=people["head"], campus=campus, data={"name": "操场", "area_text": "操场东侧"}
        )
    assert "responsible" in exc.value.message_dict
    assert not CleaningZone.objects.exists()


def test_rooms_and_classes_of_another_campus_are_refused(campus, other_campus, people):
    foreign_room = f.RoomFactory(campus=other_campus)
    with pytest.raises(ValidationError) as exc:
        services.zone_save(actor=people["head"], campus=campus, rooms=[foreign_room],
                           data={"name": "x", "responsible": people["repair"]})  # fmt: skip
    assert "rooms" in exc.value.message_dict
    foreign_class = f.SchoolClassFactory(campus=other_campus)
    with pytest.raises(ValidationError) as exc:
        services.zone_save(actor=people["head"], campus=campus,
                           data={"name": "x", "area_text": "y", "school_class": foreign_class})  # fmt: skip
    assert "school_class" in exc.value.message_dict


def test_generate_routines_daily_and_weekly_with_the_standards(campus, term, zones, people):
    zone = zones["小一班"]
    CampusSettings.objects.create(campus=campus, values={"environment.big_clean_weekday": "3"})
    created = services.zone_generate_routines(actor=people["head"], zone=zone)
    assert len(created) == 2
    zone.refresh_from_db()
    daily, weekly = zone.daily_routine, zone.weekly_routine
    assert daily.category == weekly.category == "environment.cleaning"
    assert daily.name == "小一班活动室·一日一小扫" and weekly.name == "小一班活动室·一周一大扫"
    assert daily.frequency == "daily" and weekly.frequency == "weekdays" and weekly.weekdays == [3]
    assert daily.room == zone.rooms.get() and daily.zone == ""
    assert daily.responsible_user == people["teacher"] and daily.responsible_role == ""
    labels = " ".join(daily.items.values_list("label", flat=True)) + " ".join(
        weekly.items.values_list("label", flat=True)
    )
    for phrase in ("无纸屑", "无痰迹", "无杂物", "窗明几净"):
        assert phrase in labels
    assert RoutineOccurrence.objects.filter(template=daily).exists()  # generated for the coming days
    assert services.zone_generate_routines(actor=people["head"], zone=zone) == []  # idempotent


def test_a_zone_without_a_person_goes_to_the_childcare_workers(campus, term, people):
    school_class = f.SchoolClassFactory(campus=campus, name="大一班")  # no head teacher
    zone = services.zone_save(actor=people["head"], campus=campus,
                              data={"name": "操场东侧", "kind": "outdoor", "area_text": "操场东侧", "school_class": school_class})  # fmt: skip
    services.zone_generate_routines(actor=people["head"], zone=zone)
    zone.refresh_from_db()
    assert (
        zone.daily_routine.responsible_user is None
        and zone.daily_routine.responsible_role == "childcare_worker"
    )
    assert zone.daily_routine.zone == "操场东侧"
    assert "保洁区无杂草" in list(zone.weekly_routine.items.values_list("label", flat=True))


def test_routines_follow_the_zone(campus, term, zones, people):
    zone = zones["楼道"]
    services.zone_generate_routines(actor=people["head"], zone=zone)
    services.zone_save(actor=people["head"], campus=campus, zone=zone,
                       data={"responsible": people["teacher2"], "area_text": "二楼楼道"})  # fmt: skip
    zone.refresh_from_db()
    template = RoutineTemplate.objects.get(pk=zone.daily_routine_id)
    assert template.responsible_user == people["teacher2"] and template.zone == "二楼楼道"
    services.zone_save(actor=people["head"], campus=campus, zone=zone, data={"is_active": False})
    assert not RoutineTemplate.objects.filter(pk__in=zone.routine_ids, is_active=True).exists()
    with pytest.raises(ValidationError):
        services.zone_generate_routines(actor=people["head"], zone=zone)


def test_zone_page_shows_the_completion_rate(campus, term, zones, people):
    zone = zones["小一班"]
    services.zone_generate_routines(actor=people["head"], zone=zone)
    zone.refresh_from_db()
    occ = RoutineOccurrence.objects.filter(template=zone.daily_routine, date=timezone.localdate()).first()
    if occ is None:  # a weekend: record the next one
        occ = RoutineOccurrence.objects.filter(template=zone.daily_routine).order_by("date").first()
        RoutineOccurrence.objects.filter(pk=occ.pk).update(date=timezone.localdate())
        occ.refresh_from_db()
    items = [{"item": i, "passed": True} for i in zone.daily_routine.items.all()]
    occurrence_complete(actor=people["teacher"], occurrence=occ, results=items)
    response = login(people["teacher"]).get(url(campus, "zone_detail", pk=zone.pk))
    assert response.status_code == 200
    rows = dict(response.context["routine_rows"])
    term_stats = list(rows.values())[-1]
    assert term_stats["done"] == 1 and term_stats["rate"] == 100.0
    assert "completion-table" in response.content.decode()


def test_zone_list_filters_and_exports(campus, term, zones, people):
    services.zone_generate_routines(actor=people["head"], zone=zones["小一班"])
    client = login(people["head"])
    response = client.get(url(campus, "zone_list") + "?q=xyb")  # pinyin initials of 小一班
    assert [r["obj"].name for r in response.context["rows"]] == ["小一班活动室"]
    response = client.get(url(campus, "zone_list") + f"?responsible={people['childcare'].pk}")
    assert [r["obj"].name for r in response.context["rows"]] == ["一楼楼道"]
    response = client.get(url(campus, "zone_list") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert len(rows) == 4 and "小一班活动室" in [r[0] for r in rows]


def test_create_a_zone_with_its_routines_through_the_page(campus, term, classes, people):
    client = login(people["head"])
    room = classes["小一班"].room
    response = client.post(url(campus, "zone_create"), {
        "name": "小一班活动室", "kind": "class", "rooms": [room.pk], "school_class": classes["小一班"].pk,
        "sort_order": 1, "is_active": "on", "make_routines": "on",
    })  # fmt: skip
    zone = CleaningZone.objects.get()
    assert response.status_code == 302 and response["Location"] == url(campus, "zone_detail", pk=zone.pk)
    assert zone.daily_routine_id and zone.weekly_routine_id
    # bad input: no place → the form says so, nothing saved
    response = client.post(
        url(campus, "zone_create"), {"name": "空", "kind": "public", "responsible": people["cook"].pk}
    )
    assert response.status_code == 200 and "area_text" in response.context["form"].errors
    assert CleaningZone.objects.count() == 1


def test_permissions_and_isolation(campus, zones, people, outsider_client):
    zone = zones["小一班"]
    teacher = login(people["teacher"])
    assert teacher.get(url(campus, "zone_detail", pk=zone.pk)).status_code == 200
    assert teacher.get(url(campus, "zone_create")).status_code == 403
    assert teacher.post(url(campus, "zone_routines", pk=zone.pk), {"kinds": ["daily"]}).status_code == 403
    assert outsider_client.get(url(campus, "zone_detail", pk=zone.pk)).status_code == 404
    other = f.CampusFactory(code="x2")
    assert (
        login(people["head"])
        .get(reverse("environment:zone_detail", kwargs={"campus": other.code, "pk": zone.pk}))
        .status_code
        == 404
    )
