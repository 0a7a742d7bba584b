"""The gate API: visitors (register, watch-list 409, confirm, refuse, sign out, void, on
campus now), the watch list, pickup persons (with files) and releases — same permissions
and masking as the pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from houqin.core.models import AuditEvent, Notification
from houqin.core.roles import Role
from houqin.core.validators import id_check_digit
from houqin.safety.models import PickupPerson, PickupRelease, Visitor
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "c/main"


def idn(seq=81, birth="19850315"):
    first17 = f"330106{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


ID = idn()


@pytest.fixture
def guard(make_member):
    return make_member(Role.GUARD, username="guard")


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher")


@pytest.fixture
def guard_api(guard, api_for):
    return api_for(guard)


@pytest.fixture
def teacher_api(teacher, api_for):
    return api_for(teacher)


def visitor_payload(host, **extra):
    data = {"name": "王建华", "id_number": ID, "phone": "13712345678", "host": host.pk, "category": "delivery",
            "organization": "顺丰速运", "purpose": "送货", "badge_no": "F01"}  # fmt: skip
    data.update(extra)
    return data


def test_register_confirm_sign_out(guard_api, teacher_api, teacher, campus):
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "waiting" and body["on_campus"] and body["id_number"] == ID
    assert Notification.objects.filter(recipient=teacher, event="safety.visitor_arrived").exists()
    vid = body["id"]
    assert guard_api.get(f"{BASE}/visitors/on-campus").json()["count"] == 1
    response = teacher_api.post(f"{BASE}/visitors/{vid}/confirm", {})
    assert response.status_code == 200 and response.json()["status"] == "inside"
    assert response.json()["confirmed_by"] == teacher.pk and response.json()["confirmation"] == "host"
    assert response.json()["id_number"] == Visitor.objects.get().masked_id_number  # a teacher sees it masked
    response = guard_api.post(f"{BASE}/visitors/{vid}/sign-out")
    assert response.status_code == 200 and response.json()["status"] == "left" and response.json()["time_out"]
    assert guard_api.post(f"{BASE}/visitors/{vid}/sign-out").status_code == 422
    assert guard_api.get(f"{BASE}/visitors/on-campus").json()["count"] == 0


def test_bad_id_number_is_422(guard_api, teacher):
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher, id_number=ID[:17] + "Y"))
    assert response.status_code == 422 and "id_number" in response.json()["errors"]
    assert not Visitor.objects.exists()


def test_host_must_be_campus_staff(guard_api, make_member, other_campus):
    stranger = make_member(Role.PRINCIPAL, on=other_campus, username="stranger")
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(stranger))
    assert response.status_code == 422 and "host" in response.json()["errors"]


def test_watch_list_409_then_admit_anyway(guard_api, teacher, campus, member, api_for, make_member):
    f.WatchEntryFactory(campus=campus, name="钱大勇", id_number=ID, reason="法院禁止接近幼儿")
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher))
    assert response.status_code == 409
    assert response.json()["matches"][0]["id_number"] == ID  # the guard may see identities
    assert not Visitor.objects.exists()
    duty = api_for(make_member(Role.LOGISTICS_HEAD, username="head"))
    masked = duty.post(f"{BASE}/visitors", visitor_payload(teacher)).json()["matches"][0]["id_number"]
    assert masked != ID and masked.startswith(ID[:4]) and masked.endswith(ID[-4:])
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher, admit_anyway=True))
    assert response.status_code == 422 and "override_reason" in response.json()["errors"]
    response = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher, admit_anyway=True, override_reason="园长同意"))
    assert response.status_code == 201 and response.json()["watch_entry"]
    assert Notification.objects.filter(recipient=member, event="safety.watchlist_override").exists()


def test_refused_visitor_and_refusing_a_waiting_one(guard_api, teacher_api, teacher, api_for, make_member):
    refused = {**visitor_payload(teacher, id_number="", reason="推销"), "host": None}
    response = guard_api.post(f"{BASE}/visitors/refused", refused)
    assert response.status_code == 201 and response.json()["status"] == "refused"
    vid = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher)).json()["id"]
    other = api_for(make_member(Role.CLASS_TEACHER, username="t2"))
    assert other.post(f"{BASE}/visitors/{vid}/refuse", {"reason": "不认识"}).status_code == 403
    assert other.post(f"{BASE}/visitors/{vid}/confirm", {}).status_code == 403
    assert teacher_api.post(f"{BASE}/visitors/{vid}/confirm", {"by_phone": True}).status_code == 403
    response = teacher_api.post(f"{BASE}/visitors/{vid}/refuse", {"reason": "我没有约"})
    assert response.status_code == 200 and response.json()["status"] == "refused"


def test_guard_phone_confirmation_and_void(guard_api, teacher, campus):
    vid = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher)).json()["id"]
    response = guard_api.post(f"{BASE}/visitors/{vid}/confirm", {"by_phone": True})
    assert response.status_code == 200 and response.json()["confirmation"] == "phone"
    assert guard_api.post(f"{BASE}/visitors/{vid}/void", {"reason": ""}).status_code == 422
    response = guard_api.post(f"{BASE}/visitors/{vid}/void", {"reason": "重复登记"})
    assert response.status_code == 200 and response.json()["voided_at"]
    assert guard_api.get(f"{BASE}/visitors").json()["count"] == 0
    assert guard_api.get(f"{BASE}/visitors", {"include_voided": True}).json()["count"] == 1


def test_masking_and_permissions(guard_api, teacher, member_api, other_role_api, outsider_api, api_for, make_member):
    vid = guard_api.post(f"{BASE}/visitors", visitor_payload(teacher)).json()["id"]
    assert member_api.get(f"{BASE}/visitors/{vid}").json()["id_number"] == ID
    duty = api_for(make_member(Role.DUTY_ADMIN, username="duty"))
    assert duty.get(f"{BASE}/visitors/{vid}").json()["id_number"] == Visitor.objects.get().masked_id_number
    assert duty.get(f"{BASE}/visitors").json()["items"][0]["id_number"] != ID
    assert duty.post(f"{BASE}/visitors", visitor_payload(teacher)).status_code == 403
    assert other_role_api.get(f"{BASE}/visitors").status_code == 403
    assert other_role_api.get(f"{BASE}/visitors/{vid}").status_code == 403
    assert outsider_api.get(f"{BASE}/visitors/{vid}").status_code == 404
    assert not [e for e in AuditEvent.objects.all() if ID in str(e.before) + str(e.after)]


def test_visitor_log_filters(guard_api, campus):
    f.VisitorFactory(campus=campus, name="王建华")
    f.VisitorFactory(campus=campus, name="刘芳", time_in=timezone.now() - dt.timedelta(days=1))
    today = timezone.localdate().isoformat()
    assert [v["name"] for v in guard_api.get(f"{BASE}/visitors", {"date": today}).json()["items"]] == ["王建华"]
    assert [v["name"] for v in guard_api.get(f"{BASE}/visitors", {"q": "lf"}).json()["items"]] == ["刘芳"]


def test_watch_list_crud_for_leaders(member_api, guard_api, campus):
    assert guard_api.get(f"{BASE}/watchlist").status_code == 403
    response = member_api.post(f"{BASE}/watchlist", {"name": "钱大勇", "id_number": ID, "reason": "禁止接近"})
    assert response.status_code == 201
    wid = response.json()["id"]
    assert member_api.post(f"{BASE}/watchlist", {"reason": "x"}).status_code == 422
    assert member_api.patch(f"{BASE}/watchlist/{wid}", {"is_active": False}).json()["is_active"] is False
    assert member_api.get(f"{BASE}/watchlist").json()["count"] == 1
    assert member_api.delete(f"{BASE}/watchlist/{wid}").status_code == 204
    assert member_api.get(f"{BASE}/watchlist").json()["count"] == 0


# --- Pickup -------------------------------------------------------------------------------


@pytest.fixture
def child(campus, teacher):
    school_class = f.SchoolClassFactory(campus=campus, name="小一班", head_teacher=teacher)
    return f.ChildFactory(campus=campus, school_class=school_class, name="张小明")


def pdf():
    return SimpleUploadedFile("agreement.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def test_pickup_persons_and_release(teacher_api, guard_api, guard, campus, child, teacher):
    from tests.safety.test_gate_support import school_every_day

    school_every_day(campus)  # every enrolled child is present on a school day
    f.GuardianFactory(child=child, name="张建国", relation="father", phone="13912345678")
    response = teacher_api.post(f"{BASE}/pickup/children/{child.pk}/from-guardians")
    assert response.status_code == 201 and [p["name"] for p in response.json()] == ["张建国"]
    father_id = response.json()[0]["id"]
    assert response.json()[0]["authorised_today"] is True
    assert teacher_api.patch(f"{BASE}/pickup/persons/{father_id}", {"card_no": "880001"}).status_code == 200
    today = timezone.localdate()
    response = teacher_api.post(f"{BASE}/pickup/persons", {
        "child": child.pk, "kind": "proxy", "name": "王外婆", "relation": "外婆", "phone": "13600001111",
        "id_number": idn(5, "19550101"), "card_no": "880002", "agreement_signed": True,
        "valid_from": today.isoformat(), "valid_until": (today + dt.timedelta(days=30)).isoformat(),
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    proxy = response.json()
    assert proxy["authorised_today"] is False and proxy["not_authorised_reason"] == "no_agreement"
    assert proxy["id_number"] != idn(5, "19550101")  # the teacher sees it masked
    upload = teacher_api.client.post(
        f"/api/v1/{BASE}/pickup/persons/{proxy['id']}/files", {"file": pdf(), "kind": "agreement"}
    )
    assert upload.status_code == 201, upload.content
    assert guard_api.get(f"{BASE}/pickup/persons/{proxy['id']}").json()["authorised_today"] is True
    assert guard_api.get(f"{BASE}/pickup/persons/{proxy['id']}").json()["id_number"] == idn(5, "19550101")
    # Release by card, then the same child again is 422 (already released today).
    response = guard_api.post(f"{BASE}/pickup/releases", {"card": "880002"})
    assert response.status_code == 201 and response.json()["outcome"] == "released"
    assert response.json()["child"] == child.pk and response.json()["person_name"] == "王外婆"
    assert guard_api.post(f"{BASE}/pickup/releases", {"person": father_id}).status_code == 422
    log = guard_api.get(f"{BASE}/pickup/releases", {"date": today.isoformat()}).json()
    assert log["count"] == 1
    rid = log["items"][0]["id"]
    assert guard_api.post(f"{BASE}/pickup/releases/{rid}/void", {"reason": "点错"}).status_code == 200
    assert guard_api.get(f"{BASE}/pickup/still-on-campus").json()["count"] == 1
    response = guard_api.post(f"{BASE}/pickup/releases", {"person": father_id, "child": child.pk})
    assert response.status_code == 201
    assert guard_api.get(f"{BASE}/pickup/still-on-campus").json()["count"] == 0


def test_refusals_are_409_and_logged(guard_api, campus, child, teacher):
    other = f.ChildFactory(campus=campus, school_class=child.school_class, name="李思琪")
    stranger = f.PickupPersonFactory(campus=campus, child=other, card_no="770001")
    response = guard_api.post(f"{BASE}/pickup/releases", {"card": "770001", "child": child.pk})
    assert response.status_code == 409
    assert response.json()["outcome"] == "refused" and response.json()["reason"] == "other_child"
    response = guard_api.post(f"{BASE}/pickup/releases", {"child": child.pk, "person_name": "赵某"})
    assert response.status_code == 409 and response.json()["reason"] == "not_authorised"
    assert PickupRelease.objects.filter(outcome="refused").count() == 2
    assert Notification.objects.filter(recipient=teacher, event="safety.pickup_refused").count() == 2
    assert guard_api.post(f"{BASE}/pickup/releases", {"card": "000000"}).status_code == 422
    assert stranger.pk


def test_pickup_permissions(campus, child, other_role_api, outsider_api, guard_api, api_for, make_member):
    person = f.PickupPersonFactory(campus=campus, child=child, card_no="770002")
    assert other_role_api.get(f"{BASE}/pickup/persons").status_code == 403
    assert other_role_api.post(f"{BASE}/pickup/releases", {"card": "770002"}).status_code == 403
    assert outsider_api.get(f"{BASE}/pickup/persons/{person.pk}").status_code == 404
    assert guard_api.post(f"{BASE}/pickup/persons", {}).status_code == 403  # the guard releases, never authorises
    childcare = api_for(make_member(Role.CHILDCARE_WORKER, username="baoyu"))
    assert childcare.get(f"{BASE}/pickup/releases").status_code == 200
    assert childcare.post(f"{BASE}/pickup/releases", {"card": "770002"}).status_code == 403
    assert not PickupRelease.objects.exists()
    assert PickupPerson.objects.count() == 1
