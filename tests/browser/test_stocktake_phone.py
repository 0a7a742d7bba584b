"""A stocktake on a phone (375 px): the asset keeper creates a stocktake of two classrooms
(out of 200 assets in five rooms), counts them by typing tags into the scan field the way a
scanner does (one asset is not there, one is found in the other room), closes it and
submits the adjustments; the logistics head and the principal approve; the missing asset is
then ``missing`` in the register and the one found elsewhere has moved."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.assets.models import Asset, AssetCategory, Stocktake
from houqin.core.roles import Role
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PER_ROOM = 40


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 780}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(20000)
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


def scan(page, text):
    """What a USB/Bluetooth scanner does: type the code, then Enter."""
    page.fill("[data-testid=scan-input]", text)
    page.press("[data-testid=scan-input]", "Enter")


def counted(page):
    return page.locator("#room-progress [data-counted]").inner_text()


def test_stocktake_on_a_phone(live_server, phone, artifacts):
    with scopes_disabled():
        campus = f.CampusFactory(code="st-main", name="示范幼儿园总园")
        people = {}
        for username, role in (("zichan", Role.ASSET_KEEPER), ("houqin", Role.LOGISTICS_HEAD),
                               ("yuanzhang", Role.PRINCIPAL)):  # fmt: skip
            people[username] = f.UserFactory(username=username)
            f.MembershipFactory(user=people[username], campus=campus, role=role)
        building = f.BuildingFactory(campus=campus, name="教学楼", floors=3)
        names = ["小一班活动室", "小二班活动室", "中一班活动室", "美工室", "音乐室"]
        rooms = [
            f.RoomFactory(campus=campus, building=building, name=name, code=f"A{i + 1:02d}")
            for i, name in enumerate(names)
        ]
        furniture = f.AssetCategoryFactory(campus=campus, name="家具")
        toys = f.AssetCategoryFactory(campus=campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)
        tags = {room.pk: [] for room in rooms}
        for r, room in enumerate(rooms):
            for i in range(PER_ROOM):
                is_set = i % 10 == 0
                asset = f.AssetFactory(
                    campus=campus, room=room, tag=f"ZC-{r + 1}{i:03d}", category=toys if is_set else furniture,
                    quantity=6 if is_set else 1, price=Decimal("150.00") if is_set else Decimal("800.00"),
                )  # fmt: skip
                tags[room.pk].append(asset.tag)
    room_a, room_b = rooms[0], rooms[1]
    missing_tag = tags[room_a.pk][7]  # not in the room any more
    moved_tag = tags[room_b.pk][3]  # found in room A
    base = live_server.url
    code = campus.code

    # --- the keeper creates the stocktake of two rooms -----------------------------------------
    login(phone, base, "zichan")
    phone.goto(base + reverse("assets:stocktake_list", kwargs={"campus": code}))
    assert fits(phone)
    phone.goto(base + reverse("assets:stocktake_create", kwargs={"campus": code}))
    phone.fill("#id_title", "2026年秋季学期期中盘点")
    phone.check("input[name=scope][value=rooms]")
    phone.select_option("#id_rooms", [str(room_a.pk), str(room_b.pk)])
    assert fits(phone)
    phone.click("[data-testid=create-stocktake]")
    phone.wait_for_selector("[data-testid=start-button]")
    with scopes_disabled():
        stocktake = Stocktake.objects.get(campus=campus)
        assert stocktake.lines.count() == 2 * PER_ROOM
    assert fits(phone)
    phone.click("[data-testid=start-button]")
    phone.wait_for_selector("[data-testid=count-link]")

    # --- counting: scan the room first, then the labels ----------------------------------------
    phone.click("[data-testid=count-link]")
    phone.wait_for_selector("[data-testid=room-scan-form]")
    assert fits(phone)
    phone.fill("#room-code", room_a.code)
    phone.press("#room-code", "Enter")
    phone.wait_for_selector("[data-testid=scan-form]")
    assert counted(phone) == "0"
    for tag in tags[room_a.pk]:
        if tag != missing_tag:
            scan(phone, tag.lower() if tag.endswith("1") else tag)
    scan(phone, moved_tag)
    phone.wait_for_selector("#room-progress [data-extra]")  # the last scan: the asset of room B
    assert counted(phone) == str(PER_ROOM - 1)
    assert phone.locator("#not-found [data-line]").count() == 1
    assert phone.locator(f"#not-found [data-line='{missing_tag}']").count() == 1
    scan(phone, tags[room_a.pk][0])  # once more: already counted, nothing changes
    phone.wait_for_selector("[data-testid=scan-message][data-outcome=already]")
    assert counted(phone) == str(PER_ROOM - 1)
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "stocktake-count-375.png"), full_page=True)

    # the label of room B switches rooms
    with scopes_disabled():
        room_b.refresh_from_db()
    scan(phone, f"{base}/q/{room_b.qr_token}/")
    phone.wait_for_url(f"**/count/{room_b.pk}/")
    assert counted(phone) == "1"  # the asset found in room A
    for tag in tags[room_b.pk]:
        if tag != moved_tag:
            scan(phone, tag)
    phone.wait_for_function(
        f"document.querySelector('#room-progress [data-counted]').textContent === '{PER_ROOM}'"
    )
    phone.screenshot(path=str(artifacts / "stocktake-count-room-b-375.png"), full_page=True)

    # --- close, check the result, submit the adjustments -----------------------------------------
    phone.goto(base + reverse("assets:stocktake_detail", kwargs={"campus": code, "pk": stocktake.pk}))
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("[data-testid=close-button]")
    phone.wait_for_selector("[data-testid=result-summary]")
    assert phone.locator("[data-figure=missing]").inner_text() == "1"
    assert phone.locator("[data-figure=moved]").inner_text() == "1"
    assert phone.locator("[data-figure=in_place]").inner_text() == str(2 * PER_ROOM - 2)
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "stocktake-result-375.png"), full_page=True)
    phone.click("[data-testid=submit-adjustments]")
    phone.wait_for_selector("[data-testid=approval-link]")
    approval_url = phone.get_attribute("[data-testid=approval-link]", "href")
    with scopes_disabled():
        assert Asset.objects.get(campus=campus, tag=missing_tag).status == "in_use"  # not before approval

    # --- the logistics head, then the principal, approve ----------------------------------------
    for username in ("houqin", "yuanzhang"):
        login(phone, base, username)
        phone.goto(base + approval_url)
        phone.wait_for_selector("[data-testid=decide-form]")
        phone.click("[data-testid=decide-form] button[value=approve]")
        phone.wait_for_load_state()
    assert phone.locator("[data-testid=approval-status]").get_attribute("class").count("green") == 1

    with scopes_disabled():
        assert Asset.objects.get(campus=campus, tag=missing_tag).status == Asset.Status.MISSING
        moved = Asset.objects.get(campus=campus, tag=moved_tag)
        assert moved.room_id == room_a.pk and moved.status == Asset.Status.IN_USE
        stocktake.refresh_from_db()
        assert stocktake.status == Stocktake.Status.ADJUSTED
        # everything else stayed where it was
        assert Asset.objects.filter(campus=campus, room=room_a).count() == PER_ROOM + 1
        assert Asset.objects.filter(campus=campus, status="missing").count() == 1
