"""Walk every URL pattern: each view states its permission; outsiders get 404 and members
without the permission get 403. New views are covered automatically."""

import pytest
from django.urls import reverse

from houqin.core import navigation
from houqin.core.permissions import LOGIN_ONLY, PUBLIC
from houqin.core.roles import PERMISSIONS, Role, roles_with
from tests import factories as f
from tests.conftest import login
from tests.platform.urlwalk import fill, iter_patterns, view_attr

# Django's own admin checks staff status itself; API routes are walked in tests/api/test_access.py.
SKIP_PREFIXES = ("admin/", "api/v1/")


def campus_routes():
    for route, pattern, _ns in iter_patterns():
        if route.startswith(SKIP_PREFIXES):
            continue
        if route.startswith("c/<slug:campus>/"):
            yield route, pattern


def test_every_view_declares_its_permission():
    missing = []
    unknown = []
    for route, pattern, _ns in iter_patterns():
        if route.startswith(SKIP_PREFIXES):
            continue
        perm = view_attr(pattern.callback, "permission_required")
        if not perm:
            missing.append(route)
        elif perm not in (PUBLIC, LOGIN_ONLY) and perm not in PERMISSIONS:
            unknown.append((route, perm))
        if route.startswith("c/<slug:campus>/") and perm in (PUBLIC, LOGIN_ONLY):
            unknown.append((route, perm))
    assert not missing, f"views without a declared permission: {missing}"
    assert not unknown, f"views with an unknown or unsuitable permission: {unknown}"


def test_campus_routes_exist():
    routes = [r for r, _p in campus_routes()]
    assert len(routes) > 20, routes


@pytest.mark.django_db
def test_outsider_gets_404_everywhere(campus, outsider_client):
    failures = []
    for route, _pattern in campus_routes():
        path = fill(route, campus.code)
        for method in ("get", "post"):
            response = getattr(outsider_client, method)(path)
            if response.status_code != 404:
                failures.append((method, path, response.status_code))
    assert not failures, failures


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(campus, client):
    failures = []
    for route, _pattern in campus_routes():
        path = fill(route, campus.code)
        response = client.get(path)
        if response.status_code != 302 or "/accounts/login/" not in response["Location"]:
            failures.append((path, response.status_code))
    assert not failures, failures


def _role_without(perm):
    holders = roles_with(perm)
    for role in (Role.PARENT, Role.COOK, Role.GUARD, Role.REPAIR_WORKER, Role.SUPERVISOR, Role.CASHIER):
        if str(role) not in holders:
            return role
    return None


@pytest.mark.django_db
def test_members_without_the_permission_get_403(campus):
    users = {}
    failures = []
    checked = 0
    for route, pattern in campus_routes():
        callback = pattern.callback
        read_perm = view_attr(callback, "permission_required")
        write_perm = view_attr(callback, "write_permission") or read_perm
        path = fill(route, campus.code)
        for method, perm in (("get", read_perm), ("post", write_perm)):
            role = _role_without(perm)
            if role is None:
                continue
            if role not in users:
                user = f.UserFactory(username=f"walker-{role}")
                f.MembershipFactory(user=user, campus=campus, role=role)
                users[role] = login(user)
            response = getattr(users[role], method)(path)
            checked += 1
            if response.status_code not in (403, 405):
                failures.append((method, path, str(role), perm, response.status_code))
    assert checked > 20
    assert not failures, failures


@pytest.mark.django_db
def test_every_menu_item_resolves(campus):
    for section in navigation._sections.values():
        for item in section.items:
            assert reverse(item.url_name, kwargs={"campus": campus.code})
            assert item.permission in PERMISSIONS
