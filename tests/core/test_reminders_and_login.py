import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.core import requests_services
from houqin.core.jobs import approval_reminders
from houqin.core.models import ApprovalRequest, Notification
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_overdue_approvals_are_reminded_once_a_day(campus, make_member):
    teacher = make_member(Role.CLASS_TEACHER, username="t-remind")
    head = make_member(Role.LOGISTICS_HEAD, username="h-remind")
    gr = requests_services.general_request_create(
        actor=teacher, campus=campus, data={"title": "添置空调", "category": "other", "description": "中一班"}
    )
    requests_services.general_request_submit(actor=teacher, general_request=gr)
    approval = ApprovalRequest.objects.get()
    now = timezone.now()
    assert approval_reminders(now) == "approval reminders: 0 sent"  # not a day old yet
    ApprovalRequest.objects.filter(pk=approval.pk).update(updated_at=now - dt.timedelta(hours=25))
    assert approval_reminders(now) == "approval reminders: 1 sent"
    assert approval_reminders(now) == "approval reminders: 0 sent"  # idempotent within the day
    reminders = Notification.objects.filter(event="approval.reminder")
    assert [n.recipient for n in reminders] == [head]
    assert approval_reminders(now + dt.timedelta(days=1)) == "approval reminders: 1 sent"


def test_login_by_username_or_phone(client, campus):
    user = f.UserFactory(username="guard1", phone="13900001111")
    f.MembershipFactory(user=user, campus=campus, role=Role.GUARD)
    for name in ("guard1", "13900001111"):
        response = client.post(reverse("login"), {"username": name, "password": f.DEFAULT_PASSWORD})
        assert response.status_code == 302, name
        client.post(reverse("logout"))


def test_guessing_is_locked_out(client, campus, settings):
    user = f.UserFactory(username="principal9")
    f.MembershipFactory(user=user, campus=campus)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "principal9", "password": "wrong-guess"})
    assert response.status_code in (403, 429)
    # Even the right password is refused while locked out.
    response = client.post(reverse("login"), {"username": "principal9", "password": f.DEFAULT_PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_wrong_password_message_in_chinese(client, campus):
    f.UserFactory(username="cook9")
    response = client.post(reverse("login"), {"username": "cook9", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
