"""Shared fixtures: campuses, the three personas, logged-in clients.

Personas (healthchecks style):
* ``member``   – holds the role that may do the thing (principal by default);
* ``other_role`` – a member of the same campus whose role lacks most permissions (cook);
* ``outsider`` – a principal of another campus, who must get 404 for everything here.
"""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from houqin.core.roles import Role
from tests import factories as f


@pytest.fixture(autouse=True)
def _no_scope_in_tests(request):
    """Test bodies build and inspect data across campuses; requests still run scoped."""
    if "no_scopes_disabled" in request.keywords:
        yield
        return
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Every test starts in the default language (zh-hans), whatever an earlier test left."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = True
    # Tests create many users; the production hasher would take most of the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organization(db):
    return f.OrganizationFactory(code="demo-group", name="示范教育集团")


@pytest.fixture
def campus(organization):
    return f.CampusFactory(organization=organization, code="main", name="示范幼儿园总园")


@pytest.fixture
def other_campus(db):
    other_org = f.OrganizationFactory(code="other-org", name="另一个教育局")
    return f.CampusFactory(organization=other_org, code="other", name="别的幼儿园")


@pytest.fixture
def make_member(campus):
    def make(role=Role.PRINCIPAL, on=None, **user_kwargs):
        user = f.UserFactory(**user_kwargs)
        f.MembershipFactory(user=user, campus=on or campus, role=role)
        return user

    return make


@pytest.fixture
def member(make_member):
    return make_member(Role.PRINCIPAL, username="member")


@pytest.fixture
def other_role(make_member):
    return make_member(Role.COOK, username="other_role")


@pytest.fixture
def outsider(make_member, other_campus):
    return make_member(Role.PRINCIPAL, on=other_campus, username="outsider")


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member_client(member):
    return login(member)


@pytest.fixture
def other_role_client(other_role):
    return login(other_role)


@pytest.fixture
def outsider_client(outsider):
    return login(outsider)


def pytest_configure(config):
    """WhiteNoise warns for every test client when STATIC_ROOT does not exist yet."""
    import pathlib

    from django.conf import settings

    pathlib.Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
