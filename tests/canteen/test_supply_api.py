"""The supply API: suppliers and certificates, receiving with two signers, the store's
FEFO proposal, stock-outs signed by keeper and cook, reversal, disposals; permissions and
campus isolation."""

import datetime as dt

import pytest
from django.utils.translation import gettext

from houqin.canteen.models import FoodBatch, Receiving
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.canteen.supply_helpers import *  # noqa: F403
from tests.canteen.supply_helpers import batch, certificate, food_supplier, today
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db

BASE = "c/main/canteen"


@pytest.fixture
def apis(people):
    return {name: ApiClient(token_for(user)) for name, user in people.items()}


def test_supplier_and_certificates(apis, campus):
    created = apis["head"].post(f"{BASE}/suppliers", {"name": "阳光乳业", "categories": ["dairy"]})
    assert created.status_code == 201, created.content
    sid = created.json()["supplier"]
    pid = created.json()["id"]
    status = apis["head"].get(f"{BASE}/suppliers/{pid}/status").json()
    assert status["can_deliver"] is False and len(status["problems"]) == 2
    for kind in ("business_licence", "food_production_licence"):
        response = apis["head"].post(f"{BASE}/suppliers/certificates", {
            "supplier": sid, "kind": kind, "number": f"N-{kind}",
            "expires_on": (today() + dt.timedelta(days=20)).isoformat()})  # fmt: skip
        assert response.status_code == 201, response.content
    assert apis["head"].get(f"{BASE}/suppliers/{pid}/status").json()["can_deliver"] is True
    patched = apis["head"].patch(
        f"{BASE}/suppliers/{pid}", {"phone": "13900000009", "categories": ["dairy", "egg"]}
    )
    assert patched.status_code == 200 and patched.json()["phone"] == "13900000009"
    assert patched.json()["categories"] == ["egg", "dairy"] and patched.json()["name"] == "阳光乳业"
    listed = apis["accountant"].get(f"{BASE}/suppliers/certificates", {"expiring": "true"}).json()
    assert listed["count"] == 2
    cert_id = listed["items"][0]["id"]
    upload = apis["head"].client.post(
        f"/api/v1/{BASE}/suppliers/certificates/{cert_id}/files", {"file": png()}
    )
    assert upload.status_code == 201
    assert apis["cook"].post(f"{BASE}/suppliers", {"name": "X"}).status_code == 403
    assert apis["guard"].get(f"{BASE}/suppliers").status_code == 403
    contract = apis["head"].post(f"{BASE}/suppliers/contracts", {
        "supplier": sid, "title": "供货合同", "start_date": "2026-01-01", "end_date": "2026-12-31"})  # fmt: skip
    assert contract.status_code == 201
    bad = apis["head"].post(f"{BASE}/suppliers/contracts", {
        "supplier": sid, "title": "反了", "start_date": "2026-12-01", "end_date": "2026-01-31"})  # fmt: skip
    assert bad.status_code in (400, 422)


def test_receiving_flow(apis, campus, supplier):
    veg = f.IngredientFactory(campus=campus, name="青菜")
    payload = {"supplier": supplier.pk, "lines": [
        {"ingredient": veg.pk, "quantity": "10", "unit_price": "4.2", "is_fresh_produce": True, "shelf_life_days": 2},
        {"name": "土豆", "quantity": "5", "is_fresh_produce": True, "appearance_ok": False, "result": "rejected",
         "reject_reason": "发芽"},
    ]}  # fmt: skip
    assert apis["accountant"].post(f"{BASE}/receiving", payload).status_code == 403
    created = apis["cook"].post(f"{BASE}/receiving", payload)
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    assert created.json()["status"] == "pending" and len(created.json()["lines"]) == 2
    same = apis["cook"].post(f"{BASE}/receiving/{rid}/confirm")
    assert same.status_code == 403
    assert same.json()["detail"] == gettext(
        "You recorded this delivery; the second signature must come from another person."
    )
    done = apis["cook2"].post(f"{BASE}/receiving/{rid}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    lines = done.json()["lines"]
    assert lines[0]["batch"] and lines[1]["batch"] is None
    assert apis["health"].get(f"{BASE}/receiving/{rid}").status_code == 200
    assert apis["head"].get(f"{BASE}/receiving", {"status": "confirmed"}).json()["count"] == 1
    # deletion refused within the retention period
    refused = apis["head"].delete(f"{BASE}/receiving/{rid}")
    assert refused.status_code in (400, 422)
    assert Receiving.objects.filter(pk=rid).exists()


def test_receiving_refused_for_an_expired_licence(apis, campus):
    s = food_supplier(campus, name="过期证照", licences=False)
    certificate(s, "business_licence", expires_in=None)
    lic = certificate(s, "food_operation_licence", expires_in=-5)
    response = apis["cook"].post(f"{BASE}/receiving", {"supplier": s.pk, "lines": [
        {"name": "青菜", "quantity": "3", "is_fresh_produce": True}]})  # fmt: skip
    assert response.status_code in (400, 422)
    assert lic.expires_on.isoformat() in response.content.decode()
    assert not Receiving.objects.exists()


def test_store_fefo_stock_out_and_reverse(apis, campus, supplier, people):
    rice = f.IngredientFactory(campus=campus, name="粳米")
    late = batch(campus, supplier, ingredient=rice, name="粳米", best_before=today() + dt.timedelta(days=30))
    early = batch(campus, supplier, ingredient=rice, name="粳米", best_before=today() + dt.timedelta(days=3))
    proposal = apis["cook"].get(f"{BASE}/store/fefo", {"ingredient": rice.pk, "quantity": "12"}).json()
    assert [(p["batch"]["id"], p["quantity"]) for p in proposal] == [
        (early.pk, "10.00"),
        (late.pk, "2.00"),
    ] or [(p["batch"]["id"], float(p["quantity"])) for p in proposal] == [(early.pk, 10.0), (late.pk, 2.0)]
    bad = apis["head"].post(f"{BASE}/store/stock-outs", {"date": today().isoformat(), "meal": "lunch",
                                                          "sign_as": "keeper", "lines": [{"batch": late.pk, "quantity": "1"}]})  # fmt: skip
    assert bad.status_code in (400, 422) and early.number in bad.content.decode()
    created = apis["head"].post(f"{BASE}/store/stock-outs", {
        "date": today().isoformat(), "meal": "lunch", "sign_as": "keeper",
        "lines": [{"batch": early.pk, "quantity": "10"}, {"batch": late.pk, "quantity": "2"}]})  # fmt: skip
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert apis["head"].post(f"{BASE}/store/stock-outs/{sid}/sign", {"role": "cook"}).status_code == 403
    signed = apis["cook"].post(f"{BASE}/store/stock-outs/{sid}/sign", {"role": "cook"})
    assert signed.status_code == 200 and signed.json()["status"] == "confirmed"
    early.refresh_from_db()
    assert early.quantity_on_hand == 0
    assert apis["cook"].post(f"{BASE}/store/stock-outs/{sid}/reverse", {"reason": "x"}).status_code == 403
    assert apis["head"].post(f"{BASE}/store/stock-outs/{sid}/reverse", {"reason": "停课"}).status_code == 200
    again = apis["head"].post(f"{BASE}/store/stock-outs/{sid}/reverse", {"reason": "again"})
    assert again.status_code in (400, 422)
    assert apis["health"].get(f"{BASE}/store/stock-outs", {"meal": "lunch"}).json()["count"] == 1
    listed = apis["health"].get(f"{BASE}/store/batches", {"issuable_on": today().isoformat()}).json()
    assert listed["count"] == 2


def test_disposal(apis, campus, supplier, people):
    b = batch(campus, supplier, name="过期酸奶", best_before=today() - dt.timedelta(days=1))
    assert apis["cook"].post(f"{BASE}/store/disposals", {"batch": b.pk, "quantity": "1", "reason": "expired",
                                                         "witness": people["head"].pk}).status_code == 403  # fmt: skip
    created = apis["head"].post(f"{BASE}/store/disposals", {"batch": b.pk, "quantity": "10", "reason": "expired",
                                                            "witness": people["cook"].pk})  # fmt: skip
    assert created.status_code == 201, created.content
    b.refresh_from_db()
    assert b.status == FoodBatch.Status.DISPOSED
    voided = apis["head"].post(f"{BASE}/store/disposals/{created.json()['id']}/void", {"reason": "登记错"})
    assert voided.status_code == 200 and voided.json()["is_void"] is True


def test_campus_isolation(apis, campus, other_campus, outsider):
    theirs = batch(other_campus)
    assert apis["head"].get(f"{BASE}/store/batches/{theirs.pk}").status_code == 404
    their_supplier = food_supplier(other_campus, name="外园")
    response = apis["cook"].post(f"{BASE}/receiving", {"supplier": their_supplier.pk, "lines": [
        {"name": "青菜", "quantity": "1", "is_fresh_produce": True}]})  # fmt: skip
    assert response.status_code == 404
    stock = apis["head"].post(f"{BASE}/store/stock-outs", {"date": today().isoformat(), "meal": "lunch",
                                                            "lines": [{"batch": theirs.pk, "quantity": "1"}]})  # fmt: skip
    assert stock.status_code in (400, 422)
    assert ApiClient(token_for(outsider)).get(f"{BASE}/receiving").status_code == 404
    assert ApiClient().get(f"{BASE}/receiving").status_code == 401
