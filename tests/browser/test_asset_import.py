"""The asset keeper imports a 200-row ledger made in "Excel" (dates as date cells and as
text in several formats, numbers as floats), prints QR labels for a room's assets, and a
colleague's phone opens a label's public page."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.assets.models import Asset, AssetCategory
from houqin.core.roles import Role
from tests import factories as f
from tests.factories_assets import AssetCategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["资产编号", "资产名称", "类别", "规格型号", "品牌", "单位", "数量", "单价", "购置日期", "存放地点/房间", "保管人",
           "供应商", "发票号", "状态", "备注"]  # fmt: skip


def make_ledger(path, rooms):
    """200 rows: a title row above the headers, four date formats, floats, a 合计 row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["示范幼儿园资产台账"])
    ws.append(HEADERS)
    items = [("空调", "电子设备", 1, 5999.0), ("电钢琴", "电子设备", 1, 4380.0), ("积木", "教玩具", 20, 15.5),
             ("幼儿桌椅", "家具", 1, 4200.0), ("皮球", "教玩具", 30, 12.0)]  # fmt: skip
    for n in range(200):
        name, category, quantity, price = items[n % len(items)]
        day = dt.date(2021, 1, 1) + dt.timedelta(days=7 * n)
        date = [
            day,
            f"{day.year}/{day.month}/{day.day}",
            day.isoformat(),
            f"{day.year}年{day.month}月{day.day}日",
        ][n % 4]
        room = rooms[n % len(rooms)]
        custodian = "李晓燕" if price >= 5000 or n % 3 == 0 else ""
        tag = f"BT-{n + 1:04d}" if n % 2 else ""
        ws.append([tag, name, category, "标准型", "", "台" if quantity == 1 else "件", float(quantity), price, date,
                   room, custodian, "", "", "在用" if n % 10 else "闲置", ""])  # fmt: skip
    ws.append([None, "合计"] + [None] * 13)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def test_import_labels_and_public_page(live_server, browser, page, artifacts, tmp_path):
    with scopes_disabled():
        campus = f.CampusFactory(code="as-main", name="示范幼儿园总园")
        keeper = f.UserFactory(username="zichan", real_name="孙志强")
        f.MembershipFactory(user=keeper, campus=campus, role=Role.ASSET_KEEPER)
        teacher = f.UserFactory(username="laoshi", real_name="李晓燕")
        f.MembershipFactory(user=teacher, campus=campus, role=Role.CLASS_TEACHER)
        AssetCategoryFactory(campus=campus, name="电子设备")
        AssetCategoryFactory(campus=campus, name="家具")
        AssetCategoryFactory(campus=campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)
        room = f.RoomFactory(campus=campus, name="小一班活动室", code="A101")
        f.RoomFactory(campus=campus, name="音乐室", code="B201")
    base = live_server.url
    ledger = tmp_path / "资产台账.xlsx"
    make_ledger(ledger, ["A101", "音乐室", "B201 音乐室"])

    # 1. The asset keeper logs in and imports the ledger.
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "zichan")
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/c/{campus.code}/")
    page.goto(base + reverse("assets:asset_import", kwargs={"campus": campus.code}))
    page.set_input_files("input[type=file]", str(ledger))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=object-table], [data-testid=import-report]", timeout=60000)
    if page.locator("[data-testid=import-report]").count():
        pytest.fail(page.inner_text("[data-testid=import-report]"))
    assert page.url.endswith("/assets/register/")
    assert page.locator("[data-testid=object-table] tbody tr").count() == 25
    with scopes_disabled():
        assets = Asset.objects.filter(campus=campus)
        assert assets.count() == 200
        assert assets.filter(tag__startswith="ZC-").count() == 100
        assert assets.filter(purchase_date=dt.date(2021, 1, 8)).exists()  # a text date
        assert not assets.filter(purchase_date__isnull=True).exists()
        assert assets.filter(status="idle").count() == 20
        assert all(a.custodian_id for a in assets.filter(is_valuable=True))
        first = assets.filter(room=room).order_by("tag").first()

    # 2. Labels for the assets of one room, from the list's filter.
    page.goto(base + reverse("assets:asset_list", kwargs={"campus": campus.code}) + f"?room={room.pk}")
    with page.expect_popup() as popup:
        page.click("[data-testid=print-labels]")
    sheet = popup.value
    sheet.wait_for_load_state()
    labels = sheet.locator(".asset-label")
    assert labels.count() == 67  # rows 0, 3, 6 … of the 200 are in A101
    assert sheet.locator(".label-page").count() == 3
    sheet.screenshot(path=str(artifacts / "asset-labels.png"))

    # 3. A colleague who is not logged in scans a label with a phone.
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        mobile = phone.new_page()
        mobile.goto(base + reverse("qr_asset", kwargs={"token": first.qr_token}))
        mobile.wait_for_selector("[data-testid=qr-asset]")
        text = mobile.inner_text("[data-testid=qr-asset]")
        assert first.name in text and first.tag in text and "A101" in text
        assert "5999" not in text and "5,999" not in text
        mobile.screenshot(path=str(artifacts / "asset-qr-phone.png"), full_page=True)
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"page is {width}px wide at a 375px viewport"
    finally:
        phone.close()
