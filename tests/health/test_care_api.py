# ruff: noqa: F811 (pytest fixtures imported from care_helpers)
"""The special-care and health-statistics API: cases (list, detail, create, plan, follow-ups,
void, close, reopen), the blood-pressure due list and the reports; permissions and campus
isolation."""

import datetime as dt

import pytest

from houqin.health import care_services as cs
from houqin.health.models import SpecialCareCase
from tests import factories as f
from tests.health.care_helpers import (  # noqa: F401
    api_client,
    child,
    cook,
    days_ago,
    health_user,
    klass,
    roll_call,
    teacher,
)

pytestmark = pytest.mark.django_db

BASE = "c/main/health"


@pytest.fixture
def api(health_user):
    return api_client(health_user)


def test_case_flow(campus, child, api):
    created = api.post(f"{BASE}/care/cases", {
        "child": child.pk, "category": "anaemia", "severity": "moderate", "detail": "Hb 85 g/L",
        "opened_on": str(days_ago(40)), "plan_diet": "多吃红肉",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    cid = body["id"]
    assert body["source"] == "manual" and body["register_kind"] == "frail" and body["plan_diet"] == "多吃红肉"
    assert body["next_recheck_on"] == str(cs.add_months(days_ago(40), 1))
    # a second open case of the category is refused with the field named
    again = api.post(f"{BASE}/care/cases", {"child": child.pk, "category": "anaemia"})
    assert again.status_code in (400, 422) and "category" in again.content.decode()
    patched = api.patch(f"{BASE}/care/cases/{cid}", {"plan_parents": "按时服铁剂"})
    assert patched.status_code == 200 and patched.json()["plan_parents"] == "按时服铁剂"
    fu = api.post(
        f"{BASE}/care/cases/{cid}/follow-ups", {"date": str(days_ago(2)), "hb_g_l": 118, "note": "复查"}
    )
    assert fu.status_code == 201 and fu.json()["hb_g_l"] == 118
    detail = api.get(f"{BASE}/care/cases/{cid}").json()
    assert detail["latest_result"]["recovered"] is True and len(detail["follow_ups"]) == 1
    bad = api.post(f"{BASE}/care/cases/{cid}/follow-ups", {"bp_systolic": 90})
    assert bad.status_code in (400, 422)
    void = api.post(f"{BASE}/care/cases/{cid}/follow-ups/{fu.json()['id']}/void", {"reason": "录错"})
    assert void.status_code == 200 and void.json()["is_void"] is True
    refused = api.post(f"{BASE}/care/cases/{cid}/close", {"outcome": "recovered"})
    assert refused.status_code in (400, 422) and "note" in refused.content.decode()
    closed = api.post(f"{BASE}/care/cases/{cid}/close", {"outcome": "recovered", "note": "医院复查正常"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    reopened = api.post(f"{BASE}/care/cases/{cid}/reopen", {"reason": "误结案"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"


def test_lists_and_bp_due(campus, klass, api):
    kids = [f.ChildFactory(campus=campus, school_class=klass) for _ in range(3)]
    moderate = cs.auto_enrol(
        actor=None, child=kids[0], category="obesity", severity="moderate", on_date=days_ago(40)
    )
    cs.auto_enrol(actor=None, child=kids[1], category="obesity", severity="mild", on_date=days_ago(40))
    cs.case_open(actor=None, child=kids[2], category="rickets")
    listed = api.get(f"{BASE}/care/cases", {"register_kind": "obese"}).json()
    assert listed["count"] == 2
    assert api.get(f"{BASE}/care/cases", {"register_kind": "frail"}).json()["count"] == 1
    assert api.get(f"{BASE}/care/cases", {"due": "bp"}).json()["count"] == 1
    due = api.get(f"{BASE}/care/bp-due").json()
    assert [c["id"] for c in due["items"]] == [moderate.pk] and due["items"][0]["needs_bp"] is True


def test_reports(campus, klass, api):
    kids = [f.ChildFactory(campus=campus, school_class=klass) for _ in range(5)]
    for day in (dt.date(2025, 3, 3), dt.date(2025, 3, 4)):
        roll_call(klass, kids, day, sick=kids[:1])
    report = api.get(f"{BASE}/reports/attendance", {"month": "2025-03-10"}).json()
    assert report["totals"]["enrolled"] == 10 and report["totals"]["attendance_rate"] == 80.0
    assert report["totals"]["illness_rate"] == 20.0
    assert api.get(f"{BASE}/reports/exams").status_code == 200
    assert (
        api.get(f"{BASE}/reports/growth", {"date_from": "2025-01-01", "date_to": "2025-06-30"}).status_code
        == 200
    )
    bad = api.get(f"{BASE}/reports/growth", {"date_from": "2025-06-01", "date_to": "2025-01-30"})
    assert bad.status_code in (400, 422)
    assert api.get(f"{BASE}/reports/diseases", {"year": 2025}).status_code == 200


def test_permissions_and_isolation(campus, other_campus, child, teacher, cook, make_member):
    case = cs.case_open(actor=None, child=child, category="heart")
    t, c = api_client(teacher), api_client(cook)
    assert t.get(f"{BASE}/care/cases").status_code == 200
    assert t.get(f"{BASE}/care/cases/{case.pk}").status_code == 200
    assert t.get(f"{BASE}/reports/attendance").status_code == 200
    assert t.post(f"{BASE}/care/cases/{case.pk}/close", {"outcome": "moved_away"}).status_code == 403
    assert t.post(f"{BASE}/care/cases", {"child": child.pk, "category": "rickets"}).status_code == 403
    assert c.get(f"{BASE}/care/cases").status_code == 403
    assert c.get(f"{BASE}/reports/attendance").status_code == 403
    outsider = make_member(on=other_campus, username="care-outsider")
    assert api_client(outsider).get(f"{BASE}/care/cases").status_code == 404
    # another campus's case or child through this campus: 404 / field error
    foreign_child = f.ChildFactory(campus=other_campus)
    foreign = cs.case_open(actor=None, child=foreign_child, category="rickets")
    api = api_client(make_member(username="care-principal"))
    assert api.get(f"{BASE}/care/cases/{foreign.pk}").status_code == 404
    assert api.post(f"{BASE}/care/cases/{foreign.pk}/close", {"outcome": "moved_away"}).status_code == 404
    created = api.post(f"{BASE}/care/cases", {"child": foreign_child.pk, "category": "heart"})
    assert created.status_code in (400, 422)
    assert SpecialCareCase.objects.filter(child=foreign_child).count() == 1
