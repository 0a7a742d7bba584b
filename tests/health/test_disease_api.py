"""The disease area's API: medication with the three confirmations, cases with the early
return refused, outbreak alert and report, quarantine, concentration tests and education —
same rules and permissions as the pages; another campus's rows are 404."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.health.models import DiseaseCase, MedicationDose, MedicationOrder, OutbreakAlert
from tests import factories as f
from tests.api.conftest import api_for, token_for  # noqa: F401
from tests.health.disease_helpers import diseases, kids, klass, people, png  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "c/main/health"
TODAY = timezone.localdate()


@pytest.fixture
def apis(people, api_for):  # noqa: F811
    return {name: api_for(user) for name, user in people.items()}


def multipart(api, path, data):
    return api.client.post(api.url(path), data)


def test_medication_flow(apis, kids, campus):  # noqa: F811
    body = {"child": kids[0].pk, "drug": "阿莫西林", "dose": "5ml", "times": "00:00,23:59",
            "start_date": TODAY.isoformat(), "days": 2, "is_antibiotic": "true", "parent_name": "王女士",
            "parent_confirmed": "true"}  # fmt: skip
    assert multipart(apis["cook"], f"{BASE}/medication/orders", body).status_code == 403
    response = multipart(apis["teacher"], f"{BASE}/medication/orders", body)
    assert response.status_code == 422 and "photos" in response.json()["errors"]
    response = multipart(apis["teacher"], f"{BASE}/medication/orders", {**body, "photos": png()})
    assert response.status_code == 201, response.content
    order = response.json()
    assert (
        order["times"] == ["00:00", "23:59"]
        and order["end_date"] == (TODAY + dt.timedelta(days=1)).isoformat()
    )
    give = {"order": order["id"], "date": TODAY.isoformat(), "slot": "00:00", "confirmed_child": True,
            "confirmed_class": True}  # fmt: skip
    response = apis["childcare"].post(f"{BASE}/medication/doses", give)
    assert response.status_code == 422 and not MedicationDose.objects.exists()
    response = apis["childcare"].post(f"{BASE}/medication/doses", {**give, "confirmed_dose": True})
    assert response.status_code == 201 and response.json()["recorded_by"]
    dose_id = response.json()["id"]
    schedule = apis["teacher"].get(f"{BASE}/medication/schedule", {"date": TODAY.isoformat()}).json()
    assert [s["state"] for s in schedule][0] == "given"
    response = apis["childcare2"].post(f"{BASE}/medication/doses/{dose_id}/void", {"reason": "x"})
    assert response.status_code == 403
    response = apis["childcare"].post(f"{BASE}/medication/doses/{dose_id}/void", {"reason": "登记错误"})
    assert response.status_code == 200 and response.json()["is_void"]
    response = apis["childcare"].post(f"{BASE}/medication/doses/not-given",
                                      {"order": order["id"], "date": TODAY.isoformat(), "slot": "00:00",
                                       "reason": "withdrawn"})  # fmt: skip
    assert response.status_code == 201 and response.json()["status"] == "not_given"
    assert apis["teacher"].get(f"{BASE}/medication/orders").json()["count"] == 1
    assert apis["teacher"].get(f"{BASE}/medication/orders/{order['id']}/doses").status_code == 200
    response = apis["teacher"].post(f"{BASE}/medication/orders/{order['id']}/stop", {"reason": "痊愈"})
    assert response.json()["status"] == "stopped"
    theirs = f.MedicationOrderFactory(campus=f.CampusFactory(code="elsewhere"))
    assert apis["teacher"].get(f"{BASE}/medication/orders/{theirs.pk}").status_code == 404
    assert MedicationOrder.objects.count() == 2


def test_cases_outbreak_and_quarantine(apis, kids, diseases, klass, campus):  # noqa: F811
    flu = diseases["流感"]
    onset = (TODAY - dt.timedelta(days=1)).isoformat()
    assert (
        apis["teacher"]
        .post(f"{BASE}/cases", {"child": kids[0].pk, "disease": flu.pk, "onset_date": onset})
        .status_code
        == 403
    )
    ids = []
    for child in kids[:3]:
        response = apis["health"].post(f"{BASE}/cases", {"child": child.pk, "disease": flu.pk, "onset_date": onset,
                                                          "symptoms": "发热"})  # fmt: skip
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    case = apis["teacher"].get(f"{BASE}/cases/{ids[0]}").json()
    assert case["isolation_until"] == (TODAY + dt.timedelta(days=5)).isoformat() and case["disinfection"]
    assert case["outbreaks"]
    response = multipart(apis["health"], f"{BASE}/cases/{ids[0]}/return",
                         {"returned_on": TODAY.isoformat(), "certificate_date": TODAY.isoformat(), "certificate": png()})  # fmt: skip
    assert response.status_code == 422 and "returned_on" in response.json()["errors"]
    assert DiseaseCase.objects.get(pk=ids[0]).status == "isolating"

    alerts = apis["principal"].get(f"{BASE}/outbreaks").json()
    assert (
        alerts["count"] == 1
        and alerts["items"][0]["case_count"] == 3
        and alerts["items"][0]["status"] == "open"
    )
    alert_id = alerts["items"][0]["id"]
    response = apis["health"].post(f"{BASE}/outbreaks/{alert_id}/report", {"reported_to": "区疾控中心",
                                                                          "measures": "终末消毒"})  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "reported"
    assert OutbreakAlert.objects.get().reported_to == "区疾控中心"

    proposed = apis["health"].get(f"{BASE}/quarantines", {"status": "proposed"}).json()["items"]
    assert len(proposed) == 1
    response = apis["health"].post(f"{BASE}/quarantines/{proposed[0]['id']}/confirm", {})
    assert response.json()["active"]
    # enrolling a child into the class through the children API is refused
    response = apis["principal"].post("c/main/children", {"name": "新同学", "sex": "F",
                                                          "birth_date": "2022-03-01", "school_class": klass.pk})  # fmt: skip
    assert response.status_code == 422 and "school_class" in response.json()["errors"]

    task = case["disinfection"]
    response = multipart(
        apis["childcare"], f"{BASE}/disinfection/terminal/{task}/done", {"method": "含氯消毒液擦拭"}
    )
    assert response.status_code == 422 and "photos" in response.json()["errors"]
    response = multipart(apis["childcare"], f"{BASE}/disinfection/terminal/{task}/done",
                         {"method": "含氯消毒液擦拭", "photos": png()})  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert apis["cook"].get(f"{BASE}/cases").status_code == 403


def test_diseases_tests_and_education(apis, klass, campus):  # noqa: F811
    assert apis["teacher"].post(f"{BASE}/diseases/seed").status_code == 403
    assert len(apis["health"].post(f"{BASE}/diseases/seed").json()) >= 10
    response = apis["health"].post(f"{BASE}/diseases", {"name": "甲型肝炎", "isolation_days": 21})
    assert response.status_code == 201
    response = apis["health"].patch(f"{BASE}/diseases/{response.json()['id']}", {"name": "甲型肝炎",
                                                                                 "isolation_days": 30})  # fmt: skip
    assert response.json()["isolation_days"] == 30

    response = apis["childcare"].post(f"{BASE}/disinfection/tests", {"purpose": "桌面", "measured": "100"})
    failed = response.json()
    assert response.status_code == 201 and not failed["passed"] and failed["target_min"] == "250.0"
    assert apis["childcare"].get(f"{BASE}/disinfection/tests", {"awaiting_redo": True}).json()["count"] == 1
    response = apis["childcare"].post(
        f"{BASE}/disinfection/tests", {"measured": "300", "redo_of": failed["id"]}
    )
    assert response.json()["passed"] and response.json()["redo_of"] == failed["id"]
    assert apis["childcare"].get(f"{BASE}/disinfection/tests", {"awaiting_redo": True}).json()["count"] == 0

    response = multipart(apis["teacher"], f"{BASE}/education/lessons",
                         {"school_class": klass.pk, "date": TODAY.isoformat(), "topic": "洗手", "photos": png()})  # fmt: skip
    assert response.status_code == 201 and response.json()["teacher_name"]
    month = TODAY.strftime("%Y-%m")
    grid = (
        apis["teacher"].get(f"{BASE}/education/lessons/grid", {"date_from": month, "date_to": month}).json()
    )
    assert grid["rows"][0]["counts"] == [1]
    response = multipart(
        apis["health"], f"{BASE}/education/board", {"date": TODAY.isoformat(), "topic": "防流感"}
    )
    assert response.status_code == 422
    response = multipart(apis["health"], f"{BASE}/education/board",
                         {"date": TODAY.isoformat(), "topic": "防流感", "photos": png()})  # fmt: skip
    assert response.status_code == 201
    assert apis["childcare"].post(f"{BASE}/education/board/{response.json()['id']}/void",
                                  {"reason": "x"}).status_code == 403  # fmt: skip
