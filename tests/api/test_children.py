"""Children and guardians: filters, pagination, masking, validation messages, audit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.core.models import AuditEvent, Child, Guardian, Holiday, Term
from houqin.core.roles import Role
from houqin.core.validators import id_check_digit
from tests import factories as f

pytestmark = pytest.mark.django_db

ID17 = "11010520220315123"
VALID_ID = ID17 + id_check_digit(ID17)
BAD_CHECKSUM_ID = ID17 + ("0" if id_check_digit(ID17) != "0" else "1")


def child_payload(school_class=None, **extra):
    data = {"name": "张小明", "sex": "M", "birth_date": "2022-03-15"}
    if school_class is not None:
        data["school_class"] = school_class.pk
    return {**data, **extra}


def test_child_create_with_guardians_and_round_trip(member_api, member, campus):
    cls = f.SchoolClassFactory(campus=campus, name="小一班")
    payload = child_payload(
        cls,
        id_number=VALID_ID.lower(),
        allergies="花生",
        guardians=[
            {"name": "张建国", "relation": "father", "phone": "13900001111", "is_primary": True},
            {"name": "李梅", "relation": "mother", "phone": "0571-88886666"},
        ],
    )
    response = member_api.post("c/main/children", payload)
    assert response.status_code == 201, response.content
    child = response.json()
    assert child["school_class_name"] == "小一班"
    assert child["id_number"] == VALID_ID  # normalised to upper case; principal sees it whole
    assert [g["name"] for g in child["guardians"]] == ["张建国", "李梅"]
    assert child["guardians"][0]["relation_display"] == "Father"

    response = member_api.patch(f"c/main/children/{child['id']}", {"status": "left", "left_on": "2026-07-01"})
    assert response.status_code == 200, response.content
    assert response.json()["status_display"] == "Left"

    events = AuditEvent.objects.filter(actor=member, source="api")
    assert events.filter(action="create", content_type__model="child").count() == 1
    assert events.filter(action="create", content_type__model="guardian").count() == 2
    update = events.get(action="update", content_type__model="child")
    assert update.after == {"status": "left", "left_on": "2026-07-01"}

    assert member_api.delete(f"c/main/children/{child['id']}").status_code == 204
    assert not Child.objects.filter(pk=child["id"]).exists()
    assert events.filter(action="delete").count() == 3  # the child and its two guardians


def test_bad_guardian_phone_is_422_and_creates_nothing(member_api, campus):
    payload = child_payload(guardians=[{"name": "张建国", "relation": "father", "phone": "12345"}])
    response = member_api.post("c/main/children", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == {
        "guardians.0.phone": ["Enter an 11-digit mobile number or a landline number with its area code."]
    }
    assert body["detail"]
    assert not Child.objects.exists()


def test_guardian_sub_resource(member_api, campus):
    child = f.ChildFactory(campus=campus)
    url = f"c/main/children/{child.pk}/guardians"
    response = member_api.post(url, {"name": "王芳", "relation": "mother", "phone": "1380000"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["phone"]
    response = member_api.post(url, {"name": "王芳", "relation": "mother", "phone": "13800001234"})
    assert response.status_code == 201, response.content
    guardian = response.json()
    response = member_api.patch(f"{url}/{guardian['id']}", {"phone": "13800005678", "is_primary": True})
    assert response.status_code == 200 and response.json()["phone"] == "13800005678"
    assert [g["phone"] for g in member_api.get(url).json()] == ["13800005678"]
    assert member_api.get(f"c/main/children/{child.pk}").json()["guardians"][0]["name"] == "王芳"
    # A guardian is only reachable through its own child.
    other_child = f.ChildFactory(campus=campus)
    assert (
        member_api.patch(
            f"c/main/children/{other_child.pk}/guardians/{guardian['id']}", {"name": "x"}
        ).status_code
        == 404
    )
    assert member_api.delete(f"{url}/{guardian['id']}").status_code == 204
    assert not Guardian.objects.filter(pk=guardian["id"]).exists()
    actions = AuditEvent.objects.filter(object_id=str(guardian["id"]), content_type__model="guardian")
    assert sorted(actions.values_list("action", flat=True)) == ["create", "delete", "update"]


def test_id_number_checksum_is_422_with_message(member_api, campus):
    response = member_api.post("c/main/children", child_payload(id_number=BAD_CHECKSUM_ID))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "id_number": ["The ID number's check digit is wrong; please check it."]
    }


def test_validation_messages_follow_the_request_language(api_for, member, campus):
    api = api_for(member, language="zh-hans")
    response = api.post("c/main/children", {"sex": "M", "birth_date": "2022-03-15"})
    assert response.status_code == 422
    assert response.json()["errors"]["name"] == ["这个字段是必填项。"]  # Django's own translation
    response = api.post("c/main/children", child_payload(birth_date="2099-01-01", sex="X"))
    errors = response.json()["errors"]
    assert set(errors) == {"birth_date", "sex"}
    assert "不是有效选项" in errors["sex"][0]


def test_id_numbers_are_masked_without_the_identity_permission(make_member, api_for, member_api, campus):
    child = f.ChildFactory(campus=campus, id_number=VALID_ID)
    teacher_api = api_for(make_member(Role.CLASS_TEACHER))
    masked = VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
    assert teacher_api.get(f"c/main/children/{child.pk}").json()["id_number"] == masked
    assert teacher_api.get("c/main/children").json()["items"][0]["id_number"] == masked
    assert member_api.get(f"c/main/children/{child.pk}").json()["id_number"] == VALID_ID


def test_child_filters_and_pinyin_search(member_api, campus):
    small = f.SchoolClassFactory(campus=campus, name="小一班", grade="junior")
    big = f.SchoolClassFactory(campus=campus, name="大一班", grade="senior")
    f.ChildFactory(campus=campus, school_class=small, name="张小明", sex="M")
    f.ChildFactory(campus=campus, school_class=small, name="李思琪", sex="F", status="left")
    g = f.ChildFactory(campus=campus, school_class=big, name="王子涵", sex="M", student_no="S2026001")
    f.GuardianFactory(child=g, phone="13912345678")
    f.ChildFactory(campus=f.CampusFactory(code="elsewhere"), name="张小明")

    def names(**params):
        return sorted(c["name"] for c in member_api.get("c/main/children", params).json()["items"])

    assert names() == sorted(["张小明", "李思琪", "王子涵"])
    assert names(school_class=small.pk) == sorted(["张小明", "李思琪"])
    assert names(grade="senior") == ["王子涵"]
    assert names(status="left") == ["李思琪"]
    assert names(sex="M") == sorted(["张小明", "王子涵"])
    assert names(q="zxm") == ["张小明"]
    assert names(q="zhangxiao") == ["张小明"]
    assert names(q="思琪") == ["李思琪"]
    assert names(q="S2026") == ["王子涵"]
    assert names(q="1391234") == ["王子涵"]


def test_pagination_bounds(member_api, campus):
    cls = f.SchoolClassFactory(campus=campus)
    f.ChildFactory.create_batch(7, campus=campus, school_class=cls)
    page = member_api.get("c/main/children", {"limit": 3, "offset": 5}).json()
    assert page["count"] == 7 and len(page["items"]) == 2
    assert len(member_api.get("c/main/children").json()["items"]) == 7
    response = member_api.get("c/main/children", {"limit": 0})
    assert response.status_code == 422 and "limit" in response.json()["errors"]
    response = member_api.get("c/main/children", {"offset": -1})
    assert response.status_code == 422 and "offset" in response.json()["errors"]
    response = member_api.get("c/main/children", {"limit": "many"})
    assert response.status_code == 422 and response.json()["errors"]["limit"] == ["Enter a whole number."]


def test_limit_is_capped(member_api, campus):
    cls = f.SchoolClassFactory(campus=campus)
    Child.objects.bulk_create(
        [
            Child(campus=campus, school_class=cls, name=f"孩子{i}", sex="F", birth_date="2022-01-01")
            for i in range(205)
        ]
    )
    page = member_api.get("c/main/children", {"limit": 10000}).json()
    assert page["count"] == 205 and len(page["items"]) == 200


def _children_list_queries(member_api):
    member_api.get("me")  # the token's first use of the day writes last_used_at
    with CaptureQueriesContext(connection) as ctx:
        response = member_api.get("c/main/children")
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["items"])


def test_children_list_query_count_is_bounded(member_api, campus):
    cls = f.SchoolClassFactory(campus=campus)
    for _ in range(3):
        f.GuardianFactory(child=f.ChildFactory(campus=campus, school_class=cls))
    few, n = _children_list_queries(member_api)
    assert n == 3
    for _ in range(30):
        child = f.ChildFactory(campus=campus, school_class=f.SchoolClassFactory(campus=campus))
        f.GuardianFactory(child=child)
        f.GuardianFactory(child=child, is_primary=False)
    many, n = _children_list_queries(member_api)
    assert n == 33
    assert many == few


def _term_with_holiday(campus):
    import datetime as dt

    year = 2000 + Term.objects.count()
    sy = f.SchoolYearFactory(campus=campus, start_date=dt.date(year, 8, 1), end_date=dt.date(year + 1, 7, 31))
    term = f.TermFactory(
        campus=campus, school_year=sy, start_date=dt.date(year, 9, 1), end_date=dt.date(year + 1, 1, 20)
    )
    Holiday.objects.create(
        campus=campus,
        term=term,
        name="国庆节",
        start_date=dt.date(year, 10, 1),
        end_date=dt.date(year, 10, 7),
    )


@pytest.mark.parametrize(
    ("path", "make"),
    [
        (
            "c/main/classes",
            lambda campus: f.SchoolClassFactory(campus=campus, room=f.RoomFactory(campus=campus)),
        ),
        ("c/main/rooms", lambda campus: f.RoomFactory(campus=campus)),
        ("c/main/terms", lambda campus: _term_with_holiday(campus)),
        ("c/main/buildings", lambda campus: f.BuildingFactory(campus=campus)),
    ],
)
def test_other_lists_query_count_is_bounded(member_api, campus, path, make):
    make(campus)
    member_api.get(path)
    with CaptureQueriesContext(connection) as ctx:
        member_api.get(path)
    few = len(ctx.captured_queries)
    for _ in range(10):
        make(campus)
    with CaptureQueriesContext(connection) as ctx:
        assert member_api.get(path).status_code == 200
    assert len(ctx.captured_queries) == few
