"""API test helpers: token-authenticated JSON clients for the personas of tests/conftest.py."""

import json

import pytest
from django.test import Client

from houqin.api.services import token_create


class ApiClient:
    """A JSON client for /api/v1/ sending a personal token (or none)."""

    def __init__(self, key=None, language="en"):
        headers = {"Accept-Language": language}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.client = Client(headers=headers)

    @staticmethod
    def url(path):
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path, data=None, **extra):
        return self.client.get(self.url(path), data, **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(
            self.url(path), json.dumps(data or {}), content_type="application/json", **extra
        )

    def patch(self, path, data=None, **extra):
        return self.client.patch(
            self.url(path), json.dumps(data or {}), content_type="application/json", **extra
        )

    def put(self, path, data=None, **extra):
        return self.client.put(
            self.url(path), json.dumps(data or {}), content_type="application/json", **extra
        )

    def delete(self, path, **extra):
        return self.client.delete(self.url(path), **extra)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas get passwords; hashing them properly only slows these tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_for(user, name="test"):
    _token, key = token_create(actor=user, user=user, name=name)
    return key


@pytest.fixture
def api_for():
    def make(user, language="en"):
        return ApiClient(token_for(user), language=language)

    return make


@pytest.fixture
def member_api(member, api_for):
    return api_for(member)


@pytest.fixture
def other_role_api(other_role, api_for):
    return api_for(other_role)


@pytest.fixture
def outsider_api(outsider, api_for):
    return api_for(outsider)


@pytest.fixture
def anon_api():
    return ApiClient()
