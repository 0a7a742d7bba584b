"""Hard scoping: an unscoped query on a campus-owned model raises instead of leaking."""

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope

from houqin.core.models import CampusOwned, Room
from tests import factories as f


@pytest.mark.no_scopes_disabled
@pytest.mark.django_db
def test_unscoped_query_raises():
    with pytest.raises(ScopeError):
        list(Room.objects.all())


@pytest.mark.django_db
def test_scope_limits_rows(campus, other_campus):
    f.RoomFactory(campus=campus)
    f.RoomFactory(campus=other_campus)
    with scope(campus=campus):
        assert {r.campus_id for r in Room.objects.all()} == {campus.pk}


def test_every_campus_owned_model_is_scoped():
    for model in apps.get_models():
        if issubclass(model, CampusOwned):
            assert "ScopedManager" in type(model.objects).__qualname__ or hasattr(
                model.objects, "with_scopes_disabled"
            ), model
