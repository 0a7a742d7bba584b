"""The core's dashboard providers: what shows on the home page, for whom, at what cost."""

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from houqin.core import dashboard, providers
from houqin.core.models import WebhookDelivery
from houqin.core.notifications import notify
from houqin.core.permissions import perms_for_user_on_campus
from houqin.core.requests_services import general_request_create, general_request_submit
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login


def fake_request(user, campus):
    request = RequestFactory().get("/")
    request.user = user
    request.campus = campus
    request.roles, request.perms = perms_for_user_on_campus(user, campus)
    return request


def submit_one(user, campus, n=0):
    gr = general_request_create(
        actor=user, campus=campus, data={"title": f"申请{n}", "category": "other", "description": "x", "amount": "10"}
    )
    return general_request_submit(actor=user, general_request=gr)


def test_providers_are_registered():
    keys = {p.key for p in dashboard.providers()}
    assert {"core.approvals_waiting", "core.unread_notifications", "core.failing_webhooks", "core.no_current_term"} <= keys


def test_approvals_waiting_card(make_member, member, campus):
    head = make_member(Role.LOGISTICS_HEAD, username="head")
    for n in range(7):
        submit_one(member, campus, n)
    with scope(campus=campus):
        cards = providers.approvals_waiting(fake_request(head, campus))
        assert providers.approvals_waiting(fake_request(member, campus)) == []  # not in line
    (card,) = cards
    assert card.count == 7 and len(card.items) == 5
    assert card.url == reverse("core:approval_inbox", kwargs={"campus": campus.code})
    assert all("/approvals/" in link for _label, link in card.items)


def test_unread_notifications_card(member, campus):
    with scope(campus=campus):
        assert providers.unread_notifications(fake_request(member, campus)) == []
    for i in range(3):
        notify(campus=campus, recipients=[member], title=f"通知{i}", webhook=False)
    with scope(campus=campus):
        (card,) = providers.unread_notifications(fake_request(member, campus))
    assert card.count == 3 and card.items[0][0] == "通知2"


def test_failing_webhooks_card(member, campus):
    hook = f.WebhookEndpointFactory(campus=campus, name="后勤群")
    WebhookDelivery.objects.create(campus=campus, endpoint=hook, event="x", payload={}, status="failed", last_error="HTTP 500")
    WebhookDelivery.objects.create(campus=campus, endpoint=hook, event="x", payload={}, status="sent")
    old = WebhookDelivery.objects.create(campus=campus, endpoint=hook, event="x", payload={}, status="failed")
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    with scope(campus=campus):
        (card,) = providers.failing_webhooks(fake_request(member, campus))
    assert card.count == 1 and "HTTP 500" in card.items[0][0] and card.level == "danger"


def test_no_current_term_card(member, campus):
    with scope(campus=campus):
        (card,) = providers.no_current_term(fake_request(member, campus))
    assert card.level == "warning"
    today = timezone.localdate()
    year = f.SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=300))
    f.TermFactory(campus=campus, school_year=year, start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=90))
    with scope(campus=campus):
        assert providers.no_current_term(fake_request(member, campus)) == []


@pytest.mark.parametrize(
    "func,n_max", [("approvals_waiting", 4), ("unread_notifications", 2), ("failing_webhooks", 2), ("no_current_term", 1)]
)
def test_providers_run_a_fixed_number_of_queries(func, n_max, make_member, member, campus):
    head = make_member(Role.LOGISTICS_HEAD, username="head")
    hook = f.WebhookEndpointFactory(campus=campus)
    for n in range(12):
        submit_one(member, campus, n)
        notify(campus=campus, recipients=[head], title=f"t{n}", webhook=False)
        WebhookDelivery.objects.create(campus=campus, endpoint=hook, event="x", payload={}, status="failed")
    request = fake_request(head, campus)
    with scope(campus=campus), CaptureQueriesContext(connection) as ctx:
        getattr(providers, func)(request)
    assert len(ctx) <= n_max, [q["sql"] for q in ctx.captured_queries]


def test_cards_on_the_home_page_per_role(make_member, member, campus):
    head = make_member(Role.LOGISTICS_HEAD, username="head")
    cook = make_member(Role.COOK, username="cook")
    submit_one(member, campus)
    home = reverse("core:dashboard", kwargs={"campus": campus.code})
    head_page = login(head).get(home)
    assert head_page.status_code == 200
    assert reverse("core:approval_inbox", kwargs={"campus": campus.code}) in head_page.text
    cook_page = login(cook).get(home)
    assert cook_page.status_code == 200
    assert reverse("core:webhook_list", kwargs={"campus": campus.code}) not in cook_page.text
