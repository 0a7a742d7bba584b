"""报修 → 派工 → 维修 → 验收, on a phone (375 px): a teacher who is not logged in scans
the room's QR label and reports a broken window with a photo; the logistics head
dispatches it to the repair worker; the worker repairs it with an after-photo; the teacher
(recognised by her phone number) checks it and signs it off."""

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from houqin.core.roles import Role
from houqin.maintenance.models import RepairRequest
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


def jpeg(path, colour):
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def test_qr_report_dispatch_repair_sign_off(live_server, phone, artifacts, tmp_path):
    with scopes_disabled():
        campus = f.CampusFactory(code="wx-main", name="示范幼儿园总园")
        people = {}
        for username, role, mobile in (
            ("laoshi", Role.CLASS_TEACHER, "13800010008"),
            ("houqin", Role.LOGISTICS_HEAD, "13800010002"),
            ("weixiu", Role.REPAIR_WORKER, "13800010012"),
        ):
            people[username] = f.UserFactory(username=username, phone=mobile)
            f.MembershipFactory(user=people[username], campus=campus, role=role)
        room = f.RoomFactory(campus=campus, name="小一班活动室", code="A101")
    base = live_server.url
    before = jpeg(tmp_path / "before.jpg", (170, 90, 70))
    after = jpeg(tmp_path / "after.jpg", (60, 160, 100))

    # 1. Not logged in: the room's label → report a repair, with a photo.
    phone.goto(base + f"/q/{room.qr_token}/")
    phone.click('[data-testid="qr-action-maintenance.repair"]')
    phone.wait_for_selector("[data-testid=qr-repair-form]")
    phone.fill("input[name=name]", "李老师")
    phone.fill("input[name=phone]", "13800010008")
    phone.fill("textarea[name=description]", "活动室东侧窗户玻璃破裂，有碎玻璃")
    phone.select_option("select[name=urgency]", "urgent")
    phone.set_input_files("input[name=photo]", before)
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "repair-1-qr-form-375.png"), full_page=True)
    phone.click("[data-testid=qr-repair-submit]")
    phone.wait_for_selector("[data-testid=qr-repair-done]")
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "repair-2-reported-375.png"), full_page=True)
    with scopes_disabled():
        repair = RepairRequest.objects.get(campus=campus)
        assert repair.reporter == people["laoshi"] and repair.room == room and repair.source == "qr"
        assert repair.category == RepairRequest.Category.DOORS_WINDOWS
    assert repair.number in phone.inner_text("[data-testid=qr-repair-done]")
    detail = base + reverse("maintenance:repair_detail", kwargs={"campus": campus.code, "pk": repair.pk})

    # 2. The logistics head dispatches it to the repair worker.
    login(phone, base, "houqin")
    phone.goto(detail)
    phone.select_option("[data-testid=dispatch-form] select[name=dispatch-worker]", str(people["weixiu"].pk))
    phone.click("[data-testid=dispatch-button]")
    phone.wait_for_load_state()
    with scopes_disabled():
        repair.refresh_from_db()
        assert repair.status == "dispatched" and repair.work_order.worker == people["weixiu"]
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "repair-3-dispatched-375.png"), full_page=True)

    # 3. The repair worker starts, repairs it and adds the after-photo.
    login(phone, base, "weixiu")
    phone.goto(detail)
    phone.click("[data-testid=start-button]")
    phone.wait_for_load_state()
    phone.fill("[data-testid=finish-form] textarea[name=finish-work_done]", "更换窗户玻璃，清理碎玻璃")
    phone.fill("[data-testid=finish-form] input[name=finish-labour_cost]", "0")
    phone.set_input_files("[data-testid=finish-form] input[name=finish-photos]", after)
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "repair-4-worker-375.png"), full_page=True)
    phone.click("[data-testid=finish-button]")
    phone.wait_for_load_state()
    with scopes_disabled():
        repair.refresh_from_db()
        assert repair.status == "done"
    phone.screenshot(path=str(artifacts / "repair-5-done-375.png"), full_page=True)

    # 4. The teacher who reported it checks and signs it off.
    login(phone, base, "laoshi")
    phone.goto(detail)
    phone.wait_for_selector("[data-testid=sign-panel]")
    phone.click("[data-testid=sign-off-button]")
    phone.wait_for_load_state()
    with scopes_disabled():
        repair.refresh_from_db()
        assert repair.status == "closed" and repair.work_order.signed_off_by == people["laoshi"]
    assert "laoshi" in phone.inner_text("[data-testid=signed-off]") or people["laoshi"].display_name in phone.inner_text(
        "[data-testid=signed-off]"
    )
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "repair-6-signed-off-375.png"), full_page=True)

    # The paper slip (报修单 / 维修单) with its signature lines.
    phone.goto(base + reverse("maintenance:repair_print", kwargs={"campus": campus.code, "pk": repair.pk}))
    assert repair.number in phone.inner_text("[data-testid=repair-slip]")
    phone.screenshot(path=str(artifacts / "repair-7-slip-375.png"), full_page=True)
