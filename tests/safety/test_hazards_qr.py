"""Reporting a hazard from a room's QR label without logging in: campus assignment,
validation, the captcha-free rate limit, and the actions on the QR landing page."""

import pytest
from django.core.cache import cache
from django.test import Client

from houqin.core.models import Notification
from houqin.core.qr import all_actions
from houqin.safety.models import Hazard
from tests import factories as f
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qr-tests"}
    }
    cache.clear()
    yield
    cache.clear()


def post(client, room, ip="10.0.0.1", **data):
    payload = {
        "name": "吴秀英",
        "phone": "13800010007",
        "description": "楼梯扶手松动",
        "severity": "medium",
        **data,
    }
    return client.post(f"/q/{room.qr_token}/hazard/", payload, REMOTE_ADDR=ip)


def test_landing_page_lists_the_registered_actions(campus):
    room = f.RoomFactory(campus=campus)
    assert "safety.hazard" in [a.key for a in all_actions()]
    response = Client().get(f"/q/{room.qr_token}/")
    assert response.status_code == 200
    assert f"/q/{room.qr_token}/hazard/" in response.content.decode()


def test_report_lands_on_the_room_campus_and_tells_the_logistics_head(
    campus, other_campus, people, make_member
):
    from houqin.core.roles import Role

    elsewhere_head = make_member(Role.LOGISTICS_HEAD, on=other_campus, username="elsewhere-head")
    room = f.RoomFactory(campus=other_campus)
    client = Client()
    assert client.get(f"/q/{room.qr_token}/hazard/").status_code == 200
    response = post(client, room, photo=png())
    assert response.status_code == 200
    hazard = Hazard.objects.get()
    assert hazard.campus == other_campus and hazard.room == room and hazard.building == room.building
    assert hazard.source == Hazard.Source.QR and hazard.reporter is None
    assert hazard.reporter_name == "吴秀英" and hazard.reporter_phone == "13800010007"
    assert hazard.number in response.content.decode()
    assert hazard.deadline is not None and hazard.severity == "medium"
    assert Notification.objects.filter(recipient=elsewhere_head, event="safety.hazard_reported").exists()
    assert not Notification.objects.filter(recipient=people["head"]).exists()  # the other campus's head
    from houqin.core.attachments import attachments_for

    assert attachments_for(hazard).filter(kind="before").count() == 1


def test_bad_input_is_explained_and_saves_nothing(campus):
    room = f.RoomFactory(campus=campus)
    response = post(Client(), room, name="", phone="12345", description="x")
    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "phone", "description"} <= set(form.errors)
    assert not Hazard.objects.exists()


def test_bad_photo_is_refused(campus):
    from django.core.files.uploadedfile import SimpleUploadedFile

    room = f.RoomFactory(campus=campus)
    response = post(Client(), room, photo=SimpleUploadedFile("x.jpg", b"GIF89a-not-really", "image/jpeg"))
    assert response.status_code == 400
    assert not Hazard.objects.exists()


def test_rate_limit_per_ip(campus):
    room = f.RoomFactory(campus=campus)
    other_room = f.RoomFactory(campus=campus)
    client = Client()
    for n in range(5):
        assert post(client, room if n % 2 else other_room, description=f"第{n}处问题").status_code == 200
    response = post(client, room, description="第六次")
    assert response.status_code == 429
    assert Hazard.objects.count() == 5
    assert post(client, room, ip="10.0.0.2", description="另一台手机").status_code == 200


def test_rate_limit_per_room(campus):
    room = f.RoomFactory(campus=campus)
    client = Client()
    for n in range(10):
        assert post(client, room, ip=f"10.1.0.{n}", description=f"第{n}次报告").status_code == 200
    assert post(client, room, ip="10.1.0.99", description="第十一次").status_code == 429
    assert Hazard.objects.count() == 10


def test_honeypot_records_nothing(campus):
    room = f.RoomFactory(campus=campus)
    response = post(Client(), room, website="http://spam.example")
    assert response.status_code == 200
    assert not Hazard.objects.exists()


def test_unknown_or_inactive_room_is_404(campus):
    room = f.RoomFactory(campus=campus, is_active=False)
    assert Client().get(f"/q/{room.qr_token}/hazard/").status_code == 404
    assert Client().get("/q/no-such-token/hazard/").status_code == 404
