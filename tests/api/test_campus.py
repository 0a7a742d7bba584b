"""Campus, buildings, rooms, school years, terms, holidays and classes through the API."""

import datetime as dt

import pytest

from houqin.core.models import AuditEvent, Building, Room
from tests import factories as f

pytestmark = pytest.mark.django_db


def audit_actions(obj_id, model):
    return list(
        AuditEvent.objects.filter(object_id=str(obj_id), content_type__model=model)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_campus_detail(member_api, campus):
    data = member_api.get("c/main/").json()
    assert data["code"] == "main"
    assert data["name"] == "示范幼儿园总园"
    assert data["organization"]["code"] == "demo-group"
    assert data["kind_display"]


def test_building_crud_round_trip(member_api, member, campus):
    response = member_api.post("c/main/buildings", {"name": "教学楼", "floors": 3})
    assert response.status_code == 201, response.content
    building = response.json()
    assert building["name"] == "教学楼" and building["room_count"] == 0

    response = member_api.patch(f"c/main/buildings/{building['id']}", {"floors": 4})
    assert response.status_code == 200
    assert response.json()["floors"] == 4 and response.json()["name"] == "教学楼"
    assert member_api.get(f"c/main/buildings/{building['id']}").json()["floors"] == 4
    assert member_api.get("c/main/buildings").json()["count"] == 1

    assert member_api.delete(f"c/main/buildings/{building['id']}").status_code == 204
    assert member_api.get(f"c/main/buildings/{building['id']}").status_code == 404
    assert audit_actions(building["id"], "building") == ["create", "update", "delete"]
    event = AuditEvent.objects.get(object_id=str(building["id"]), action="update")
    assert event.actor == member and event.campus == campus and event.source == "api"
    assert event.before == {"floors": 3} and event.after == {"floors": 4}


def test_building_duplicate_name_is_422(member_api, campus):
    f.BuildingFactory(campus=campus, name="教学楼")
    response = member_api.post("c/main/buildings", {"name": "教学楼"})
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"]


def test_building_in_use_cannot_be_deleted(member_api, campus):
    room = f.RoomFactory(campus=campus)
    response = member_api.delete(f"c/main/buildings/{room.building_id}")
    assert response.status_code == 422
    assert "cannot be deleted" in response.json()["errors"]["__all__"][0]
    assert "cannot be deleted" in response.json()["detail"]
    assert Building.objects.filter(pk=room.building_id).exists()


def test_room_crud_with_qr_url(member_api, campus, member):
    building = f.BuildingFactory(campus=campus, floors=2)
    payload = {
        "building": building.pk,
        "name": "大一班活动室",
        "code": "A101",
        "kind": "classroom",
        "keeper": member.pk,
    }
    response = member_api.post("c/main/rooms", payload)
    assert response.status_code == 201, response.content
    room = response.json()
    assert room["building"] == building.pk and room["building_name"] == building.name
    assert room["keeper_name"] == member.display_name
    assert room["qr_url"].startswith("http://testserver/") and room["qr_token"] in room["qr_url"]

    response = member_api.patch(f"c/main/rooms/{room['id']}", {"floor": 5})
    assert response.status_code == 422
    assert response.json()["errors"]["floor"] == ["The building has only 2 floors."]

    assert (
        member_api.patch(f"c/main/rooms/{room['id']}", {"floor": 2, "area": "36.50"}).json()["area"]
        == "36.50"
    )
    svg = member_api.get(f"c/main/rooms/{room['id']}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert member_api.delete(f"c/main/rooms/{room['id']}").status_code == 204
    assert audit_actions(room["id"], "room") == ["create", "update", "delete"]


def test_room_refuses_building_and_keeper_of_another_campus(member_api, campus, other_campus, outsider):
    foreign = f.BuildingFactory(campus=other_campus)
    response = member_api.post("c/main/rooms", {"building": foreign.pk, "name": "x", "code": "X1"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["building"]
    mine = f.BuildingFactory(campus=campus)
    response = member_api.post(
        "c/main/rooms", {"building": mine.pk, "name": "x", "code": "X1", "keeper": outsider.pk}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["keeper"]
    assert not Room.objects.filter(code="X1").exists()


def test_room_filters(member_api, campus):
    building = f.BuildingFactory(campus=campus, floors=3)
    f.RoomFactory(campus=campus, building=building, name="保健室", code="H1", kind="health", floor=1)
    f.RoomFactory(campus=campus, building=building, name="厨房", code="K1", kind="kitchen", floor=1)
    f.RoomFactory(campus=campus, building=building, name="图书室", code="L2", kind="functional", floor=2)
    f.RoomFactory(campus=f.CampusFactory(code="elsewhere"), name="保健室", code="H1")

    def names(**params):
        return {r["name"] for r in member_api.get("c/main/rooms", params).json()["items"]}

    assert names() == {"保健室", "厨房", "图书室"}
    assert names(kind="kitchen") == {"厨房"}
    assert names(floor=2) == {"图书室"}
    assert names(q="bjs") == {"保健室"}
    assert names(q="chufang") == {"厨房"}
    assert names(building=building.pk + 1000) == set()


def test_school_year_term_holiday_school_days(member_api, campus):
    response = member_api.post(
        "c/main/school-years", {"name": "2026—2027学年", "start_date": "2026-08-01", "end_date": "2027-07-31"}
    )
    assert response.status_code == 201, response.content
    year = response.json()
    response = member_api.post(
        "c/main/terms",
        {
            "school_year": year["id"],
            "name": "2026秋季学期",
            "start_date": "2026-09-01",
            "end_date": "2027-01-22",
        },
    )
    assert response.status_code == 201, response.content
    term = response.json()
    assert term["school_year_name"] == "2026—2027学年" and term["holidays"] == []

    # National Day week off, Sunday 2026-09-27 a make-up school day.
    response = member_api.post(
        f"c/main/terms/{term['id']}/holidays",
        {"name": "国庆节", "start_date": "2026-10-01", "end_date": "2026-10-07"},
    )
    assert response.status_code == 201, response.content
    holiday = response.json()
    assert (
        member_api.post(
            f"c/main/terms/{term['id']}/holidays",
            {"name": "国庆调休", "kind": "makeup", "start_date": "2026-09-27", "end_date": "2026-09-27"},
        ).status_code
        == 201
    )

    days = member_api.get(
        f"c/main/terms/{term['id']}/school-days", {"start": "2026-09-21", "end": "2026-10-09"}
    ).json()
    assert days["start"] == "2026-09-21" and days["end"] == "2026-10-09"
    assert "2026-09-27" in days["days"]
    assert not any("2026-10-01" <= d <= "2026-10-07" for d in days["days"])
    assert "2026-10-08" in days["days"] and "2026-09-26" not in days["days"]
    assert days["count"] == len(days["days"]) == 5 + 1 + 3 + 2  # week, makeup sunday, 28–30 Sep, 8–9 Oct

    detail = member_api.get(f"c/main/terms/{term['id']}").json()
    assert [h["name"] for h in detail["holidays"]] == ["国庆调休", "国庆节"]

    # A holiday outside the term is refused; a bad edit too.
    response = member_api.post(
        f"c/main/terms/{term['id']}/holidays",
        {"name": "寒假", "start_date": "2027-01-25", "end_date": "2027-02-20"},
    )
    assert response.status_code == 422 and "start_date" in response.json()["errors"]
    response = member_api.patch(
        f"c/main/terms/{term['id']}/holidays/{holiday['id']}", {"end_date": "2026-09-01"}
    )
    assert response.status_code == 422 and "end_date" in response.json()["errors"]
    assert member_api.delete(f"c/main/terms/{term['id']}/holidays/{holiday['id']}").status_code == 204

    # An overlapping term is refused.
    response = member_api.post(
        "c/main/terms",
        {"school_year": year["id"], "name": "重叠", "start_date": "2026-12-01", "end_date": "2027-02-01"},
    )
    assert response.status_code == 422 and "start_date" in response.json()["errors"]
    assert audit_actions(term["id"], "term") == ["create"]
    assert member_api.get("c/main/terms", {"school_year": year["id"]}).json()["count"] == 1


def test_term_date_parsing_errors_are_per_field(member_api, campus):
    year = f.SchoolYearFactory(campus=campus)
    response = member_api.post(
        "c/main/terms",
        {"school_year": year.pk, "name": "x", "start_date": "not a date", "end_date": "2027-01-10"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"start_date": ["Enter a valid date."]}


def test_class_crud(member_api, campus, make_member):
    teacher = make_member(role="class_teacher", real_name="王老师")
    room = f.RoomFactory(campus=campus)
    response = member_api.post(
        "c/main/classes", {"name": "小一班", "grade": "junior", "head_teacher": teacher.pk, "room": room.pk}
    )
    assert response.status_code == 201, response.content
    cls = response.json()
    assert (
        cls["head_teacher_name"] == "王老师" and cls["room_name"] == str(room) and cls["children_count"] == 0
    )
    f.ChildFactory(campus=campus, school_class_id=cls["id"])
    f.ChildFactory(campus=campus, school_class_id=cls["id"], status="left")
    assert member_api.get(f"c/main/classes/{cls['id']}").json()["children_count"] == 1
    assert member_api.get("c/main/classes", {"q": "xiaoyi"}).json()["count"] == 1
    assert member_api.get("c/main/classes", {"grade": "senior"}).json()["count"] == 0

    response = member_api.patch(f"c/main/classes/{cls['id']}", {"grade": "kindergarten"})
    assert response.status_code == 422 and "grade" in response.json()["errors"]
    response = member_api.patch(f"c/main/classes/{cls['id']}", {"capacity": 200})
    assert response.status_code == 422 and "capacity" in response.json()["errors"]
    # The class has children: it cannot be deleted.
    assert member_api.delete(f"c/main/classes/{cls['id']}").status_code == 422
    assert audit_actions(cls["id"], "schoolclass") == ["create"]


def test_objects_of_another_campus_are_404(member_api, campus, other_campus):
    building = f.BuildingFactory(campus=other_campus)
    child = f.ChildFactory(campus=other_campus)
    term = f.TermFactory(campus=other_campus)
    assert member_api.get(f"c/main/buildings/{building.pk}").status_code == 404
    assert member_api.patch(f"c/main/buildings/{building.pk}", {"name": "x"}).status_code == 404
    assert member_api.delete(f"c/main/buildings/{building.pk}").status_code == 404
    assert member_api.get(f"c/main/children/{child.pk}").status_code == 404
    assert member_api.get(f"c/main/terms/{term.pk}/school-days").status_code == 404
    assert member_api.get(f"c/main/classes/{child.school_class_id}").status_code == 404


def test_school_days_of_term_factory(member_api, campus):
    term = f.TermFactory(campus=campus, start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 30))
    data = member_api.get(f"c/main/terms/{term.pk}/school-days").json()
    assert data["count"] == 22 and data["days"][0] == "2026-09-01"
