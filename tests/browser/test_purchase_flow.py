"""Purchase → approval → price comparison → order → two-signer acceptance, in the browser at
1280 px: a teacher raises a request above the principal's threshold; the logistics head and
the principal approve it; the buyer records three quotes, chooses one and orders; a partial
delivery is recorded by the buyer and confirmed by the logistics head, after which the
warehouse balance and the new asset cards appear; then the rest of the delivery."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.assets.models import Asset
from houqin.core import approvals
from houqin.procurement.models import Acceptance, PurchaseOrder, PurchaseRequest, StockBalance
from tests import factories as f
from tests.factories_purchasing import purchasing_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def line(page, n, **fields):
    """Fill the n-th line (0-based) of the request form."""
    prefix = f"#id_lines-{n}-"
    if "kind" in fields:
        page.select_option(prefix + "kind", fields.pop("kind"))
    for name in ("item", "asset_category"):
        if name in fields:
            page.select_option(prefix + name, str(fields.pop(name)))
    for name, value in fields.items():
        page.fill(prefix + name, str(value))


def test_purchase_flow_in_the_browser(live_server, page, artifacts):
    with scopes_disabled():
        campus = f.CampusFactory(code="pf-main", name="示范幼儿园总园")
        w = purchasing_world(campus, prefix="pf")
    base = live_server.url
    c = campus.code

    def go(name, **kwargs):
        page.goto(base + reverse(name, kwargs={"campus": c, **kwargs}))

    # 1. The teacher raises the request: paper (stock), projectors (fixed assets), toy sets (low value).
    login(page, base, "pf-teacher")
    go("procurement:purchase_create")
    page.fill("#id_title", "多媒体教室设备")
    page.fill("#id_department", "大班年级组")
    page.fill("#id_reason", "多媒体教室建设")
    line(page, 0, kind="stock", item=w.item.pk, quantity=50, estimated_unit_price=24)
    line(page, 1, kind="asset", asset_category=w.fixed.pk, description="短焦投影仪", spec="3LCD", quantity=3,
         unit="台", estimated_unit_price=2800)  # fmt: skip
    assert page.is_hidden("#id_lines-1-item") and page.is_visible("#id_lines-1-asset_category")
    page.click("[data-testid=add-line]")
    line(page, 3, kind="asset", asset_category=w.low_value.pk, description="益智玩具套装", quantity=10, unit="套",
         estimated_unit_price=150)  # fmt: skip
    assert fits(page)
    page.click("[data-testid=save-submit]")
    page.wait_for_selector("[data-testid=request-lines]")
    with scopes_disabled():
        pr = PurchaseRequest.objects.get(campus=campus)
        assert pr.status == PurchaseRequest.Status.PENDING and pr.estimated_total == Decimal("11100.00")
        assert pr.lines.count() == 3
        approval = approvals.current_request(pr)
    page.screenshot(path=str(artifacts / "purchase-request-1280.png"), full_page=True)

    # 2. The logistics head, then the principal approve it.
    for username in ("pf-head", "pf-principal"):
        login(page, base, username)
        go("core:approval_detail", pk=approval.pk)
        page.fill("[data-testid=decide-form] textarea[name=comment]", "同意")
        page.click("[data-testid=decide-form] button[value=approve]")
        page.wait_for_load_state()
    with scopes_disabled():
        pr.refresh_from_db()
        assert pr.status == PurchaseRequest.Status.APPROVED
        paper, projector, toys = pr.lines.order_by("position")

    # 3. The buyer records three quotes and chooses the cheapest, then orders.
    login(page, base, "pf-keeper")
    prices = (("24", "2750", "148"), ("23", "2690", "150"), ("25", "2850", "139"))
    for supplier, (p1, p2, p3) in zip(w.suppliers, prices, strict=True):
        go("procurement:quote_create", pk=pr.pk)
        page.select_option("#id_supplier", str(supplier.pk))
        page.fill(f"#id_price_{paper.pk}", p1)
        page.fill(f"#id_price_{projector.pk}", p2)
        page.fill(f"#id_price_{toys.pk}", p3)
        page.click("[data-testid=save]")
        page.wait_for_selector("[data-testid=comparison-table]")
    assert page.locator("[data-testid=quote-column]").count() == 3
    assert fits(page)
    page.click(f"[data-testid=choose-{w.suppliers[1].pk}]")
    page.wait_for_selector("[data-testid=chosen-badge]")
    page.screenshot(path=str(artifacts / "purchase-comparison-1280.png"), full_page=True)
    go("procurement:purchase_detail", pk=pr.pk)
    page.click("[data-testid=order-link]")
    page.wait_for_selector("[data-testid=order-form]")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=order-lines]")
    with scopes_disabled():
        order = PurchaseOrder.objects.get(campus=campus)
        assert order.supplier == w.suppliers[1] and order.total == Decimal("10720.00")
    order_url = page.url

    # 4. A partial delivery recorded by the buyer...
    page.click("[data-testid=accept-link]")
    page.wait_for_selector("[data-testid=acceptance-form]")
    page.select_option("#id_location", str(w.location.pk))
    page.fill("#id_lines-0-quantity_delivered", "30")
    page.fill("#id_lines-1-quantity_delivered", "2")
    page.select_option("#id_lines-1-room", str(w.room.pk))
    page.select_option("#id_lines-1-custodian", str(w.teacher.pk))
    page.fill("#id_lines-2-quantity_delivered", "10")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=needs-second-signer]")
    acceptance_url = page.url
    with scopes_disabled():
        assert not StockBalance.objects.filter(campus=campus).exists()
        assert not Asset.objects.filter(campus=campus).exists()

    # ...and confirmed by the logistics head: stock and asset cards appear.
    login(page, base, "pf-head")
    page.goto(acceptance_url)
    page.click("[data-testid=confirm-button]")
    page.wait_for_selector("[data-testid=created-assets]")
    assert page.locator("[data-testid=stock-moves]").is_visible()
    with scopes_disabled():
        assert StockBalance.objects.get(item=w.item, location=w.location).quantity == Decimal("30")
        assert Asset.objects.filter(campus=campus, name="短焦投影仪").count() == 2
        assert Asset.objects.get(campus=campus, name="益智玩具套装").quantity == 10
        order.refresh_from_db()
        assert order.status == PurchaseOrder.Status.PARTIAL
    page.screenshot(path=str(artifacts / "purchase-acceptance-1280.png"), full_page=True)
    go("procurement:item_detail", pk=w.item.pk)
    assert "30" in page.content()
    go("assets:asset_list")
    assert page.locator("text=短焦投影仪").count() >= 2

    # 5. The rest of the delivery: the buyer records it, the logistics head confirms.
    login(page, base, "pf-keeper")
    page.goto(order_url)
    page.click("[data-testid=accept-link]")
    page.wait_for_selector("[data-testid=acceptance-form]")
    page.select_option("#id_location", str(w.location.pk))
    page.fill("#id_lines-0-quantity_delivered", "20")
    page.fill("#id_lines-1-quantity_delivered", "1")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=needs-second-signer]")
    second_url = page.url
    login(page, base, "pf-head")
    page.goto(second_url)
    page.click("[data-testid=confirm-button]")
    page.wait_for_selector("[data-testid=created-assets]")
    with scopes_disabled():
        order.refresh_from_db()
        assert order.status == PurchaseOrder.Status.RECEIVED
        assert StockBalance.objects.get(item=w.item, location=w.location).quantity == Decimal("50")
        assert Asset.objects.filter(campus=campus, name="短焦投影仪").count() == 3
        assert Acceptance.objects.filter(campus=campus, status=Acceptance.Status.CONFIRMED).count() == 2
    page.goto(order_url)
    assert fits(page)
    page.screenshot(path=str(artifacts / "purchase-order-received-1280.png"), full_page=True)
