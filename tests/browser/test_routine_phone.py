"""On a phone (375 px): a guard completes today's check, fails an item with a photo and
opens its follow-up in one tap; the routine pages fit the screen."""

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from houqin.core import routines
from houqin.core.models import GeneralRequest, RoutineResult
from houqin.core.roles import Role
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_guard_completes_a_check_on_a_phone(live_server, phone, artifacts, tmp_path):
    with scopes_disabled():
        campus = f.CampusFactory(code="rt-main", name="示范幼儿园总园")
        guard = f.UserFactory(username="menwei", real_name="杨卫东")
        f.MembershipFactory(user=guard, campus=campus, role=Role.GUARD)
        principal = f.UserFactory(username="yuanzhang", real_name="王丽华")
        f.MembershipFactory(user=principal, campus=campus, role=Role.PRINCIPAL)
        template = f.RoutineTemplateFactory(campus=campus, name="门卫一日5巡·第1巡（入园前）", responsible_role=Role.GUARD)
        f.RoutineItemFactory(template=template, order=1, label="大门、侧门开启正常，门禁、道闸完好")
        f.RoutineItemFactory(template=template, order=2, label="一键报警器、钢叉、盾牌到位", photo_required=True)
        f.RoutineItemFactory(template=template, order=3, label="巡查用时", kind="value", unit="分钟", min_value=10)
        occ = f.RoutineOccurrenceFactory(campus=campus, template=template)

    def handler(*, actor, result):
        return GeneralRequest.objects.create(campus_id=result.campus_id, title=f"整改：{result.label}", requested_by=actor)

    routines.register_fail_action("test_request", label="报修/整改", permission="core.create_requests", handler=handler)
    try:
        base = live_server.url
        login(phone, base, "menwei")
        phone.goto(base + reverse("core:routine_today", kwargs={"campus": campus.code}))
        assert fits(phone)
        phone.screenshot(path=str(artifacts / "routine-today-375.png"), full_page=True)
        phone.click("[data-testid=complete-button]")
        phone.wait_for_selector("[data-testid=complete-form]")
        assert fits(phone)
        phone.click("[data-testid=all-pass]")
        phone.click(f"label[for=item_{template.items.get(order=1).pk}_fail]")
        gauge = tmp_path / "gauge.jpg"
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (30, 160, 60)).save(buf, "JPEG")
        gauge.write_bytes(buf.getvalue())
        phone.set_input_files(f"#item_{template.items.get(order=2).pk}_photo", str(gauge))
        phone.fill(f"#item_{template.items.get(order=3).pk}_value", "12")
        phone.screenshot(path=str(artifacts / "routine-complete-375.png"), full_page=True)
        phone.click("[data-testid=submit]")
        phone.wait_for_selector("[data-testid=results]")
        assert fits(phone)
        phone.screenshot(path=str(artifacts / "routine-done-375.png"), full_page=True)
        phone.click("[data-testid=fail-action-test_request]")
        phone.wait_for_url("**/requests/**")
        with scopes_disabled():
            occ.refresh_from_db()
            assert occ.status == "done" and occ.completed_by == guard
            failed = RoutineResult.objects.get(occurrence=occ, passed=False)
            assert isinstance(failed.follow_up, GeneralRequest)

        # The leader's pages fit a phone too.
        phone.context.clear_cookies()
        login(phone, base, "yuanzhang")
        for name in ("routine_library", "occurrence_list", "routine_list", "routine_create", "routine_report"):
            phone.goto(base + reverse(f"core:{name}", kwargs={"campus": campus.code}))
            assert fits(phone), name
        phone.goto(base + reverse("core:routine_library", kwargs={"campus": campus.code}))
        phone.screenshot(path=str(artifacts / "routine-library-375.png"))
    finally:
        routines.unregister_fail_action("test_request")
