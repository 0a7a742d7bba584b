"""The demo's purchasing rows: requests in every state, a big purchase through the principal
with three quotes, partly received into stock and asset cards, invoices signed and one waiting."""

import io

import pytest
from django.core.management import call_command

from houqin.assets.models import Asset
from houqin.procurement.models import (
    Acceptance,
    Invoice,
    PurchaseOrder,
    PurchaseRequest,
    StockMove,
    Supplier,
)

pytestmark = pytest.mark.django_db


def test_demo_purchasing(monkeypatch):
    from houqin.core import demo

    # The apps purchasing builds on (assets 300, warehouse 305) and purchasing itself; the
    # whole demo is loaded by tests/cli/test_seed_demo.py.
    monkeypatch.setattr(demo, "_extensions", [(o, fn) for o, fn in demo._extensions if o <= 330])
    call_command("seed", size="demo", stdout=io.StringIO())
    main = PurchaseRequest.objects.filter(campus__code="main")
    assert main.count() >= 12
    assert set(main.values_list("status", flat=True)) == set(PurchaseRequest.Status.values)
    big = main.get(title="多媒体教室设备")
    assert big.quotes.count() == 3 and big.chosen_quote is not None and big.choice_reason
    assert big.estimated_total >= 2000
    from houqin.core import approvals

    approval = approvals.requests_for(big).first()
    assert [step["role"] for step in approval.plan] == ["logistics_head", "principal"]
    order = big.orders.get()
    assert order.status == PurchaseOrder.Status.PARTIAL
    acceptance = order.acceptances.get()
    assert (
        acceptance.status == Acceptance.Status.CONFIRMED and acceptance.confirmed_by != acceptance.recorded_by
    )
    assets = Asset.objects.filter(acceptance_line__acceptance=acceptance)
    assert (
        assets.filter(category__kind="fixed").count() == 2
        and assets.filter(category__kind="low_value").count() == 1
    )
    from django.contrib.contenttypes.models import ContentType

    from houqin.procurement.models import AcceptanceLine

    line_type = ContentType.objects.get_for_model(AcceptanceLine)
    moves = StockMove.objects.filter(
        source_type=line_type, source_id__in=[str(ln.pk) for ln in acceptance.lines.all()]
    )
    assert [m.item.name for m in moves] == ["A4复印纸"]
    invoices = Invoice.objects.filter(campus__code="main")
    assert invoices.filter(status=Invoice.Status.SIGNED).count() >= 2
    assert invoices.filter(status=Invoice.Status.AWAITING).count() == 1
    assert Acceptance.objects.filter(campus__code="main", status=Acceptance.Status.PENDING).exists()
    assert PurchaseOrder.objects.filter(campus__code="main", status=PurchaseOrder.Status.ORDERED).exists()
    assert PurchaseOrder.objects.filter(campus__code="main", status=PurchaseOrder.Status.RECEIVED).exists()
    assert Supplier.objects.filter(campus__code="west").exists()
    assert PurchaseRequest.objects.filter(campus__code="west", status="pending").exists()
