"""Requisition → issue, on a phone: a class teacher asks for tissues and disinfectant for
her class (按需领用); the disinfectant is hazardous, so only its keeper issues it and at most
two bottles at once; the keeper issues, the stock goes down, the ledger shows the class."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.core.roles import Role
from houqin.procurement import warehouse_services as ws
from houqin.procurement.models import Requisition, StockBalance, StockMove
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 780}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_requisition_issue_on_phone(live_server, phone, artifacts):
    with scopes_disabled():
        campus = f.CampusFactory(code="wh-main", name="示范幼儿园总园")
        people = {}
        for username, role in (("laoshi", Role.CLASS_TEACHER), ("baoguan", Role.ASSET_KEEPER)):
            people[username] = f.UserFactory(username=username)
            f.MembershipFactory(user=people[username], campus=campus, role=role)
        store = f.StockLocationFactory(campus=campus, name="总务仓库")
        cleaning = f.ItemCategoryFactory(campus=campus, name="清洁用品")
        tissue = f.ItemFactory(campus=campus, name="抽纸", spec="3层", unit="包", category=cleaning,
                               default_location=store)  # fmt: skip
        bleach = f.ItemFactory(campus=campus, name="84消毒液", spec="500ml", unit="瓶", category=cleaning,
                               is_hazardous=True, keeper=people["baoguan"], per_issue_limit=2,
                               default_location=store)  # fmt: skip
        for item in (tissue, bleach):
            ws.stock_receive(actor=people["baoguan"], campus=campus, item=item, location=store, quantity=30,
                             unit_cost=3)  # fmt: skip
        cls = f.SchoolClassFactory(campus=campus, name="小一班")
    base = live_server.url
    url = lambda name, **kw: base + reverse(name, kwargs={"campus": campus.code, **kw})  # noqa: E731

    # 1. The teacher asks for 10 packs of tissues and 3 bottles of disinfectant.
    login(phone, base, "laoshi")
    phone.goto(url("procurement:requisition_create"))
    phone.select_option("#id_school_class", str(cls.pk))
    phone.select_option("#id_lines-0-item", str(tissue.pk))
    phone.fill("#id_lines-0-quantity", "10")
    phone.select_option("#id_lines-1-item", str(bleach.pk))
    phone.fill("#id_lines-1-quantity", "3")
    assert fits(phone)
    phone.click("[data-testid=requisition-submit]")
    phone.wait_for_selector("[data-testid=requisition-lines]")
    with scopes_disabled():
        req = Requisition.objects.get(campus=campus)
        assert req.status == Requisition.Status.APPROVED and req.requested_by == people["laoshi"]
    assert phone.locator("[data-testid=issue-form]").count() == 0  # the teacher does not issue

    # 2. The keeper opens it; the issue form proposes the full quantities.
    login(phone, base, "baoguan")
    phone.goto(url("procurement:requisition_detail", pk=req.pk))
    phone.wait_for_selector("[data-testid=issue-form]")
    assert fits(phone)
    artifacts.joinpath("warehouse-issue-phone.png").write_bytes(phone.screenshot(full_page=True))
    with scopes_disabled():
        lines = {ln.item_id: ln for ln in req.lines.all()}
    # three bottles at once is over the limit: refused with the reason, nothing issued
    phone.click("[data-testid=issue-button]")
    phone.wait_for_selector(".alert-danger, .alert-error, [role=alert]")
    with scopes_disabled():
        assert not StockMove.objects.filter(campus=campus, kind="out").exists()
    # two bottles now, the tissues in full
    phone.fill(f"#qty_{lines[bleach.pk].pk}", "2")
    phone.click("[data-testid=issue-button]")
    phone.wait_for_selector("[data-testid=requisition-moves]")
    with scopes_disabled():
        req.refresh_from_db()
        assert req.status == Requisition.Status.PARTIAL
        assert StockBalance.objects.get(item=tissue).quantity == D("20")
        assert StockBalance.objects.get(item=bleach).quantity == D("28")
        assert StockMove.objects.filter(kind="out", to_class=cls).count() == 2

    # 3. The ledger shows the moves to the class, and the page fits the phone.
    phone.goto(url("procurement:move_list") + f"?to_class={cls.pk}")
    assert phone.locator("[data-testid=object-table] tbody tr").count() == 2
    assert fits(phone)
