"""Fixtures of the maintenance tests: the people of a campus by role, a room, an asset."""

import pytest
from django.core.cache import cache

from houqin.core.roles import Role
from tests import factories as f
from tests.safety.hazard_helpers import make_people


@pytest.fixture
def people(make_member, member):
    """principal (``member``), head (logistics), duty, repair, cook, guard, teacher — plus a
    second repair worker and an accountant."""
    out = make_people(make_member, member)
    out["repair2"] = make_member(Role.REPAIR_WORKER, username="repair2")
    out["accountant"] = make_member(Role.ACCOUNTANT, username="accountant")
    return out


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus, name="中二班活动室", code="A205")


@pytest.fixture
def asset(campus, room):
    return f.AssetFactory(campus=campus, room=room, name="空调（柜机）")


@pytest.fixture
def fresh_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mt"}}
    cache.clear()
    yield
    cache.clear()
