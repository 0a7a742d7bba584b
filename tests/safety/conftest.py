"""Fixtures of the safety tests."""

import pytest

from tests import factories as f
from tests.safety.hazard_helpers import make_people


@pytest.fixture
def people(make_member, member):
    return make_people(make_member, member)


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus, name="大型玩具区", code="D103")
