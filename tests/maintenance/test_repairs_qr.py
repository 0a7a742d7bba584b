"""Reporting a repair from a room or asset QR label without logging in, recognising staff
by their phone, the captcha-free rate limit shared with the hazard form, the honeypot,
and the status link through which the reporter follows and signs off the repair."""

import pytest
from django.test import Client
from django.urls import reverse

from houqin.assets.models import Asset
from houqin.core.attachments import attachments_for
from houqin.core.models import Notification
from houqin.core.qr import all_actions
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest
from tests import factories as f
from tests.maintenance.helpers import png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def post(client, path, ip="10.0.0.1", **data):
    payload = {"name": "吴秀英", "phone": "13800010007", "description": "窗户玻璃破了", "urgency": "urgent", **data}
    return client.post(path, payload, REMOTE_ADDR=ip)


def room_path(room):
    return f"/q/{room.qr_token}/repair/"


def test_landing_page_offers_report_a_repair(campus, room):
    assert "maintenance.repair" in [a.key for a in all_actions()]
    response = Client().get(f"/q/{room.qr_token}/")
    assert response.status_code == 200
    assert room_path(room) in response.content.decode()
    assert reverse("qr_repair_report", kwargs={"token": room.qr_token}) == room_path(room)


def test_a_staff_member_is_recognised_by_phone(campus, other_campus, people, room, make_member):
    from houqin.core.roles import Role

    teacher = people["teacher"]
    teacher.phone = "13800010007"
    teacher.save()
    elsewhere = make_member(Role.LOGISTICS_HEAD, on=other_campus, username="elsewhere-head")
    client = Client()
    assert client.get(room_path(room)).status_code == 200
    response = post(client, room_path(room), phone="138 0001 0007", photo=png())
    assert response.status_code == 200
    repair = RepairRequest.objects.get()
    assert repair.campus == campus and repair.room == room and repair.source == RepairRequest.Source.QR
    assert repair.reporter == teacher and repair.reporter_name == "吴秀英" and repair.reporter_phone == "13800010007"
    assert repair.urgency == "urgent" and repair.category == RepairRequest.Category.DOORS_WINDOWS
    assert attachments_for(repair).filter(kind="before").count() == 1
    body = response.content.decode()
    assert repair.number in body and services.status_url(repair) in body
    assert Notification.objects.filter(recipient=people["head"], event="maintenance.repair_reported").exists()
    assert not Notification.objects.filter(recipient=elsewhere).exists()


def test_a_stranger_stays_a_name_and_a_phone(campus, other_campus, room, make_member):
    from houqin.core.roles import Role

    make_member(Role.PRINCIPAL, on=other_campus, username="x", phone="13912345678")  # a member elsewhere only
    post(Client(), room_path(room), name="王女士", phone="13912345678")
    repair = RepairRequest.objects.get()
    assert repair.reporter is None and repair.reporter_display == "王女士 13912345678"


def test_bad_input_is_explained_and_saves_nothing(campus, room):
    response = post(Client(), room_path(room), name="", phone="12345", description="x")
    assert response.status_code == 400
    assert {"name", "phone", "description"} <= set(response.context["form"].errors)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = post(Client(), room_path(room), photo=SimpleUploadedFile("x.jpg", b"not a picture", "image/jpeg"))
    assert response.status_code == 400
    assert not RepairRequest.objects.exists()


def test_honeypot_records_nothing(campus, room):
    response = post(Client(), room_path(room), website="http://spam.example")
    assert response.status_code == 200
    assert not RepairRequest.objects.exists()


def test_rate_limit_per_ip_is_shared_with_the_hazard_form(campus, room):
    client = Client()
    for n in range(3):
        assert post(client, room_path(room), description=f"第{n}处问题").status_code == 200
    for n in range(2):
        hazard = {"name": "吴秀英", "phone": "13800010007", "description": f"楼梯扶手松动{n}", "severity": "low"}
        assert client.post(f"/q/{room.qr_token}/hazard/", hazard, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert post(client, room_path(room), description="第六次").status_code == 429
    assert RepairRequest.objects.count() == 3
    assert post(client, room_path(room), ip="10.0.0.2", description="另一台手机").status_code == 200


def test_rate_limit_per_room(campus, room):
    client = Client()
    for n in range(10):
        assert post(client, room_path(room), ip=f"10.1.0.{n}", description=f"第{n}次报修").status_code == 200
    assert post(client, room_path(room), ip="10.1.0.99", description="第十一次").status_code == 429
    assert RepairRequest.objects.count() == 10


def test_unknown_or_inactive_room_is_404(campus):
    room = f.RoomFactory(campus=campus, is_active=False)
    assert Client().get(room_path(room)).status_code == 404
    assert Client().get("/q/no-such-token/repair/").status_code == 404


def test_asset_label_presets_the_asset(campus, asset):
    path = f"/q/a/{asset.qr_token}/repair/"
    assert reverse("qr_asset_repair", kwargs={"token": asset.qr_token}) == path
    page = Client().get(path)
    assert page.status_code == 200 and asset.name in page.content.decode()
    post(Client(), path, description="遥控器失灵")
    repair = RepairRequest.objects.get()
    assert repair.asset == asset and repair.room == asset.room and repair.campus == campus


def test_asset_label_of_a_disposed_asset_is_404(campus, asset):
    asset.status = Asset.Status.DISPOSED
    asset.save()
    assert Client().get(f"/q/a/{asset.qr_token}/repair/").status_code == 404
    assert Client().get("/q/a/nope/repair/").status_code == 404


def _reported_from_qr(people, room):
    post(Client(), room_path(room), name="王女士", phone="13912345678")
    return RepairRequest.objects.get()


def test_the_status_link_shows_progress_and_takes_the_sign_off(people, room):
    repair = _reported_from_qr(people, room)
    link = services.status_url(repair)
    page = Client().get(link)
    assert page.status_code == 200 and repair.number in page.content.decode() and not page.context["can_sign"]
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换玻璃", photos=[png()])
    page = Client().get(link)
    assert page.context["can_sign"] and "更换玻璃" in page.content.decode()
    wrong = Client().post(link, {"action": "sign", "phone": "13900000000"}, REMOTE_ADDR="10.2.0.1")
    assert wrong.status_code == 400 and "phone" in wrong.context["form"].errors
    repair.refresh_from_db()
    assert repair.status == "done"
    response = Client().post(link, {"action": "sign", "phone": "13912345678", "note": "修好了"}, REMOTE_ADDR="10.2.0.1")
    assert response.status_code == 302
    repair.refresh_from_db()
    assert repair.status == "closed" and repair.work_order.signed_off_name == "王女士"


def test_the_status_link_sends_back_with_a_reason(people, room):
    repair = _reported_from_qr(people, room)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换玻璃", photos=[png()])
    link = services.status_url(repair)
    no_reason = Client().post(link, {"action": "back", "phone": "13912345678"}, REMOTE_ADDR="10.3.0.1")
    assert no_reason.status_code == 400 and "note" in no_reason.context["form"].errors
    Client().post(link, {"action": "back", "phone": "13912345678", "note": "玻璃有裂纹"}, REMOTE_ADDR="10.3.0.1")
    repair.refresh_from_db()
    assert repair.status == "in_progress" and repair.work_order.returned_reason == "玻璃有裂纹"


def test_guessing_phone_numbers_is_rate_limited(people, room):
    repair = _reported_from_qr(people, room)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换玻璃", photos=[png()])
    link = services.status_url(repair)
    codes = [
        Client().post(link, {"action": "sign", "phone": f"1390000000{n}"}, REMOTE_ADDR=f"10.4.0.{n}").status_code
        for n in range(11)
    ]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_unknown_status_token_is_404(campus):
    assert Client().get("/q/r/not-a-token/").status_code == 404
