"""The growth API: measurements (list by class/child, single and class grid), exams,
cards, void, the z-score calculator, curves and due lists; permissions and isolation."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.health import growth_services as services
from houqin.health.models import Exam, HealthCard, Measurement
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.health.growth_helpers import (  # noqa: F401
    boy,
    childcare,
    class_teacher,
    girl,
    health_teacher,
    make_children,
    months_ago,
    school_class,
)

TODAY = timezone.localdate
BASE = "/api/v1/c/main/health/growth"


@pytest.fixture(autouse=True)
def _no_care(monkeypatch):
    monkeypatch.setattr(services, "_auto_enrol", lambda **kw: None)


@pytest.fixture
def api(health_teacher):  # noqa: F811
    return ApiClient(token_for(health_teacher))


def test_grid_create_and_list(api, campus, school_class, boy, girl):  # noqa: F811
    payload = {
        "school_class": school_class.pk, "measured_on": TODAY().isoformat(),
        "rows": [{"child": boy.pk, "height_cm": "100", "weight_kg": "20.1"},
                 {"child": girl.pk, "height_cm": None, "weight_kg": None}],
    }  # fmt: skip
    response = api.post(f"{BASE}/measurements/grid", payload)
    assert response.status_code == 201, response.json()
    rows = response.json()
    assert len(rows) == 1 and rows[0]["obesity"] is True and rows[0]["obesity_degree"] == "moderate"
    assert rows[0]["whz"] == "3.11" and rows[0]["child_name"] == "张小明"
    listed = api.get(f"{BASE}/measurements", {"school_class": school_class.pk}).json()
    assert listed["count"] == 1
    assert api.get(f"{BASE}/measurements", {"child": girl.pk}).json()["count"] == 0
    # errors keyed by child, nothing saved
    bad = {**payload, "rows": [{"child": girl.pk, "height_cm": "1000", "weight_kg": "16"}]}
    response = api.post(f"{BASE}/measurements/grid", bad)
    assert response.status_code in (400, 422)
    assert f"child_{girl.pk}" in str(response.json())
    assert Measurement.objects.count() == 1


def test_single_measurement_detail_and_void(api, campus, boy):  # noqa: F811
    response = api.post(f"{BASE}/measurements", {"child": boy.pk, "measured_on": TODAY().isoformat(),
                                                 "height_cm": "104.9", "weight_kg": "16.7"})  # fmt: skip
    assert response.status_code == 201
    data = response.json()
    assert data["haz"] == "0.00" and data["reference"] == "wst423"
    mid = data["id"]
    assert api.get(f"{BASE}/measurements/{mid}").json()["id"] == mid
    assert api.post(f"{BASE}/measurements/{mid}/void", {"reason": ""}).status_code in (400, 422)
    response = api.post(f"{BASE}/measurements/{mid}/void", {"reason": "录错"})
    assert response.status_code == 200 and response.json()["is_void"] is True
    assert api.get(f"{BASE}/measurements").json()["count"] == 0
    assert api.get(f"{BASE}/measurements", {"include_void": True}).json()["count"] == 1


def test_exams_and_cards(api, campus, boy):  # noqa: F811
    response = api.post(f"{BASE}/exams", {"child": boy.pk, "exam_date": TODAY().isoformat(), "hb_g_l": 88,
                                          "vision_left": "5.0", "vision_right": "5.0"})  # fmt: skip
    assert response.status_code == 201, response.json()
    exam = response.json()
    assert exam["anaemia"] == "moderate" and exam["passed"] is False
    assert api.get(f"{BASE}/exams", {"anaemia": True}).json()["count"] == 1
    assert api.post(f"{BASE}/exams/{exam['id']}/void", {"reason": "重复"}).json()["is_void"] is True
    response = api.post(f"{BASE}/cards", {"child": boy.pk, "exam_date": TODAY().isoformat(),
                                          "hospital": "西湖区妇幼保健所", "vaccination_checked": True})  # fmt: skip
    assert response.status_code == 201 and response.json()["vaccination_checked"] is True
    assert api.get(f"{BASE}/cards", {"child": boy.pk}).json()["count"] == 1
    card_id = response.json()["id"]
    assert api.post(f"{BASE}/cards/{card_id}/void", {"reason": "作废"}).json()["is_void"] is True
    assert HealthCard.objects.get().is_void and Exam.objects.get().is_void


def test_zscore_calculator(api, campus):
    response = api.get(
        f"{BASE}/zscore", {"sex": "M", "age_months": 48, "height_cm": "104.9", "weight_kg": "13.5"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == "wst423" and data["haz"] == "0.00" and data["waz"] == "-2.00"
    assert data["indicators"]["wfa"]["median"] == 16.7
    who = api.get(f"{BASE}/zscore", {"sex": "F", "birth_date": "2018-01-15", "measured_on": "2026-01-20",
                                     "height_cm": "128", "weight_kg": "26"}).json()  # fmt: skip
    assert who["reference"] == "who" and who["age_months"] == 96 and who["whz"] is None
    assert api.get(f"{BASE}/zscore", {"sex": "X", "age_months": 48, "height_cm": "100"}).status_code in (
        400,
        422,
    )
    assert api.get(f"{BASE}/zscore", {"sex": "M", "height_cm": "100"}).status_code in (400, 422)
    assert Measurement.objects.count() == 0  # nothing saved


def test_curves_and_due(api, campus, boy, girl, health_teacher):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                weight_kg="16.7")  # fmt: skip
    curves = api.get(f"{BASE}/children/{boy.pk}/curves").json()
    assert curves["reference"] == "wst423" and curves["charts"]["hfa"]["points"][0][1] == 104.9
    due = api.get(f"{BASE}/due").json()
    assert {e["child_name"] for e in due["card"]} == {"张小明", "李思琪"}
    assert [e["child_name"] for e in due["measurement"]] == ["李思琪"]


def test_access(campus, other_campus, boy, class_teacher, childcare, health_teacher, make_member):  # noqa: F811
    from houqin.core.roles import Role

    teacher, carer = ApiClient(token_for(class_teacher)), ApiClient(token_for(childcare))
    body = {"child": boy.pk, "measured_on": TODAY().isoformat(), "height_cm": "104.9", "weight_kg": "16.7"}
    assert carer.post(f"{BASE}/measurements", body).status_code == 403
    assert carer.get(f"{BASE}/measurements").status_code == 200
    assert (
        teacher.post(f"{BASE}/exams", {"child": boy.pk, "exam_date": TODAY().isoformat()}).status_code == 403
    )
    response = teacher.post(f"{BASE}/measurements", body)
    assert response.status_code == 201
    mid = response.json()["id"]
    # another campus's health teacher: 404 on this campus, and this campus's ids are unknown on theirs
    other = ApiClient(token_for(make_member(Role.HEALTH_TEACHER, on=other_campus, username="oh")))
    assert other.get(f"{BASE}/measurements").status_code == 404
    other_base = "/api/v1/c/other/health/growth"
    assert other.get(f"{other_base}/measurements/{mid}").status_code == 404
    assert other.post(f"{other_base}/measurements/{mid}/void", {"reason": "x"}).status_code == 404
    assert other.get(f"{other_base}/children/{boy.pk}/curves").status_code == 404
    response = other.post(
        f"{other_base}/measurements", {**body, "measured_on": (TODAY() - dt.timedelta(days=1)).isoformat()}
    )
    assert response.status_code in (400, 422)
    assert Measurement.objects.count() == 1 and not Measurement.objects.get().is_void
    f.ChildFactory(campus=other_campus)
