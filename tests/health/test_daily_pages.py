# ruff: noqa: F811  (pytest fixtures imported from daily_helpers)
"""The daily pages: quick entry for attendance and checks (also within a fixed number of
queries for 40 children), follow-up, observation, lists, summary, print, export, the
dashboard cards, permissions and campus isolation."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from houqin.core.models import CampusSettings
from houqin.core.roles import Role
from houqin.health import daily_services as services
from houqin.health.models import AbsenceFollowUp, AttendanceRecord, ClassAttendance, HealthCheck
from tests import factories as f
from tests.conftest import login
from tests.health.daily_helpers import (  # noqa: F401
    cook,
    health,
    klass,
    make_class,
    make_term,
    teacher,
    term,
    today,
)

pytestmark = pytest.mark.django_db


def url(name, campus="main", **kwargs):
    return reverse(f"health:{name}", kwargs={"campus": campus, **kwargs})


def test_attendance_quick_entry(klass, teacher, today):
    cls, kids = klass
    client = login(teacher)
    page = url("daily_attendance_take", class_pk=cls.pk) + f"?date={today}"
    response = client.get(page)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="child-row"') == 5
    response = client.post(page, {"date": today.isoformat(), f"a_{kids[0].pk}": "1", f"r_{kids[0].pk}": "sick",
                                  f"n_{kids[0].pk}": "发烧", "note": ""})  # fmt: skip
    assert response.status_code == 302
    roll = ClassAttendance.objects.get()
    assert (roll.present_count, roll.absent_count, roll.sick_count) == (4, 1, 1)
    again = client.get(page).content.decode()
    assert 'data-testid="roll-taken"' in again and f'name="a_{kids[0].pk}" value="1" checked' in again


def test_attendance_quick_entry_shows_errors_and_keeps_the_input(klass, teacher, today):
    cls, kids = klass
    client = login(teacher)
    page = url("daily_attendance_take", class_pk=cls.pk)
    response = client.post(
        page, {"date": today.isoformat(), f"a_{kids[0].pk}": "1", f"n_{kids[0].pk}": "没说原因"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "没说原因" in body and 'data-testid="errors"' in body
    assert not ClassAttendance.objects.exists()


def test_attendance_refused_on_non_school_day_and_future(klass, teacher, term, today):
    cls, _kids = klass
    client = login(teacher)
    day = term.start_date - dt.timedelta(days=2)
    response = client.get(url("daily_attendance_take", class_pk=cls.pk) + f"?date={day}")
    assert 'data-testid="not-school-day"' in response.content.decode()
    assert 'data-testid="attendance-form"' not in response.content.decode()
    response = client.post(url("daily_attendance_take", class_pk=cls.pk), {"date": day.isoformat()})
    assert response.status_code == 400
    assert gettext("%(day)s is not a school day of the campus calendar: nothing is recorded.") % {
        "day": day
    } in (response.content.decode())
    future = today + dt.timedelta(days=1)
    response = client.post(url("daily_attendance_take", class_pk=cls.pk), {"date": future.isoformat()})
    assert response.status_code == 400 and not ClassAttendance.objects.exists()


def _big_class(campus, n=40):
    cls, kids = make_class(campus, n, name="大一班")
    return cls, kids


def test_attendance_page_queries_are_bounded(campus, term, teacher, today, django_assert_max_num_queries):
    cls, kids = _big_class(campus)
    client = login(teacher)
    page = url("daily_attendance_take", class_pk=cls.pk) + f"?date={today}"
    client.get(page)  # warm caches (content types, settings)
    with django_assert_max_num_queries(20):
        assert client.get(page).status_code == 200
    data = {"date": today.isoformat()}
    for k in kids[:6]:
        data[f"a_{k.pk}"], data[f"r_{k.pk}"] = "1", "sick"
    with django_assert_max_num_queries(45):
        assert client.post(page, data).status_code == 302
    assert AttendanceRecord.objects.count() == 40 and AbsenceFollowUp.objects.count() == 6
    with django_assert_max_num_queries(20):
        assert client.get(page).status_code == 200


def test_check_page_queries_are_bounded(campus, term, health, today, django_assert_max_num_queries):
    cls, kids = _big_class(campus)
    client = login(health)
    page = url("daily_check_take", class_pk=cls.pk, session="morning") + f"?date={today}"
    client.get(page)
    with django_assert_max_num_queries(20):
        assert client.get(page).status_code == 200
    data = {"date": today.isoformat()}
    for k in kids[:8]:
        data[f"x_{k.pk}"], data[f"g_{k.pk}"], data[f"s_{k.pk}"], data[f"o_{k.pk}"] = (
            "1",
            "yellow",
            "咳嗽",
            "observe",
        )
    with django_assert_max_num_queries(45):
        assert client.post(page, data).status_code == 302
    assert HealthCheck.objects.count() == 8
    with django_assert_max_num_queries(20):
        assert client.get(page).status_code == 200


def test_check_quick_entry_sends_a_child_home(klass, health, today):
    cls, kids = klass
    client = login(health)
    page = url("daily_check_take", class_pk=cls.pk, session="morning")
    k = kids[0].pk
    response = client.post(page, {"date": today.isoformat(), f"x_{k}": "1", f"t_{k}": "38.3", f"g_{k}": "yellow",
                                  f"f_{k}_touch_abnormal": "1", f"o_{k}": "none"})  # fmt: skip
    assert response.status_code == 400  # fever without an action
    assert not HealthCheck.objects.exists()
    response = client.post(page, {"date": today.isoformat(), f"x_{k}": "1", f"t_{k}": "38.3", f"g_{k}": "yellow",
                                  f"f_{k}_touch_abnormal": "1", f"o_{k}": "sent_home", f"ip_{k}": "妈妈",
                                  f"ih_{k}": "phone", f"ia_{k}": "08:15"})  # fmt: skip
    assert response.status_code == 302
    check = HealthCheck.objects.get()
    assert check.fever and check.touch_abnormal and check.outcome == "sent_home"
    detail = client.get(url("daily_check_detail", pk=check.pk))
    assert 'data-testid="leaving-form"' in detail.content.decode()
    response = client.post(url("daily_check_leaving", pk=check.pk), {"collected_by": "妈妈", "left_at": ""})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.left_at is not None and check.collected_by == "妈妈"
    response = client.post(url("daily_check_void", pk=check.pk), {"reason": "录错"})
    check.refresh_from_db()
    assert check.voided_at is not None


def test_class_teacher_does_not_see_isolation_buttons(klass, teacher, today):
    cls, kids = klass
    body = login(teacher).get(url("daily_check_take", class_pk=cls.pk, session="morning")).content.decode()
    assert f'name="o_{kids[0].pk}" id="o_{kids[0].pk}_observe"' in body
    assert f'id="o_{kids[0].pk}_sent_home"' not in body


def test_followup_page(klass, teacher, health, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    follow = AbsenceFollowUp.objects.get()
    client = login(health)
    body = client.get(url("daily_followup_detail", pk=follow.pk)).content.decode()
    assert f"?child={kids[0].pk}&amp;date={today}" in body  # the link to record an infectious disease case
    contacted = timezone.localtime().strftime("%H:%M")
    response = client.post(url("daily_followup_detail", pk=follow.pk), {"symptoms": ""})
    assert response.status_code == 400
    response = client.post(url("daily_followup_detail", pk=follow.pk), {
        "symptoms": "发热38.5℃", "diagnosis": "疱疹性咽峡炎", "infectious_suspected": "on",
        "expected_return": (today + dt.timedelta(days=3)).isoformat(), "contacted_person": "妈妈",
        "contact_method": "phone", "contacted_at": contacted, "note": "",
    })  # fmt: skip
    assert response.status_code == 302
    follow.refresh_from_db()
    assert follow.status == "done" and follow.infectious_suspected and follow.completed_by == health
    assert timezone.localtime(follow.contacted_at).strftime("%H:%M") == contacted
    listing = client.get(url("daily_followup_list") + "?status=done").content.decode()
    assert kids[0].name in listing


def test_followup_page_needs_the_permission_to_post(klass, teacher, make_member, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    follow = AbsenceFollowUp.objects.get()
    childcare = login(make_member(Role.CHILDCARE_WORKER, username="d-care"))
    assert childcare.get(url("daily_followup_detail", pk=follow.pk)).status_code == 200
    assert childcare.post(url("daily_followup_detail", pk=follow.pk), {"symptoms": "x"}).status_code == 403


def test_observation_class_page(klass, teacher, today):
    cls, kids = klass
    client = login(teacher)
    page = url("daily_observation_class", class_pk=cls.pk)
    assert client.get(page).status_code == 200
    response = client.post(page, {"date": today.isoformat(), "child": kids[0].pk, "aspect": "sleep",
                                  "finding": "午睡入睡困难", "is_abnormal": "on", "action": "安抚"})  # fmt: skip
    assert response.status_code == 302
    body = client.get(page).content.decode()
    assert "午睡入睡困难" in body
    from houqin.health.models import ObservationNote

    note = ObservationNote.objects.get()
    client.post(page, {"void": note.pk, "reason": "写错", "date": today.isoformat()})
    note.refresh_from_db()
    assert note.voided_at is not None


def test_overviews_summary_print_and_export(klass, teacher, health, member, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    services.check_take(actor=health, school_class=cls, date=today, session="morning",
                        exceptions={kids[1].pk: {"tag": "green"}})  # fmt: skip
    client = login(member)
    body = client.get(url("daily_attendance_overview")).content.decode()
    assert 'data-taken="1"' in body
    assert client.get(url("daily_check_overview")).status_code == 200
    body = client.get(url("daily_summary") + f"?date={today}").content.decode()
    assert 'data-testid="summary-row"' in body and kids[0].name in body
    assert client.get(url("daily_summary") + f"?date={today}&class={cls.pk}").status_code == 200
    assert kids[0].name in client.get(url("daily_summary_print") + f"?date={today}").content.decode()
    response = client.get(url("daily_attendance_export") + f"?month={today:%Y-%m}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    flat = [v for row in values for v in row if v is not None]
    assert kids[0].name in flat and "病" in flat and "√" in flat
    for name in (
        "daily_attendance_list",
        "daily_followup_list",
        "daily_check_list",
        "daily_observation_list",
    ):
        assert client.get(url(name)).status_code == 200, name
    roll = ClassAttendance.objects.get()
    detail = client.get(url("daily_attendance_detail", pk=roll.pk)).content.decode()
    assert 'data-testid="absence-row"' in detail and 'data-testid="history-table"' in detail


def test_permissions_and_isolation(klass, teacher, cook, outsider, campus, other_campus, today):
    cls, kids = klass
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    follow = AbsenceFollowUp.objects.get()
    cook_client = login(cook)
    for path in (url("daily_attendance_overview"), url("daily_attendance_take", class_pk=cls.pk),
                 url("daily_check_take", class_pk=cls.pk, session="morning"), url("daily_summary"),
                 url("daily_followup_detail", pk=follow.pk)):  # fmt: skip
        assert cook_client.get(path).status_code == 403, path
    assert login(outsider).get(url("daily_attendance_take", class_pk=cls.pk)).status_code == 404
    # A class, follow-up or check of another campus is not found here.
    make_term(other_campus)
    other_cls, other_kids = make_class(other_campus, 2, name="外园班")
    client = login(teacher)
    assert client.get(url("daily_attendance_take", class_pk=other_cls.pk)).status_code == 404
    assert client.post(url("daily_attendance_take", class_pk=other_cls.pk), {}).status_code == 404
    principal = f.UserFactory(username="other-principal")
    f.MembershipFactory(user=principal, campus=other_campus, role=Role.PRINCIPAL)
    services.attendance_take(
        actor=principal, school_class=other_cls, date=today, absences={other_kids[0].pk: "sick"}
    )
    foreign = AbsenceFollowUp.objects.get(campus=other_campus)
    assert client.get(url("daily_followup_detail", pk=foreign.pk)).status_code == 404
    services.check_take(actor=principal, school_class=other_cls, date=today, session="morning",
                        exceptions={other_kids[1].pk: {"tag": "green"}})  # fmt: skip
    foreign_check = HealthCheck.objects.get(campus=other_campus)
    assert login(teacher).get(url("daily_check_detail", pk=foreign_check.pk)).status_code == 404
    listing = login(teacher).get(url("daily_followup_list")).content.decode()
    assert other_kids[0].name not in listing and kids[0].name in listing


def test_dashboard_cards(klass, teacher, health, campus, today, monkeypatch):
    from houqin.health import daily_registrations as reg

    cls, kids = klass
    other, _ = make_class(campus, 2, name="中一班")

    class Req:
        pass

    request = Req()
    request.campus = campus
    request.perms = set()
    late = timezone.make_aware(dt.datetime.combine(today, dt.time(10, 0)))
    early = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    monkeypatch.setattr(reg, "_now", lambda: timezone.localtime(early))
    assert reg.attendance_missing_card(request) == []
    monkeypatch.setattr(reg, "_now", lambda: timezone.localtime(late))
    card = reg.attendance_missing_card(request)[0]
    assert card.count == 2
    services.attendance_take(actor=teacher, school_class=cls, date=today, absences={kids[0].pk: "sick"})
    assert reg.attendance_missing_card(request)[0].count == 1
    CampusSettings.objects.update_or_create(
        campus=campus, defaults={"values": {"health.daily.attendance_due": "11:00"}}
    )
    request.campus = type(campus).objects.get(pk=campus.pk)
    assert reg.attendance_missing_card(request) == []
    card = reg.followups_card(request)[0]
    assert card.count == 1 and card.level == "warning"
    follow = AbsenceFollowUp.objects.get()
    follow.date = today - dt.timedelta(days=1)
    follow.save()
    card = reg.followups_card(request)[0]
    assert card.level == "danger" and gettext("overdue") in card.items[0][0]
    services.check_take(actor=health, school_class=cls, date=today, session="morning",
                        exceptions={kids[1].pk: {"temperature": "38.5", "outcome": "isolate", "informed_person": "爸爸",
                                                 "informed_how": "phone", "informed_at": "08:10"}})  # fmt: skip
    assert reg.check_exceptions_card(request)[0].count == 1


def test_dashboard_shows_cards_by_permission(klass, health, member_client, campus, today):
    response = member_client.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert response.status_code == 200
