"""Users and roles of a campus: list, create, grant, revoke, deactivate, reset password."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.core import people_services
from houqin.core.models import AuditEvent, Membership, User
from houqin.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

STRONG = "Qiuye-2026-shuzi"


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def test_member_list_shows_campus_people_with_roles(member_client, campus, other_campus, make_member):
    teacher = make_member(Role.CLASS_TEACHER, username="teacher1", real_name="王老师")
    f.MembershipFactory(user=teacher, campus=campus, role=Role.HEALTH_TEACHER)
    f.MembershipFactory(user=f.UserFactory(username="elsewhere", real_name="别园园长"), campus=other_campus)
    response = member_client.get(url("core:membership_list", campus))
    assert response.status_code == 200
    body = response.content.decode()
    assert "王老师" in body
    assert "Class teacher" in body or "班主任" in body
    assert "别园园长" not in body
    # pinyin search on the real name
    body = member_client.get(url("core:membership_list", campus), {"q": "wls"}).content.decode()
    assert "王老师" in body and "teacher1" in body
    body = member_client.get(url("core:membership_list", campus), {"role": Role.COOK}).content.decode()
    assert "王老师" not in body


def test_member_list_export(member_client, campus):
    response = member_client.get(url("core:membership_list", campus), {"export": "xlsx"})
    assert response.status_code == 200


def test_create_user_with_roles(member_client, campus, member):
    data = {
        "username": "cook2",
        "real_name": "刘师傅",
        "phone": "13711112222",
        "password1": STRONG,
        "password2": STRONG,
        "roles": [Role.COOK, Role.CANTEEN_HEAD],
    }
    assert member_client.get(url("core:membership_create", campus)).status_code == 200
    response = member_client.post(url("core:membership_create", campus), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="cook2")
    assert user.check_password(STRONG)
    assert set(Membership.objects.filter(user=user, campus=campus).values_list("role", flat=True)) == {"cook", "canteen_head"}
    assert AuditEvent.objects.filter(action="create", content_type__model="user", object_id=str(user.pk), campus=campus).exists()
    assert AuditEvent.objects.filter(action="grant_role", campus=campus, actor=member).count() == 2
    event = AuditEvent.objects.get(action="create", content_type__model="user", object_id=str(user.pk))
    assert "password" not in event.after
    assert member_client.get(url("core:membership_detail", campus, pk=user.pk)).status_code == 200


@pytest.mark.parametrize(
    "change,field",
    [
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"password2": "Different-2026-x"}, "password2"),
        ({"username": "member"}, "username"),
        ({"phone": "12345"}, "phone"),
        ({"roles": []}, "roles"),
    ],
)
def test_create_user_refuses_bad_input(member_client, campus, change, field):
    data = {"username": "newbie", "real_name": "新人", "password1": STRONG, "password2": STRONG, "roles": [Role.GUARD], **change}
    response = member_client.post(url("core:membership_create", campus), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(username=data["username"], real_name="新人").exists()


def test_grant_revoke_deactivate(member_client, campus, make_member, member):
    guard = make_member(Role.GUARD, username="guard1")
    response = member_client.post(url("core:membership_grant", campus, pk=guard.pk), {"role": Role.REPAIR_WORKER})
    assert response.status_code == 302
    repair = Membership.objects.get(user=guard, campus=campus, role=Role.REPAIR_WORKER)
    assert AuditEvent.objects.filter(action="grant_role", object_id=str(repair.pk)).exists()

    response = member_client.post(url("core:membership_active", campus, pk=repair.pk), {"is_active": "0"})
    assert response.status_code == 302
    repair.refresh_from_db()
    assert not repair.is_active
    assert AuditEvent.objects.filter(action="deactivate_role", object_id=str(repair.pk)).exists()

    # Granting it again reactivates the row.
    member_client.post(url("core:membership_grant", campus, pk=guard.pk), {"role": Role.REPAIR_WORKER})
    repair.refresh_from_db()
    assert repair.is_active

    response = member_client.post(url("core:membership_revoke", campus, pk=repair.pk))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=repair.pk).exists()
    event = AuditEvent.objects.get(action="revoke_role", object_id=str(repair.pk))
    assert event.before["role"] == Role.REPAIR_WORKER and event.campus_id == campus.pk

    body = member_client.get(url("core:membership_detail", campus, pk=guard.pk)).content.decode()
    assert 'data-testid="member-roles"' in body
    assert "grant_role" in body or "revoke_role" in body  # the campus history of the person


def test_revoking_last_principal_refused(member_client, campus, member):
    principal = Membership.objects.get(user=member, campus=campus, role=Role.PRINCIPAL)
    response = member_client.post(url("core:membership_revoke", campus, pk=principal.pk), follow=True)
    assert Membership.objects.filter(pk=principal.pk).exists()
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert member.display_name in messages[0]

    response = member_client.post(url("core:membership_active", campus, pk=principal.pk), {"is_active": "0"})
    principal.refresh_from_db()
    assert principal.is_active

    with pytest.raises(ValidationError):
        people_services.membership_revoke(actor=member, campus=campus, membership=principal)


def test_revoking_a_principal_allowed_when_another_keeper_remains(member_client, campus, make_member, member):
    make_member(Role.SYSADMIN, username="admin2")
    principal = Membership.objects.get(user=member, campus=campus, role=Role.PRINCIPAL)
    member_client.post(url("core:membership_revoke", campus, pk=principal.pk))
    assert not Membership.objects.filter(pk=principal.pk).exists()


def test_deactivated_user_does_not_count_as_keeper(campus, make_member, member):
    other = make_member(Role.PRINCIPAL, username="p-inactive")
    other.is_active = False
    other.save()
    principal = Membership.objects.get(user=member, campus=campus, role=Role.PRINCIPAL)
    with pytest.raises(ValidationError):
        people_services.membership_set_active(actor=member, campus=campus, membership=principal, is_active=False)


def test_other_campus_membership_untouchable(member_client, campus, other_campus, make_member):
    shared = make_member(Role.GUARD, username="shared")
    elsewhere = f.MembershipFactory(user=shared, campus=other_campus, role=Role.GUARD)
    assert member_client.post(url("core:membership_revoke", campus, pk=elsewhere.pk)).status_code == 404
    assert member_client.post(url("core:membership_active", campus, pk=elsewhere.pk), {"is_active": "0"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.is_active
    # The detail page shows only this campus's roles.
    body = member_client.get(url("core:membership_detail", campus, pk=shared.pk)).content.decode()
    assert body.count('action="/c/main/memberships/') == 2  # deactivate + revoke of the one role here


def test_user_of_other_campus_is_404(member_client, campus, outsider):
    assert member_client.get(url("core:membership_detail", campus, pk=outsider.pk)).status_code == 404
    assert member_client.post(url("core:membership_grant", campus, pk=outsider.pk), {"role": "guard"}).status_code == 404
    assert member_client.get(url("core:membership_password", campus, pk=outsider.pk)).status_code == 404
    assert not Membership.objects.filter(user=outsider, campus=campus).exists()


def test_reset_password(member_client, campus, make_member, member):
    guard = make_member(Role.GUARD, username="guard2")
    page = member_client.get(url("core:membership_password", campus, pk=guard.pk))
    assert page.status_code == 200
    weak = member_client.post(url("core:membership_password", campus, pk=guard.pk), {"password1": "abc", "password2": "abc"})
    assert weak.status_code == 200
    response = member_client.post(
        url("core:membership_password", campus, pk=guard.pk), {"password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    guard.refresh_from_db()
    assert guard.check_password(STRONG)
    assert AuditEvent.objects.filter(action="password_reset", object_id=str(guard.pk), campus=campus, actor=member).exists()


def test_reset_password_refused_for_people_working_elsewhere(member_client, campus, other_campus, make_member):
    shared = make_member(Role.GUARD, username="shared2")
    f.MembershipFactory(user=shared, campus=other_campus, role=Role.PRINCIPAL)
    assert member_client.get(url("core:membership_password", campus, pk=shared.pk)).status_code == 403
    response = member_client.post(url("core:membership_password", campus, pk=shared.pk), {"password1": STRONG, "password2": STRONG})
    assert response.status_code == 403
    shared.refresh_from_db()
    assert not shared.check_password(STRONG)


def test_users_permissions(other_role_client, outsider_client, make_member, campus, member):
    from tests.conftest import login

    membership = Membership.objects.get(user=member, campus=campus)
    reads = [("core:membership_list", {}), ("core:membership_detail", {"pk": member.pk})]
    writes = [
        ("core:membership_create", {}),
        ("core:membership_grant", {"pk": member.pk}),
        ("core:membership_password", {"pk": member.pk}),
        ("core:membership_revoke", {"pk": membership.pk}),
        ("core:membership_active", {"pk": membership.pk}),
    ]
    for name, kwargs in reads + writes:
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 403, name
        assert other_role_client.post(url(name, campus, **kwargs), {"role": "cook"}).status_code == 403, name
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404, name
        assert outsider_client.post(url(name, campus, **kwargs), {"role": "cook"}).status_code == 404, name
    # The logistics head reads the list but may not change roles.
    head = login(make_member(Role.LOGISTICS_HEAD, username="head1"))
    assert head.get(url("core:membership_list", campus)).status_code == 200
    assert head.post(url("core:membership_grant", campus, pk=member.pk), {"role": "cook"}).status_code == 403
    assert Membership.objects.filter(user=member, campus=campus).count() == 1


def test_member_list_bounded_queries(member_client, campus, django_assert_max_num_queries):
    counts = []
    made = 0
    for total in (10, 200):
        for i in range(made, total):
            user = f.UserFactory(username=f"staff{i}")
            f.MembershipFactory(user=user, campus=campus, role=Role.GUARD)
            f.MembershipFactory(user=user, campus=campus, role=Role.REPAIR_WORKER, is_active=False)
        made = total
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(20):
            assert member_client.get(url("core:membership_list", campus)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
