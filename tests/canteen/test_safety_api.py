"""The safety API: lists, details, creates and actions through the services; permissions
and campus isolation; the rules answer 422/400 with the service's message."""

import datetime as dt

import pytest
from django.utils.translation import gettext

from houqin.canteen.models import FoodSample, KitchenDuty
from houqin.core.roles import Role
from tests.api.conftest import ApiClient, token_for
from tests.canteen.safety_helpers import *  # noqa: F403 (fixtures)
from tests.canteen.safety_helpers import TODAY, take
from tests.factories_canteen_safety import FoodSampleFactory, HealthCertificateFactory, KitchenStaffFactory

pytestmark = pytest.mark.django_db

BASE = "c/main/canteen"


def api(user):
    return ApiClient(token_for(user))


def test_sample_create_refuses_124_g_accepts_125(campus, cook, fridge, menu):
    client = api(cook)
    payload = {"meal": "lunch", "dish": menu["rice"].pk, "weight_g": "124", "fridge": fridge.pk}
    response = client.post(f"{BASE}/samples", payload)
    assert response.status_code in (400, 422) and not FoodSample.objects.exists()
    assert "124" in str(response.json())
    response = client.post(f"{BASE}/samples", {**payload, "weight_g": "125"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["dish_name"] == "米饭" and body["status"] == "kept" and body["taken_by"] == cook.pk
    sample_id = body["id"]
    assert client.get(f"{BASE}/samples/{sample_id}").json()["label"].startswith("LY")
    listing = client.get(f"{BASE}/samples", {"status": "kept"}).json()
    assert listing["count"] == 1


def test_sample_day_shows_missing(campus, cook, fridge, menu):
    take(campus, cook, menu["rice"], fridge, hh=0, mm=5)
    meals = {m["meal"]: m for m in api(cook).get(f"{BASE}/samples/day", {"date": TODAY.isoformat()}).json()}
    assert meals["lunch"]["missing"] == ["红烧肉"]
    assert [d["sample"] is not None for d in meals["lunch"]["dishes"]] == [True, False]


def test_review_and_dispose_actions(campus, cook, health, head, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge, hh=0, mm=5)
    assert api(cook).post(f"{BASE}/samples/{sample.pk}/review", {}).status_code == 403
    response = api(health).post(f"{BASE}/samples/{sample.pk}/review", {"note": "ok"})
    assert response.status_code == 200 and response.json()["reviewer"] == health.pk
    response = api(head).post(f"{BASE}/samples/{sample.pk}/dispose", {})
    assert response.status_code in (400, 422)
    old = FoodSampleFactory(campus=campus, taken_at=sample.taken_at - dt.timedelta(hours=49))
    response = api(head).post(f"{BASE}/samples/{old.pk}/dispose", {})
    assert response.status_code == 200 and response.json()["status"] == "disposed"
    response = api(head).post(f"{BASE}/samples/{sample.pk}/void", {"reason": "重复"})
    assert response.json()["is_void"] is True


def test_temperatures_and_fridges(campus, cook, head):
    response = api(head).post(f"{BASE}/temperatures/fridges", {"name": "留样冰箱", "kind": "sample"})
    assert response.status_code == 201 and response.json()["max_c"] == "8.0"
    fridge_id = response.json()["id"]
    response = api(cook).post(f"{BASE}/temperatures", {"fridge": fridge_id, "temperature_c": "9"})
    assert response.status_code == 201 and response.json()["is_out_of_range"] is True
    listing = api(cook).get(f"{BASE}/temperatures", {"out_of_range": True}).json()
    assert listing["count"] == 1
    reading = listing["items"][0]["id"]
    assert api(cook).post(f"{BASE}/temperatures/{reading}/void", {"reason": "读错"}).json()["is_void"]
    assert api(cook).get(f"{BASE}/temperatures/fridges/{fridge_id}").json()["last_temperature_c"] is None


def test_tableware_uv_and_standards(campus, cook):
    client = api(cook)
    standards = {s["method"]: s for s in client.get(f"{BASE}/hygiene/standards").json()}
    assert standards["boiling"]["seconds"] == 900
    start = f"{TODAY.isoformat()}T00:10:00+08:00"
    response = client.post(f"{BASE}/hygiene/tableware", {"method": "boiling", "started_at": start, "duration_s": 840,
                                                         "items": "碗"})  # fmt: skip
    assert (
        response.status_code == 201
        and response.json()["is_compliant"] is False
        and response.json()["problem"]
    )
    record = response.json()["id"]
    assert client.get(f"{BASE}/hygiene/tableware", {"compliant": False}).json()["count"] == 1
    assert client.post(f"{BASE}/hygiene/tableware/{record}/void", {"reason": "x"}).json()["is_void"]
    response = client.post(f"{BASE}/hygiene/uv", {"area": "厨房", "started_at": start, "minutes": 30})
    assert response.status_code == 201 and response.json()["is_compliant"] is True


def test_pesticide_positive_blocks(campus, cook, batch):
    client = api(cook)
    response = client.post(f"{BASE}/pesticide", {"batch": batch.pk, "inhibition_pct": "49.9"})
    assert response.status_code == 201 and response.json()["result"] == "negative"
    assert response.json()["batch_blocked"] is False
    response = client.post(f"{BASE}/pesticide", {"batch": batch.pk, "inhibition_pct": "50"})
    assert response.json()["result"] == "positive" and response.json()["batch_blocked"] is True
    assert client.get(f"{BASE}/pesticide", {"result": "positive"}).json()["count"] == 1


def test_staff_certificates_duty_checks_training(campus, head, health):
    client = api(head)
    person = client.post(f"{BASE}/staff", {"name": "王秀兰", "position": "pastry"}).json()
    response = client.post(f"{BASE}/staff/duty", {"staff": person["id"], "date": TODAY.isoformat()})
    assert response.status_code in (400, 422)
    assert gettext("no health certificate on record") in str(response.json())
    issued = (TODAY - dt.timedelta(days=5)).isoformat()
    response = client.post(
        f"{BASE}/staff/{person['id']}/certificates", {"number": "JK1", "issued_on": issued}
    )
    assert response.status_code == 201
    duty = client.post(f"{BASE}/staff/duty", {"staff": person["id"], "date": TODAY.isoformat()})
    assert duty.status_code == 201
    assert [p["id"] for p in client.get(f"{BASE}/staff/on-duty").json()] == [person["id"]]
    response = api(health).post(f"{BASE}/staff/checks", {"staff": person["id"], "diarrhoea": True})
    assert response.status_code == 201
    body = response.json()
    assert body["check"]["is_fit"] is False and [d["id"] for d in body["removed_duties"]] == [
        duty.json()["id"]
    ]
    assert client.get(f"{BASE}/staff/on-duty").json() == []
    response = client.post(f"{BASE}/staff/training", {"date": TODAY.isoformat(), "topic": "留样", "hours": "1",
                                                      "trainer": "郑", "attendees": [person["id"]]})  # fmt: skip
    assert response.status_code == 201 and response.json()["attendees"] == [person["id"]]
    assert len(client.get(f"{BASE}/staff/{person['id']}/certificates").json()) == 1


def test_permissions_and_isolation(campus, other_campus, teacher, head, make_member):
    assert api(teacher).get(f"{BASE}/samples").status_code == 403
    assert api(teacher).get(f"{BASE}/staff").status_code == 403
    cook_api = api(make_member(Role.COOK))
    assert cook_api.post(f"{BASE}/staff/duty", {}).status_code == 403
    foreign = KitchenStaffFactory(campus=other_campus)
    HealthCertificateFactory(campus=other_campus, staff=foreign)
    assert api(head).get(f"{BASE}/staff/{foreign.pk}").status_code == 404
    response = api(head).post(f"{BASE}/staff/duty", {"staff": foreign.pk, "date": TODAY.isoformat()})
    assert response.status_code in (400, 422) and not KitchenDuty.objects.exists()
    foreign_sample = FoodSampleFactory(campus=other_campus)
    assert api(head).get(f"{BASE}/samples/{foreign_sample.pk}").status_code == 404


def test_list_queries_bounded(campus, head, django_assert_max_num_queries):
    FoodSampleFactory.create_batch(30, campus=campus)
    client = api(head)
    client.get(f"{BASE}/samples")
    with django_assert_max_num_queries(12):
        assert client.get(f"{BASE}/samples", {"limit": 30}).json()["count"] == 30
