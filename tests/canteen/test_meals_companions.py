"""Accompanying meals (陪餐): recording, refusals, follow-ups, voiding, the dashboard cards,
the month view, the pages (permissions, isolation, phone form, query bounds)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from houqin.canteen import meals_services as services
from houqin.canteen.meals_registrations import companion_issues_card, companion_missing_card
from houqin.canteen.models import CompanionMeal
from houqin.core.models import AuditEvent, CampusSettings
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db

RATINGS = {"taste": 5, "temperature": 4, "quantity": 5, "hygiene": 4}


def _record(campus, actor, **kwargs):
    kwargs.setdefault("date", timezone.localdate())
    return services.companion_meal_record(actor=actor, campus=campus, **{**RATINGS, **kwargs})


def _url(campus, name, **kwargs):
    return reverse(f"canteen:{name}", kwargs={"campus": campus.code, **kwargs})


def test_leader_records_with_own_login_and_audit(campus, member):
    record = _record(campus, member, observations="饭菜温度适宜")
    assert record.companion == member and record.companion_role == "leader"
    assert record.companion_name == (member.real_name or member.username)
    assert record.issue_status == "" and record.average_rating == 4.5
    assert AuditEvent.objects.filter(action="create", object_id=str(record.pk)).exists()


def test_parent_by_name_and_refusals(campus, member, make_member):
    parent = _record(campus, member, companion_role="parent", companion_name="张三（小一班 张小明爸爸）")
    assert parent.companion is None and parent.companion_display.startswith("张三")
    with pytest.raises(ValidationError) as exc:
        _record(campus, member, companion_role="parent", companion_name=" ")
    assert gettext("Give the parent's name.") in str(exc.value)
    with pytest.raises(ValidationError):  # the same parent twice at one meal
        _record(campus, member, companion_role="parent", companion_name="张三（小一班 张小明爸爸）")
    with pytest.raises(ValidationError):
        _record(campus, member, taste=6)
    with pytest.raises(ValidationError):
        _record(campus, member, taste=0)
    with pytest.raises(ValidationError):  # not in advance
        _record(campus, member, date=timezone.localdate() + dt.timedelta(days=1))
    _record(campus, member)
    with pytest.raises(ValidationError):  # the same leader twice at one meal
        _record(campus, member)
    with pytest.raises(PermissionDenied):
        _record(campus, make_member(Role.COOK))
    assert CompanionMeal.objects.filter(campus=campus).count() == 2


def test_issue_follow_up_assign_answer(campus, member, make_member, other_campus):
    canteen = make_member(Role.CANTEEN_HEAD)
    guard = make_member(Role.GUARD)
    with pytest.raises(ValidationError):  # a follow-up needs a problem
        _record(campus, member, followup_assignee=canteen)
    with pytest.raises(ValidationError):  # the guard does not see the records
        _record(campus, member, issues="汤偏凉", followup_assignee=guard)
    record = _record(campus, member, issues="汤送到班级时偏凉")
    assert record.issue_status == "open" and record.issue_open
    assert list(services.open_companion_issues(campus)) == [record]
    services.companion_followup_assign(actor=member, record=record, assignee=canteen,
                                       due=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    record.refresh_from_db()
    assert record.followup_assignee == canteen
    from houqin.core.models import Notification

    assert Notification.objects.filter(recipient=canteen).exists()
    with pytest.raises(PermissionDenied):  # a cook it was not given to
        services.companion_followup_answer(actor=make_member(Role.COOK), record=record, answer="x")
    with pytest.raises(ValidationError):
        services.companion_followup_answer(actor=canteen, record=record, answer="  ")
    services.companion_followup_answer(actor=canteen, record=record, answer="改用保温桶送餐")
    record.refresh_from_db()
    assert record.issue_status == "done" and record.followup_done_by == canteen and record.followup_done_at
    assert not services.open_companion_issues(campus).exists()
    with pytest.raises(ValidationError):  # nothing open any more
        services.companion_followup_answer(actor=canteen, record=record, answer="again")
    assert AuditEvent.objects.filter(action="followup_done", object_id=str(record.pk)).exists()


def test_void_keeps_the_record(campus, member):
    record = _record(campus, member, issues="有问题")
    with pytest.raises(ValidationError):
        services.companion_meal_void(actor=member, record=record, reason="")
    services.companion_meal_void(actor=member, record=record, reason="记错了日期")
    record.refresh_from_db()
    assert record.is_void and record.void_reason == "记错了日期" and record.voided_by == member
    assert not services.open_companion_issues(campus).exists()
    with pytest.raises(ValidationError):
        services.companion_meal_void(actor=member, record=record, reason="again")
    _record(campus, member)  # the same leader may record again once the wrong one is void


def _request(campus, user, rf):
    from houqin.core.permissions import perms_for_user_on_campus

    request = rf.get("/")
    request.campus, request.user = campus, user
    request.roles, request.perms = perms_for_user_on_campus(user, campus)
    return request


def test_missing_today_card_after_due_time(campus, member, rf, monkeypatch):
    CampusSettings.objects.create(campus=campus, values={"canteen.meals.companion_due_time": "13:00"})
    monday = dt.date(2030, 3, 4)
    before = timezone.make_aware(dt.datetime.combine(monday, dt.time(12, 0)))
    after = timezone.make_aware(dt.datetime.combine(monday, dt.time(13, 30)))
    assert not services.companion_missing_today(campus, before)
    assert services.companion_missing_today(campus, after)
    saturday = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=5), dt.time(14, 0)))
    assert not services.companion_missing_today(campus, saturday)
    monkeypatch.setattr(timezone, "now", lambda: after)
    cards = companion_missing_card(_request(campus, member, rf))
    assert len(cards) == 1 and cards[0].title == gettext("No accompanying meal (陪餐) recorded today")
    services.companion_meal_record(actor=member, campus=campus, date=monday, now=after, **RATINGS)
    assert companion_missing_card(_request(campus, member, rf)) == []


def test_open_issues_card(campus, member, rf, django_assert_max_num_queries):
    request = _request(campus, member, rf)
    assert companion_issues_card(request) == []
    for n in range(3):
        f.CompanionMealFactory(campus=campus, issues=f"问题{n}", issue_status="open")
    f.CompanionMealFactory(campus=campus, issues="void", issue_status="open", is_void=True, void_reason="x")
    with django_assert_max_num_queries(3):
        cards = companion_issues_card(request)
    assert cards[0].count == 3 and len(cards[0].items) == 3


def test_month_view_counts(campus, member):
    monday = dt.date(2025, 3, 3)
    for i, day in enumerate([monday, monday + dt.timedelta(days=1)]):
        services.companion_meal_record(
            actor=member,
            campus=campus,
            date=day,
            now=timezone.now(),
            **RATINGS,
            **({"companion_role": "parent", "companion_name": "家长甲"} if i else {}),
        )
    data = services.companion_month(campus, 2025, 3)
    days = {d["date"]: d for d in data["days"]}
    assert len(days[monday]["records"]) == 1
    assert days[dt.date(2025, 3, 2)]["school_day"] is False  # a Sunday
    assert data["covered_days"] == 2 and data["parent_meals"] == 1
    assert data["school_days"] == 21  # March 2025 has 21 weekdays (no term: Monday–Friday)
    assert days[monday + dt.timedelta(days=2)]["missing"]  # a school day nobody accompanied
    assert not days[dt.date(2025, 3, 8)]["missing"]  # Saturday
    future = services.companion_month(campus, 2030, 3)
    assert future["school_days"] == 0 and not any(d["missing"] for d in future["days"])


# --- Pages ----------------------------------------------------------------------------------


def test_pages_render_and_record_from_phone_form(campus, member, client):
    client.force_login(member)
    for name in ("meals_companion_list", "meals_companion_create", "meals_companion_month"):
        assert client.get(_url(campus, name)).status_code == 200
    klass = f.SchoolClassFactory(campus=campus)
    response = client.post(_url(campus, "meals_companion_create"), {
        "date": timezone.localdate().isoformat(), "meal": "lunch", "companion_role": "leader",
        "school_class": klass.pk, "taste": "5", "temperature": "3", "quantity": "4", "hygiene": "5",
        "observations": "不错", "issues": "汤偏咸",
    })  # fmt: skip
    record = CompanionMeal.objects.get(campus=campus)
    assert response.status_code == 302 and response.url == _url(
        campus, "meals_companion_detail", pk=record.pk
    )
    assert record.temperature == 3 and record.issue_status == "open" and record.school_class == klass
    page = client.get(response.url).content.decode()
    assert "answer-form" in page and "assign-form" in page
    response = client.post(_url(campus, "meals_companion_answer", pk=record.pk), {"answer": "已调淡"})
    record.refresh_from_db()
    assert record.issue_status == "done"
    # a parent without a name: the form says so, nothing saved
    response = client.post(
        _url(campus, "meals_companion_create"),
        {"date": timezone.localdate().isoformat(), "meal": "lunch", "companion_role": "parent", **RATINGS},
    )
    assert (
        response.status_code == 200
        and escape(gettext("Give the parent's name.")) in response.content.decode()
    )
    assert CompanionMeal.objects.count() == 1
    assert client.get(_url(campus, "meals_companion_list") + "?issue=done").status_code == 200


def test_permissions_and_isolation(campus, other_campus, member, make_member, client):
    record = f.CompanionMealFactory(campus=campus)
    elsewhere = f.CompanionMealFactory(campus=other_campus)
    cook = make_member(Role.COOK)  # sees the records, may not record
    guard = make_member(Role.GUARD)
    c = login(cook)
    assert c.get(_url(campus, "meals_companion_list")).status_code == 200
    assert c.get(_url(campus, "meals_companion_create")).status_code == 403
    assert c.post(_url(campus, "meals_companion_void", pk=record.pk), {"void-reason": "x"}).status_code == 403
    assert login(guard).get(_url(campus, "meals_companion_list")).status_code == 403
    client.force_login(member)
    assert client.get(_url(campus, "meals_companion_detail", pk=elsewhere.pk)).status_code == 404
    outsider = make_member(Role.PRINCIPAL, on=other_campus)
    assert login(outsider).get(_url(campus, "meals_companion_list")).status_code == 404
    assert client.get(_url(campus, "meals_companion_detail", pk=record.pk)).status_code == 200


def test_assignee_answers_from_the_page(campus, member, make_member):
    cook = make_member(Role.COOK)
    record = _record(campus, member, issues="米饭偏硬", followup_assignee=cook)
    c = login(cook)
    assert "answer-form" in c.get(_url(campus, "meals_companion_detail", pk=record.pk)).content.decode()
    c.post(_url(campus, "meals_companion_answer", pk=record.pk), {"answer": "加水量调整"})
    record.refresh_from_db()
    assert record.issue_status == "done" and record.followup_done_by == cook
    other_cook = make_member(Role.COOK)
    record2 = _record(campus, member, issues="菜偏咸", date=timezone.localdate() - dt.timedelta(days=1))
    assert login(other_cook).post(_url(campus, "meals_companion_answer", pk=record2.pk),
                                  {"answer": "x"}).status_code == 403  # fmt: skip


def test_list_and_month_queries_are_bounded(campus, member, client, django_assert_max_num_queries):
    client.force_login(member)
    f.CompanionMealFactory.create_batch(5, campus=campus)
    client.get(_url(campus, "meals_companion_month"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(_url(campus, "meals_companion_month"))
    f.CompanionMealFactory.create_batch(40, campus=campus, companion_role="parent")
    with CaptureQueriesContext(connection) as big:
        client.get(_url(campus, "meals_companion_month"))
    assert len(big) == len(small)


def test_home_page_shows_the_cards(campus, member, client):
    f.CompanionMealFactory(campus=campus, issues="汤偏凉", issue_status="open")
    f.ParentSuggestionFactory(campus=campus)
    client.force_login(member)
    page = client.get(reverse("core:dashboard", kwargs={"campus": campus.code})).content.decode()
    assert gettext("Problems found at accompanying meals to follow up") in page
    assert escape(gettext("Parents' suggestions about the meals awaiting an answer")) in page


def test_supervisor_cannot_be_given_a_follow_up(campus, member, organization):
    supervisor = f.UserFactory()
    f.MembershipFactory(user=supervisor, organization=organization, campus=None, role=Role.SUPERVISOR)
    record = _record(campus, member, issues="汤偏凉")
    with pytest.raises(ValidationError):
        services.companion_followup_assign(actor=member, record=record, assignee=supervisor)
