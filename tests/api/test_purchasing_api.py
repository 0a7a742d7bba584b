"""The purchasing API: a request through approval, quotes and their comparison, the order,
a two-signer acceptance into stock and asset cards, and the invoice signed by the principal —
same rules and permissions as the pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from houqin.assets.models import Asset
from houqin.procurement.models import Acceptance, PurchaseRequest, StockBalance, Supplier
from tests.factories_purchasing import SupplierFactory, direct_order, purchasing_world, stock_line

pytestmark = pytest.mark.django_db
BASE = "c/main"


@pytest.fixture
def w(campus):
    return purchasing_world(campus)


@pytest.fixture
def apis(w, api_for):
    return {
        name: api_for(getattr(w, name))
        for name in ("teacher", "head", "principal", "keeper", "accountant", "cook")
    }


def png():
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 200, 90)).save(buf, "PNG")
    return SimpleUploadedFile("x.png", buf.getvalue(), "image/png")


def upload(api, path, **data):
    return api.client.post(api.url(path), data)


def decide(api, approval_id, decision="approve", comment=""):
    response = api.post(f"{BASE}/approvals/{approval_id}/decide", {"decision": decision, "comment": comment})
    assert response.status_code == 200, response.content
    return response.json()


def test_full_purchase_through_the_api(campus, w, apis):
    # 1. A teacher raises a request above the principal's threshold and submits it.
    payload = {
        "title": "大班多媒体设备",
        "department": "大班年级组",
        "reason": "新学期教学需要",
        "lines": [
            {"kind": "stock", "item": w.item.pk, "quantity": "20", "estimated_unit_price": "25"},
            {"kind": "asset", "asset_category": w.fixed.pk, "description": "投影仪", "quantity": "2",
             "unit": "台", "estimated_unit_price": "2800"},
        ],
    }  # fmt: skip
    response = apis["teacher"].post(f"{BASE}/purchase-requests", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    rid = body["id"]
    assert body["number"].startswith("CG-") and body["status"] == "draft"
    assert body["estimated_total"] in ("6100.00", "6100") and body["quotes_required"] == 3
    lines = {ln["kind"]: ln["id"] for ln in body["lines"]}
    response = apis["teacher"].post(f"{BASE}/purchase-requests/{rid}/submit")
    assert response.status_code == 200, response.content
    approval = response.json()["approval"]
    assert [step["role"] for step in approval["plan"]] == ["logistics_head", "principal"]
    decide(apis["head"], approval["id"])
    decide(apis["principal"], approval["id"])
    assert apis["teacher"].get(f"{BASE}/purchase-requests/{rid}").json()["status"] == "approved"

    # 2. Three quotes; a teacher may not record them; a dearer choice needs a reason.
    assert apis["teacher"].post(f"{BASE}/purchase-requests/{rid}/quotes", {"supplier": w.suppliers[0].pk,
                                                                             "total": "6000"}).status_code == 403  # fmt: skip
    quote_ids = []
    for supplier, paper, projector in zip(
        w.suppliers, ("24", "23", "26"), ("2750", "2800", "2700"), strict=True
    ):
        response = apis["keeper"].post(
            f"{BASE}/purchase-requests/{rid}/quotes",
            {
                "supplier": supplier.pk,
                "line_prices": {str(lines["stock"]): paper, str(lines["asset"]): projector},
            },
        )
        assert response.status_code == 201, response.content
        quote_ids.append(response.json()["id"])
    assert upload(apis["keeper"], f"{BASE}/quotes/{quote_ids[0]}/files", file=png()).status_code == 201
    table = apis["keeper"].get(f"{BASE}/purchase-requests/{rid}/comparison").json()
    assert len(table["quotes"]) == 3 and table["quotes_required"] == 3
    cheapest = table["cheapest"]
    dearer = next(q for q in quote_ids if q != cheapest)
    response = apis["keeper"].post(f"{BASE}/purchase-requests/{rid}/choose", {"quote": dearer})
    assert response.status_code == 422 and "choice_reason" in response.json()["errors"]
    response = apis["keeper"].post(f"{BASE}/purchase-requests/{rid}/choose", {"quote": cheapest})
    assert response.status_code == 200 and response.json()["chosen_quote"] == cheapest

    # 3. The order.
    response = apis["keeper"].post(f"{BASE}/purchase-requests/{rid}/order", {"expected_delivery": None})
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["number"].startswith("CGD-") and order["quote"] == cheapest and order["status"] == "ordered"
    oid = order["id"]
    order_lines = {ln["kind"]: ln["id"] for ln in order["lines"]}

    # 4. A partial delivery, two signers.
    response = apis["keeper"].post(
        f"{BASE}/purchase-orders/{oid}/acceptances",
        {"lines": [
            {"order_line": order_lines["stock"], "quantity_delivered": "12"},
            {"order_line": order_lines["asset"], "quantity_delivered": "1", "room": w.room.pk,
             "custodian": w.teacher.pk},
        ]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    aid = response.json()["id"]
    assert response.json()["status"] == "pending" and response.json()["assets"] == []
    assert upload(apis["keeper"], f"{BASE}/acceptances/{aid}/photos", file=png()).status_code == 201
    response = apis["keeper"].post(f"{BASE}/acceptances/{aid}/confirm")
    assert response.status_code == 403  # the same person cannot sign twice
    assert apis["cook"].post(f"{BASE}/acceptances/{aid}/confirm").status_code == 403
    response = apis["head"].post(f"{BASE}/acceptances/{aid}/confirm")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed" and len(response.json()["assets"]) == 1
    assert StockBalance.objects.get(item=w.item, location=w.location).quantity == 12
    detail = apis["keeper"].get(f"{BASE}/purchase-orders/{oid}").json()
    assert detail["status"] == "partial"
    # more than ordered is refused
    response = apis["keeper"].post(
        f"{BASE}/purchase-orders/{oid}/acceptances",
        {"lines": [{"order_line": order_lines["stock"], "quantity_delivered": "9"}]},
    )
    assert response.status_code == 422

    # 5. The invoice, signed by the principal only.
    response = apis["accountant"].post(
        f"{BASE}/purchase-orders/{oid}/invoices",
        {"number": "24339001", "issued_on": timezone.localdate().isoformat(), "amount": "3000.00"},
    )
    assert response.status_code == 201, response.content
    iid = response.json()["id"]
    assert upload(apis["accountant"], f"{BASE}/invoices/{iid}/scans", file=png()).status_code == 201
    assert apis["accountant"].post(f"{BASE}/invoices/{iid}/sign").status_code == 403
    response = apis["principal"].post(f"{BASE}/invoices/{iid}/sign", {"note": "同意"})
    assert response.status_code == 200 and response.json()["status"] == "signed"
    figures = apis["keeper"].get(f"{BASE}/purchase-orders/{oid}").json()["figures"]
    assert figures["invoiced"] in ("3000.00", "3000")


def test_request_visibility_and_editing(campus, w, apis):
    response = apis["teacher"].post(
        f"{BASE}/purchase-requests",
        {"title": "x", "department": "小班", "reason": "y", "lines": [{"kind": "stock", "item": w.item.pk,
                                                                          "quantity": "1"}]},
    )  # fmt: skip
    rid = response.json()["id"]
    assert apis["cook"].get(f"{BASE}/purchase-requests/{rid}").status_code == 404  # not theirs
    assert apis["cook"].get(f"{BASE}/purchase-requests").json()["count"] == 0
    assert apis["keeper"].get(f"{BASE}/purchase-requests").json()["count"] == 1
    response = apis["teacher"].patch(f"{BASE}/purchase-requests/{rid}", {"title": "改过"})
    assert response.status_code == 200 and response.json()["title"] == "改过"
    assert len(response.json()["lines"]) == 1  # lines kept when not given
    response = apis["teacher"].patch(f"{BASE}/purchase-requests/{rid}", {"lines": []})
    assert response.status_code == 422
    response = apis["teacher"].patch(
        f"{BASE}/purchase-requests/{rid}", {"lines": [{"kind": "stock", "item": 999999, "quantity": "1"}]}
    )
    assert response.status_code == 422 and "lines" in response.json()["errors"]
    assert apis["keeper"].patch(f"{BASE}/purchase-requests/{rid}", {"title": "别人改"}).status_code == 403
    apis["teacher"].post(f"{BASE}/purchase-requests/{rid}/submit")
    assert apis["teacher"].patch(f"{BASE}/purchase-requests/{rid}", {"title": "再改"}).status_code == 422
    response = apis["teacher"].post(f"{BASE}/purchase-requests/{rid}/withdraw", {"comment": "再想想"})
    assert response.json()["status"] == "withdrawn"
    response = apis["teacher"].post(f"{BASE}/purchase-requests/{rid}/cancel", {"reason": "不要了"})
    assert response.json()["status"] == "cancelled"
    assert PurchaseRequest.objects.get().status == PurchaseRequest.Status.CANCELLED


def test_item_of_another_campus_is_refused(campus, other_campus, w, apis):
    from tests.factories_warehouse import ItemFactory

    foreign = ItemFactory(campus=other_campus)
    response = apis["teacher"].post(
        f"{BASE}/purchase-requests",
        {"title": "x", "department": "小班", "reason": "y", "lines": [{"kind": "stock", "item": foreign.pk,
                                                                          "quantity": "1"}]},
    )  # fmt: skip
    assert response.status_code == 422 and not PurchaseRequest.objects.exists()


def test_suppliers_api(campus, w, apis):
    response = apis["keeper"].post(f"{BASE}/suppliers", {"name": "新供应商", "phone": "13900001111"})
    assert response.status_code == 201
    sid = response.json()["id"]
    assert apis["accountant"].post(f"{BASE}/suppliers", {"name": "x"}).status_code == 403
    assert (
        apis["keeper"].patch(f"{BASE}/suppliers/{sid}", {"scope": "清洁用品"}).json()["scope"] == "清洁用品"
    )
    assert apis["keeper"].get(f"{BASE}/suppliers?q=xgys").json()["count"] == 1
    assert apis["keeper"].delete(f"{BASE}/suppliers/{sid}").json()["outcome"] == "deleted"
    order = direct_order(campus, w, [stock_line(w)])
    response = apis["keeper"].delete(f"{BASE}/suppliers/{order.supplier_id}")
    assert response.json()["outcome"] == "deactivated"
    assert Supplier.objects.get(pk=order.supplier_id).is_active is False


def test_direct_order_void_and_cancel(campus, w, apis):
    order = direct_order(campus, w, [stock_line(w, qty="5")])
    line = order.lines.get()
    response = apis["keeper"].post(
        f"{BASE}/purchase-orders/{order.pk}/acceptances",
        {"lines": [{"order_line": line.pk, "quantity_delivered": "5", "quality": "fail"}]},
    )
    assert response.status_code == 422 and Acceptance.objects.count() == 0  # failed quality needs a note
    response = apis["keeper"].post(
        f"{BASE}/purchase-orders/{order.pk}/acceptances",
        {"lines": [{"order_line": line.pk, "quantity_delivered": "5"}], "location": w.location.pk},
    )
    aid = response.json()["id"]
    response = apis["head"].post(f"{BASE}/acceptances/{aid}/void", {"reason": "包装破损，退回"})
    assert response.json()["status"] == "void"
    response = apis["keeper"].post(f"{BASE}/purchase-orders/{order.pk}/cancel", {"reason": "换供应商"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert not Asset.objects.exists() and not StockBalance.objects.exists()


def test_other_campus_ids_are_not_found(campus, other_campus, w, apis):
    foreign = SupplierFactory(campus=other_campus)
    assert apis["keeper"].get(f"{BASE}/suppliers/{foreign.pk}").status_code == 404
    assert apis["keeper"].delete(f"{BASE}/suppliers/{foreign.pk}").status_code == 404
