"""Purchasing pages: who sees what, the forms with their lines, the two-signer buttons, the
print views (申购单, 询价比价表, 采购单, 出入单一式二份), dashboard cards and the public page."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from houqin.assets.models import Asset
from houqin.core.models import Attachment, CampusSettings
from houqin.core.roles import Role
from houqin.procurement import purchasing_services as s
from houqin.procurement.models import Acceptance, Invoice, PurchaseOrder, PurchaseRequest, Quote, StockBalance
from tests import factories as f
from tests.conftest import login
from tests.factories_purchasing import (
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


def url(campus, name, **kwargs):
    return reverse(f"procurement:{name}", kwargs={"campus": campus.code, **kwargs})


def jpeg(name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), "image/jpeg")


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Requests: forms and visibility -------------------------------------------------------


def line_post(prefix_rows, extra=None):
    data = {"lines-TOTAL_FORMS": str(len(prefix_rows)), "lines-INITIAL_FORMS": "0"}
    for i, row in enumerate(prefix_rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    data.update(extra or {})
    return data


def test_teacher_raises_and_submits_a_request_with_lines(campus, w):
    client = login(w.teacher)
    page = client.get(url(campus, "purchase_create"))
    assert page.status_code == 200
    assert b'id="purchase-line-template"' in page.content
    data = line_post(
        [
            {"kind": "stock", "item": w.item.pk, "quantity": "20", "estimated_unit_price": "25"},
            {"kind": "asset", "asset_category": w.fixed.pk, "description": "投影仪", "quantity": "1",
             "unit": "台", "estimated_unit_price": "2600"},
            {"kind": "stock"},  # an empty row is ignored
        ],
        {"title": "大班教学用品", "department": "大班年级组", "reason": "新学期", "submit": "1"},
    )  # fmt: skip
    response = client.post(url(campus, "purchase_create"), data)
    pr = PurchaseRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url(campus, "purchase_detail", pk=pr.pk)
    assert pr.status == PurchaseRequest.Status.PENDING and pr.estimated_total == D("3100.00")
    assert pr.lines.count() == 2
    detail = client.get(url(campus, "purchase_detail", pk=pr.pk))
    assert detail.status_code == 200
    assert "3,100.00" in detail.content.decode() or "3100.00" in detail.content.decode()
    assert b'data-testid="approval-timeline"' in detail.content


def test_bad_lines_show_errors_and_save_nothing(campus, w):
    client = login(w.teacher)
    data = line_post(
        [{"kind": "stock", "quantity": "3"}],  # no item
        {"title": "x", "department": "小班", "reason": "y"},
    )
    response = client.post(url(campus, "purchase_create"), data)
    assert response.status_code == 200
    assert b'data-testid="line-errors"' in response.content
    assert not PurchaseRequest.objects.exists()
    response = client.post(
        url(campus, "purchase_create"), line_post([], {"title": "x", "department": "小班", "reason": "y"})
    )
    assert response.status_code == 200 and not PurchaseRequest.objects.exists()


def test_requesters_see_their_own_buyers_see_all(campus, w):
    mine = raise_request(campus, w, [stock_line(w)], title="我的申请")
    colleague = f.UserFactory()
    f.MembershipFactory(user=colleague, campus=campus, role=Role.CLASS_TEACHER)
    theirs = raise_request(campus, w, [stock_line(w)], who=colleague, title="别人的申请")
    teacher = login(w.teacher)
    listing = teacher.get(url(campus, "purchase_list")).content.decode()
    assert "我的申请" in listing and "别人的申请" not in listing
    assert teacher.get(url(campus, "purchase_detail", pk=theirs.pk)).status_code == 404
    assert teacher.get(url(campus, "purchase_update", pk=theirs.pk)).status_code == 404
    keeper = login(w.keeper).get(url(campus, "purchase_list")).content.decode()
    assert "我的申请" in keeper and "别人的申请" in keeper
    # a supervisor reads (view_purchases) but cannot raise requests
    supervisor = f.UserFactory()
    f.MembershipFactory(user=supervisor, campus=campus, role=Role.SUPERVISOR)
    sup = login(supervisor)
    assert sup.get(url(campus, "purchase_detail", pk=mine.pk)).status_code == 200
    assert sup.get(url(campus, "purchase_create")).status_code == 403
    # a parent holds neither
    parent = f.UserFactory()
    f.MembershipFactory(user=parent, campus=campus, role=Role.PARENT)
    assert login(parent).get(url(campus, "purchase_list")).status_code == 403


def test_edit_only_while_editable_and_only_by_the_requester(campus, w):
    pr = raise_request(campus, w, [stock_line(w)])
    client = login(w.teacher)
    page = client.get(url(campus, "purchase_update", pk=pr.pk))
    assert page.status_code == 200 and "A4复印纸" in page.content.decode()
    assert login(w.keeper).get(url(campus, "purchase_update", pk=pr.pk)).status_code == 404
    s.purchase_request_submit(actor=w.teacher, purchase_request=pr)
    assert client.get(url(campus, "purchase_update", pk=pr.pk)).status_code == 403
    response = client.post(url(campus, "purchase_withdraw", pk=pr.pk))
    assert response.status_code == 302
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.WITHDRAWN
    data = line_post(
        [{"kind": "stock", "item": w.item.pk, "quantity": "2", "estimated_unit_price": "25"}],
        {"title": "改后", "department": "大班", "reason": "y"},
    )
    assert client.post(url(campus, "purchase_update", pk=pr.pk), data).status_code == 302
    pr.refresh_from_db()
    assert (pr.title, pr.estimated_total) == ("改后", D("50.00"))


def test_editing_keeps_the_lines_shown_in_the_form(campus, w):
    pr = raise_request(campus, w, [stock_line(w, qty="10"), asset_line(w, w.fixed, qty="1", price="900")])
    client = login(w.teacher)
    page = client.get(url(campus, "purchase_update", pk=pr.pk))
    assert 'name="lines-0-quantity" value="10"' in page.content.decode()
    form = page.context
    data = {"title": "只改标题", "department": "大班年级组", "reason": "新学期教学需要"}
    formset = form["formset"]
    data.update({f"lines-{k}": v for k, v in formset.management_form.initial.items()})
    for sub in formset.forms:
        for name, field in sub.fields.items():
            value = sub.initial.get(name, field.initial)
            if value is not None:
                data[sub.add_prefix(name)] = value
    assert client.post(url(campus, "purchase_update", pk=pr.pk), data).status_code == 302
    pr.refresh_from_db()
    assert pr.title == "只改标题" and pr.lines.count() == 2 and pr.estimated_total == D("1150.00")


def test_cancel_button(campus, w):
    pr = approved_request(campus, w, [stock_line(w)])
    response = login(w.keeper).post(
        url(campus, "purchase_cancel", pk=pr.pk), {"reason": "预算调整"}, follow=True
    )
    pr.refresh_from_db()
    assert pr.status == PurchaseRequest.Status.CANCELLED and response.status_code == 200


# --- Quotes, comparison, order ------------------------------------------------------------


def test_quotes_comparison_and_order_pages(campus, w):
    pr = approved_request(campus, w, [asset_line(w, w.fixed, qty="2", price="3000")])
    line = pr.lines.get()
    keeper = login(w.keeper)
    detail = keeper.get(url(campus, "purchase_detail", pk=pr.pk)).content.decode()
    assert 'data-testid="buying-panel"' in detail and 'data-testid="order-link"' not in detail
    for supplier, price in zip(w.suppliers, ("2900", "2850", "3100"), strict=True):
        response = keeper.post(
            url(campus, "quote_create", pk=pr.pk),
            {"supplier": supplier.pk, "quoted_on": timezone.localdate().isoformat(), f"price_{line.pk}": price,
             "files": jpeg("quote.jpg")},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
    assert Quote.objects.count() == 3
    assert Attachment.objects.filter(content_type__model="quote").count() == 3
    compare = keeper.get(url(campus, "purchase_compare", pk=pr.pk))
    body = compare.content.decode()
    assert body.count('data-testid="quote-column"') == 3
    assert "5,700.00" in body or "5700.00" in body
    dear = Quote.objects.get(supplier=w.suppliers[0])
    response = keeper.post(url(campus, "quote_choose", pk=pr.pk), {"quote": dear.pk}, follow=True)
    assert any(gettext("This is not the cheapest quote; say why it is chosen.") in m for m in messages_of(response))
    keeper.post(url(campus, "quote_choose", pk=pr.pk), {"quote": dear.pk, "reason": "交货快"})
    pr.refresh_from_db()
    assert pr.chosen_quote == dear
    printable = keeper.get(url(campus, "purchase_compare_print", pk=pr.pk))
    assert printable.status_code == 200 and b'data-testid="comparison-print"' in printable.content
    order_page = keeper.get(url(campus, "order_create", pk=pr.pk))
    assert order_page.status_code == 200 and w.suppliers[0].name in order_page.content.decode()
    response = keeper.post(
        url(campus, "order_create", pk=pr.pk),
        {"ordered_on": timezone.localdate().isoformat(), f"price_{line.pk}": "2880"},
    )
    order = PurchaseOrder.objects.get()
    assert response["Location"] == url(campus, "order_detail", pk=order.pk)
    assert order.total == D("5760.00") and order.supplier == w.suppliers[0]
    assert keeper.get(url(campus, "order_print", pk=order.pk)).status_code == 200
    # a teacher neither records quotes nor orders
    teacher = login(w.teacher)
    assert teacher.get(url(campus, "quote_create", pk=pr.pk)).status_code == 403
    assert teacher.post(url(campus, "quote_choose", pk=pr.pk), {"quote": dear.pk}).status_code == 403


def test_direct_order_page_offers_suppliers(campus, w):
    pr = approved_request(campus, w, [stock_line(w, qty="4")])
    keeper = login(w.keeper)
    detail = keeper.get(url(campus, "purchase_detail", pk=pr.pk)).content.decode()
    assert 'data-testid="order-link"' in detail
    line = pr.lines.get()
    response = keeper.post(
        url(campus, "order_create", pk=pr.pk),
        {"ordered_on": timezone.localdate().isoformat(), f"price_{line.pk}": "24"},
    )
    assert response.status_code == 200 and not PurchaseOrder.objects.exists()  # supplier missing
    keeper.post(
        url(campus, "order_create", pk=pr.pk),
        {
            "supplier": w.suppliers[2].pk,
            "ordered_on": timezone.localdate().isoformat(),
            f"price_{line.pk}": "24",
        },
    )
    assert PurchaseOrder.objects.get().supplier == w.suppliers[2]


# --- Acceptance ---------------------------------------------------------------------------


def acceptance_post(order, rows, **extra):
    lines = list(order.lines.order_by("position", "id"))
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(len(lines)),
            "delivered_on": timezone.localdate().isoformat()}  # fmt: skip
    for i, ln in enumerate(lines):
        data[f"lines-{i}-order_line"] = str(ln.pk)
        data[f"lines-{i}-quality"] = "pass"
        for key, value in rows.get(ln.pk, {}).items():
            data[f"lines-{i}-{key}"] = value
    data.update(extra)
    return data


def test_two_signers_on_the_pages(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10"), asset_line(w, w.fixed, qty="2", price="1200")])
    paper, projector = order.lines.order_by("position")
    keeper = login(w.keeper)
    page = keeper.get(url(campus, "acceptance_create", pk=order.pk))
    assert page.status_code == 200 and page.content.decode().count('data-testid="acceptance-line"') == 2
    data = acceptance_post(
        order,
        {paper.pk: {"quantity_delivered": "6"},
         projector.pk: {"quantity_delivered": "1", "room": str(w.room.pk), "custodian": str(w.teacher.pk)}},
        location=str(w.location.pk), photos=jpeg(),
    )  # fmt: skip
    response = keeper.post(url(campus, "acceptance_create", pk=order.pk), data)
    acceptance = Acceptance.objects.get()
    assert response["Location"] == url(campus, "acceptance_detail", pk=acceptance.pk)
    assert Attachment.objects.filter(content_type__model="acceptance").count() == 1
    mine = keeper.get(url(campus, "acceptance_detail", pk=acceptance.pk)).content.decode()
    assert 'data-testid="needs-second-signer"' in mine and 'data-testid="confirm-button"' not in mine
    response = keeper.post(url(campus, "acceptance_confirm", pk=acceptance.pk), follow=True)
    acceptance.refresh_from_db()
    assert acceptance.status == Acceptance.Status.PENDING
    assert any(
        gettext("You recorded this delivery; the second signature must come from another person.") in m
        for m in messages_of(response)
    )
    assert login(w.cook).post(url(campus, "acceptance_confirm", pk=acceptance.pk)).status_code == 403
    head = login(w.head)
    theirs = head.get(url(campus, "acceptance_detail", pk=acceptance.pk)).content.decode()
    assert 'data-testid="confirm-button"' in theirs
    head.post(url(campus, "acceptance_confirm", pk=acceptance.pk))
    acceptance.refresh_from_db()
    assert acceptance.status == Acceptance.Status.CONFIRMED
    assert StockBalance.objects.get(item=w.item, location=w.location).quantity == D("6")
    assert Asset.objects.get().room == w.room
    after = head.get(url(campus, "acceptance_detail", pk=acceptance.pk)).content.decode()
    assert 'data-testid="stock-moves"' in after and 'data-testid="created-assets"' in after
    slip = head.get(url(campus, "acceptance_print", pk=acceptance.pk)).content.decode()
    assert slip.count('class="copy"') == 2 and "记账联" in slip and "公示联" in slip


def test_over_acceptance_on_the_page_changes_nothing(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10")])
    line = order.lines.get()
    response = login(w.keeper).post(
        url(campus, "acceptance_create", pk=order.pk),
        acceptance_post(order, {line.pk: {"quantity_delivered": "11"}}, location=str(w.location.pk)),
    )
    assert response.status_code == 200 and "超出采购数量" in response.content.decode()  # "more than ordered"
    assert not Acceptance.objects.exists()


# --- Invoices -----------------------------------------------------------------------------


def test_invoice_pages_and_the_principal_signature(campus, w):
    order = direct_order(campus, w, [stock_line(w, qty="10", price="25")])
    accountant = login(w.accountant)
    response = accountant.post(
        url(campus, "invoice_create", pk=order.pk),
        {"number": "24330555", "issued_on": timezone.localdate().isoformat(), "amount": "250.00",
         "scans": jpeg("invoice.jpg")},
    )  # fmt: skip
    invoice = Invoice.objects.get()
    assert response["Location"] == url(campus, "invoice_detail", pk=invoice.pk)
    detail = accountant.get(url(campus, "invoice_detail", pk=invoice.pk)).content.decode()
    assert 'data-testid="difference"' in detail and 'data-testid="sign-button"' not in detail
    assert accountant.post(url(campus, "invoice_sign", pk=invoice.pk)).status_code == 403
    principal = login(w.principal)
    dash = principal.get(reverse("core:dashboard", kwargs={"campus": campus.code})).content.decode()
    card_item = f"24330555 · {w.suppliers[0].name}"
    assert card_item in dash  # the unsigned invoice is on the principal's dashboard
    assert (
        'data-testid="sign-button"'
        in principal.get(url(campus, "invoice_detail", pk=invoice.pk)).content.decode()
    )
    principal.post(url(campus, "invoice_sign", pk=invoice.pk), {"note": "同意报销"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SIGNED and invoice.signed_by == w.principal
    dash = principal.get(reverse("core:dashboard", kwargs={"campus": campus.code})).content.decode()
    assert card_item not in dash


# --- Suppliers ----------------------------------------------------------------------------


def test_lists_and_prints_render(campus, w):
    order = direct_order(campus, w, [stock_line(w)])
    acceptance = s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 3}]
    )
    s.invoice_record(actor=w.accountant, order=order, number="9", issued_on=timezone.localdate(), amount="75")
    keeper = login(w.keeper)
    for name in ("purchase_list", "order_list", "acceptance_list", "invoice_list", "supplier_list"):
        response = keeper.get(url(campus, name))
        assert response.status_code == 200, name
        assert keeper.get(url(campus, name) + "?export=xlsx").status_code == 200, name
    for name, pk in (("purchase_print", order.request_id), ("order_detail", order.pk),
                     ("acceptance_detail", acceptance.pk), ("acceptance_print", acceptance.pk)):  # fmt: skip
        assert keeper.get(url(campus, name, pk=pk)).status_code == 200, name


def test_dashboard_cards(campus, w):
    pending = raise_request(campus, w, [stock_line(w)], title="等审批的申请")
    s.purchase_request_submit(actor=w.teacher, purchase_request=pending)
    order = direct_order(campus, w, [stock_line(w)])
    s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 2}]
    )
    dashboard = reverse("core:dashboard", kwargs={"campus": campus.code})
    teacher = login(w.teacher).get(dashboard).content.decode()
    assert "等审批的申请" in teacher
    head = login(w.head).get(dashboard).content.decode()
    assert order.number in head  # awaiting delivery, and an acceptance for a second signer
    assert "YS-" in head
    keeper = login(w.keeper).get(dashboard).content.decode()
    assert "YS-" not in keeper  # the first signer is not asked to sign again


def test_public_disclosure_lists_the_months_accepted_purchases(campus, w, client):
    order = direct_order(campus, w, [stock_line(w, qty="10", price="25")])
    acceptance = s.acceptance_record(
        actor=w.keeper, order=order, lines=[{"order_line": order.lines.get(), "quantity_delivered": 4}]
    )
    public = "/p/main/"
    assert b'data-testid="public-purchases"' not in client.get(public).content  # not confirmed yet
    s.acceptance_confirm(actor=w.head, acceptance=acceptance)
    body = client.get(public).content.decode()
    assert 'data-testid="public-purchases"' in body and "A4复印纸" in body and w.suppliers[0].name in body
    assert "100.00" in body
    CampusSettings.objects.create(campus=campus, values={"procurement.disclose_purchases": False})
    assert b'data-testid="public-purchases"' not in client.get(public).content


def test_outsider_gets_404(campus, w, outsider_client):
    pr = raise_request(campus, w, [stock_line(w)])
    assert outsider_client.get(url(campus, "purchase_detail", pk=pr.pk)).status_code == 404
