"""Memberships, the audit log and notifications through the API."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.core import audit
from houqin.core.models import AuditEvent, Membership, Notification
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_membership_list_and_search(member_api, member, other_role, outsider, campus):
    f.UserFactory(username="nobody")
    data = member_api.get("c/main/memberships").json()
    assert {(m["user"]["username"], m["role"]) for m in data["items"]} == {
        ("member", "principal"),
        ("other_role", "cook"),
    }
    assert data["items"][0]["role_display"]
    assert member_api.get("c/main/memberships", {"role": "cook"}).json()["count"] == 1
    assert member_api.get("c/main/memberships", {"q": "other"}).json()["count"] == 1


def test_membership_grant_and_withdraw(member_api, member, campus):
    nurse = f.UserFactory(username="nurse", phone="13700001111")
    response = member_api.post("c/main/memberships", {"user": "13700001111", "role": "health_teacher"})
    assert response.status_code == 201, response.content
    granted = response.json()
    assert granted["user"]["username"] == "nurse" and granted["role"] == "health_teacher"
    assert Membership.objects.filter(
        user=nurse, campus=campus, role="health_teacher", is_active=True
    ).exists()

    response = member_api.post("c/main/memberships", {"user": "nurse", "role": "health_teacher"})
    assert response.status_code == 422  # already granted

    assert member_api.delete(f"c/main/memberships/{granted['id']}").status_code == 204
    assert not Membership.objects.filter(user=nurse).exists()
    actions = AuditEvent.objects.filter(object_id=str(granted["id"]), content_type__model="membership")
    assert sorted(actions.values_list("action", flat=True)) == ["delete", "grant"]
    assert actions.get(action="grant").campus == campus


@pytest.mark.parametrize("role", ["supervisor", "sysadmin", "emperor", ""])
def test_membership_refuses_organisation_and_unknown_roles(member_api, campus, role):
    f.UserFactory(username="nurse")
    response = member_api.post("c/main/memberships", {"user": "nurse", "role": role})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["role"]
    assert not Membership.objects.filter(user__username="nurse").exists()


def test_membership_unknown_user_and_own_role(member_api, member, campus):
    response = member_api.post("c/main/memberships", {"user": "ghost", "role": "cook"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["user"]
    own = Membership.objects.get(user=member, campus=campus)
    assert member_api.delete(f"c/main/memberships/{own.pk}").status_code == 422
    assert Membership.objects.filter(pk=own.pk).exists()


def test_membership_of_another_campus_is_404(member_api, outsider):
    theirs = Membership.objects.get(user=outsider)
    assert member_api.delete(f"c/main/memberships/{theirs.pk}").status_code == 404


def test_logistics_head_sees_but_cannot_grant(make_member, api_for, campus):
    api = api_for(make_member(Role.LOGISTICS_HEAD))
    assert api.get("c/main/memberships").status_code == 200
    f.UserFactory(username="nurse")
    assert api.post("c/main/memberships", {"user": "nurse", "role": "cook"}).status_code == 403


def test_audit_log_filters(member_api, member, campus, other_campus):
    child = f.ChildFactory(campus=campus)
    building = f.BuildingFactory(campus=campus)
    audit.record(actor=member, action="create", obj=child, after={"name": child.name})
    audit.record(actor=member, action="update", obj=building, message="改名")
    old = audit.record(actor=None, action="delete", obj=building)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    audit.record(actor=None, action="create", obj=f.ChildFactory(campus=other_campus))

    def rows(**params):
        response = member_api.get("c/main/audit", params)
        assert response.status_code == 200, response.content
        return response.json()

    data = rows()
    assert data["count"] == 3  # nothing of the other campus
    first = data["items"][0]
    assert (
        first["action"] == "update"
        and first["object_type"] == "core.building"
        and first["actor"] == member.pk
    )
    assert rows(action="create")["items"][0]["after"] == {"name": child.name}
    assert rows(object_type="core.child", object_id=str(child.pk))["count"] == 1
    assert rows(actor=member.pk)["count"] == 2
    today = timezone.localdate()
    assert rows(date_from=str(today))["count"] == 2
    assert rows(date_to=str(today - dt.timedelta(days=5)))["count"] == 1
    assert rows(q="改名")["count"] == 1
    response = member_api.get("c/main/audit", {"object_type": "child"})
    assert response.status_code == 422 and "object_type" in response.json()["errors"]
    response = member_api.get("c/main/audit", {"date_from": "yesterday"})
    assert response.json()["errors"] == {"date_from": ["Enter a valid date."]}


def test_notifications_are_personal(member_api, member, other_role, campus, other_campus):
    mine = Notification.objects.create(campus=campus, recipient=member, title="留样到期")
    Notification.objects.create(campus=campus, recipient=member, title="已读", read_at=timezone.now())
    theirs = Notification.objects.create(campus=campus, recipient=other_role, title="别人的")
    Notification.objects.create(campus=other_campus, recipient=member, title="别的园")

    data = member_api.get("c/main/notifications").json()
    assert {n["title"] for n in data["items"]} == {"留样到期", "已读"}
    assert [n["title"] for n in member_api.get("c/main/notifications", {"unread": True}).json()["items"]] == [
        "留样到期"
    ]

    assert member_api.post(f"c/main/notifications/{theirs.pk}/read").status_code == 404
    response = member_api.post(f"c/main/notifications/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert member_api.get("c/main/notifications", {"unread": True}).json()["count"] == 0

    Notification.objects.create(campus=campus, recipient=member, title="新的")
    assert member_api.post("c/main/notifications/read-all").json() == {"updated": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_cook_reads_own_notifications(other_role_api, other_role, campus):
    Notification.objects.create(campus=campus, recipient=other_role, title="消毒记录未填")
    assert other_role_api.get("c/main/notifications").json()["count"] == 1
