"""The meals area's demo data builds on a fresh campus and obeys the same rules as real use."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.canteen import meals_demo
from houqin.canteen import meals_services as services
from houqin.canteen.models import CommitteeMeeting, CompanionMeal, ParentSuggestion
from houqin.core.demo import DemoContext
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_rows(campus, make_member):
    users = {
        "principal": make_member(Role.PRINCIPAL, username="d-principal"),
        "logistics": make_member(Role.LOGISTICS_HEAD, username="d-logistics"),
        "duty": make_member(Role.DUTY_ADMIN, username="d-duty"),
        "canteen": make_member(Role.CANTEEN_HEAD, username="d-canteen"),
        "health": make_member(Role.HEALTH_TEACHER, username="d-health"),
    }
    klass = f.SchoolClassFactory(campus=campus, name="小一班")
    ctx = DemoContext(actor=None, organization=campus.organization, campuses={"main": campus}, users=users,
                      classes={("main", "小一班"): klass})  # fmt: skip
    meals_demo.add_demo_rows(ctx)

    records = CompanionMeal.objects.filter(campus=campus)
    leaders = set(records.filter(companion_role="leader").values_list("companion__username", flat=True))
    assert leaders == {"d-principal", "d-logistics", "d-duty"}
    assert records.filter(companion_role="parent").exists()
    today = timezone.localdate()
    school_days = services.school_days_between(
        campus, today - dt.timedelta(days=31), today - dt.timedelta(days=1)
    )
    assert set(records.values_list("date", flat=True)) >= set(
        school_days
    )  # every past school day accompanied
    assert records.filter(issue_status="done").count() >= 3
    assert services.open_companion_issues(campus).count() == 1
    assert all(r.followup_answer for r in records.filter(issue_status="done"))
    meetings = CommitteeMeeting.objects.filter(campus=campus)
    assert meetings.count() == 2 and all(m.parent_representatives for m in meetings)
    suggestions = ParentSuggestion.objects.filter(campus=campus)
    assert suggestions.filter(status="answered").count() >= 4
    assert suggestions.filter(status="open").count() == 2
    assert services.committee_meeting_due(campus) is None or timezone.localdate().day < 6
