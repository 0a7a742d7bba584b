"""The asset register API: categories, assets with the list page's filters, status
changes, moves and the scan lookup — same rules and permissions as the pages."""

import datetime as dt
from decimal import Decimal

import pytest

from houqin.assets.models import Asset, AssetCategory
from houqin.core.models import AuditEvent
from houqin.core.roles import Role
from tests import factories as f
from tests.factories_assets import AssetCategoryFactory, AssetFactory

pytestmark = pytest.mark.django_db
BASE = "c/main"


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper", real_name="孙志强")


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕")


@pytest.fixture
def api(keeper, api_for):
    return api_for(keeper)


@pytest.fixture
def data(campus, teacher):
    electronics = AssetCategoryFactory(campus=campus, name="电子设备", code="DZ")
    toys = AssetCategoryFactory(campus=campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)
    room = f.RoomFactory(campus=campus, name="小一班活动室", code="A101")
    store = f.RoomFactory(campus=campus, name="物资仓库", code="C201")
    piano = AssetFactory(campus=campus, tag="ZC-1", name="钢琴", category=electronics, room=room, custodian=teacher,
                         price=Decimal("18800"), is_valuable=True, purchase_date=dt.date(2021, 3, 1))  # fmt: skip
    blocks = AssetFactory(campus=campus, tag="ZC-2", name="积木", category=toys, room=store, quantity=20,
                          price=Decimal("15"), purchase_date=dt.date(2024, 9, 1))  # fmt: skip
    old = AssetFactory(campus=campus, tag="ZC-3", name="旧电视", category=electronics, room=store,
                       status=Asset.Status.DISPOSED)  # fmt: skip
    return {"electronics": electronics, "toys": toys, "room": room, "store": store, "piano": piano,
            "blocks": blocks, "old": old}  # fmt: skip


def tags(response):
    assert response.status_code == 200, response.content
    return [item["tag"] for item in response.json()["items"]]


def test_categories(api, campus, data, api_for, teacher):
    response = api.get(f"{BASE}/asset-categories")
    assert response.status_code == 200 and response.json()["count"] == 2
    response = api.post(
        f"{BASE}/asset-categories", {"name": "图书", "kind": "low_value", "useful_life_years": 0}
    )
    assert response.status_code == 201, response.content
    category_id = response.json()["id"]
    response = api.patch(
        f"{BASE}/asset-categories/{category_id}", {"useful_life_years": 5, "national_code": "A05"}
    )
    assert response.status_code == 200 and response.json()["useful_life_years"] == 5
    assert api.post(f"{BASE}/asset-categories", {"name": "图书"}).status_code == 422  # taken
    assert api_for(teacher).post(f"{BASE}/asset-categories", {"name": "家具"}).status_code == 403
    assert api.get(f"{BASE}/asset-categories?kind=low_value").json()["count"] == 2


def test_list_with_the_pages_filters(api, data, teacher):
    assert tags(api.get(f"{BASE}/assets")) == ["ZC-1", "ZC-2"]
    assert tags(api.get(f"{BASE}/assets?include_disposed=true")) == ["ZC-1", "ZC-2", "ZC-3"]
    assert tags(api.get(f"{BASE}/assets?status=disposed")) == ["ZC-3"]
    assert tags(api.get(f"{BASE}/assets?kind=low_value")) == ["ZC-2"]
    assert tags(api.get(f"{BASE}/assets?room={data['room'].pk}")) == ["ZC-1"]
    assert tags(api.get(f"{BASE}/assets?building={data['store'].building_id}")) == ["ZC-2"]
    assert tags(api.get(f"{BASE}/assets?custodian={teacher.pk}")) == ["ZC-1"]
    assert tags(api.get(f"{BASE}/assets?price_min=100&acquired_to=2022-12-31")) == ["ZC-1"]
    assert tags(api.get(f"{BASE}/assets?valuable=true")) == ["ZC-1"]
    assert tags(api.get(f"{BASE}/assets?q=jm")) == ["ZC-2"]
    assert api.get(f"{BASE}/assets?category=999999").status_code == 422
    body = api.get(f"{BASE}/assets/{data['piano'].pk}").json()
    assert body["room_name"] == "A101 小一班活动室" and body["custodian_name"] == "李晓燕"
    assert body["total_value"] == "18800.00" or Decimal(body["total_value"]) == Decimal("18800")


def test_create_update_status_move(api, campus, data, keeper, teacher):
    response = api.post(
        f"{BASE}/assets",
        {"name": "消毒柜", "category": data["electronics"].pk, "room": data["store"].pk, "price": "6800",
         "custodian": keeper.pk, "purchase_date": "2025-03-01"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    asset_id = body["id"]
    assert body["tag"].startswith("ZC-") and body["is_valuable"] is True  # 6800 ≥ 5000
    response = api.patch(f"{BASE}/assets/{asset_id}", {"name": "高温消毒柜", "note": "厨房用"})
    assert response.status_code == 200 and response.json()["name"] == "高温消毒柜"
    response = api.post(f"{BASE}/assets/{asset_id}/status", {"status": "under_repair", "reason": "不加热"})
    assert response.status_code == 200 and response.json()["status"] == "under_repair"
    assert api.post(f"{BASE}/assets/{asset_id}/status", {"status": "disposed"}).status_code == 422
    response = api.post(f"{BASE}/assets/{asset_id}/move", {"room": data["room"].pk, "reason": "调拨"})
    assert response.status_code == 200
    assert response.json()["room"] == data["room"].pk and response.json()["custodian"] == keeper.pk
    response = api.post(f"{BASE}/assets/{asset_id}/move", {"room": data["room"].pk, "custodian": teacher.pk})
    assert response.json()["custodian"] == teacher.pk
    actions = set(AuditEvent.objects.filter(object_id=str(asset_id)).values_list("action", flat=True))
    assert {"create", "update", "status", "move"} <= actions


def test_rules_give_422_and_change_nothing(api, campus, data, other_campus):
    foreign_room = f.RoomFactory(campus=other_campus)
    response = api.post(
        f"{BASE}/assets", {"name": "笔记本", "category": data["electronics"].pk, "price": "9800"}
    )
    assert response.status_code == 422 and "custodian" in response.json()["errors"]
    response = api.post(
        f"{BASE}/assets", {"name": "x", "category": data["electronics"].pk, "room": foreign_room.pk}
    )
    assert response.status_code == 422 and "room" in response.json()["errors"]
    response = api.post(f"{BASE}/assets", {"name": "x", "category": data["electronics"].pk, "tag": "zc-1"})
    assert response.status_code == 422 and "tag" in response.json()["errors"]
    response = api.patch(f"{BASE}/assets/{data['old'].pk}", {"name": "改名"})
    assert response.status_code == 422
    assert Asset.objects.filter(campus=campus).count() == 3
    data["old"].refresh_from_db()
    assert data["old"].name == "旧电视"


def test_scan_lookup(api, data, other_campus, api_for, make_member):
    piano = data["piano"]
    response = api.get(f"{BASE}/assets/scan", {"text": f"http://x.cn/q/a/{piano.qr_token}/"})
    assert response.status_code == 200 and response.json()["id"] == piano.pk
    assert api.get(f"{BASE}/assets/scan", {"text": " zc-1 "}).json()["id"] == piano.pk
    assert api.get(f"{BASE}/assets/scan", {"text": "nothing"}).status_code == 404
    foreign = AssetFactory(campus=other_campus)
    assert api.get(f"{BASE}/assets/scan", {"text": foreign.qr_token}).status_code == 404


def test_permissions_and_isolation(data, api_for, teacher, other_role, outsider, other_campus):
    reader = api_for(teacher)
    assert reader.get(f"{BASE}/assets").status_code == 200
    assert reader.post(f"{BASE}/assets/{data['piano'].pk}/status", {"status": "idle"}).status_code == 403
    assert reader.post(f"{BASE}/assets", {"name": "x", "category": data["electronics"].pk}).status_code == 403
    assert api_for(other_role).get(f"{BASE}/assets").status_code == 403
    assert api_for(outsider).get(f"{BASE}/assets").status_code == 404
    foreign = AssetFactory(campus=other_campus)
    assert api_for(outsider).get(f"c/other/assets/{data['piano'].pk}").status_code == 404
    assert api_for(outsider).get(f"c/other/assets/{foreign.pk}").status_code == 200
