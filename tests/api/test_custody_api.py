"""The custody API: hand-overs (create, bulk, check lines, sign with one's own login),
loans (lend by scan, refusals, request, return, overdue), damage with compensation
payments, disposal requests decided through the approvals API, and the reports."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from houqin.assets.models import Asset, Damage, DisposalRequest, Handover, Loan
from houqin.core.roles import Role
from tests.factories_assets import AssetCategoryFactory, AssetFactory
from tests.factories_custody import LoanFactory, classroom, term_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "cook": make_member(Role.COOK, username="cook"),
    }


@pytest.fixture
def apis(people, api_for):
    return {name: api_for(user) for name, user in people.items()}


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 10), (0, 0, 0)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_handover_create_check_and_sign(campus, people, apis):
    term = term_now(campus)
    room, school_class, assets = classroom(campus, people["teacher"], assets=2)
    response = apis["keeper"].post("c/main/handovers", {
        "term": term.pk, "kind": "term_start", "room": room.pk, "to_user": people["teacher"].pk,
        "from_user": people["keeper"].pk,
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("JJ-") and body["school_class"] == school_class.pk
    assert len(body["lines"]) == 2
    hid, line = body["id"], body["lines"][0]
    # the teacher sees it among the hand-overs to sign, checks a line and signs with a signature
    mine = apis["teacher"].get("c/main/handovers/mine").json()
    assert [h["id"] for h in mine] == [hid]
    checked = apis["teacher"].patch(f"c/main/handovers/{hid}/lines", [{"id": line["id"], "condition": "worn",
                                                                      "note": "桌面划痕"}])  # fmt: skip
    assert checked.status_code == 200 and checked.json()["lines"][0]["condition"] == "worn"
    bad = apis["teacher"].patch(f"c/main/handovers/{hid}/lines", [{"id": line["id"], "condition": "broken"}])
    assert bad.status_code == 422
    # nobody signs for the receiver
    refused = apis["keeper"].post(f"c/main/handovers/{hid}/sign", {"side": "to"})
    assert refused.status_code == 403 and refused.json()["detail"]
    signed = apis["teacher"].post(f"c/main/handovers/{hid}/sign", {"side": "to", "signature": _png()})
    assert signed.status_code == 200 and signed.json()["to_signature"]
    done = apis["keeper"].post(f"c/main/handovers/{hid}/sign", {"side": "from"}).json()
    assert done["status"] == "completed"
    assert Asset.objects.get(pk=assets[0].pk).custodian == people["teacher"]
    assert apis["keeper"].get(f"c/main/handovers/{hid}").json()["status"] == "completed"


def test_handover_bulk_and_validation(campus, people, apis):
    term = term_now(campus)
    classroom(campus, people["teacher"], assets=1)
    classroom(campus, None, assets=1)
    response = apis["keeper"].post("c/main/handovers/bulk", {"term": term.pk, "kind": "term_end"})
    assert response.status_code == 201
    body = response.json()
    assert len(body["created"]) == 1 and len(body["skipped"]) == 1 and body["skipped"][0]["reason"]
    assert (
        apis["keeper"].post("c/main/handovers/bulk", {"term": term.pk, "kind": "change"}).status_code == 422
    )
    listed = apis["keeper"].get("c/main/handovers", {"unsigned": "true"}).json()
    assert listed["count"] == 1


def test_handover_refs_of_another_campus_are_field_errors(campus, other_campus, people, apis):
    term = term_now(campus)
    foreign_room, _c, _a = classroom(other_campus, None, assets=1)
    response = apis["keeper"].post("c/main/handovers", {"term": term.pk, "room": foreign_room.pk,
                                                       "to_user": people["teacher"].pk})  # fmt: skip
    assert response.status_code == 422 and "room" in response.json()["errors"]
    assert not Handover.objects.exists()


def test_lend_by_scan_refusal_return_and_overdue(campus, people, apis):
    asset = AssetFactory(campus=campus, status=Asset.Status.IDLE)
    response = apis["keeper"].post("c/main/loans", {"scan": f"http://x/q/a/{asset.qr_token}/",
                                                   "borrower": people["teacher"].pk})  # fmt: skip
    assert response.status_code == 201, response.content
    loan = response.json()
    assert loan["status"] == "out" and loan["due_on"]
    again = apis["keeper"].post("c/main/loans", {"asset": asset.pk, "borrower": people["cook"].pk})
    assert again.status_code == 422 and loan["number"] in again.json()["detail"] + str(
        again.json().get("errors")
    )
    gone = AssetFactory(campus=campus, status=Asset.Status.DISPOSED)
    assert (
        apis["keeper"].post("c/main/loans", {"asset": gone.pk, "borrower": people["cook"].pk}).status_code
        == 422
    )
    assert (
        apis["keeper"].post("c/main/loans", {"scan": "NO-SUCH", "borrower": people["cook"].pk}).status_code
        == 422
    )
    returned = apis["keeper"].post(f"c/main/loans/{loan['id']}/return", {"condition_in": "damaged",
                                                                         "record_damage": True,
                                                                         "compensation_due": "99"})  # fmt: skip
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert Damage.objects.get().responsible_user == people["teacher"]
    late = LoanFactory(campus=campus, due_on=timezone.localdate() - dt.timedelta(days=1))
    overdue = apis["keeper"].get("c/main/loans/overdue").json()
    assert [row["id"] for row in overdue["items"]] == [late.pk]
    assert overdue["items"][0]["is_overdue"] is True


def test_borrow_request_and_cancel(campus, people, apis):
    asset = AssetFactory(campus=campus)
    response = apis["cook"].post("c/main/loans/requests", {"asset": asset.pk, "purpose": "活动"})
    assert response.status_code == 201
    loan_id = response.json()["id"]
    assert apis["cook"].get(f"c/main/loans/{loan_id}").status_code == 403  # no view_custody
    assert apis["cook"].get("c/main/loans/mine").json()["count"] == 1
    assert apis["teacher"].post(f"c/main/loans/{loan_id}/cancel", {}).status_code == 403
    assert apis["cook"].post(f"c/main/loans/{loan_id}/cancel", {}).status_code == 200
    assert Loan.objects.get().status == Loan.Status.CANCELLED


def test_damage_compensation_payments(campus, people, apis):
    asset = AssetFactory(campus=campus)
    response = apis["keeper"].post("c/main/damages", {
        "asset": asset.pk, "description": "桌腿断裂", "responsible_kind": "other", "responsible_name": "王某家长",
        "compensation_due": "150",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    damage = response.json()
    assert damage["outstanding"] == "150.00" or Decimal(str(damage["outstanding"])) == Decimal("150")
    paid = apis["keeper"].post(
        f"c/main/damages/{damage['id']}/payments", {"amount": "150", "receipt_number": "R-1"}
    )
    assert paid.status_code == 201 and paid.json()["status"] == "closed"
    payment_id = paid.json()["payments"][0]["id"]
    voided = apis["keeper"].post(f"c/main/damages/payments/{payment_id}/void", {"reason": "重复登记"})
    assert voided.status_code == 200 and voided.json()["status"] == "open"
    assert voided.json()["payments"][0]["voided_at"]
    assert apis["keeper"].get("c/main/damages", {"outstanding": "true"}).json()["count"] == 1
    missing_receipt = apis["keeper"].post(
        f"c/main/damages/{damage['id']}/payments", {"amount": "1", "receipt_number": ""}
    )
    assert missing_receipt.status_code == 422
    assert apis["teacher"].post(f"c/main/damages/{damage['id']}/close", {}).status_code == 403


def test_disposal_through_the_approvals_api(campus, people, apis, make_member, api_for):
    category = AssetCategoryFactory(campus=campus, useful_life_years=5)
    asset = AssetFactory(campus=campus, category=category, price=Decimal("3000"))
    response = apis["keeper"].post("c/main/disposals", {
        "kind": "scrap", "reason": "老化", "lines": [{"asset": asset.pk, "residual_value": "100"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    disposal = response.json()
    assert (
        disposal["total_value"] in ("3000.00", 3000, "3000") or Decimal(str(disposal["total_value"])) == 3000
    )
    submitted = apis["keeper"].post(f"c/main/disposals/{disposal['id']}/submit").json()
    assert submitted["status"] == "pending" and submitted["approval"]
    principal = api_for(make_member(Role.PRINCIPAL))
    decide = f"c/main/approvals/{submitted['approval']}/decide"
    assert apis["head"].post(decide, {"decision": "approve", "comment": "同意"}).status_code == 200
    assert principal.post(decide, {"decision": "approve"}).status_code == 200
    assert apis["keeper"].get(f"c/main/disposals/{disposal['id']}").json()["status"] == "approved"
    asset.refresh_from_db()
    assert asset.status == Asset.Status.DISPOSED
    assert DisposalRequest.objects.get().decided_at


def test_disposal_line_edits_and_bad_assets(campus, people, apis):
    a, b = AssetFactory(campus=campus), AssetFactory(campus=campus, status=Asset.Status.DISPOSED)
    draft = apis["keeper"].post("c/main/disposals", {"kind": "scrap", "reason": "x"}).json()
    added = apis["keeper"].post(f"c/main/disposals/{draft['id']}/lines", {"scan": a.tag})
    assert added.status_code == 201 and len(added.json()["lines"]) == 1
    assert apis["keeper"].post(f"c/main/disposals/{draft['id']}/lines", {"asset": b.pk}).status_code == 422
    line_id = added.json()["lines"][0]["id"]
    removed = apis["keeper"].delete(f"c/main/disposals/{draft['id']}/lines/{line_id}")
    assert removed.status_code == 200 and removed.json()["lines"] == []
    # all or nothing: a bad line leaves no draft behind
    count = DisposalRequest.objects.count()
    bad = apis["keeper"].post(
        "c/main/disposals", {"kind": "scrap", "reason": "x", "lines": [{"asset": b.pk}]}
    )
    assert bad.status_code == 422 and DisposalRequest.objects.count() == count


def test_reports(campus, people, apis, api_for, make_member):
    category = AssetCategoryFactory(campus=campus, name="电子设备", useful_life_years=5)
    AssetFactory(campus=campus, category=category, price=Decimal("12000"), purchase_date=dt.date(2024, 9, 1),
                 in_service_date=dt.date(2024, 9, 15))  # fmt: skip
    report = apis["keeper"].get("c/main/reports/depreciation", {"as_of": "2025-09-30"}).json()
    assert Decimal(str(report["total"]["accumulated"])) == Decimal("2400")
    assert report["count"] == 1 and report["rows"][0]["months"] == 12
    acquired = apis["keeper"].get("c/main/reports/acquisitions", {"year": 2024}).json()
    assert acquired["total"]["cards"] == 1 and acquired["rows"][0]["category"] == "电子设备"
    assert apis["keeper"].get("c/main/reports/disposals", {"year": 2024}).json()["total"]["cards"] == 0
    bad = apis["keeper"].get("c/main/reports/acquisitions", {"start": "2025-02-01", "end": "2025-01-01"})
    assert bad.status_code == 422
    assert apis["teacher"].get("c/main/reports/depreciation").status_code == 403
    assert api_for(make_member(Role.ACCOUNTANT)).get("c/main/reports/depreciation").status_code == 200


def test_outsider_cannot_reach_rows_of_the_campus(campus, people, outsider_api):
    LoanFactory(campus=campus)
    assert outsider_api.get("c/main/loans").status_code == 404
    assert outsider_api.get("c/other/loans").json()["count"] == 0
