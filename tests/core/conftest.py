import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The tests here create many users; the production hasher would take most of the time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
