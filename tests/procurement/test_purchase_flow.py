"""End to end on the pages, each step by the person who does it: a teacher raises a purchase
request above the principal's threshold; the logistics head, then the principal approve it;
the buyer records three quotes, chooses one and orders; a partial delivery is accepted by two
signers, after which the warehouse balance and the new asset cards are there; then the rest
of the delivery, and the invoice signed by the principal."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.assets.models import Asset
from houqin.core import approvals
from houqin.procurement.models import (
    Acceptance,
    Invoice,
    PurchaseOrder,
    PurchaseRequest,
    StockBalance,
)
from tests.conftest import login
from tests.factories_purchasing import purchasing_world

pytestmark = pytest.mark.django_db
D = Decimal


def url(campus, name, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def ok(response):
    assert response.status_code in (200, 302), (response.status_code, response.content[:2000])
    return response


def accept(client, campus, order, rows, **extra):
    lines = list(order.lines.order_by("position", "id"))
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(len(lines)),
            "delivered_on": timezone.localdate().isoformat()}  # fmt: skip
    for i, ln in enumerate(lines):
        data[f"lines-{i}-order_line"] = str(ln.pk)
        data[f"lines-{i}-quality"] = "pass"
        for key, value in rows.get(ln.position, {}).items():
            data[f"lines-{i}-{key}"] = value
    data.update(extra)
    return ok(client.post(url(campus, "procurement:acceptance_create", pk=order.pk), data))


def test_purchase_from_request_to_stock_and_asset_cards(campus):
    w = purchasing_world(campus)
    teacher, head, principal = login(w.teacher), login(w.head), login(w.principal)
    keeper, accountant = login(w.keeper), login(w.accountant)

    # 1. The teacher raises the request (paper into stock, projectors as fixed assets,
    #    toy sets as low-value assets): 1,200 + 8,400 + 1,500 yuan, above the principal's 2,000.
    ok(teacher.post(url(campus, "procurement:purchase_create"), {
        "title": "多媒体教室设备", "department": "大班年级组", "reason": "多媒体教室建设", "submit": "1",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-kind": "stock", "lines-0-item": w.item.pk, "lines-0-quantity": "50",
        "lines-0-estimated_unit_price": "24",
        "lines-1-kind": "asset", "lines-1-asset_category": w.fixed.pk, "lines-1-description": "短焦投影仪",
        "lines-1-spec": "3LCD", "lines-1-quantity": "3", "lines-1-unit": "台", "lines-1-estimated_unit_price": "2800",
        "lines-2-kind": "asset", "lines-2-asset_category": w.low_value.pk, "lines-2-description": "益智玩具套装",
        "lines-2-quantity": "10", "lines-2-unit": "套", "lines-2-estimated_unit_price": "150",
    }))  # fmt: skip
    pr = PurchaseRequest.objects.get()
    assert pr.status == PurchaseRequest.Status.PENDING and pr.estimated_total == D("11100.00")

    # 2. The logistics head approves, then the principal (the teacher cannot).
    approval = approvals.current_request(pr)
    decide = url(campus, "core:approval_decide", pk=approval.pk)
    assert "多媒体教室设备" in head.get(url(campus, "core:approval_inbox")).content.decode()
    ok(head.post(decide, {"decision": "approve", "comment": "同意"}))
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.PENDING
    assert teacher.post(decide, {"decision": "approve"}).status_code == 403
    ok(principal.post(decide, {"decision": "approve", "comment": "同意，注意货比三家"}))
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.APPROVED

    # 3. Three quotes; the cheapest is chosen; the order follows it.
    paper, projector, toys = pr.lines.order_by("position")
    for supplier, prices in zip(w.suppliers, (("24", "2750", "148"), ("23", "2690", "150"), ("25", "2850", "139")),
                                strict=True):  # fmt: skip
        ok(keeper.post(url(campus, "procurement:quote_create", pk=pr.pk), {
            "supplier": supplier.pk, "quoted_on": timezone.localdate().isoformat(),
            f"price_{paper.pk}": prices[0], f"price_{projector.pk}": prices[1], f"price_{toys.pk}": prices[2],
        }))  # fmt: skip
    compare = keeper.get(url(campus, "procurement:purchase_compare", pk=pr.pk)).content.decode()
    assert compare.count('data-testid="quote-column"') == 3
    cheapest = pr.quotes.order_by("total").first()
    assert cheapest.supplier == w.suppliers[1]
    ok(keeper.post(url(campus, "procurement:quote_choose", pk=pr.pk), {"quote": cheapest.pk}))
    ok(keeper.post(url(campus, "procurement:order_create", pk=pr.pk), {
        "ordered_on": timezone.localdate().isoformat(),
        f"price_{paper.pk}": "23", f"price_{projector.pk}": "2690", f"price_{toys.pk}": "150",
    }))  # fmt: skip
    order = PurchaseOrder.objects.get()
    assert order.supplier == w.suppliers[1] and order.total == D("10720.00")

    # 4. A partial delivery: the keeper records it, the logistics head confirms.
    accept(keeper, campus, order, {
        1: {"quantity_delivered": "30"},
        2: {"quantity_delivered": "2", "room": str(w.room.pk), "custodian": str(w.teacher.pk)},
        3: {"quantity_delivered": "10", "room": str(w.room.pk)},
    }, location=str(w.location.pk))  # fmt: skip
    first = Acceptance.objects.get()
    assert not StockBalance.objects.exists() and not Asset.objects.exists()  # nothing counts yet
    ok(keeper.post(url(campus, "procurement:acceptance_confirm", pk=first.pk)))
    first.refresh_from_db()
    assert first.status == Acceptance.Status.PENDING  # the same person cannot sign twice
    ok(head.post(url(campus, "procurement:acceptance_confirm", pk=first.pk)))
    first.refresh_from_db()
    assert first.status == Acceptance.Status.CONFIRMED and first.confirmed_by == w.head
    balance = StockBalance.objects.get(item=w.item, location=w.location)
    assert balance.quantity == D("30") and balance.value == D("690.00")
    projectors = Asset.objects.filter(name="短焦投影仪")
    assert projectors.count() == 2
    assert set(projectors.values_list("room", "custodian", "price", "supplier")) == {
        (w.room.pk, w.teacher.pk, D("2690.00"), w.suppliers[1].pk)
    }
    toy_set = Asset.objects.get(name="益智玩具套装")
    assert toy_set.quantity == 10 and toy_set.category == w.low_value
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.PARTIAL
    # the asset register shows them, and the acceptance page links to them
    detail = head.get(url(campus, "procurement:acceptance_detail", pk=first.pk)).content.decode()
    assert all(a.tag in detail for a in projectors)

    # 5. The rest of the delivery; more than ordered is refused.
    response = accept(keeper, campus, order, {1: {"quantity_delivered": "21"}}, location=str(w.location.pk))
    assert response.status_code == 200 and Acceptance.objects.count() == 1
    accept(keeper, campus, order, {1: {"quantity_delivered": "20"}, 2: {"quantity_delivered": "1"}},
           location=str(w.location.pk))  # fmt: skip
    second = Acceptance.objects.exclude(pk=first.pk).get()
    ok(accountant.post(url(campus, "procurement:acceptance_confirm", pk=second.pk)))
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RECEIVED
    assert StockBalance.objects.get(item=w.item, location=w.location).quantity == D("50")
    assert Asset.objects.filter(name="短焦投影仪").count() == 3

    # 6. The invoice, signed by the principal.
    ok(accountant.post(url(campus, "procurement:invoice_create", pk=order.pk), {
        "number": "24339900", "issued_on": timezone.localdate().isoformat(), "amount": "10720.00",
    }))  # fmt: skip
    invoice = Invoice.objects.get()
    ok(principal.post(url(campus, "procurement:invoice_sign", pk=invoice.pk)))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SIGNED
    order_page = keeper.get(url(campus, "procurement:order_detail", pk=order.pk)).content.decode()
    assert 'data-testid="invoice-difference"' in order_page
