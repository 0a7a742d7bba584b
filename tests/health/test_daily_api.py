# ruff: noqa: F811  (pytest fixtures imported from daily_helpers)
"""The daily API: roll call get/take, follow-ups, checks and exceptions, observations, the
summary; permissions and campus isolation."""

import pytest

from houqin.core.roles import Role
from houqin.health.models import AbsenceFollowUp, ClassAttendance, HealthCheck
from tests.api.conftest import ApiClient, token_for
from tests.health.daily_helpers import klass, make_class, make_term, term, today  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "c/main/health"


@pytest.fixture
def apis(make_member):
    out = {}
    for name, role in (("teacher", Role.CLASS_TEACHER), ("health", Role.HEALTH_TEACHER), ("cook", Role.COOK),
                       ("duty", Role.DUTY_ADMIN)):  # fmt: skip
        user = make_member(role, username=f"api-{name}")
        out[name] = ApiClient(token_for(user))
    return out


@pytest.fixture
def teacher():  # the class in ``klass`` needs no head teacher here
    return None


def test_roll_call(apis, klass, today):
    cls, kids = klass
    path = f"{BASE}/attendance/classes/{cls.pk}/{today}"
    response = apis["teacher"].get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["taken"] is False and len(body["children"]) == 5 and body["is_school_day"] is True
    response = apis["teacher"].post(
        path, {"absences": [{"child": kids[0].pk, "reason": "sick", "note": "发烧"}]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["roll"]["present_count"] == 4 and body["roll"]["sick_count"] == 1
    kid = next(c for c in body["children"] if c["child"] == kids[0].pk)
    assert kid["status"] == "absent" and kid["follow_up"] == AbsenceFollowUp.objects.get().pk
    listing = apis["duty"].get(f"{BASE}/attendance", {"date": str(today)}).json()
    assert listing["count"] == 1 and listing["items"][0]["class_name"] == cls.name
    bad = apis["teacher"].post(path, {"absences": [{"child": kids[0].pk, "reason": "holiday"}]})
    assert bad.status_code == 422 and "detail" in bad.json()
    assert apis["cook"].post(path, {"absences": []}).status_code == 403
    assert apis["cook"].get(path).status_code == 403


def test_follow_up(apis, klass, today):
    cls, kids = klass
    apis["teacher"].post(f"{BASE}/attendance/classes/{cls.pk}/{today}",
                         {"absences": [{"child": kids[0].pk, "reason": "sick"}]})  # fmt: skip
    listing = apis["health"].get(f"{BASE}/absences", {"status": "open"}).json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert item["case_create_url"].endswith(f"?child={kids[0].pk}&date={today}")
    path = f"{BASE}/absences/{item['id']}/complete"
    payload = {"symptoms": "发热", "contacted_person": "妈妈", "contact_method": "phone", "diagnosis": "感冒"}
    assert apis["cook"].post(path, payload).status_code == 403
    response = apis["health"].post(path, payload)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert apis["health"].get(f"{BASE}/absences/{item['id']}").json()["diagnosis"] == "感冒"
    assert apis["health"].post(path, {**payload, "symptoms": " "}).status_code == 422


def test_checks(apis, klass, today):
    cls, kids = klass
    path = f"{BASE}/checks/classes/{cls.pk}/{today}/morning"
    roster = apis["health"].get(path).json()
    assert len(roster["children"]) == 5 and roster["fever_threshold"] == "37.3"
    assert roster["health_tags"][0] == ["red", "健康"]
    exc = {"child": kids[0].pk, "temperature": "38.3", "outcome": "sent_home", "informed_person": "妈妈",
           "informed_how": "phone"}  # fmt: skip
    assert (
        apis["teacher"].post(path, {"exceptions": [exc]}).status_code == 403
    )  # sending home: the health teacher
    assert (
        apis["health"].post(path, {"exceptions": [{"child": kids[0].pk, "temperature": "38.3"}]}).status_code
        == 422
    )
    response = apis["health"].post(path, {"exceptions": [exc, {"child": kids[1].pk, "tag": "green"}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["check"]["exception_count"] == 2 and body["check"]["fever_count"] == 1
    check = HealthCheck.objects.get(child=kids[0])
    listing = apis["duty"].get(f"{BASE}/checks/exceptions", {"date": str(today), "fever": True}).json()
    assert listing["count"] == 1 and listing["items"][0]["findings"]["touch_abnormal"] is False
    leaving = apis["health"].post(f"{BASE}/checks/exceptions/{check.pk}/leaving", {"collected_by": "妈妈"})
    assert leaving.status_code == 200 and leaving.json()["left_at"]
    void = apis["health"].post(f"{BASE}/checks/exceptions/{check.pk}/void", {"reason": "录错"})
    assert void.status_code == 200 and void.json()["voided_at"]
    assert apis["duty"].get(f"{BASE}/checks", {"date": str(today)}).json()["count"] == 1
    assert apis["health"].get(f"{BASE}/checks/classes/{cls.pk}/{today}/evening").status_code == 404


def test_observations_and_summary(apis, klass, today):
    cls, kids = klass
    response = apis["teacher"].post(
        f"{BASE}/observations", {"child": kids[0].pk, "aspect": "food", "finding": "吃得少"}
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert apis["duty"].get(f"{BASE}/observations", {"date": str(today)}).json()["count"] == 1
    assert (
        apis["teacher"].post(f"{BASE}/observations/{note['id']}/void", {"reason": "写错"}).status_code == 200
    )
    assert apis["duty"].get(f"{BASE}/observations").json()["count"] == 0
    apis["teacher"].post(f"{BASE}/attendance/classes/{cls.pk}/{today}",
                         {"absences": [{"child": kids[1].pk, "reason": "personal"}]})  # fmt: skip
    summary = apis["health"].get(f"{BASE}/daily/summary", {"date": str(today)}).json()
    assert summary["totals"]["present"] == 4 and summary["classes"][0]["personal"] == 1
    assert summary["absences"][0]["reason"] == "personal"
    assert apis["cook"].get(f"{BASE}/daily/summary").status_code == 403


def test_campus_isolation(apis, klass, other_campus, make_member, today):
    make_term(other_campus)
    other_cls, other_kids = make_class(other_campus, 2, name="外园班")
    assert apis["teacher"].get(f"{BASE}/attendance/classes/{other_cls.pk}/{today}").status_code == 404
    assert (
        apis["teacher"]
        .post(f"{BASE}/attendance/classes/{other_cls.pk}/{today}", {"absences": []})
        .status_code
        == 404
    )
    assert apis["teacher"].post(f"{BASE}/observations", {"child": other_kids[0].pk, "aspect": "food",
                                                         "finding": "x"}).status_code == 404  # fmt: skip
    outsider = make_member(Role.PRINCIPAL, on=other_campus, username="api-outsider")
    assert ApiClient(token_for(outsider)).get(f"{BASE}/attendance").status_code == 404
    assert not ClassAttendance.objects.exists()
