"""The dietary committee (膳委会): meetings with suggestions, answers, voiding, the monthly
reminder, the pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.canteen import meals_services as services
from houqin.canteen.meals_registrations import committee_due_card, open_suggestions_card
from houqin.canteen.models import CommitteeMeeting, ParentSuggestion
from houqin.core.models import AuditEvent, CampusSettings
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _url(campus, name, **kwargs):
    return reverse(f"canteen:{name}", kwargs={"campus": campus.code, **kwargs})


def _meeting(campus, actor, **kwargs):
    data = {"date": timezone.localdate(), "topic": "例会", "attendees": "王丽华, 周慧", "minutes": "审议食谱",
            "parent_representatives": "张晓梅（小一班）, 李建华（中一班）"}  # fmt: skip
    return services.meeting_record(actor=actor, campus=campus, **{**data, **kwargs})


def test_meeting_with_suggestions_and_answers(campus, member, make_member):
    health = make_member(Role.HEALTH_TEACHER)
    meeting = _meeting(campus, health, suggestions=[{"from_name": "张晓梅", "content": "水果多样一些"},
                                                     {"from_name": "李建华", "content": "注意保温"}])  # fmt: skip
    assert meeting.attendee_count == 4 and meeting.parent_count == 2
    suggestions = list(meeting.suggestions.order_by("id"))
    assert [s.channel for s in suggestions] == ["meeting", "meeting"]
    assert all(s.received_on == meeting.date and s.status == "open" for s in suggestions)
    assert list(services.open_suggestions(campus)) == suggestions
    services.suggestion_answer(actor=member, suggestion=suggestions[0], answer="每周4种水果")
    suggestions[0].refresh_from_db()
    assert suggestions[0].status == "answered" and suggestions[0].answered_by == member
    assert suggestions[0].answered_at is not None
    assert list(services.open_suggestions(campus)) == [suggestions[1]]
    with pytest.raises(ValidationError):
        services.suggestion_answer(actor=member, suggestion=suggestions[1], answer=" ")
    services.suggestion_void(actor=member, suggestion=suggestions[1], reason="重复登记")
    assert not services.open_suggestions(campus).exists()
    with pytest.raises(ValidationError):
        services.suggestion_answer(actor=member, suggestion=suggestions[1], answer="x")
    assert AuditEvent.objects.filter(action="answer", object_id=str(suggestions[0].pk)).exists()


def test_meeting_refusals_and_update(campus, member, make_member):
    with pytest.raises(ValidationError):
        _meeting(campus, member, attendees=" , ")
    with pytest.raises(ValidationError):
        _meeting(campus, member, date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        _meeting(campus, make_member(Role.COOK))
    meeting = _meeting(campus, member)
    services.meeting_update(actor=member, meeting=meeting, data={"minutes": "审议食谱，通过"})
    meeting.refresh_from_db()
    assert meeting.minutes == "审议食谱，通过"
    event = AuditEvent.objects.filter(action="update", object_id=str(meeting.pk)).get()
    assert event.after == {"minutes": "审议食谱，通过"}
    services.meeting_void(actor=member, meeting=meeting, reason="重复")
    with pytest.raises(ValidationError):
        services.meeting_update(actor=member, meeting=meeting, data={"minutes": "x"})
    with pytest.raises(ValidationError):  # a void meeting takes no suggestion
        services.suggestion_record(actor=member, campus=campus, received_on=meeting.date, from_name="a",
                                   content="b", meeting=meeting)  # fmt: skip


def test_reminder_when_no_meeting_this_month(campus, member, rf):
    today = dt.date(2030, 3, 20)
    assert services.committee_meeting_due(campus, today) == dt.date(2030, 3, 1)
    assert (
        services.committee_meeting_due(campus, dt.date(2030, 3, 10)) is None
    )  # before the reminder day (15)
    f.CommitteeMeetingFactory(campus=campus, date=dt.date(2030, 2, 25))  # last month does not count
    assert services.committee_meeting_due(campus, today) == dt.date(2030, 3, 1)
    meeting = f.CommitteeMeetingFactory(campus=campus, date=dt.date(2030, 3, 5))
    assert services.committee_meeting_due(campus, today) is None
    meeting.is_void, meeting.void_reason = True, "x"
    meeting.save()
    assert services.committee_meeting_due(campus, today) is not None
    # every two months (a campus setting): February's meeting covers March
    CampusSettings.objects.create(campus=campus, values={"canteen.meals.committee_interval_months": 2,
                                                         "canteen.meals.committee_remind_day": 1})  # fmt: skip
    campus.__dict__.pop("_settings_cache", None)
    assert services.committee_meeting_due(campus, today) is None
    assert services.committee_meeting_due(campus, dt.date(2030, 5, 2)) == dt.date(2030, 4, 1)


def test_dashboard_cards(campus, member, rf, monkeypatch):
    from houqin.core.permissions import perms_for_user_on_campus

    request = rf.get("/")
    request.campus, request.user = campus, member
    request.roles, request.perms = perms_for_user_on_campus(member, campus)
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2030, 3, 20))
    cards = committee_due_card(request)
    assert len(cards) == 1 and cards[0].url.endswith("/committee/new/")
    f.CommitteeMeetingFactory(campus=campus, date=dt.date(2030, 3, 18))
    assert committee_due_card(request) == []
    assert open_suggestions_card(request) == []
    f.ParentSuggestionFactory.create_batch(2, campus=campus)
    assert open_suggestions_card(request)[0].count == 2


def test_pages(campus, member, client):
    client.force_login(member)
    for name in (
        "meals_meeting_list",
        "meals_meeting_create",
        "meals_suggestion_list",
        "meals_suggestion_create",
    ):
        assert client.get(_url(campus, name)).status_code == 200
    response = client.post(_url(campus, "meals_meeting_create"), {
        "date": timezone.localdate().isoformat(), "topic": "三月例会", "attendees": "王丽华，周慧",
        "parent_representatives": "张晓梅", "minutes": "审议食谱", "suggestions": "张晓梅：水果多样一些\n李四:注意保温",
    })  # fmt: skip
    meeting = CommitteeMeeting.objects.get(campus=campus)
    assert response.status_code == 302
    assert meeting.suggestions.count() == 2
    page = client.get(_url(campus, "meals_meeting_detail", pk=meeting.pk)).content.decode()
    assert "水果多样一些" in page
    suggestion = meeting.suggestions.order_by("id").first()
    client.post(_url(campus, "meals_suggestion_answer", pk=suggestion.pk), {"answer": "已调整"})
    suggestion.refresh_from_db()
    assert suggestion.status == "answered"
    # a suggestion line without a name is refused with its line number, nothing saved
    response = client.post(
        _url(campus, "meals_meeting_create"),
        {
            "date": timezone.localdate().isoformat(),
            "topic": "x",
            "attendees": "a",
            "minutes": "m",
            "suggestions": "没有名字的意见",
        },
    )
    assert response.status_code == 200 and CommitteeMeeting.objects.count() == 1
    response = client.post(
        _url(campus, "meals_meeting_update", pk=meeting.pk),
        {
            "date": meeting.date.isoformat(),
            "topic": "三月例会（修订）",
            "attendees": "王丽华",
            "minutes": "审议",
        },
    )
    meeting.refresh_from_db()
    assert meeting.topic == "三月例会（修订）"
    client.post(
        _url(campus, "meals_suggestion_create") + f"?meeting={meeting.pk}",
        {
            "received_on": meeting.date.isoformat(),
            "channel": "meeting",
            "from_name": "王五",
            "content": "少放盐",
        },
    )
    assert ParentSuggestion.objects.filter(meeting=meeting, from_name="王五").exists()
    assert client.get(_url(campus, "meals_suggestion_list") + "?status=open").status_code == 200


def test_permissions_and_isolation(campus, other_campus, make_member, member):
    meeting = f.CommitteeMeetingFactory(campus=campus)
    elsewhere = f.CommitteeMeetingFactory(campus=other_campus)
    suggestion = f.ParentSuggestionFactory(campus=campus)
    cook = login(make_member(Role.COOK))
    assert cook.get(_url(campus, "meals_meeting_list")).status_code == 200
    assert cook.get(_url(campus, "meals_meeting_create")).status_code == 403
    assert (
        cook.post(_url(campus, "meals_suggestion_answer", pk=suggestion.pk), {"answer": "x"}).status_code
        == 403
    )
    assert login(make_member(Role.CLASS_TEACHER)).get(_url(campus, "meals_meeting_list")).status_code == 403
    me = login(member)
    assert me.get(_url(campus, "meals_meeting_detail", pk=elsewhere.pk)).status_code == 404
    assert me.get(_url(campus, "meals_meeting_detail", pk=meeting.pk)).status_code == 200
    assert (
        login(make_member(Role.PRINCIPAL, on=other_campus))
        .get(_url(campus, "meals_suggestion_list"))
        .status_code
        == 404
    )
