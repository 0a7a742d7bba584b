"""List pages run a fixed number of SQL queries whatever the row count (10 vs 500 rows).

Every ObjectListView of the project is found through the URL walker; a list page whose
model has no factory in tests.factories.LIST_FACTORIES fails, so new apps must add one.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.core.views.generic import ObjectListView
from tests import factories as f
from tests.platform.urlwalk import fill, iter_patterns

SKIP = ()


def list_views():
    out = []
    for route, pattern, _ns in iter_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, ObjectListView) and "<int:" not in route and "<str:" not in route:
            out.append((route, view_class))
    return out


def test_list_views_found():
    assert len(list_views()) >= 5


def _make_rows(model, campus, n, member):
    factory = f.LIST_FACTORIES[model]
    kwargs = {}
    if "campus" in [fld.name for fld in model._meta.fields] and model is not f.m.Guardian:
        kwargs["campus"] = campus
    if model is f.m.Notification:
        kwargs["recipient"] = member
    if model is f.m.Guardian:
        kwargs["child__campus"] = campus
    if model is f.m.Holiday:
        kwargs = {"term__campus": campus}
    if model is f.m.GeneralRequest:
        kwargs["requested_by"] = member
    factory.create_batch(n, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("route,view_class", list_views(), ids=[r for r, _v in list_views()])
def test_list_page_queries_do_not_grow(route, view_class, campus, make_member, client):
    from houqin.core.roles import Role

    member = make_member(Role.PRINCIPAL, username="qc-principal")
    model = view_class.model
    assert model in f.LIST_FACTORIES, f"add a factory for {model.__name__} to tests.factories.LIST_FACTORIES"
    client.force_login(member)
    path = fill(route, campus.code)
    counts = []
    made = 0
    for total in (10, 500):
        _make_rows(model, campus, total - made, member)
        made = total
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(ctx))
    assert counts[0] == counts[1], f"{path}: {counts[0]} queries at 10 rows, {counts[1]} at 500"
    assert counts[1] <= 30, f"{path}: {counts[1]} queries"
