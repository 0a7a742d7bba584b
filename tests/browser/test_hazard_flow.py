"""Check → hazard → closure, on a phone: a guard fails an item of the fire check and opens
a hazard in one tap; the logistics head assigns it; the repair worker rectifies it with an
after-photo; the logistics head verifies and closes it."""

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from houqin.core.models import RoutineResult
from houqin.core.roles import Role
from houqin.safety.models import Hazard
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 780}, has_touch=True, is_mobile=True)
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


def test_check_hazard_closure(live_server, phone, artifacts, tmp_path):
    with scopes_disabled():
        campus = f.CampusFactory(code="hz-main", name="示范幼儿园总园")
        people = {}
        for username, role in (("menwei", Role.GUARD), ("houqin", Role.LOGISTICS_HEAD), ("weixiu", Role.REPAIR_WORKER)):
            people[username] = f.UserFactory(username=username)
            f.MembershipFactory(user=people[username], campus=campus, role=role)
        room = f.RoomFactory(campus=campus, name="走廊", code="A1-01")
        template = f.RoutineTemplateFactory(
            campus=campus, name="每月消防器材检查", category="safety.fire", responsible_role=Role.GUARD, room=room
        )
        f.RoutineItemFactory(template=template, order=1, label="灭火器压力表指针在绿区")
        f.RoutineItemFactory(template=template, order=2, label="安全出口指示灯完好")
        occurrence = f.RoutineOccurrenceFactory(campus=campus, template=template)
        failing = template.items.get(order=2)
    base = live_server.url
    after = tmp_path / "after.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 120, 200)).save(buf, "JPEG")
    after.write_bytes(buf.getvalue())

    # 1. The guard fails an item and opens a hazard in one tap.
    login(phone, base, "menwei")
    phone.goto(base + reverse("core:routine_today", kwargs={"campus": campus.code}))
    phone.click("[data-testid=complete-button]")
    phone.click("[data-testid=all-pass]")
    phone.click(f"label[for=item_{failing.pk}_fail]")
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=results]")
    phone.click("[data-testid=fail-action-hazard]")
    phone.wait_for_url("**/safety/hazards/**")
    assert fits(phone)
    with scopes_disabled():
        hazard = Hazard.objects.get(campus=campus)
        assert hazard.status == Hazard.Status.REPORTED
        assert RoutineResult.objects.get(occurrence=occurrence, passed=False).follow_up == hazard
    detail = base + reverse("safety:hazard_detail", kwargs={"campus": campus.code, "pk": hazard.pk})

    # 2. The logistics head assigns it to the repair worker.
    login(phone, base, "houqin")
    phone.goto(detail)
    phone.select_option("[data-testid=assign-form] select[name=owner]", str(people["weixiu"].pk))
    phone.click("[data-testid=assign-form] button[type=submit]")
    phone.wait_for_load_state()
    with scopes_disabled():
        hazard.refresh_from_db()
        assert hazard.status == Hazard.Status.ASSIGNED and hazard.owner == people["weixiu"]

    # 3. The repair worker rectifies it with an after-photo.
    login(phone, base, "weixiu")
    phone.goto(detail)
    phone.fill("[data-testid=rectify-form] textarea[name=note]", "更换了安全出口指示灯")
    phone.set_input_files("[data-testid=rectify-form] input[name=photos]", str(after))
    phone.click("[data-testid=rectify-form] button[type=submit]")
    phone.wait_for_load_state()
    with scopes_disabled():
        hazard.refresh_from_db()
        assert hazard.status == Hazard.Status.RECTIFIED

    # 4. Someone else verifies and closes it.
    login(phone, base, "houqin")
    phone.goto(detail)
    phone.click("[data-testid=verify-button]")
    phone.wait_for_load_state()
    with scopes_disabled():
        hazard.refresh_from_db()
        assert hazard.status == Hazard.Status.CLOSED and hazard.verified_by == people["houqin"]
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "hazard-closed-375.png"), full_page=True)
