"""The duty roster: shifts, drawing up a month in turn, swaps approved through
core.approvals (the roster changes on approval, audited), today's duty on the dashboard."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.core import approvals
from houqin.core.models import AuditEvent, Holiday
from houqin.safety import services
from houqin.safety.models import DutySwap
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db
D = dt.date


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


def test_swap_via_approval_changes_the_roster(campus, people):
    shift = f.DutyShiftFactory(campus=campus, date=tomorrow(), person=people["duty"])
    swap = services.duty_swap_request(
        actor=people["duty"], shift=shift, replacement=people["principal"], reason="参加培训"
    )
    assert swap.status == DutySwap.Status.PENDING
    approval = approvals.current_request(swap)
    assert approval.kind == services.DUTY_SWAP_KIND and approval.current_role == "logistics_head"
    with pytest.raises(ValidationError):  # one pending swap per shift
        services.duty_swap_request(actor=people["duty"], shift=shift, replacement=people["head"], reason="x")
    approvals.approve(actor=people["head"], approval=approval, comment="同意")
    shift.refresh_from_db()
    swap.refresh_from_db()
    assert shift.person == people["principal"] and swap.status == DutySwap.Status.APPROVED
    assert AuditEvent.objects.filter(action="duty_swap", object_id=str(shift.pk)).exists()


def test_exchange_of_two_shifts(campus, people):
    mine = f.DutyShiftFactory(campus=campus, date=tomorrow(), person=people["duty"])
    theirs = f.DutyShiftFactory(campus=campus, date=tomorrow() + dt.timedelta(days=3), person=people["guard"])
    swap = services.duty_swap_request(
        actor=people["duty"], shift=mine, replacement=people["guard"], other_shift=theirs, reason="换班"
    )
    approvals.approve(actor=people["head"], approval=approvals.current_request(swap))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.person == people["guard"] and theirs.person == people["duty"]


def test_rejected_or_withdrawn_swaps_leave_the_roster(campus, people):
    shift = f.DutyShiftFactory(campus=campus, date=tomorrow(), person=people["duty"])
    swap = services.duty_swap_request(
        actor=people["duty"], shift=shift, replacement=people["guard"], reason="有事"
    )
    approvals.reject(actor=people["head"], approval=approvals.current_request(swap), comment="人手不足")
    shift.refresh_from_db()
    swap.refresh_from_db()
    assert shift.person == people["duty"] and swap.status == DutySwap.Status.REJECTED
    swap = services.duty_swap_request(
        actor=people["duty"], shift=shift, replacement=people["guard"], reason="有事"
    )
    services.duty_swap_withdraw(actor=people["duty"], swap=swap)
    swap.refresh_from_db()
    assert swap.status == DutySwap.Status.WITHDRAWN


def test_only_the_person_on_duty_asks_and_not_for_the_past(campus, people):
    shift = f.DutyShiftFactory(campus=campus, date=tomorrow(), person=people["duty"])
    with pytest.raises(PermissionDenied):
        services.duty_swap_request(actor=people["guard"], shift=shift, replacement=people["head"], reason="x")
    past = f.DutyShiftFactory(
        campus=campus, date=timezone.localdate() - dt.timedelta(days=1), person=people["duty"]
    )
    with pytest.raises(ValidationError):
        services.duty_swap_request(actor=people["duty"], shift=past, replacement=people["head"], reason="x")
    with pytest.raises(ValidationError):
        services.duty_swap_request(actor=people["duty"], shift=shift, replacement=people["duty"], reason="x")
    with pytest.raises(ValidationError):
        services.duty_swap_request(actor=people["duty"], shift=shift, replacement=people["head"], reason="")
    assert not DutySwap.objects.exists()


def test_swap_pages(campus, people):
    shift = f.DutyShiftFactory(campus=campus, date=tomorrow(), person=people["duty"])
    duty = login(people["duty"])
    assert duty.get(url(campus, "duty_detail", pk=shift.pk)).context["can_swap"]
    response = duty.post(
        url(campus, "duty_swap_create", pk=shift.pk),
        {"replacement": people["principal"].pk, "reason": "培训"},
    )
    swap = DutySwap.objects.get()
    assert response["Location"] == url(campus, "duty_swap_detail", pk=swap.pk)
    assert login(people["guard"]).get(url(campus, "duty_swap_create", pk=shift.pk)).status_code == 403
    page = duty.get(url(campus, "duty_swap_detail", pk=swap.pk))
    assert page.context["can_withdraw"] and page.context["rounds"]
    duty.post(url(campus, "duty_swap_withdraw", pk=swap.pk))
    swap.refresh_from_db()
    assert swap.status == DutySwap.Status.WITHDRAWN


def test_fill_month_in_turn_with_holidays(campus, people):
    term = f.TermFactory(campus=campus, start_date=D(2026, 9, 1), end_date=D(2027, 1, 22))
    f.HolidayFactory(term=term, name="国庆节", start_date=D(2026, 10, 1), end_date=D(2026, 10, 7))
    f.HolidayFactory(
        term=term, name="调休", kind=Holiday.Kind.MAKEUP, start_date=D(2026, 10, 10), end_date=D(2026, 10, 10)
    )
    admins = [people["duty"], people["principal"]]
    created = services.duty_fill_month(
        actor=people["head"], campus=campus, month=D(2026, 10, 15), kind="admin", people=admins,
        start_time=dt.time(7, 30), end_time=dt.time(17, 30), days="school",
    )  # fmt: skip
    days = [s.date for s in created]
    assert D(2026, 10, 1) not in days and D(2026, 10, 10) in days and D(2026, 10, 8) in days
    assert len(days) == 18  # 22 weekdays − 5 holiday weekdays + 1 make-up Saturday
    assert [s.person for s in created[:3]] == [people["duty"], people["principal"], people["duty"]]
    holidays = services.duty_fill_month(
        actor=people["head"], campus=campus, month=D(2026, 10, 1), kind="holiday", people=[people["head"]],
        start_time=dt.time(8), end_time=dt.time(17), days="holidays",
    )  # fmt: skip
    assert D(2026, 10, 3) in [s.date for s in holidays] and len(holidays) == 31 - 18
    again = services.duty_fill_month(
        actor=people["head"], campus=campus, month=D(2026, 10, 1), kind="admin", people=admins,
        start_time=dt.time(7, 30), end_time=dt.time(17, 30), days="school",
    )  # fmt: skip
    assert again == []  # days already drawn up are kept


def test_month_view_and_dashboard(campus, people):
    today = timezone.localdate()
    f.DutyShiftFactory(campus=campus, date=today, person=people["duty"], kind="admin", phone="13800000000")
    f.DutyShiftFactory(campus=campus, date=today, person=people["guard"], kind="guard")
    cook = login(people["cook"])
    page = cook.get(url(campus, "duty_month"))
    assert page.status_code == 200
    today_cell = next(d for d in page.context["days"] if d["today"])
    assert len(today_cell["shifts"]) == 2
    dashboard = cook.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    card = next(c for c in dashboard.context["cards"] if people["duty"].display_name in (c.detail or ""))
    assert any("13800000000" in label for label, _u in card.items)
    assert cook.get(url(campus, "duty_create")).status_code == 403
    assert login(people["head"]).get(url(campus, "duty_fill")).status_code == 200


def test_duty_rounds_from_the_routine_library_are_linked(campus, people):
    from houqin.core.models import RoutineTemplate

    template = f.RoutineTemplateFactory(campus=campus, name="值班行政一日三巡·早巡")
    RoutineTemplate.objects.filter(pk=template.pk).update(library_key="safety.duty_round_morning")
    page = login(people["head"]).get(url(campus, "duty_month"))
    assert [t.pk for t, _u in page.context["rounds"]] == [template.pk]
    assert "一日三巡" in page.content.decode()
