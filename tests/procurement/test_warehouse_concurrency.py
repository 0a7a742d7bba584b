"""Concurrent issues against one balance (PostgreSQL: real row locks, one connection per thread).

Twenty threads each issue one unit at the same moment from a balance of twelve: exactly
twelve succeed, eight are refused for lack of stock, the balance ends at zero (never
below) and the ledger sums to the balance — no move is lost and none is double-counted.
"""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scopes_disabled

from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import StockBalance, StockMove
from tests import factories as f

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20
STOCK = 12


def _run_concurrently(fn, n):
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            with scopes_disabled():
                barrier.wait(timeout=30)
                results[i] = fn(i)
        except ValidationError as exc:
            results[i] = exc
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


def test_concurrent_issues_never_go_below_zero(campus, make_member):
    keeper = make_member(Role.ASSET_KEEPER, username="keeper")
    location = f.StockLocationFactory(campus=campus, name="总务仓库")
    item = f.ItemFactory(campus=campus, name="抽纸", unit="包", reorder_level=3, keeper=keeper)
    classes = [f.SchoolClassFactory(campus=campus) for _ in range(4)]
    ws.stock_receive(
        actor=keeper, campus=campus, item=item, location=location, quantity=STOCK, unit_cost="2.5"
    )

    def issue(i):
        return ws.stock_issue(
            actor=keeper, campus=campus, item=item, location=location, quantity=1, to_class=classes[i % 4]
        )

    results = _run_concurrently(issue, THREADS)

    moves = [r for r in results if isinstance(r, StockMove)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    others = [r for r in results if not isinstance(r, (StockMove, ValidationError))]
    assert not others, others
    assert len(moves) == STOCK
    assert len(refused) == THREADS - STOCK
    assert all(exc.code == "insufficient_stock" for exc in refused)

    balance = StockBalance.objects.get(item=item, location=location)
    assert balance.quantity == 0 and balance.value == 0
    ledger = StockMove.objects.filter(item=item, location=location)
    assert ledger.count() == STOCK + 1
    assert sum(m.quantity for m in ledger) == balance.quantity
    assert sum(m.value for m in ledger) == balance.value
    # every balance_after is distinct: the issues were serialised on the locked row
    afters = sorted(m.balance_after for m in ledger.filter(kind="out"))
    assert afters == [D(n) for n in range(STOCK)]


def test_concurrent_first_receipts_create_one_balance(campus, make_member):
    """The balance row does not exist yet: get_or_create under the race keeps one row."""
    keeper = make_member(Role.ASSET_KEEPER, username="keeper")
    location = f.StockLocationFactory(campus=campus)
    item = f.ItemFactory(campus=campus)

    def receive(i):
        return ws.stock_receive(
            actor=keeper, campus=campus, item=item, location=location, quantity=1, unit_cost=1
        )

    results = _run_concurrently(receive, 8)
    assert all(isinstance(r, StockMove) for r in results), results
    balances = StockBalance.objects.filter(item=item, location=location)
    assert balances.count() == 1
    assert balances.get().quantity == D(8)
    assert sum(m.quantity for m in StockMove.objects.filter(item=item)) == D(8)
