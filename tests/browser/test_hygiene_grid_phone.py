"""The hygiene scoring grid on a phone (375 px): one card per zone, no horizontal scrolling,
the zone's score updates as points are deducted; submit, then read the ranking."""

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from houqin.core.roles import Role
from houqin.environment import services
from houqin.environment.models import HygieneInspection, HygieneProblem, ScoringItem
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


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_score_on_a_phone(live_server, phone, artifacts, tmp_path):
    with scopes_disabled():
        campus = f.CampusFactory(code="hy-main", name="示范幼儿园总园")
        head = f.UserFactory(username="houqin")
        f.MembershipFactory(user=head, campus=campus, role=Role.LOGISTICS_HEAD)
        teacher = f.UserFactory(username="laoshi", real_name="李晓燕")
        f.MembershipFactory(user=teacher, campus=campus, role=Role.CLASS_TEACHER)
        zones = [
            services.zone_save(
                actor=head,
                campus=campus,
                data={"name": name, "area_text": area, "responsible": teacher, "sort_order": n},
            )  # fmt: skip
            for n, (name, area) in enumerate((("小一班活动室", "小一班"), ("一楼楼道", "一楼大厅")), 1)
        ]
        sheet = services.sheet_ensure_default(actor=head, campus=campus)
        inspection = services.inspection_create(actor=head, campus=campus)
        first = ScoringItem.objects.filter(sheet=sheet).order_by("order").first()
    photo = tmp_path / "dust.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (120, 120, 120)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    base = live_server.url

    phone.goto(base + "/accounts/login/")
    phone.fill("#id_username", "houqin")
    phone.fill("#id_password", f.DEFAULT_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(
        base + reverse("environment:inspection_score", kwargs={"campus": campus.code, "pk": inspection.pk})
    )
    assert fits(phone)
    row = phone.locator(f"tr[data-zone='{zones[0].pk}']")
    row.locator(f"input[name=d_{zones[0].pk}_{first.pk}]").fill("3")
    assert row.locator("[data-testid=row-total]").inner_text() == "97"
    row.locator(f"input[name=n_{zones[0].pk}]").fill("地面有纸屑")
    row.locator(f"input[name=p_{zones[0].pk}]").set_input_files(str(photo))
    row.locator(f"input[name=b_{zones[0].pk}]").check()
    phone.screenshot(path=str(artifacts / "hygiene-grid-phone.png"), full_page=True)
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.click("[data-testid=submit-button]")
    phone.wait_for_url("**/inspections/*/")
    assert fits(phone)
    with scopes_disabled():
        assert HygieneInspection.objects.get().status == "submitted"
        assert HygieneProblem.objects.get().zone == zones[0]
    phone.goto(base + reverse("environment:ranking", kwargs={"campus": campus.code}))
    rows = phone.locator("[data-testid=ranking-row]")
    assert rows.count() == 2 and "一楼楼道" in rows.nth(0).inner_text()
    assert fits(phone)
