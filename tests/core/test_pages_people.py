"""Classes (detail, roster) and children (list, detail, form with guardians, masked IDs)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.core.models import AuditEvent, Child, Guardian, SchoolClass
from houqin.core.roles import Role
from houqin.core.validators import id_check_digit
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def id_number(birth="20220315", seq="001"):
    first17 = "110101" + birth + seq
    return first17 + id_check_digit(first17)


@pytest.fixture
def school_class(campus, member):
    room = f.RoomFactory(campus=campus, code="A101", name="小一班活动室")
    return f.SchoolClassFactory(campus=campus, name="小一班", grade=SchoolClass.Grade.JUNIOR, head_teacher=member, room=room)


@pytest.fixture
def child(campus, school_class):
    child = f.ChildFactory(
        campus=campus,
        school_class=school_class,
        name="张小明",
        sex="M",
        birth_date=dt.date(2022, 3, 15),
        id_number=id_number(),
        student_no="2025001",
        allergies="花生",
    )
    f.GuardianFactory(child=child, name="张建国", relation="father", phone="13912345678", is_primary=True)
    f.GuardianFactory(child=child, name="李梅", relation="mother", phone="13887654321", is_primary=False)
    return child


def guardian_post(prefix="guardians", rows=(), initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "6",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


# --- classes -----------------------------------------------------------------------------


def test_class_create_update_audited(member_client, campus, member):
    room = f.RoomFactory(campus=campus)
    data = {"name": "中二班", "grade": "middle", "head_teacher": member.pk, "room": room.pk, "capacity": 30, "sort_order": 2, "is_active": "on"}
    response = member_client.post(url("core:class_create", campus), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    cls = SchoolClass.objects.get(campus=campus, name="中二班")
    assert cls.head_teacher == member and cls.room == room
    assert AuditEvent.objects.filter(action="create", object_id=str(cls.pk), content_type__model="schoolclass").exists()
    data["capacity"] = 28
    assert member_client.post(url("core:class_update", campus, pk=cls.pk), data).status_code == 302
    event = AuditEvent.objects.get(action="update", object_id=str(cls.pk), content_type__model="schoolclass")
    assert event.before == {"capacity": 30} and event.after == {"capacity": 28}


def test_class_head_teacher_limited_to_campus_members(member_client, campus, other_campus):
    stranger = f.UserFactory(username="stranger", real_name="外人老师")
    f.MembershipFactory(user=stranger, campus=other_campus, role=Role.CLASS_TEACHER)
    assert "外人老师" not in member_client.get(url("core:class_create", campus)).content.decode()
    data = {"name": "大一班", "grade": "senior", "head_teacher": stranger.pk, "capacity": 30, "sort_order": 0}
    assert member_client.post(url("core:class_create", campus), data).status_code == 200
    assert not SchoolClass.objects.filter(name="大一班").exists()


def test_class_detail_lists_children_and_roster_prints(member_client, campus, school_class, child):
    f.ChildFactory(campus=campus, school_class=school_class, name="离园的", status=Child.Status.LEFT)
    body = member_client.get(url("core:class_detail", campus, pk=school_class.pk)).content.decode()
    assert 'data-testid="class-children"' in body
    assert "张小明" in body and "离园的" not in body
    roster = member_client.get(url("core:class_roster", campus, pk=school_class.pk))
    assert roster.status_code == 200
    text = roster.content.decode()
    assert 'data-testid="roster"' in text
    assert "张小明" in text and "13912345678" in text and "张建国" in text and "花生" in text
    assert "print.css" in text


def test_class_pages_permissions(other_role_client, outsider_client, campus, school_class, child):
    # The cook may see classes but not children.
    body = other_role_client.get(url("core:class_detail", campus, pk=school_class.pk))
    assert body.status_code == 200
    assert "张小明" not in body.content.decode()
    assert other_role_client.get(url("core:class_list", campus)).status_code == 200
    assert other_role_client.get(url("core:class_roster", campus, pk=school_class.pk)).status_code == 403
    assert other_role_client.get(url("core:class_create", campus)).status_code == 403
    assert other_role_client.post(url("core:class_update", campus, pk=school_class.pk), {}).status_code == 403
    assert other_role_client.post(url("core:class_delete", campus, pk=school_class.pk)).status_code == 403
    for name, kwargs in (
        ("core:class_list", {}),
        ("core:class_detail", {"pk": school_class.pk}),
        ("core:class_roster", {"pk": school_class.pk}),
    ):
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404


def test_class_list_filters_and_search(member_client, campus, school_class):
    f.SchoolClassFactory(campus=campus, name="大二班", grade="senior")
    f.SchoolClassFactory(campus=campus, name="停用班", grade="senior", is_active=False)
    body = member_client.get(url("core:class_list", campus), {"grade": "senior", "active": "1"}).content.decode()
    assert "大二班" in body and "小一班" not in body and "停用班" not in body
    body = member_client.get(url("core:class_list", campus), {"q": "xyb"}).content.decode()
    assert "小一班" in body and "大二班" not in body


# --- children ----------------------------------------------------------------------------


def test_child_list_columns_filters_and_search(member_client, campus, school_class, child):
    other = f.SchoolClassFactory(campus=campus, name="大一班", grade="senior")
    f.ChildFactory(campus=campus, school_class=other, name="王子涵", sex="F")
    f.ChildFactory(campus=campus, school_class=other, name="刘离园", status=Child.Status.LEFT)
    list_url = url("core:child_list", campus)

    body = member_client.get(list_url).content.decode()
    assert "张小明" in body and "王子涵" in body
    assert "刘离园" not in body  # enrolled children by default
    assert "13912345678" in body  # primary guardian phone
    assert "小一班" in body
    assert "花生" in body

    def names(**params):
        text = member_client.get(list_url, params).content.decode()
        return {n for n in ("张小明", "王子涵", "刘离园") if n in text}

    assert names(status="") == {"张小明", "王子涵", "刘离园"}
    assert names(school_class=school_class.pk) == {"张小明"}
    assert names(grade="senior") == {"王子涵"}
    assert names(sex="F") == {"王子涵"}
    assert names(allergies="1") == {"张小明"}
    assert names(allergies="0") == {"王子涵"}
    assert names(q="zxm") == {"张小明"}
    assert names(q="wangzi") == {"王子涵"}
    assert names(q="2025001") == {"张小明"}


def test_child_detail_masks_id_without_identity_permission(make_member, campus, child, client):
    from tests.conftest import login

    principal = login(make_member(Role.PRINCIPAL, username="p1"))
    body = principal.get(url("core:child_detail", campus, pk=child.pk)).content.decode()
    assert child.id_number in body
    assert 'data-testid="guardians"' in body and "李梅" in body

    guard = login(make_member(Role.GUARD, username="g1"))  # may see children, not their identity
    response = guard.get(url("core:child_detail", campus, pk=child.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert child.id_number not in text
    assert child.masked_id_number in text


def test_history_tab_masks_id_too(member_client, make_member, campus, school_class):
    from tests.conftest import login

    data = {
        "name": "赵一一", "sex": "F", "birth_date": "2022-03-15", "school_class": school_class.pk,
        "id_number": id_number(seq="022"), "status": "enrolled",
        **guardian_post(rows=[{"name": "赵大", "relation": "father", "phone": "13700001111", "is_primary": "on"}]),
    }
    assert member_client.post(url("core:child_create", campus), data).status_code == 302
    child = Child.objects.get(name="赵一一")
    guard = login(make_member(Role.GUARD, username="g2"))
    text = guard.get(url("core:child_detail", campus, pk=child.pk)).content.decode()
    assert child.id_number not in text


def test_child_export_masks_id_without_permission(make_member, campus, child):
    import io

    from openpyxl import load_workbook

    from tests.conftest import login

    guard = login(make_member(Role.GUARD, username="g3"))
    response = guard.get(url("core:child_list", campus), {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    values = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]
    assert child.id_number not in values
    assert child.masked_id_number in values
    assert "13912345678" in values


def test_child_create_with_guardians_atomic_and_audited(member_client, campus, school_class, member):
    data = {
        "name": "陈浩然",
        "sex": "M",
        "birth_date": "2022-03-15",
        "school_class": school_class.pk,
        "student_no": "2025009",
        "id_number": id_number(seq="019").lower(),
        "status": "enrolled",
        "allergies": "",
        **guardian_post(
            rows=[
                {"name": "陈父", "relation": "father", "phone": "139 1111 2222"},
                {"name": "陈母", "relation": "mother", "phone": "13933334444"},
            ]
        ),
    }
    page = member_client.get(url("core:child_create", campus))
    assert page.status_code == 200 and 'data-testid="guardian-formset"' in page.content.decode()
    response = member_client.post(url("core:child_create", campus), data)
    assert response.status_code == 302, response.content.decode()[:4000]
    child = Child.objects.get(campus=campus, name="陈浩然")
    assert child.id_number == id_number(seq="019")
    guardians = list(child.guardians.order_by("id"))
    assert [g.name for g in guardians] == ["陈父", "陈母"]
    assert guardians[0].is_primary and not guardians[1].is_primary  # first becomes primary
    assert guardians[0].phone == "13911112222" and guardians[0].campus == campus
    assert AuditEvent.objects.filter(action="create", object_id=str(child.pk), content_type__model="child").exists()
    assert AuditEvent.objects.filter(action="create", content_type__model="guardian", actor=member).count() == 2


def test_child_create_bad_guardian_phone_saves_nothing(member_client, campus, school_class):
    data = {
        "name": "错误电话", "sex": "F", "birth_date": "2022-01-01", "school_class": school_class.pk, "status": "enrolled",
        **guardian_post(rows=[{"name": "某人", "relation": "mother", "phone": "12345"}]),
    }
    response = member_client.post(url("core:child_create", campus), data)
    assert response.status_code == 200
    assert not Child.objects.filter(name="错误电话").exists()
    assert not Guardian.objects.filter(name="某人").exists()


def test_child_create_needs_a_guardian(member_client, campus, school_class):
    data = {
        "name": "无监护人", "sex": "F", "birth_date": "2022-01-01", "school_class": school_class.pk, "status": "enrolled",
        **guardian_post(rows=[{"name": "", "relation": "", "phone": ""}]),
    }
    assert member_client.post(url("core:child_create", campus), data).status_code == 200
    assert not Child.objects.filter(name="无监护人").exists()


def test_child_id_checksum_and_birth_date_checked(member_client, campus, school_class):
    good = id_number(seq="031")
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    base = {
        "name": "校验", "sex": "M", "birth_date": "2022-03-15", "school_class": school_class.pk, "status": "enrolled",
        **guardian_post(rows=[{"name": "某人", "relation": "mother", "phone": "13900000000"}]),
    }
    assert member_client.post(url("core:child_create", campus), {**base, "id_number": bad_checksum}).status_code == 200
    other_birth = id_number(birth="20210101", seq="031")
    assert member_client.post(url("core:child_create", campus), {**base, "id_number": other_birth}).status_code == 200
    assert not Child.objects.filter(name="校验").exists()


def test_child_update_edits_adds_and_removes_guardians(member_client, campus, child, member):
    father, mother = child.guardians.order_by("id")
    data = {
        "name": "张小明", "sex": "M", "birth_date": "2022-03-15", "school_class": child.school_class_id,
        "student_no": "2025001", "id_number": child.id_number, "status": "enrolled", "allergies": "花生、芒果",
        **guardian_post(
            initial=2,
            rows=[
                {"id": father.pk, "name": "张建国", "relation": "father", "phone": "13900009999", "is_primary": "on"},
                {"id": mother.pk, "name": "李梅", "relation": "mother", "phone": "13887654321", "DELETE": "on"},
                {"name": "张爷爷", "relation": "grandfather", "phone": "13811112222"},
            ],
        ),
    }
    response = member_client.post(url("core:child_update", campus, pk=child.pk), data)
    assert response.status_code == 302, response.content.decode()[:4000]
    child.refresh_from_db()
    assert child.allergies == "花生、芒果"
    assert sorted(g.name for g in child.guardians.all()) == ["张建国", "张爷爷"]
    father.refresh_from_db()
    assert father.phone == "13900009999"
    assert AuditEvent.objects.get(action="update", content_type__model="guardian", object_id=str(father.pk)).after == {"phone": "13900009999"}
    assert AuditEvent.objects.filter(action="delete", content_type__model="guardian", object_id=str(mother.pk)).exists()
    assert AuditEvent.objects.get(action="update", content_type__model="child", object_id=str(child.pk)).after == {"allergies": "花生、芒果"}


def test_two_primary_guardians_refused(member_client, campus, child):
    father, mother = child.guardians.order_by("id")
    data = {
        "name": "张小明", "sex": "M", "birth_date": "2022-03-15", "school_class": child.school_class_id,
        "status": "enrolled", "id_number": child.id_number,
        **guardian_post(
            initial=2,
            rows=[
                {"id": father.pk, "name": "张建国", "relation": "father", "phone": "13912345678", "is_primary": "on"},
                {"id": mother.pk, "name": "李梅", "relation": "mother", "phone": "13887654321", "is_primary": "on"},
            ],
        ),
    }
    assert member_client.post(url("core:child_update", campus, pk=child.pk), data).status_code == 200
    mother.refresh_from_db()
    assert not mother.is_primary


def test_duplicate_student_number_refused(member_client, campus, child):
    data = {
        "name": "重号", "sex": "M", "birth_date": "2022-03-15", "school_class": child.school_class_id,
        "student_no": child.student_no, "status": "enrolled",
        **guardian_post(rows=[{"name": "某人", "relation": "mother", "phone": "13900000000"}]),
    }
    assert member_client.post(url("core:child_create", campus), data).status_code == 200
    assert not Child.objects.filter(name="重号").exists()


def test_child_delete_removes_guardians_audited(member_client, campus, child):
    guardian_ids = list(child.guardians.values_list("pk", flat=True))
    response = member_client.post(url("core:child_delete", campus, pk=child.pk))
    assert response.status_code == 302
    assert not Child.objects.filter(pk=child.pk).exists()
    assert AuditEvent.objects.filter(action="delete", content_type__model="guardian").count() == len(guardian_ids)


def test_children_permissions(other_role_client, outsider_client, make_member, campus, child):
    from tests.conftest import login

    for name, kwargs in (
        ("core:child_list", {}),
        ("core:child_detail", {"pk": child.pk}),
        ("core:child_create", {}),
        ("core:child_update", {"pk": child.pk}),
        ("core:child_import", {}),
        ("core:child_import_template", {}),
    ):
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 403, name
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404, name
    assert other_role_client.post(url("core:child_delete", campus, pk=child.pk)).status_code == 403
    # A guard reads children but may not change them.
    guard = login(make_member(Role.GUARD, username="g4"))
    assert guard.get(url("core:child_list", campus)).status_code == 200
    assert guard.get(url("core:child_create", campus)).status_code == 403
    assert guard.post(url("core:child_update", campus, pk=child.pk), {}).status_code == 403


def test_child_of_other_campus_is_404(member_client, campus, other_campus):
    foreign = f.ChildFactory(campus=other_campus)
    assert member_client.get(url("core:child_detail", campus, pk=foreign.pk)).status_code == 404
    assert member_client.get(url("core:child_update", campus, pk=foreign.pk)).status_code == 404


def test_child_form_offers_only_this_campus_classes(member_client, campus, school_class, other_campus):
    foreign = f.SchoolClassFactory(campus=other_campus, name="别园大班")
    body = member_client.get(url("core:child_create", campus)).content.decode()
    assert "小一班" in body and "别园大班" not in body
    data = {
        "name": "越界", "sex": "M", "birth_date": "2022-03-15", "school_class": foreign.pk, "status": "enrolled",
        **guardian_post(rows=[{"name": "某人", "relation": "mother", "phone": "13900000000"}]),
    }
    assert member_client.post(url("core:child_create", campus), data).status_code == 200
    assert not Child.objects.filter(name="越界").exists()


@pytest.mark.parametrize("name", ["core:child_list", "core:class_list"])
def test_people_lists_have_bounded_queries(member_client, campus, name, django_assert_max_num_queries):
    classes = [f.SchoolClassFactory(campus=campus, head_teacher=f.UserFactory(), room=f.RoomFactory(campus=campus)) for _ in range(3)]
    counts = []
    made = 0
    for total in (10, 200):
        for i in range(made, total):
            if name == "core:class_list":
                cls = f.SchoolClassFactory(campus=campus, head_teacher=f.UserFactory(), room=f.RoomFactory(campus=campus))
                f.ChildFactory(campus=campus, school_class=cls)
            else:
                child = f.ChildFactory(campus=campus, school_class=classes[i % 3])
                f.GuardianFactory(child=child)
        made = total
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(20):
            assert member_client.get(url(name, campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_roster_queries_bounded(member_client, campus, school_class, django_assert_max_num_queries):
    for _ in range(40):
        f.GuardianFactory(child=f.ChildFactory(campus=campus, school_class=school_class))
    with django_assert_max_num_queries(15):
        assert member_client.get(url("core:class_roster", campus, pk=school_class.pk)).status_code == 200
