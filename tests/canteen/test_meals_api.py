"""The meals API: accompanying meals with follow-ups, the committee, the generator and the
traceability report — same rules and permissions as the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.canteen.models import CompanionMeal, Menu, ParentSuggestion
from houqin.core.roles import Role
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.canteen.meals_helpers import GROUP, MONDAY, build_library
from tests.canteen.test_meals_trace import DAY, build_scenario

pytestmark = pytest.mark.django_db
BASE = "c/main/canteen"


def api(user):
    return ApiClient(token_for(user))


RATINGS = {"taste": 5, "temperature": 4, "quantity": 5, "hygiene": 5}


def test_companions(campus, member, make_member, other_campus):
    canteen = make_member(Role.CANTEEN_HEAD)
    me = api(member)
    today = timezone.localdate().isoformat()
    response = me.post(f"{BASE}/companions", {"date": today, "issues": "汤偏凉", **RATINGS})
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["companion"] == member.pk and record["issue_status"] == "open"
    # a parent by name; a parent without a name is a 422 with the field
    assert me.post(f"{BASE}/companions", {"date": today, "companion_role": "parent", "companion_name": "家长甲",
                                          **RATINGS}).status_code == 201  # fmt: skip
    bad = me.post(f"{BASE}/companions", {"date": today, "companion_role": "parent", **RATINGS})
    assert bad.status_code == 422
    assert me.post(f"{BASE}/companions", {"date": today, **{**RATINGS, "taste": 7}}).status_code == 422
    # follow-up: assign to the canteen head, who answers
    assert (
        me.post(f"{BASE}/companions/{record['id']}/assign", {"assignee": canteen.pk}).json()[
            "followup_assignee"
        ]
        == canteen.pk
    )
    answered = api(canteen).post(f"{BASE}/companions/{record['id']}/answer", {"answer": "改用保温桶"})
    assert answered.status_code == 200 and answered.json()["issue_status"] == "done"
    listed = me.get(f"{BASE}/companions", {"issue": "done"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == record["id"]
    assert me.get(f"{BASE}/companions").json()["count"] == 2
    month = me.get(f"{BASE}/companions/month").json()
    day = next(d for d in month["days"] if d["date"] == today)
    assert {r["companion"] for r in day["records"]} == {member.real_name or member.username, "家长甲"}
    voided = me.post(f"{BASE}/companions/{record['id']}/void", {"reason": "记错"}).json()
    assert voided["is_void"] and me.get(f"{BASE}/companions").json()["count"] == 1
    # permissions and isolation
    cook = api(make_member(Role.COOK))
    assert cook.get(f"{BASE}/companions").status_code == 200
    assert cook.post(f"{BASE}/companions", {"date": today, **RATINGS}).status_code == 403
    assert api(make_member(Role.GUARD)).get(f"{BASE}/companions").status_code == 403
    elsewhere = f.CompanionMealFactory(campus=other_campus)
    assert me.get(f"{BASE}/companions/{elsewhere.pk}").status_code == 404
    outsider = api(make_member(Role.PRINCIPAL, on=other_campus))
    assert outsider.get(f"{BASE}/companions").status_code == 404
    assert CompanionMeal.objects.filter(campus=campus).count() == 2


def test_committee(campus, member, make_member):
    me = api(member)
    response = me.post(f"{BASE}/committee/meetings", {
        "date": timezone.localdate().isoformat(), "topic": "例会", "attendees": "王丽华, 周慧",
        "parent_representatives": "张晓梅", "minutes": "审议食谱",
        "suggestions": [{"from_name": "张晓梅", "content": "水果多样"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["attendee_count"] == 3 and len(meeting["suggestions"]) == 1
    suggestion = meeting["suggestions"][0]
    assert me.get(f"{BASE}/committee/suggestions", {"status": "open"}).json()["count"] == 1
    answered = me.post(f"{BASE}/committee/suggestions/{suggestion['id']}/answer", {"answer": "已调整"}).json()
    assert answered["status"] == "answered" and answered["answered_by"] == member.pk
    created = me.post(f"{BASE}/committee/suggestions", {"received_on": timezone.localdate().isoformat(),
                                                        "from_name": "李四", "content": "少盐"})  # fmt: skip
    assert created.status_code == 201 and created.json()["channel"] == "box"
    patched = me.patch(f"{BASE}/committee/meetings/{meeting['id']}", {"minutes": "审议食谱，通过"}).json()
    assert patched["minutes"] == "审议食谱，通过"
    status = me.get(f"{BASE}/committee/status").json()
    assert status["open_suggestions"] == 1
    cook = api(make_member(Role.COOK))
    assert (
        cook.post(f"{BASE}/committee/suggestions/{created.json()['id']}/answer", {"answer": "x"}).status_code
        == 403
    )
    assert ParentSuggestion.objects.filter(campus=campus).count() == 2


def test_generator_propose_save_and_generate(campus, member, make_member):
    build_library(campus)
    from houqin.core.models import CampusSettings

    CampusSettings.objects.create(campus=campus, values={"nutrition.day_share_pct": 50})
    health = api(make_member(Role.HEALTH_TEACHER))
    proposal = health.post(
        f"{BASE}/generator/propose", {"week_start": MONDAY.isoformat(), "age_group": GROUP}
    )
    assert proposal.status_code == 200, proposal.content
    data = proposal.json()
    assert len(data["items"]) == 35 and data["cost_per_day"] > 0 and data["token"]
    assert not Menu.objects.exists()
    saved = health.post(f"{BASE}/generator/save", {"token": data["token"]})
    assert saved.status_code == 201 and saved.json()["items"] == 35
    menu = Menu.objects.get(pk=saved.json()["menu"])
    assert menu.generated and menu.status == "draft"
    again = health.post(f"{BASE}/generator/save", {"token": data["token"]})
    assert again.status_code == 422 and again.json()["detail"]
    generated = health.post(f"{BASE}/generator/generate", {"week_start": (MONDAY + dt.timedelta(days=7)).isoformat(),
                                                           "age_group": GROUP})  # fmt: skip
    assert generated.status_code == 201 and generated.json()["status"] == "draft"
    # infeasible: a clear 422
    bad = health.post(f"{BASE}/generator/propose", {"week_start": MONDAY.isoformat(), "age_group": "1-3"})
    assert bad.status_code == 422 and bad.json()["detail"]
    assert (
        api(make_member(Role.COOK))
        .post(f"{BASE}/generator/propose", {"week_start": MONDAY.isoformat(), "age_group": GROUP})
        .status_code
        == 403
    )


def test_trace(campus, member, make_member):
    build_scenario(campus)
    health = api(make_member(Role.HEALTH_TEACHER))
    data = health.get(f"{BASE}/trace", {"date": DAY.isoformat(), "meal": "lunch"}).json()
    assert {d["name"] for d in data["dishes"]} == {"清炒青菜", "番茄炒蛋"}
    assert {b["number"] for b in data["batches"]} == {"PC-GREENS", "PC-EGG"}
    assert data["findings"] and any(not s["certificate_valid"] for s in data["staff"])
    assert api(make_member(Role.COOK)).get(f"{BASE}/trace", {"date": DAY.isoformat()}).status_code == 403
    assert health.get(f"{BASE}/trace", {"date": DAY.isoformat(), "meal": "tea"}).status_code == 422
