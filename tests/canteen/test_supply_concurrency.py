"""Concurrent stock-out confirmations against one batch (PostgreSQL: real row locks).

Twelve stock-outs of one unit each are recorded against a batch of eight and signed by
the cook at the same moment: exactly eight are confirmed, four are refused for lack of
stock, and the batch ends at zero — never below.
"""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scopes_disabled

from houqin.canteen import supply_services as services
from houqin.canteen.models import FoodBatch, StockOut
from houqin.core.roles import Role
from tests import factories as f

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 12
STOCK = 8


def test_concurrent_confirmations_never_go_below_zero(campus, make_member):
    head = make_member(Role.CANTEEN_HEAD, username="head")
    cook = make_member(Role.COOK, username="cook")
    batch = f.FoodBatchFactory(campus=campus, quantity_received=D(STOCK), quantity_on_hand=D(STOCK))
    outs = [
        services.stock_out_create(actor=head, campus=campus, date=batch.received_on, meal="lunch",
                                  lines=[{"batch": batch, "quantity": 1}], sign_as="keeper")
        for _i in range(THREADS)
    ]  # fmt: skip
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def worker(i):
        try:
            with scopes_disabled():
                barrier.wait(timeout=30)
                results[i] = services.stock_out_sign(actor=cook, stock_out=outs[i], role="cook")
        except Exception as exc:  # noqa: BLE001 - checked below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    confirmed = [r for r in results if isinstance(r, StockOut)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(confirmed) == STOCK and len(refused) == THREADS - STOCK, results
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 0 and batch.status == FoodBatch.Status.USED_UP
