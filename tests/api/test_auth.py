"""Token and session authentication of the API."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from houqin.api.services import token_create, token_revoke
from houqin.core.models import ApiToken, AuditEvent

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_valid_token_authenticates(member, campus):
    _token, key = token_create(actor=member, user=member, name="script")
    response = ApiClient(key).get("me")
    assert response.status_code == 200
    assert response.json()["username"] == "member"
    assert ApiClient(key).get("c/main/").status_code == 200


def test_only_the_hash_is_stored_and_last_use_recorded(member):
    token, key = token_create(actor=member, user=member, name="script")
    assert key.startswith("hq_") and key not in token.key_hash
    assert token.key_hash == ApiToken.hash_key(key)
    assert token.prefix == key[:10]
    ApiClient(key).get("me")
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("path", ["me", "tokens", "c/main/", "c/main/children"])
def test_wrong_token_is_401(path, campus):
    response = ApiClient("hq_not-a-real-token").get(path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["me", "c/main/children"])
def test_no_credentials_is_401(path, campus, anon_api):
    response = anon_api.get(path)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_revoked_token_is_401(member, campus):
    token, key = token_create(actor=member, user=member, name="script")
    assert ApiClient(key).get("c/main/").status_code == 200
    token_revoke(actor=member, token=token)
    assert ApiClient(key).get("c/main/").status_code == 401
    assert ApiClient(key).get("me").status_code == 401


def test_expired_token_is_401(member, campus):
    token, key = token_create(
        actor=member, user=member, name="script", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert ApiClient(key).get("me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ApiClient(key).get("me").status_code == 401
    assert ApiClient(key).get("c/main/").status_code == 401


def test_token_of_inactive_user_is_401(member, campus):
    _token, key = token_create(actor=member, user=member, name="script")
    member.is_active = False
    member.save()
    assert ApiClient(key).get("me").status_code == 401


def test_bad_token_does_not_fall_back_to_session(member, campus):
    client = Client(headers={"Authorization": "Bearer hq_wrong"})
    client.force_login(member)
    assert client.get("/api/v1/me").status_code == 401


def test_session_auth_reads(member_client, campus):
    assert member_client.get("/api/v1/me").status_code == 200
    assert member_client.get("/api/v1/c/main/children").status_code == 200


def test_session_auth_needs_csrf_for_writes(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/api/v1/docs")  # sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_token_requests_need_no_csrf(member, campus):
    _token, key = token_create(actor=member, user=member, name="script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = client.post("/api/v1/c/main/buildings", {"name": "教学楼"}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_token_endpoints_round_trip(member_api, member):
    response = member_api.post("tokens", {"name": "食堂平板", "expires_in_days": 30})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["key"].startswith("hq_") and created["is_valid"]
    assert created["expires_at"]
    listed = member_api.get("tokens").json()
    assert {t["name"] for t in listed} == {"test", "食堂平板"}
    assert all("key" not in t for t in listed)
    assert ApiClient(created["key"]).get("me").status_code == 200

    assert member_api.delete(f"tokens/{created['id']}").status_code == 204
    assert ApiClient(created["key"]).get("me").status_code == 401
    actions = set(AuditEvent.objects.filter(object_id=str(created["id"])).values_list("action", flat=True))
    assert actions == {"token_create", "token_revoke"}


def test_tokens_are_private(member_api, other_role):
    theirs, _key = token_create(actor=other_role, user=other_role, name="theirs")
    assert member_api.delete(f"tokens/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs" not in {t["name"] for t in member_api.get("tokens").json()}


def test_token_create_validation(member_api):
    response = member_api.post("tokens", {"name": ""})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = member_api.post("tokens", {"name": "x", "expires_at": past})
    assert response.status_code == 422
    assert "expires_at" in response.json()["errors"]


def test_token_service_refuses_other_users(member, other_role):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        token_create(actor=member, user=other_role, name="x")
    token, _key = token_create(actor=other_role, user=other_role, name="x")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=member, token=token)


def test_me_lists_campuses_roles_and_permissions(member_api, member, other_campus):
    from houqin.core.roles import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=member, campus=other_campus, role=Role.HEALTH_TEACHER)
    data = member_api.get("me").json()
    by_code = {c["code"]: c for c in data["campuses"]}
    assert set(by_code) == {"main", "other"}
    assert [r["role"] for r in by_code["main"]["roles"]] == ["principal"]
    assert by_code["main"]["roles"][0]["label"] == "Principal"
    assert "core.manage_users" in by_code["main"]["permissions"]
    assert "core.manage_users" not in by_code["other"]["permissions"]
