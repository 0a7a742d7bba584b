"""Purchasing rules, through the services: requests and their approval, price comparison,
orders, two-signer acceptance into stock and asset cards, invoices signed by the principal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.assets.models import Asset
from houqin.core import approvals
from houqin.core.models import AuditEvent, CampusSettings, Notification
from houqin.core.roles import Role
from houqin.procurement import purchasing_services as s
from houqin.procurement.models import (
    Acceptance,
    Invoice,
    PurchaseOrder,
    PurchaseRequest,
    StockBalance,
    StockMove,
    Supplier,
)
from tests import factories as f
from tests.factories_purchasing import (
    SupplierFactory,
    approved_request,
    asset_line,
    direct_order,
    purchasing_world,
    raise_request,
    stock_line,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def w(campus):
    return purchasing_world(campus)


# --- Requests -----------------------------------------------------------------------------


def test_request_is_numbered_with_lines_and_estimated_total(campus, w):
    pr = raise_request(campus, w, [stock_line(w), asset_line(w, w.fixed, qty="1", price="1500")])
    year = timezone.localdate().year
    assert pr.number == f"CG-{year}-0001"
    assert pr.status == PurchaseRequest.Status.DRAFT
    assert pr.estimated_total == D("1750.00")
    first, second = pr.lines.order_by("position")
    assert (first.description, first.unit, first.spec) == ("A4复印纸", "包", "70g 500张/包")  # from the item
    assert second.unit == "件"
    assert AuditEvent.objects.filter(action="create", object_id=str(pr.pk)).exists()
    assert raise_request(campus, w, [stock_line(w)]).number == f"CG-{year}-0002"


@pytest.mark.parametrize(
    "line,message",
    [
        ({"kind": "stock", "quantity": D("1")}, "warehouse item"),
        ({"kind": "asset", "description": "钢琴", "quantity": D("1"), "unit": "台"}, "asset category"),
        ({"kind": "other", "quantity": D("1"), "unit": "次"}, "This field cannot be blank"),
    ],
)
def test_request_line_rules(campus, w, line, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        raise_request(campus, w, [line])
    assert message in str(exc.value)
    assert not PurchaseRequest.objects.exists()


def test_assets_are_counted_in_whole_units_and_a_request_needs_lines(campus, w):
    with pytest.raises(ValidationError, match="whole units|整"):
        raise_request(campus, w, [asset_line(w, w.fixed, qty="1.5")])
    with pytest.raises(ValidationError):
        raise_request(campus, w, [])
    with pytest.raises(ValidationError):
        s.purchase_request_save(
            actor=w.teacher, campus=campus, data={"title": "x", "reason": "y"}, lines=[stock_line(w)]
        )  # neither department nor class


def test_request_refuses_an_item_of_another_campus(campus, other_campus, w):
    from tests.factories_warehouse import ItemFactory

    foreign = ItemFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        raise_request(campus, w, [{"kind": "stock", "item": foreign, "quantity": D("1")}])


def test_small_request_needs_only_the_logistics_head(campus, w):
    pr = raise_request(campus, w, [stock_line(w, qty="10", price="25")])  # 250 yuan
    approval = s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    assert pr.status == PurchaseRequest.Status.PENDING
    assert [step["role"] for step in approval.plan] == [Role.LOGISTICS_HEAD]
    assert approval.amount == D("250.00")
    approvals.approve(actor=w.head, approval=approval)
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.APPROVED
    # buyers hear about it
    assert Notification.objects.filter(recipient=w.keeper, event="procurement.purchase_approved").exists()


def test_request_from_the_threshold_goes_to_the_principal(campus, w):
    pr = raise_request(campus, w, [asset_line(w, w.fixed, qty="1", price="2000")])
    approval = s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    assert [step["role"] for step in approval.plan] == [Role.LOGISTICS_HEAD, Role.PRINCIPAL]
    approvals.approve(actor=w.head, approval=approval)
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.PENDING
    with pytest.raises(PermissionDenied):
        approvals.approve(actor=w.head, approval=approval)
    approvals.approve(actor=w.principal, approval=approval)
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.APPROVED


def test_campus_edits_the_threshold_in_the_flow(campus, w):
    flow = approvals.flow_for(campus, s.PURCHASE_KIND)
    approvals.flow_set_steps(
        actor=w.principal,
        flow=flow,
        steps=[("后勤园长", Role.LOGISTICS_HEAD, None), ("园长", Role.PRINCIPAL, "200")],
    )
    pr = raise_request(campus, w, [stock_line(w, qty="10", price="25")])
    approval = s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    assert [step["role"] for step in approval.plan] == [Role.LOGISTICS_HEAD, Role.PRINCIPAL]


def test_rejected_request_is_edited_and_resubmitted(campus, w):
    pr = raise_request(campus, w, [stock_line(w)])
    approval = s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    with pytest.raises(ValidationError):  # not editable while pending
        s.purchase_request_save(
            actor=w.teacher, campus=campus, data={"title": "改"}, lines=[stock_line(w)], purchase_request=pr
        )
    approvals.reject(actor=w.head, approval=approval, comment="数量太多")
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.REJECTED
    with pytest.raises(PermissionDenied):  # only the requester edits
        s.purchase_request_save(
            actor=w.keeper, campus=campus, data={"title": "改"}, lines=[stock_line(w)], purchase_request=pr
        )
    s.purchase_request_save(
        actor=w.teacher,
        campus=campus,
        data={"title": "减量"},
        lines=[stock_line(w, qty="4")],
        purchase_request=pr,
    )
    pr.refresh_from_db()
    assert (pr.title, pr.estimated_total, pr.lines.count()) == ("减量", D("100.00"), 1)
    second = s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    assert second.pk != approval.pk and pr.status == PurchaseRequest.Status.PENDING
    event = AuditEvent.objects.filter(action="update", object_id=str(pr.pk)).latest("id")
    assert "lines" in event.after


def test_withdraw_then_cancel(campus, w):
    pr = raise_request(campus, w, [stock_line(w)])
    s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    s.purchase_request_withdraw(actor=w.teacher, purchase_request=pr)
    assert pr.status == PurchaseRequest.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        s.purchase_request_cancel(actor=w.teacher, purchase_request=pr, reason="")
    with pytest.raises(PermissionDenied):  # another teacher may not
        other = f.UserFactory()
        f.MembershipFactory(user=other, campus=campus, role=Role.CLASS_TEACHER)
        s.purchase_request_cancel(actor=other, purchase_request=pr, reason="不要了")
    s.purchase_request_cancel(actor=w.teacher, purchase_request=pr, reason="不需要了")
    assert pr.status == PurchaseRequest.Status.CANCELLED


# --- Quotes and the choice ----------------------------------------------------------------


def test_quotes_need_an_approved_request(campus, w):
    pr = raise_request(campus, w, [stock_line(w)])
    with pytest.raises(ValidationError):
        s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0], total=D("200"))


def test_quote_prices_every_line_or_only_a_total(campus, w):
    pr = approved_request(campus, w, [stock_line(w, qty="10"), asset_line(w, w.fixed, qty="2", price="3000")])
    a, b = pr.lines.order_by("position")
    with pytest.raises(ValidationError, match="every line|每一行|每行"):
        s.quote_save(
            actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0], line_prices={a.pk: D("24")}
        )
    quote = s.quote_save(
        actor=w.keeper,
        purchase_request=pr,
        supplier=w.suppliers[0],
        line_prices={a.pk: D("24"), b.pk: D("2900")},
    )
    assert quote.total == D("6040.00")
    with pytest.raises(ValidationError):
        s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1])  # neither
    with pytest.raises(ValidationError):  # one quote per supplier
        s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0], total=D("5000"))
    inactive = SupplierFactory(campus=campus, is_active=False)
    with pytest.raises(ValidationError):
        s.quote_save(actor=w.keeper, purchase_request=pr, supplier=inactive, total=D("5000"))
    with pytest.raises(PermissionDenied):  # a teacher does not buy
        s.quote_save(actor=w.teacher, purchase_request=pr, supplier=w.suppliers[1], total=D("5000"))


def test_three_quotes_from_the_amount_and_a_reason_for_a_dearer_one(campus, w):
    pr = approved_request(campus, w, [asset_line(w, w.fixed, qty="2", price="3000")])  # 6000 ≥ 5000
    assert s.quotes_required(pr) == 3
    cheap = s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0], total=D("5600"))
    dear = s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1], total=D("5800"))
    with pytest.raises(ValidationError) as exc:
        s.quote_choose(actor=w.keeper, purchase_request=pr, quote=cheap)
    assert exc.value.code == "too_few_quotes"
    with pytest.raises(ValidationError) as exc:  # no order without a chosen quote
        s.purchase_order_create(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0])
    assert exc.value.code == "quote_needed"
    s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[2], total=D("6100"))
    with pytest.raises(ValidationError) as exc:
        s.quote_choose(actor=w.keeper, purchase_request=pr, quote=dear)
    assert "choice_reason" in exc.value.message_dict
    s.quote_choose(actor=w.keeper, purchase_request=pr, quote=dear, reason="售后上门，质保三年")
    pr.refresh_from_db()
    assert pr.chosen_quote == dear and pr.choice_reason == "售后上门，质保三年"
    # a changed quote clears the choice: it has to be made again on the new figures
    s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1], total=D("5500"), quote=dear)
    pr.refresh_from_db()
    assert pr.chosen_quote is None
    s.quote_choose(actor=w.keeper, purchase_request=pr, quote=dear)  # now the cheapest: no reason needed


def test_quote_rules_follow_the_campus_settings(campus, w):
    CampusSettings.objects.create(
        campus=campus, values={"procurement.min_quotes_amount": "100", "procurement.min_quotes": 4}
    )
    campus.refresh_from_db()
    pr = approved_request(campus, w, [stock_line(w, qty="10", price="25")])
    assert s.quotes_required(pr) == 4


def test_comparison_table(campus, w):
    pr = approved_request(campus, w, [stock_line(w, qty="10"), asset_line(w, w.fixed, qty="2", price="3000")])
    a, b = pr.lines.order_by("position")
    q1 = s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0],
                      line_prices={a.pk: D("24"), b.pk: D("2950")})  # fmt: skip
    s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1],
                 line_prices={a.pk: D("22"), b.pk: D("3000")})  # fmt: skip
    s.quote_save(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[2], total=D("7000"))
    table = s.comparison(pr)
    assert [q.total for q in table["quotes"]] == [D("6140.00"), D("6220.00"), D("7000.00")]
    assert table["cheapest_id"] == q1.pk
    paper, projector = table["rows"]
    assert [c["price"] for c in paper["cells"]] == [D("24"), D("22"), None]
    assert [c["lowest"] for c in paper["cells"]] == [False, True, False]
    assert projector["cells"][0]["amount"] == D("5900.00")


# --- Orders -------------------------------------------------------------------------------


def test_small_purchase_is_ordered_directly(campus, w):
    pr = approved_request(campus, w, [stock_line(w, qty="10", price="25")])
    with pytest.raises(ValidationError):
        s.purchase_order_create(actor=w.keeper, purchase_request=pr)  # which supplier?
    order = s.purchase_order_create(
        actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0], prices={pr.lines.get().pk: "23.50"},
        expected_delivery=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.ORDERED
    assert order.number.startswith("CGD-") and order.total == D("235.00")
    line = order.lines.get()
    assert (line.item, line.quantity, line.unit_price) == (w.item, D("10"), D("23.50"))
    with pytest.raises(ValidationError):  # one order per request
        s.purchase_order_create(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1])


def test_order_follows_the_chosen_quote(campus, w):
    pr = approved_request(campus, w, [stock_line(w, qty="10", price="25")])
    line = pr.lines.get()
    quote = s.quote_save(
        actor=w.keeper, purchase_request=pr, supplier=w.suppliers[1], line_prices={line.pk: "21"}
    )
    s.quote_choose(actor=w.keeper, purchase_request=pr, quote=quote)
    with pytest.raises(ValidationError):
        s.purchase_order_create(actor=w.keeper, purchase_request=pr, supplier=w.suppliers[0])
    order = s.purchase_order_create(actor=w.keeper, purchase_request=pr)
    assert order.supplier == w.suppliers[1] and order.quote == quote
    assert order.lines.get().unit_price == D("21.00")


def test_cancelling_an_order_reopens_the_request(campus, w):
    order = direct_order(campus, w, [stock_line(w)])
    with pytest.raises(ValidationError):
        s.purchase_order_cancel(actor=w.keeper, order=order, reason="")
    s.purchase_order_cancel(actor=w.keeper, order=order, reason="供应商缺货")
    order.request.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CANCELLED
    assert order.request.status == PurchaseRequest.Status.APPROVED
    again = s.purchase_order_create(actor=w.keeper, purchase_request=order.request, supplier=w.suppliers[1])
    assert again.status == PurchaseOrder.Status.ORDERED


def test_an_order_with_a_delivery_cannot_be_cancelled(campus, w):
    order = direct_order(campus, w, [stock_line(w)])
    s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 2}]
    )
    with pytest.raises(ValidationError):
        s.purchase_order_cancel(actor=w.keeper, order=order, reason="不要了")


# --- Acceptance: two signers --------------------------------------------------------------


def test_acceptance_takes_effect_only_when_a_second_person_confirms(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10", price="25")])
    line = order.lines.get()
    acceptance = s.acceptance_record(
        actor=w.keeper,
        order=order,
        lines=[{"order_line": line, "quantity_delivered": "6", "quantity_accepted": "6"}],
    )
    assert acceptance.status == Acceptance.Status.PENDING and acceptance.number.startswith("YS-")
    assert acceptance.location == w.location  # the item's default location
    assert not StockMove.objects.exists()
    line.refresh_from_db()
    assert line.quantity_accepted == 0
    # the second signers are told
    assert Notification.objects.filter(recipient=w.head, event="procurement.acceptance_recorded").exists()
    assert not Notification.objects.filter(
        recipient=w.keeper, event="procurement.acceptance_recorded"
    ).exists()
    with pytest.raises(PermissionDenied):  # the same person cannot sign twice
        s.acceptance_confirm(actor=w.keeper, acceptance=acceptance)
    with pytest.raises(PermissionDenied):  # a cook holds no accept_deliveries
        s.acceptance_confirm(actor=w.cook, acceptance=acceptance)
    assert not StockMove.objects.exists()
    s.acceptance_confirm(actor=w.accountant, acceptance=acceptance)
    acceptance.refresh_from_db()
    assert (acceptance.status, acceptance.confirmed_by) == (Acceptance.Status.CONFIRMED, w.accountant)
    balance = StockBalance.objects.get(item=w.item, location=w.location)
    assert balance.quantity == D("6") and balance.value == D("150.00")
    move = StockMove.objects.get()
    assert move.source == acceptance.lines.get()
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == PurchaseOrder.Status.PARTIAL and line.quantity_accepted == D("6")
    with pytest.raises(ValidationError):  # confirmed once only
        s.acceptance_confirm(actor=w.head, acceptance=acceptance)


def test_accepting_more_than_ordered_is_refused(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10")])
    line = order.lines.get()
    with pytest.raises(ValidationError, match="10"):
        s.acceptance_record(
            actor=w.keeper, order=order, lines=[{"order_line": line, "quantity_delivered": 12}]
        )
    # what waits for a second signer counts too
    s.acceptance_record(actor=w.keeper, order=order, lines=[{"order_line": line, "quantity_delivered": 7}])
    with pytest.raises(ValidationError):
        s.acceptance_record(actor=w.head, order=order, lines=[{"order_line": line, "quantity_delivered": 4}])
    # more delivered than ordered is fine as long as no more is accepted: the rest is refused
    extra = s.acceptance_record(
        actor=w.head, order=order,
        lines=[{"order_line": line, "quantity_delivered": 5, "quantity_accepted": 3, "quality": "fail",
                "quality_note": "两包受潮退回"}],
    )  # fmt: skip
    assert extra.lines.get().quantity_refused == D("2")
    assert Acceptance.objects.count() == 2


def test_acceptance_line_rules(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10")])
    line = order.lines.get()
    with pytest.raises(ValidationError):  # accepted more than delivered
        s.acceptance_record(
            actor=w.keeper,
            order=order,
            lines=[{"order_line": line, "quantity_delivered": 2, "quantity_accepted": 3}],
        )
    with pytest.raises(ValidationError):  # failed quality without a note
        s.acceptance_record(
            actor=w.keeper, order=order,
            lines=[{"order_line": line, "quantity_delivered": 2, "quantity_accepted": 0, "quality": "fail"}],
        )  # fmt: skip
    with pytest.raises(ValidationError):  # nothing delivered
        s.acceptance_record(
            actor=w.keeper, order=order, lines=[{"order_line": line, "quantity_delivered": 0}]
        )
    other = direct_order(campus, w, [stock_line(w, qty="1")])
    with pytest.raises(ValidationError):  # a line of another order
        s.acceptance_record(
            actor=w.keeper, order=order, lines=[{"order_line": other.lines.get(), "quantity_delivered": 1}]
        )
    with pytest.raises(PermissionDenied):
        s.acceptance_record(
            actor=w.teacher, order=order, lines=[{"order_line": line, "quantity_delivered": 1}]
        )
    assert not Acceptance.objects.exists()


def test_void_pending_acceptance(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10")])
    acceptance = s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 10}]
    )
    with pytest.raises(ValidationError):
        s.acceptance_void(actor=w.head, acceptance=acceptance, reason="")
    s.acceptance_void(actor=w.head, acceptance=acceptance, reason="数量不对，重新验收")
    assert acceptance.status == Acceptance.Status.VOID
    with pytest.raises(ValidationError):
        s.acceptance_confirm(actor=w.head, acceptance=acceptance)
    # the voided quantity is open again
    again = s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 10}]
    )
    s.acceptance_confirm(actor=w.head, acceptance=again)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RECEIVED


def test_asset_lines_become_asset_cards(campus, w):
    order = direct_order(
        campus, w,
        [asset_line(w, w.fixed, qty="3", price="1200", description="电子琴"),
         {"kind": "asset", "asset_category": w.low_value, "description": "幼儿椅", "quantity": D("30"),
          "unit": "把", "estimated_unit_price": D("40")}],
        supplier=w.suppliers[1],
    )  # fmt: skip
    piano, chairs = order.lines.order_by("position")
    acceptance = s.acceptance_record(
        actor=w.keeper, order=order, invoice_number="24330001",
        lines=[
            {"order_line": piano, "quantity_delivered": 2, "room": w.room, "custodian": w.teacher},
            {"order_line": chairs, "quantity_delivered": 30, "room": w.room},
        ],
    )  # fmt: skip
    assert acceptance.location is None  # no stock line: no location needed
    assert not Asset.objects.exists()
    confirmed = s.acceptance_confirm(actor=w.head, acceptance=acceptance)
    assert confirmed.created_assets == 3
    pianos = list(Asset.objects.filter(name="电子琴").order_by("tag"))
    assert len(pianos) == 2  # fixed assets: one card per unit
    for asset in pianos:
        assert (asset.quantity, asset.category, asset.price, asset.supplier) == (
            1,
            w.fixed,
            D("1200.00"),
            w.suppliers[1],
        )
        assert (asset.room, asset.custodian, asset.invoice_number) == (w.room, w.teacher, "24330001")
        assert asset.model_spec == "3LCD" and asset.purchase_date == acceptance.delivered_on
        assert asset.acceptance_line.acceptance == acceptance
        assert asset.source == Asset.Source.PURCHASE and asset.status == Asset.Status.IN_USE
    chair_set = Asset.objects.get(name="幼儿椅")  # low-value: one set card
    assert (chair_set.quantity, chair_set.unit, chair_set.category) == (30, "把", w.low_value)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.PARTIAL
    last = s.acceptance_record(
        actor=w.head, order=order, lines=[{"order_line": piano, "quantity_delivered": 1}]
    )
    s.acceptance_confirm(actor=w.keeper, acceptance=last)
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.RECEIVED
    assert Asset.objects.filter(name="电子琴").count() == 3
    new = Asset.objects.filter(name="电子琴", room__isnull=True).get()
    assert new.status == Asset.Status.IDLE  # no room or custodian chosen yet


def test_valuable_assets_need_a_custodian(campus, w):
    CampusSettings.objects.create(campus=campus, values={"assets.valuable_price": "5000"})
    campus.refresh_from_db()
    order = direct_order(campus, w, [asset_line(w, w.fixed, qty="1", price="4800")], supplier=w.suppliers[0])
    line = order.lines.get()
    s.purchase_order_cancel(actor=w.keeper, order=order, reason="重新议价")
    order = s.purchase_order_create(
        actor=w.keeper,
        purchase_request=order.request,
        supplier=w.suppliers[0],
        prices={line.request_line_id: "5200"},
    )
    line = order.lines.get()
    with pytest.raises(ValidationError, match="custodian|保管"):
        s.acceptance_record(
            actor=w.keeper, order=order, lines=[{"order_line": line, "quantity_delivered": 1}]
        )
    acceptance = s.acceptance_record(
        actor=w.keeper,
        order=order,
        lines=[{"order_line": line, "quantity_delivered": 1, "custodian": w.head}],
    )
    s.acceptance_confirm(actor=w.principal, acceptance=acceptance)
    asset = Asset.objects.get()
    assert asset.is_valuable and asset.custodian == w.head


# --- Invoices -----------------------------------------------------------------------------


def test_invoice_is_signed_by_the_principal_only(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10", price="25")])
    acceptance = s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 8}]
    )
    s.acceptance_confirm(actor=w.head, acceptance=acceptance)
    invoice = s.invoice_record(
        actor=w.accountant, order=order, number="24330099", issued_on=timezone.localdate(), amount="250.00"
    )
    assert invoice.status == Invoice.Status.AWAITING
    assert Notification.objects.filter(recipient=w.principal, event="procurement.invoice_recorded").exists()
    figures = s.order_figures(order)
    assert (figures["accepted"], figures["invoiced"], figures["difference"]) == (
        D("200.00"),
        D("250.00"),
        D("50.00"),
    )
    with pytest.raises(ValidationError):  # the same number twice
        s.invoice_record(
            actor=w.accountant, order=order, number="24330099", issued_on=timezone.localdate(), amount="1"
        )
    for not_principal in (w.accountant, w.head, w.keeper):
        with pytest.raises(PermissionDenied):
            s.invoice_sign(actor=not_principal, invoice=invoice)
    s.invoice_sign(actor=w.principal, invoice=invoice, note="同意")
    assert (invoice.status, invoice.signed_by) == (Invoice.Status.SIGNED, w.principal)
    with pytest.raises(ValidationError):
        s.invoice_void(actor=w.accountant, invoice=invoice, reason="错了")  # signed stays


def test_invoice_rules(campus, w):
    order = direct_order(campus, w, [stock_line(w)])
    with pytest.raises(ValidationError):  # dated in the future
        s.invoice_record(actor=w.accountant, order=order, number="1", issued_on=timezone.localdate() + dt.timedelta(days=2),
                         amount="10")  # fmt: skip
    with pytest.raises(PermissionDenied):
        s.invoice_record(
            actor=w.teacher, order=order, number="1", issued_on=timezone.localdate(), amount="10"
        )
    invoice = s.invoice_record(
        actor=w.accountant, order=order, number="1", issued_on=timezone.localdate(), amount="10"
    )
    s.invoice_void(actor=w.accountant, invoice=invoice, reason="号码录错")
    assert invoice.status == Invoice.Status.VOID
    # a voided number may be recorded again
    s.invoice_record(actor=w.accountant, order=order, number="1", issued_on=timezone.localdate(), amount="10")


# --- Suppliers ----------------------------------------------------------------------------


def test_supplier_in_use_is_deactivated_not_deleted(campus, w):
    unused = SupplierFactory(campus=campus)
    assert s.supplier_remove(actor=w.keeper, supplier=unused) == "deleted"
    assert not Supplier.objects.filter(pk=unused.pk).exists()
    direct_order(campus, w, [stock_line(w)], supplier=w.suppliers[0])
    assert s.supplier_remove(actor=w.keeper, supplier=w.suppliers[0]) == "deactivated"
    w.suppliers[0].refresh_from_db()
    assert w.suppliers[0].is_active is False
    assert AuditEvent.objects.filter(action="deactivate", object_id=str(w.suppliers[0].pk)).exists()
