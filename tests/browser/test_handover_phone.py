"""On a phone (375 px): a class teacher checks the classroom's property, marks a missing
item, draws her signature with the finger and signs the term-start hand-over; the keeper's
pages (hand-overs, loans, damage, reports) fit the screen too."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, Damage, Handover
from houqin.core.roles import Role
from tests import factories as f
from tests.factories_custody import classroom, term_now

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


def test_teacher_checks_and_signs_on_a_phone(live_server, phone, artifacts):
    with scopes_disabled():
        campus = f.CampusFactory(code="ho-main", name="示范幼儿园总园")
        keeper = f.UserFactory(username="zichan", real_name="孙志强")
        f.MembershipFactory(user=keeper, campus=campus, role=Role.ASSET_KEEPER)
        teacher = f.UserFactory(username="laoshi", real_name="李晓燕")
        f.MembershipFactory(user=teacher, campus=campus, role=Role.CLASS_TEACHER)
        term = term_now(campus)
        _room, _class, assets = classroom(campus, teacher, assets=3)
        Asset.objects.filter(pk__in=[a.pk for a in assets]).update(custodian=keeper)
        result = services.handover_create_for_term(actor=keeper, campus=campus, term=term, kind="term_start")
        handover = result.created[0]
        services.handover_sign(actor=keeper, handover=handover, side="from")
        missing = handover.lines.order_by("tag").first()

    base = live_server.url
    login(phone, base, "laoshi")
    phone.goto(base + reverse("assets:handover_mine", kwargs={"campus": campus.code}))
    assert fits(phone)
    phone.click(f"text={handover.number}")
    phone.wait_for_selector("[data-testid=handover-sign-form]")
    assert fits(phone)
    phone.uncheck(f"[data-testid='present-{missing.tag}']")
    pad = phone.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 3) * 25)
    phone.mouse.up()
    phone.screenshot(path=str(artifacts / "handover-sign-375.png"), full_page=True)
    phone.click("[data-testid=sign-button]")
    phone.wait_for_selector("[data-testid=receiver-state] .ti-check")
    with scopes_disabled():
        handover.refresh_from_db()
        # changing a line after the keeper signed cleared that signature: both sign again
        assert handover.to_signed_at and handover.to_signature is not None
        assert handover.from_signed_at is None and handover.status == Handover.Status.OPEN
        services.handover_sign(actor=keeper, handover=handover, side="from")
        handover.refresh_from_db()
        assert handover.status == Handover.Status.COMPLETED
        assert Damage.objects.get(asset_id=missing.asset_id).kind == Damage.Kind.LOST
        assert Asset.objects.get(pk=assets[-1].pk).custodian == teacher

    phone.context.clear_cookies()
    login(phone, base, "zichan")
    for name in (
        "handover_list",
        "loan_list",
        "loan_create",
        "damage_list",
        "disposal_list",
        "report_depreciation",
    ):
        phone.goto(base + reverse(f"assets:{name}", kwargs={"campus": campus.code}))
        assert fits(phone), name
    phone.goto(base + reverse("assets:handover_detail", kwargs={"campus": campus.code, "pk": handover.pk}))
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "handover-detail-375.png"), full_page=True)
