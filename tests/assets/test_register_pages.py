"""The asset register's pages: the list (filters, search, pagination, exports, print,
labels), the asset card, forms and actions, rooms' and custodians' lists, the public QR
page, the summary and the dashboard card; permissions and campus isolation."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.assets.panels import _panels, register_asset_panel
from houqin.core.attachments import attachments_for
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login
from tests.factories_assets import AssetCategoryFactory, AssetFactory, png_upload
from tests.factories_purchasing import SupplierFactory

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper", real_name="孙志强")


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕")


@pytest.fixture
def keeper_client(keeper):
    return login(keeper)


@pytest.fixture
def world(campus, keeper, teacher):
    """Two categories, two buildings with a room each, a supplier and five assets."""
    electronics = AssetCategoryFactory(campus=campus, name="电子设备", code="DZ")
    toys = AssetCategoryFactory(campus=campus, name="教玩具", code="WJ", kind=AssetCategory.Kind.LOW_VALUE)
    class_room = f.RoomFactory(campus=campus, name="小一班活动室", code="A101", building__name="教学楼")
    kitchen = f.RoomFactory(campus=campus, name="厨房", code="C101", building__name="后勤楼")
    supplier = SupplierFactory(campus=campus, name="杭州文教用品公司")
    make = AssetFactory
    assets = {
        "piano": make(campus=campus, tag="ZC-1", name="钢琴", category=electronics, room=class_room,
                      custodian=teacher, price=Decimal("18800"), purchase_date=dt.date(2021, 3, 1), is_valuable=True),
        "tv": make(campus=campus, tag="ZC-2", name="电视机", category=electronics, room=class_room,
                   custodian=teacher, price=Decimal("3200"), purchase_date=dt.date(2023, 9, 1), supplier=supplier),
        "blocks": make(campus=campus, tag="ZC-3", name="积木", category=toys, room=class_room, quantity=20,
                       price=Decimal("15"), purchase_date=dt.date(2024, 9, 1)),
        "fridge": make(campus=campus, tag="ZC-4", name="冷藏柜", category=electronics, room=kitchen,
                       custodian=keeper, price=Decimal("6200"), purchase_date=dt.date(2022, 5, 1),
                       status=Asset.Status.DAMAGED, is_valuable=True),
        "old": make(campus=campus, tag="ZC-5", name="旧电视", category=electronics, room=kitchen,
                    price=Decimal("1500"), purchase_date=dt.date(2015, 5, 1), status=Asset.Status.DISPOSED),
    }  # fmt: skip
    return {"electronics": electronics, "toys": toys, "class_room": class_room, "kitchen": kitchen,
            "supplier": supplier, **assets}  # fmt: skip


def tags(response):
    return [row["obj"].tag for row in response.context["rows"]]


# --- The list -------------------------------------------------------------------------------


def test_list_leaves_disposed_assets_out_by_default(keeper_client, campus, world):
    list_url = url(campus, "asset_list")
    assert tags(keeper_client.get(list_url)) == ["ZC-1", "ZC-2", "ZC-3", "ZC-4"]
    assert "ZC-5" in tags(keeper_client.get(list_url + "?include_disposed=on"))
    assert tags(keeper_client.get(list_url + "?status=disposed")) == ["ZC-5"]
    assert tags(keeper_client.get(list_url + "?category=" + str(world["electronics"].pk))) == [
        "ZC-1",
        "ZC-2",
        "ZC-4",
    ]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("kind=low_value", ["ZC-3"]),
        ("status=damaged", ["ZC-4"]),
        ("room={class_room}", ["ZC-1", "ZC-2", "ZC-3"]),
        ("building={kitchen_building}", ["ZC-4"]),
        ("building={kitchen_building}&include_disposed=on", ["ZC-4", "ZC-5"]),
        ("custodian={teacher}", ["ZC-1", "ZC-2"]),
        ("supplier={supplier}", ["ZC-2"]),
        ("acquired_from=2022-01-01&acquired_to=2023-12-31", ["ZC-2", "ZC-4"]),
        ("price_min=3000&price_max=7000", ["ZC-2", "ZC-4"]),
        ("valuable=1", ["ZC-1", "ZC-4"]),
        ("q=gangqin", ["ZC-1"]),
        ("q=dsj", ["ZC-2"]),
        ("q=zc-4", ["ZC-4"]),
        ("q=电视", ["ZC-2"]),
    ],
)
def test_list_filters_and_search(keeper_client, campus, world, teacher, query, expected):
    query = query.format(
        class_room=world["class_room"].pk,
        kitchen_building=world["kitchen"].building_id,
        teacher=teacher.pk,
        supplier=world["supplier"].pk,
    )
    assert tags(keeper_client.get(url(campus, "asset_list") + "?" + query)) == expected


def test_list_without_room_filter(keeper_client, campus, world):
    AssetFactory(campus=campus, tag="ZC-9", room=None, category=world["electronics"])
    assert tags(keeper_client.get(url(campus, "asset_list") + "?no_room=on")) == ["ZC-9"]


def test_list_pages_and_links(keeper_client, campus, world):
    AssetFactory.create_batch(30, campus=campus, category=world["toys"], room=world["kitchen"])
    response = keeper_client.get(url(campus, "asset_list"))
    assert response.context["paginator"].count == 34 and len(response.context["rows"]) == 25
    assert len(keeper_client.get(url(campus, "asset_list") + "?page=2").context["rows"]) == 9
    html = keeper_client.get(url(campus, "asset_list") + f"?room={world['class_room'].pk}").content.decode()
    assert url(campus, "room_assets", pk=world["class_room"].pk) in html
    assert 'data-testid="print-labels"' in html and 'data-testid="import-assets"' in html


def test_export_all_fields(keeper_client, campus, world):
    response = keeper_client.get(url(campus, "asset_list") + "?export=xlsx&kind=fixed")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4  # header + the three active fixed assets
    assert rows[1][0] == "ZC-1" and "/q/a/" in rows[1][-2]


def test_export_in_the_layout_of_the_paper_ledger(keeper_client, campus, world):
    response = keeper_client.get(url(campus, "asset_list") + "?export=ledger")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "资产编号", "名称", "类别", "规格型号", "单位", "数量", "单价", "金额", "购置日期",
                             "存放地点", "保管人", "状态", "备注"]  # fmt: skip
    assert len(rows) == 5
    blocks = rows[3]
    assert blocks[0] == 3 and blocks[1] == "ZC-3" and blocks[6] == 20 and blocks[8] == 300
    assert rows[1][10] == "小一班活动室" and rows[1][11] == "李晓燕"


def test_export_needs_the_export_permission(campus, world, make_member):
    parent = make_member(Role.PARENT, username="parent")
    assert login(parent).get(url(campus, "asset_list") + "?export=ledger").status_code == 403


def test_ledger_print_with_totals(keeper_client, campus, world):
    response = keeper_client.get(url(campus, "ledger_print") + f"?room={world['class_room'].pk}")
    assert response.status_code == 200
    assert [a.tag for a in response.context["rows"]] == ["ZC-1", "ZC-2", "ZC-3"]
    totals = response.context["totals"]
    assert totals["n"] == 3 and totals["items"] == 22 and totals["value"] == Decimal("22300.00")
    html = response.content.decode()
    assert "小一班活动室" in html and 'data-testid="ledger"' in html


def test_label_sheet_for_the_filtered_or_ticked_assets(keeper_client, campus, world, settings):
    settings.SITE_URL = "https://hq.example.cn"
    AssetFactory.create_batch(30, campus=campus, category=world["toys"], room=world["kitchen"])
    response = keeper_client.get(url(campus, "label_sheet") + "?kind=low_value")
    assert response.status_code == 200
    assert len(response.context["labels"]) == 31
    assert [len(p) for p in response.context["pages"]] == [24, 7]
    html = response.content.decode()
    assert html.count('class="asset-label"') == 31 and "data:image/svg+xml" in html
    response = keeper_client.get(
        url(campus, "label_sheet") + f"?ids={world['piano'].pk}&ids={world['tv'].pk}"
    )
    assert [item["asset"].tag for item in response.context["labels"]] == ["ZC-1", "ZC-2"]
    assert "小一班活动室" in response.content.decode() and campus.display_name in response.content.decode()
    assert (
        services.asset_by_scan(campus, f"https://hq.example.cn/q/a/{world['piano'].qr_token}/")
        == world["piano"]
    )


# --- The asset card -------------------------------------------------------------------------


def test_detail_page_shows_purchase_history_and_panels(keeper_client, campus, world, keeper):
    piano = world["piano"]
    services.asset_set_status(actor=keeper, asset=piano, status="idle", reason="放假")
    register_asset_panel(
        "tests.loans", "借用记录", "assets/asset_holdings.html",
        get_context=lambda request, asset: {"assets": [asset], "total_items": 1, "total_value": 0, "valuable": 0},
        permission="assets.view_assets", order=1,
    )  # fmt: skip
    try:
        response = keeper_client.get(url(campus, "asset_detail", pk=piano.pk))
    finally:
        _panels.pop("tests.loans")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="panel-tests.loans"' in html and "借用记录" in html
    assert "18,800.00" in html or "18800.00" in html
    assert 'data-testid="history-tab"' in html and "放假" in html
    assert 'data-testid="status-form"' in html and 'data-testid="move-form"' in html
    assert url(campus, "room_assets", pk=piano.room_id) in html
    assert url(campus, "person_assets", pk=piano.custodian_id) in html
    try:
        repair = reverse("maintenance:repair_create", kwargs={"campus": campus.code})
    except NoReverseMatch:
        assert 'data-testid="report-fault"' not in html
    else:
        assert f"{repair}?asset={piano.pk}" in html


def test_panels_need_their_permission(campus, world, teacher):
    register_asset_panel(
        "tests.secret", "机密", "assets/asset_holdings.html",
        get_context=lambda request, asset: {"assets": []}, permission="assets.manage_assets",
    )  # fmt: skip
    try:
        html = login(teacher).get(url(campus, "asset_detail", pk=world["tv"].pk)).content.decode()
    finally:
        _panels.pop("tests.secret")
    assert 'data-testid="panel-tests.secret"' not in html
    assert 'data-testid="status-form"' not in html  # a teacher only reads


def test_disposed_card_is_read_only(keeper_client, campus, world):
    old = world["old"]
    response = keeper_client.get(url(campus, "asset_detail", pk=old.pk))
    assert response.context["update_url"] is None and response.context["status_form"] is None
    assert 'data-testid="disposed"' in response.content.decode()
    assert keeper_client.get(url(campus, "asset_update", pk=old.pk)).status_code == 403


def test_register_from_the_form_with_photos(keeper_client, campus, world, keeper):
    response = keeper_client.get(url(campus, "asset_create") + f"?room={world['kitchen'].pk}")
    assert response.status_code == 200 and response.context["form"].initial["room"] == world["kitchen"].pk
    assert [c[0] for c in response.context["form"].fields["status"].choices] == [
        "in_use", "idle", "under_repair", "damaged", "missing",
    ]  # fmt: skip
    response = keeper_client.post(
        url(campus, "asset_create"),
        {"name": "消毒柜", "category": world["electronics"].pk, "room": world["kitchen"].pk, "custodian": keeper.pk,
         "unit": "台", "quantity": 1, "status": "in_use", "source": "purchase", "price": "6800",
         "purchase_date": "2025-03-01", "photos": [png_upload()]},
    )  # fmt: skip
    asset = Asset.objects.get(name="消毒柜")
    assert response.status_code == 302 and response["Location"] == url(campus, "asset_detail", pk=asset.pk)
    assert asset.tag.startswith("ZC-") and asset.is_valuable  # 6800 ≥ the 5000 threshold
    assert attachments_for(asset).count() == 1


def test_form_refuses_a_valuable_item_without_custodian(keeper_client, campus, world):
    response = keeper_client.post(
        url(campus, "asset_create"),
        {"name": "笔记本电脑", "category": world["electronics"].pk, "unit": "台", "quantity": 1,
         "status": "in_use", "source": "purchase", "price": "9800"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "custodian" in response.context["form"].errors
    assert not Asset.objects.filter(name="笔记本电脑").exists()


def test_edit_through_the_form(keeper_client, campus, world):
    tv = world["tv"]
    response = keeper_client.get(url(campus, "asset_update", pk=tv.pk))
    assert "status" not in response.context["form"].fields
    data = {"tag": "ZC-2", "name": "液晶电视", "category": world["electronics"].pk, "unit": "台", "quantity": 1,
            "room": tv.room_id, "custodian": tv.custodian_id, "source": "purchase", "price": "3200"}  # fmt: skip
    assert keeper_client.post(url(campus, "asset_update", pk=tv.pk), data).status_code == 302
    tv.refresh_from_db()
    assert tv.name == "液晶电视"
    data["tag"] = "zc-1"  # taken (case-insensitively)
    response = keeper_client.post(url(campus, "asset_update", pk=tv.pk), data)
    assert response.status_code == 200 and "tag" in response.context["form"].errors


def test_status_and_move_actions(keeper_client, campus, world, keeper):
    tv = world["tv"]
    keeper_client.post(url(campus, "asset_status", pk=tv.pk), {"status": "under_repair", "reason": "无信号"})
    tv.refresh_from_db()
    assert tv.status == "under_repair"
    response = keeper_client.post(url(campus, "asset_status", pk=tv.pk), {"status": "disposed"})
    tv.refresh_from_db()
    assert response.status_code == 302 and tv.status == "under_repair"  # disposal needs an approved request
    keeper_client.post(
        url(campus, "asset_move", pk=tv.pk),
        {"room": world["kitchen"].pk, "custodian": keeper.pk, "reason": "调拨"},
    )
    tv.refresh_from_db()
    assert tv.room == world["kitchen"] and tv.custodian == keeper


def test_writes_need_the_manage_permission(campus, world, teacher):
    client = login(teacher)
    tv = world["tv"]
    assert client.get(url(campus, "asset_list")).status_code == 200
    assert client.get(url(campus, "asset_create")).status_code == 403
    assert client.post(url(campus, "asset_status", pk=tv.pk), {"status": "idle"}).status_code == 403
    assert client.post(url(campus, "asset_move", pk=tv.pk), {"room": world["kitchen"].pk}).status_code == 403
    assert client.get(url(campus, "asset_import")).status_code == 403
    assert client.get(url(campus, "category_create")).status_code == 403
    tv.refresh_from_db()
    assert tv.status == "in_use"


def test_roles_without_the_register_get_403_and_outsiders_404(
    campus, world, other_role_client, outsider_client
):
    for name, kwargs in (
        ("asset_list", {}), ("asset_detail", {"pk": world["tv"].pk}), ("category_list", {}),
        ("room_assets", {"pk": world["kitchen"].pk}), ("asset_summary", {}), ("label_sheet", {}),
    ):  # fmt: skip
        assert other_role_client.get(url(campus, name, **kwargs)).status_code == 403
        assert outsider_client.get(url(campus, name, **kwargs)).status_code == 404


def test_another_campus_asset_is_404(campus, other_campus, keeper_client):
    foreign = AssetFactory(campus=other_campus)
    assert keeper_client.get(url(campus, "asset_detail", pk=foreign.pk)).status_code == 404
    assert (
        keeper_client.post(url(campus, "asset_status", pk=foreign.pk), {"status": "idle"}).status_code == 404
    )
    foreign_room = f.RoomFactory(campus=other_campus)
    assert keeper_client.get(url(campus, "room_assets", pk=foreign_room.pk)).status_code == 404


# --- Categories -----------------------------------------------------------------------------


def test_categories_list_create_edit_and_delete(keeper_client, campus, world):
    response = keeper_client.get(url(campus, "category_list"))
    counts = {row["obj"].name: row["obj"].asset_count for row in response.context["rows"]}
    assert counts == {"电子设备": 3, "教玩具": 1}  # disposed ones not counted
    response = keeper_client.post(
        url(campus, "category_create"),
        {"name": "图书", "code": "TS", "kind": "low_value", "useful_life_years": 0, "national_code": "",
         "is_active": "on"},
    )  # fmt: skip
    books = AssetCategory.objects.get(name="图书")
    assert response.status_code == 302 and books.kind == "low_value"
    response = keeper_client.post(
        url(campus, "category_create"), {"name": "图书", "kind": "fixed", "useful_life_years": 0}
    )
    assert response.status_code == 200  # the name is taken
    # in use: refused with a clear message
    response = keeper_client.post(url(campus, "category_delete", pk=world["toys"].pk), follow=True)
    assert AssetCategory.objects.filter(pk=world["toys"].pk).exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    detail = keeper_client.get(url(campus, "category_detail", pk=world["toys"].pk))
    assert detail.context["delete_url"] is None and detail.context["counts"]["active"] == 1
    keeper_client.post(url(campus, "category_delete", pk=books.pk))
    assert not AssetCategory.objects.filter(pk=books.pk).exists()


# --- Rooms and people -----------------------------------------------------------------------


def test_room_property_list_and_print(keeper_client, campus, world, teacher):
    room = world["class_room"]
    room.keeper = teacher
    room.save()
    response = keeper_client.get(url(campus, "room_assets", pk=room.pk))
    assert [a.tag for a in response.context["assets"]] == ["ZC-1", "ZC-2", "ZC-3"]
    assert response.context["total_items"] == 22 and response.context["total_value"] == Decimal("22300.00")
    printed = keeper_client.get(url(campus, "room_assets", pk=room.pk) + "?print=1")
    html = printed.content.decode()
    assert printed.templates[0].name == "assets/room_assets_print.html"
    assert "李晓燕" in html and "钢琴" in html and "★" in html


def test_person_holdings_and_print(keeper_client, campus, world, teacher, keeper):
    response = keeper_client.get(url(campus, "person_assets", pk=teacher.pk))
    assert [a.tag for a in response.context["assets"]] == ["ZC-1", "ZC-2"]
    assert response.context["valuable"] == 1
    assert keeper_client.get(url(campus, "person_assets", pk=teacher.pk) + "?print=1").status_code == 200
    nobody = f.UserFactory(username="stranger")
    assert keeper_client.get(url(campus, "person_assets", pk=nobody.pk)).status_code == 404


def test_holding_pages_run_a_fixed_number_of_queries(keeper_client, campus, world, teacher):
    room = world["class_room"]
    counts = []
    for extra in (0, 40):
        AssetFactory.create_batch(extra, campus=campus, category=world["toys"], room=room, custodian=teacher)
        with CaptureQueriesContext(connection) as ctx:
            keeper_client.get(url(campus, "room_assets", pk=room.pk))
            keeper_client.get(url(campus, "person_assets", pk=teacher.pk))
            keeper_client.get(url(campus, "ledger_print"))
            keeper_client.get(url(campus, "asset_summary") + "?by=room")
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_detail_page_queries_do_not_grow_with_history(keeper_client, campus, world, keeper):
    tv = world["tv"]
    counts = []
    for changes in (1, 20):
        for i in range(changes):
            services.asset_update(actor=keeper, asset=tv, data={"note": f"第{i}次 {changes}"})
        with CaptureQueriesContext(connection) as ctx:
            assert keeper_client.get(url(campus, "asset_detail", pk=tv.pk)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


# --- The public QR page ---------------------------------------------------------------------


def test_qr_page_for_anyone_without_price_or_phone(client, campus, world, teacher):
    piano = world["piano"]
    teacher.phone = "13900001111"
    teacher.save()
    response = client.get(reverse("qr_asset", kwargs={"token": piano.qr_token}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "钢琴" in html and "ZC-1" in html and "小一班活动室" in html and 'data-status="in_use"' in html
    assert "18800" not in html and "18,800" not in html and "13900001111" not in html and "李晓燕" not in html
    try:
        repair = reverse("qr_asset_repair", kwargs={"token": piano.qr_token})
    except NoReverseMatch:
        assert 'data-testid="qr-report-fault"' not in html
    else:
        assert repair in html
    # a missing asset cannot be repaired: no button
    piano.status = Asset.Status.MISSING
    piano.save()
    html = client.get(reverse("qr_asset", kwargs={"token": piano.qr_token})).content.decode()
    assert 'data-testid="qr-report-fault"' not in html and 'data-status="missing"' in html


def test_qr_page_sends_staff_to_the_asset(campus, world, keeper, outsider, make_member):
    piano = world["piano"]
    path = reverse("qr_asset", kwargs={"token": piano.qr_token})
    response = login(keeper).get(path)
    assert response.status_code == 302 and response["Location"] == url(campus, "asset_detail", pk=piano.pk)
    # staff of another campus, or without the register, see the public page
    assert login(outsider).get(path).status_code == 200
    assert login(make_member(Role.COOK, username="cook2")).get(path).status_code == 200


def test_unknown_qr_token_is_404(client):
    assert client.get(reverse("qr_asset", kwargs={"token": "nope123"})).status_code == 404


# --- Summary and dashboard ------------------------------------------------------------------


def test_summary_by_category_building_and_room(keeper_client, campus, world):
    response = keeper_client.get(url(campus, "asset_summary"))
    rows = {r["name"]: r for r in response.context["rows"]}
    assert rows["电子设备"]["n"] == 3 and rows["电子设备"]["value"] == Decimal("28200.00")
    assert rows["电子设备"]["attention"] == 1 and rows["教玩具"]["items"] == 20
    assert response.context["totals"]["value"] == Decimal("28500.00")
    rows = {
        r["name"]: r for r in keeper_client.get(url(campus, "asset_summary") + "?by=building").context["rows"]
    }
    assert rows["后勤楼"]["n"] == 1 and rows["教学楼"]["value"] == Decimal("22300.00")
    rows = keeper_client.get(url(campus, "asset_summary") + "?by=room&kind=low_value").context["rows"]
    assert [(r["name"], r["n"]) for r in rows] == [("A101 小一班活动室", 1)]
    export = keeper_client.get(url(campus, "asset_summary") + "?by=building&export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert len(list(sheet.iter_rows(values_only=True))) == 3


def test_dashboard_card_for_keepers(keeper_client, campus, world, teacher):
    AssetFactory(campus=campus, category=world["electronics"], room=None, status=Asset.Status.MISSING)
    response = keeper_client.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    cards = response.context["cards"]
    list_url = url(campus, "asset_list")
    card = next(c for c in cards if c.url == list_url)
    assert card.count == 2 and card.level == "danger"
    assert {label.split(" · ")[-1] for label, _link in card.items} == {"1"}
    assert any(c.count == 1 and c.url == list_url + "?no_room=1" for c in cards)
    teacher_cards = (
        login(teacher).get(reverse("core:dashboard", kwargs={"campus": campus.code})).context["cards"]
    )
    assert not any(c.url.startswith(list_url) for c in teacher_cards)


def test_dashboard_card_is_cheap(campus, world):
    from django.test import RequestFactory

    from houqin.assets.register_registrations import assets_attention_card

    request = RequestFactory().get("/")
    request.campus = campus
    with CaptureQueriesContext(connection) as ctx:
        assets_attention_card(request)
    assert len(ctx) == 1
