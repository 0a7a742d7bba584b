"""Every API route, walked with the personas: anonymous → 401, outsider → 404, a member
whose roles lack the route's permission → 403 (with JSON bodies, before any parsing)."""

import re

import pytest

from houqin.api.access import CAMPUS_MEMBER, LOGIN_ONLY, route_permissions
from houqin.core.permissions import PUBLIC
from houqin.core.roles import PERMISSIONS, Role, permissions_for
from tests import factories as f

pytestmark = pytest.mark.django_db

ROUTES = route_permissions()
CAMPUS_ROUTES = [r for r in ROUTES if "{campus}" in r[1]]


def _url(path, campus="main"):
    return re.sub(r"\{[a-z_]+\}", "1", path.replace("{campus}", campus))


def _call(api, method, path):
    url = _url(path)
    if method in ("POST", "PATCH", "PUT"):
        return getattr(api, method.lower())(url, {})
    return getattr(api, method.lower())(url)


def test_every_route_states_a_known_permission():
    assert len(ROUTES) > 40
    for method, path, perm in ROUTES:
        assert perm is not None, f"{method} {path} has no @requires"
        assert perm in PERMISSIONS or perm in (LOGIN_ONLY, CAMPUS_MEMBER, PUBLIC), (method, path, perm)
        if "{campus}" in path:
            assert perm != LOGIN_ONLY, f"{method} {path}: campus routes need a campus permission"
        else:
            assert perm == LOGIN_ONLY, f"{method} {path}: only campus routes take matrix permissions"


def test_writes_need_manage_permissions():
    for method, path, perm in CAMPUS_ROUTES:
        if method != "GET" and perm != CAMPUS_MEMBER:
            assert ".view_" not in perm, f"{method} {path} writes with a view permission"


@pytest.mark.parametrize(("method", "path", "perm"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_anonymous_gets_401(method, path, perm, campus, anon_api):
    response = _call(anon_api, method, path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "perm"), CAMPUS_ROUTES, ids=[f"{m} {p}" for m, p, _ in CAMPUS_ROUTES]
)
def test_outsider_gets_404(method, path, perm, campus, outsider_api):
    response = _call(outsider_api, method, path)
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "perm"), CAMPUS_ROUTES, ids=[f"{m} {p}" for m, p, _ in CAMPUS_ROUTES]
)
def test_unknown_campus_gets_404(method, path, perm, member_api):
    assert getattr(member_api, method.lower())(_url(path, campus="no-such-campus")).status_code == 404


def _role_lacking(perm):
    preferred = [Role.COOK, Role.PARENT, Role.GUARD, Role.CLASS_TEACHER, Role.HEALTH_TEACHER, Role.SUPERVISOR]
    for role in preferred + list(Role):
        if perm not in permissions_for({role}):
            return role
    return None


GUARDED = [r for r in CAMPUS_ROUTES if r[2] != CAMPUS_MEMBER and _role_lacking(r[2]) is not None]


@pytest.mark.parametrize(("method", "path", "perm"), GUARDED, ids=[f"{m} {p}" for m, p, _ in GUARDED])
def test_role_without_permission_gets_403(method, path, perm, make_member, api_for):
    role = _role_lacking(perm)
    api = api_for(make_member(role))
    response = _call(api, method, path)
    assert response.status_code == 403, (role, response.content)
    assert response.json()["detail"]


def test_supervisor_reads_but_never_writes(campus, organization, api_for):
    supervisor = f.UserFactory(username="inspector")
    f.MembershipFactory(user=supervisor, campus=None, organization=organization, role=Role.SUPERVISOR)
    f.ChildFactory(campus=campus)
    api = api_for(supervisor)
    assert api.get("c/main/children").status_code == 200
    assert api.get("c/main/audit").status_code == 200
    assert api.post("c/main/buildings", {"name": "新楼"}).status_code == 403
    assert api.post("c/main/children", {}).status_code == 403
    child_id = api.get("c/main/children").json()["items"][0]["id"]
    assert api.patch(f"c/main/children/{child_id}", {"name": "改名"}).status_code == 403
    assert api.delete(f"c/main/children/{child_id}").status_code == 403
