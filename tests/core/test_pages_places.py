"""Campus information, buildings and rooms (QR codes, label sheet)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.core.models import AuditEvent, Building, Campus, Room
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def building(campus):
    return f.BuildingFactory(campus=campus, name="教学楼", floors=3)


@pytest.fixture
def room(campus, building):
    return f.RoomFactory(campus=campus, building=building, name="小一班活动室", code="A101", floor=1)


def events(action, obj):
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk), content_type__model=obj._meta.model_name)


# --- campus information --------------------------------------------------------------------


def test_campus_detail_member_sees_counts(member_client, campus, room):
    response = member_client.get(url("core:campus_detail", campus))
    assert response.status_code == 200
    body = response.content.decode()
    assert campus.name in body
    assert 'data-testid="campus-counts"' in body
    assert campus.organization.name in body


def test_campus_detail_other_role_reads_but_cannot_edit(other_role_client, campus):
    assert other_role_client.get(url("core:campus_detail", campus)).status_code == 200
    assert other_role_client.get(url("core:campus_update", campus)).status_code == 403
    assert other_role_client.post(url("core:campus_update", campus), {"name": "x"}).status_code == 403


def test_campus_pages_404_for_outsider(outsider_client, campus):
    assert outsider_client.get(url("core:campus_detail", campus)).status_code == 404
    assert outsider_client.get(url("core:campus_update", campus)).status_code == 404


def test_campus_update_is_audited_under_the_campus(member_client, campus):
    data = {
        "name": "示范幼儿园总园（新）",
        "short_name": "总园",
        "kind": Campus.Kind.KINDERGARTEN,
        "age_min": 3,
        "age_max": 6,
        "address": "光明路1号",
        "phone": "010-12345678",
        "disclosure_enabled": "on",
    }
    response = member_client.post(url("core:campus_update", campus), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campus.refresh_from_db()
    assert campus.name == "示范幼儿园总园（新）"
    event = events("update", campus).get()
    assert event.campus_id == campus.pk
    assert event.after["name"] == "示范幼儿园总园（新）"
    assert event.before["name"] == "示范幼儿园总园"


def test_campus_update_rejects_bad_age_range(member_client, campus):
    data = {"name": campus.name, "kind": "kindergarten", "age_min": 6, "age_max": 3}
    response = member_client.post(url("core:campus_update", campus), data)
    assert response.status_code == 200
    campus.refresh_from_db()
    assert campus.age_min == 3


# --- buildings -------------------------------------------------------------------------------


def test_building_crud(member_client, campus):
    response = member_client.get(url("core:building_create", campus))
    assert response.status_code == 200
    response = member_client.post(url("core:building_create", campus), {"name": "综合楼", "code": "B", "floors": 4})
    assert response.status_code == 302
    building = Building.objects.get(campus=campus, name="综合楼")
    assert events("create", building).exists()

    response = member_client.post(
        url("core:building_update", campus, pk=building.pk), {"name": "综合楼", "code": "B", "floors": 5}
    )
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.floors == 5
    event = events("update", building).get()
    assert event.before == {"floors": 4} and event.after == {"floors": 5}

    assert member_client.get(url("core:building_list", campus)).status_code == 200
    detail = member_client.get(url("core:building_detail", campus, pk=building.pk))
    assert detail.status_code == 200
    assert 'data-testid="building-rooms"' in detail.content.decode()


def test_building_duplicate_name_refused(member_client, campus, building):
    response = member_client.post(url("core:building_create", campus), {"name": building.name, "floors": 2})
    assert response.status_code == 200
    assert Building.objects.filter(campus=campus, name=building.name).count() == 1


def test_building_with_rooms_cannot_be_deleted(member_client, campus, room):
    response = member_client.post(url("core:building_delete", campus, pk=room.building_id))
    assert response.status_code == 302
    assert Building.objects.filter(pk=room.building_id).exists()


def test_building_permissions(other_role_client, outsider_client, campus, building):
    assert other_role_client.get(url("core:building_list", campus)).status_code == 200
    assert other_role_client.get(url("core:building_detail", campus, pk=building.pk)).status_code == 200
    assert other_role_client.get(url("core:building_create", campus)).status_code == 403
    assert other_role_client.post(url("core:building_create", campus), {"name": "x", "floors": 1}).status_code == 403
    assert other_role_client.post(url("core:building_delete", campus, pk=building.pk)).status_code == 403
    assert outsider_client.get(url("core:building_list", campus)).status_code == 404
    assert outsider_client.get(url("core:building_detail", campus, pk=building.pk)).status_code == 404


# --- rooms -----------------------------------------------------------------------------------


def test_room_create_and_edit_are_audited(member_client, campus, building, member):
    data = {"building": building.pk, "code": "B201", "name": "美工室", "floor": 2, "kind": "functional", "is_active": "on"}
    response = member_client.post(url("core:room_create", campus), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    room = Room.objects.get(campus=campus, code="B201")
    assert room.campus_id == campus.pk
    assert events("create", room).get().actor == member

    data.update(name="美工活动室", keeper=member.pk)
    response = member_client.post(url("core:room_update", campus, pk=room.pk), data)
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.name == "美工活动室" and room.keeper == member
    assert events("update", room).get().after["name"] == "美工活动室"


def test_room_form_refuses_floor_above_building(member_client, campus, building):
    data = {"building": building.pk, "code": "C901", "name": "顶楼", "floor": 9, "kind": "other", "is_active": "on"}
    response = member_client.post(url("core:room_create", campus), data)
    assert response.status_code == 200
    assert not Room.objects.filter(code="C901").exists()


def test_room_form_offers_only_this_campus(member_client, campus, building, other_campus):
    foreign = f.BuildingFactory(campus=other_campus, name="别人的楼")
    f.MembershipFactory(user=f.UserFactory(username="foreign-keeper", real_name="外园老师"), campus=other_campus)
    body = member_client.get(url("core:room_create", campus)).content.decode()
    assert building.name in body
    assert foreign.name not in body
    assert "外园老师" not in body
    # Posting another campus's building is refused.
    data = {"building": foreign.pk, "code": "X1", "name": "x", "floor": 1, "kind": "other"}
    assert member_client.post(url("core:room_create", campus), data).status_code == 200
    assert not Room.objects.filter(code="X1").exists()


def test_room_duplicate_code_refused(member_client, campus, room):
    data = {"building": room.building_id, "code": room.code, "name": "重复", "floor": 1, "kind": "other"}
    response = member_client.post(url("core:room_create", campus), data)
    assert response.status_code == 200
    assert "A101" in response.content.decode()
    assert Room.objects.filter(code="A101").count() == 1


def test_room_list_filters_and_pinyin_search(member_client, campus, building):
    f.RoomFactory(campus=campus, building=building, name="美工室", code="M1", kind="functional")
    f.RoomFactory(campus=campus, building=building, name="厨房", code="K1", kind="kitchen", is_active=False)
    other_building = f.BuildingFactory(campus=campus, name="后勤楼")
    f.RoomFactory(campus=campus, building=other_building, name="库房", code="S1", kind="store", floor=2)
    list_url = url("core:room_list", campus)

    def codes(**params):
        body = member_client.get(list_url, params).content.decode()
        return {c for c in ("M1", "K1", "S1") if f">{c}<" in body}

    assert codes() == {"M1", "K1", "S1"}
    assert codes(q="mgs") == {"M1"}  # initials of 美工室
    assert codes(q="chufang") == {"K1"}
    assert codes(q="厨") == {"K1"}
    assert codes(kind="store") == {"S1"}
    assert codes(building=other_building.pk) == {"S1"}
    assert codes(floor=2) == {"S1"}
    assert codes(in_use="0") == {"K1"}
    assert codes(in_use="1") == {"M1", "S1"}


def test_room_list_export(member_client, campus, room):
    response = member_client.get(url("core:room_list", campus), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_room_permissions(other_role_client, outsider_client, campus, room):
    assert other_role_client.get(url("core:room_list", campus)).status_code == 200
    assert other_role_client.get(url("core:room_detail", campus, pk=room.pk)).status_code == 200
    assert other_role_client.get(url("core:room_qr", campus, pk=room.pk)).status_code == 200
    assert other_role_client.get(url("core:room_update", campus, pk=room.pk)).status_code == 403
    assert other_role_client.post(url("core:room_delete", campus, pk=room.pk)).status_code == 403
    for name, kwargs in (
        ("core:room_list", {}),
        ("core:room_detail", {"pk": room.pk}),
        ("core:room_qr", {"pk": room.pk}),
        ("core:room_labels", {}),
        ("core:room_update", {"pk": room.pk}),
    ):
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404, name


def test_room_of_other_campus_is_404(member_client, campus, other_campus):
    foreign = f.RoomFactory(campus=other_campus)
    assert member_client.get(url("core:room_detail", campus, pk=foreign.pk)).status_code == 404
    assert member_client.get(url("core:room_qr", campus, pk=foreign.pk)).status_code == 404


def test_room_detail_shows_qr(member_client, campus, room):
    response = member_client.get(url("core:room_detail", campus, pk=room.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert url("core:room_qr", campus, pk=room.pk) in body
    assert settings.SITE_URL + reverse("qr_landing", kwargs={"token": room.qr_token}) in body


def test_room_qr_svg_served_and_cacheable(member_client, campus, room):
    response = member_client.get(url("core:room_qr", campus, pk=room.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.content
    assert "max-age" in response["Cache-Control"]
    etag = response["ETag"]
    again = member_client.get(url("core:room_qr", campus, pk=room.pk), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_room_qr_encodes_the_landing_address(member_client, campus, room):
    from houqin.core.views.places import qr_url

    assert qr_url(room) == settings.SITE_URL + f"/q/{room.qr_token}/"


def test_label_sheet_for_filtered_and_selected_rooms(member_client, campus, building):
    rooms = [f.RoomFactory(campus=campus, building=building, name=f"寝室{i}", code=f"Q{i}", kind="bedroom") for i in range(4)]
    f.RoomFactory(campus=campus, building=building, name="厨房", code="K9", kind="kitchen")

    response = member_client.get(url("core:room_labels", campus), {"kind": "bedroom"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="label"') == 4
    assert "data:image/svg+xml" in body
    assert "K9" not in body
    assert "寝室0" in body and building.name in body

    response = member_client.get(url("core:room_labels", campus), {"ids": [rooms[0].pk, rooms[2].pk]})
    body = response.content.decode()
    assert body.count('class="label"') == 2
    assert "Q0" in body and "Q2" in body and "Q1" not in body

    response = member_client.get(url("core:room_labels", campus), {"ids": f"{rooms[1].pk},{rooms[3].pk}"})
    assert response.content.decode().count('class="label"') == 2


def test_label_sheet_ignores_other_campus_ids(member_client, campus, other_campus, room):
    foreign = f.RoomFactory(campus=other_campus, code="FOREIGN1")
    response = member_client.get(url("core:room_labels", campus), {"ids": [room.pk, foreign.pk]})
    body = response.content.decode()
    assert body.count('class="label"') == 1
    assert "FOREIGN1" not in body


@pytest.mark.parametrize("name", ["core:room_list", "core:building_list"])
def test_place_lists_have_bounded_queries(member_client, campus, building, name, django_assert_max_num_queries):
    counts = []
    made = 0
    for total in (10, 200):
        for i in range(made, total):
            b = building if name == "core:room_list" else f.BuildingFactory(campus=campus, name=f"楼{i}")
            f.RoomFactory(campus=campus, building=b, keeper=f.UserFactory())
        made = total
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(20):
            assert member_client.get(url(name, campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_label_sheet_queries_bounded(member_client, campus, building, django_assert_max_num_queries):
    for i in range(60):
        f.RoomFactory(campus=campus, building=building, code=f"L{i}")
    with django_assert_max_num_queries(15):
        response = member_client.get(url("core:room_labels", campus))
    assert response.content.decode().count('class="label"') == 60


def test_room_list_offers_label_selection_and_htmx_partial(member_client, campus, room):
    body = member_client.get(url("core:room_list", campus), {"kind": "classroom"}).content.decode()
    assert 'id="label-form"' in body and f'name="ids" value="{room.pk}" form="label-form"' in body
    assert '<input type="hidden" name="kind" value="classroom">' in body
    assert 'data-testid="print-labels"' in body
    partial = member_client.get(
        url("core:room_list", campus), {"q": "A1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table"
    )
    text = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in text and 'id="label-form"' in text and "A101" in text
