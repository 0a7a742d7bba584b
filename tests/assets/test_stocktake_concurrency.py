"""Several counters at once (PostgreSQL: real row locks, one connection per thread).

Eight counters scan their own rooms at the same moment, and all of them also scan the same
asset and the same unknown label: every asset is counted once, the shared asset once (the
others hear "already counted"), the unknown label gives one line, and every scan is logged.
"""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from houqin.assets import stocktake_services as services
from houqin.assets.models import StocktakeLine, StocktakeRoom, StocktakeScan
from houqin.core.roles import Role
from tests import factories as f
from tests.factories_stocktake import make_stocktake

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

COUNTERS = 8
PER_ROOM = 6


def _run_concurrently(fn, n):
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            with scopes_disabled():
                barrier.wait(timeout=30)
                results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_counters_in_parallel_lose_nothing_and_count_once(campus, make_member):
    keeper = make_member(Role.ASSET_KEEPER, username="keeper")
    teachers = [make_member(Role.CLASS_TEACHER, username=f"teacher{i}") for i in range(COUNTERS)]
    rooms = [f.RoomFactory(campus=campus, code=f"A{i:02d}", keeper=teachers[i]) for i in range(COUNTERS)]
    shared_room = f.RoomFactory(campus=campus, code="B01")
    for r, room in enumerate(rooms):
        for i in range(PER_ROOM):
            f.AssetFactory(campus=campus, room=room, tag=f"ZC-{r}{i:02d}")
    f.AssetFactory(campus=campus, room=shared_room, tag="ZC-SHARED")
    stocktake = make_stocktake(campus, keeper, rooms=[*rooms, shared_room])
    st_rooms = {r.room_id: r for r in StocktakeRoom.objects.filter(stocktake=stocktake)}
    perms = {services.COUNT}

    def count_my_room(i):
        outcomes = []
        for text in ["ZC-SHARED", "OLD-LABEL", *[f"ZC-{i}{k:02d}" for k in range(PER_ROOM)]]:
            result = services.stocktake_scan(
                actor=teachers[i], stocktake=stocktake, room=st_rooms[rooms[i].pk], text=text, perms=perms
            )
            outcomes.append(result.outcome)
        return outcomes

    results = _run_concurrently(count_my_room, COUNTERS)
    errors = [r for r in results if not isinstance(r, list)]
    assert not errors, errors
    shared = [r[0] for r in results]
    assert sorted(shared) == ["already"] * (COUNTERS - 1) + ["wrong_room"]
    unknown = [r[1] for r in results]
    assert sorted(unknown) == ["already"] * (COUNTERS - 1) + ["unknown"]
    assert all(r[2:] == ["found"] * PER_ROOM for r in results)

    lines = StocktakeLine.objects.filter(stocktake=stocktake)
    assert lines.filter(result="found").count() == COUNTERS * PER_ROOM
    assert lines.filter(result="wrong_room").count() == 1
    assert lines.filter(code="OLD-LABEL").count() == 1
    assert StocktakeScan.objects.filter(stocktake=stocktake).count() == COUNTERS * (PER_ROOM + 2)
