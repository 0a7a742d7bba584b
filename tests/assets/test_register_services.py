"""The asset register's services: every rule of registering, editing, status changes,
moves and scanning, with its audit event."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.core.attachments import attachments_for
from houqin.core.models import AuditEvent
from houqin.core.roles import Role
from tests import factories as f
from tests.factories_assets import AssetCategoryFactory, AssetFactory, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper", real_name="孙志强")


@pytest.fixture
def category(campus):
    return AssetCategoryFactory(campus=campus, name="电子设备", kind=AssetCategory.Kind.FIXED)


@pytest.fixture
def low_value(campus):
    return AssetCategoryFactory(campus=campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus, name="小一班活动室", code="A101")


def events(obj, action=None):
    qs = AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return qs.filter(action=action) if action else qs


def create(keeper, campus, **data):
    return services.asset_create(actor=keeper, campus=campus, data=data)


def test_create_with_automatic_tag_photos_and_audit(campus, keeper, category, room):
    asset = services.asset_create(
        actor=keeper,
        campus=campus,
        data={
            "name": "  钢琴 ",
            "category": category,
            "room": room,
            "custodian": keeper,
            "price": Decimal("18800"),
        },
        photos=[png_upload()],
    )
    year = timezone.localdate().year
    assert asset.tag == f"ZC-{year}-0001" and asset.name == "钢琴"
    assert asset.name_pinyin.startswith("gangqin")
    assert create(keeper, campus, name="电视", category=category).tag == f"ZC-{year}-0002"
    assert attachments_for(asset).filter(kind="photo").count() == 1
    event = events(asset, "create").get()
    assert event.actor == keeper and event.after["tag"] == asset.tag


def test_tags_are_unique_whatever_their_case(campus, keeper, category, other_campus):
    create(keeper, campus, name="电视", category=category, tag="DZ-001")
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="电视", category=category, tag="dz-001")
    assert "tag" in exc.value.message_dict
    # another campus may use the same number
    other = AssetCategoryFactory(campus=other_campus)
    assert services.asset_create(
        actor=None, campus=other_campus, data={"name": "x", "category": other, "tag": "DZ-001"}
    )
    assert Asset.objects.filter(campus=campus).count() == 1


def test_valuable_items_need_a_named_custodian(campus, keeper, category):
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="笔记本电脑", category=category, is_valuable=True)
    assert "custodian" in exc.value.message_dict
    assert create(keeper, campus, name="笔记本电脑", category=category, is_valuable=True, custodian=keeper)
    asset = create(keeper, campus, name="电视", category=category, custodian=keeper, is_valuable=True)
    with pytest.raises(ValidationError):
        services.asset_update(actor=keeper, asset=asset, data={"custodian": None})
    with pytest.raises(ValidationError):
        services.asset_move(actor=keeper, asset=asset, room=None, custodian=None)


def test_the_price_threshold_marks_valuable_items(campus):
    data = {"price": Decimal("5000.00")}
    assert services.apply_valuable_rule(campus, data)["is_valuable"] is True
    data = {"price": Decimal("4999.99"), "is_valuable": False}
    assert services.apply_valuable_rule(campus, data)["is_valuable"] is False
    from houqin.core.models import CampusSettings

    CampusSettings.objects.create(campus=campus, values={"assets.valuable_price": "0"})
    del campus._settings_cache
    assert "is_valuable" not in services.apply_valuable_rule(campus, {"price": Decimal("90000")})


def test_custodian_must_belong_to_the_campus(campus, keeper, category, outsider):
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="电视", category=category, custodian=outsider)
    assert "custodian" in exc.value.message_dict
    asset = create(keeper, campus, name="电视", category=category)
    with pytest.raises(ValidationError):
        services.asset_move(actor=keeper, asset=asset, room=None, custodian=outsider)
    assert Asset.objects.get().custodian is None


def test_foreign_keys_of_another_campus_are_refused(campus, keeper, category, other_campus):
    foreign_room = f.RoomFactory(campus=other_campus)
    foreign_category = AssetCategoryFactory(campus=other_campus)
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="电视", category=foreign_category)
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="电视", category=category, room=foreign_room)
    assert "room" in exc.value.message_dict
    asset = create(keeper, campus, name="电视", category=category)
    with pytest.raises(ValidationError):
        services.asset_move(actor=keeper, asset=asset, room=foreign_room)
    assert not Asset.objects.exclude(pk=asset.pk).exists()


def test_fixed_assets_are_one_item_a_card(campus, keeper, category, low_value):
    with pytest.raises(ValidationError) as exc:
        create(keeper, campus, name="椅子", category=category, quantity=30)
    assert "quantity" in exc.value.message_dict
    toys = create(keeper, campus, name="积木", category=low_value, quantity=30, price=Decimal("12.50"))
    assert toys.total_value == Decimal("375.00")
    # the category holding a set cannot become a fixed-asset category
    low_value.kind = AssetCategory.Kind.FIXED
    with pytest.raises(ValidationError) as exc:
        low_value.full_clean()
    assert "kind" in exc.value.message_dict


def test_a_new_asset_cannot_be_disposed(campus, keeper, category):
    with pytest.raises(ValidationError):
        create(keeper, campus, name="电视", category=category, status=Asset.Status.DISPOSED)
    with pytest.raises(ValueError):
        create(keeper, campus, name="电视", category=category, disposed_on=dt.date(2024, 1, 1))


def test_update_is_audited_field_by_field(campus, keeper, category, room):
    asset = create(keeper, campus, name="电视", category=category, price=Decimal("3000"))
    services.asset_update(
        actor=keeper, asset=asset, data={"name": "液晶电视", "room": room, "price": Decimal("3200")}
    )
    asset.refresh_from_db()
    assert asset.name == "液晶电视" and asset.room == room
    event = events(asset, "update").get()
    assert event.before == {"name": "电视", "room_id": None, "price": "3000.00"}
    assert event.after["room_id"] == room.pk
    # no change, no event
    services.asset_update(actor=keeper, asset=asset, data={"name": "液晶电视"})
    assert events(asset, "update").count() == 1
    for field in ("status", "acceptance_line", "disposed_on"):
        with pytest.raises(ValueError):
            services.asset_update(actor=keeper, asset=asset, data={field: None})
    with pytest.raises(ValidationError):
        services.asset_update(actor=keeper, asset=asset, data={"tag": " "})


def test_status_changes_with_reason_and_disposal_is_final(campus, keeper, category):
    asset = create(keeper, campus, name="投影仪", category=category)
    services.asset_set_status(actor=keeper, asset=asset, status="damaged", reason="灯泡不亮")
    assert asset.status == "damaged"  # the caller's object is refreshed
    event = events(asset, "status").get()
    assert event.before == {"status": "in_use"} and event.after == {"status": "damaged"}
    assert event.message == "灯泡不亮"
    services.asset_set_status(actor=keeper, asset=asset, status="damaged")  # same status: nothing
    assert events(asset, "status").count() == 1
    with pytest.raises(ValidationError):
        services.asset_set_status(actor=keeper, asset=asset, status="broken")
    services.asset_set_status(actor=keeper, asset=asset, status="disposed", reason="报废")
    asset.refresh_from_db()
    assert asset.disposed_on == timezone.localdate()
    for call in (
        lambda: services.asset_set_status(actor=keeper, asset=asset, status="in_use"),
        lambda: services.asset_update(actor=keeper, asset=asset, data={"name": "x"}),
        lambda: services.asset_move(actor=keeper, asset=asset, room=None),
    ):
        with pytest.raises(ValidationError):
            call()
    asset.refresh_from_db()
    assert asset.status == "disposed" and asset.name == "投影仪"


def test_move_keeps_or_changes_the_custodian(campus, keeper, category, room, make_member):
    teacher = make_member(Role.CLASS_TEACHER, username="t1")
    asset = create(keeper, campus, name="电子琴", category=category, custodian=keeper)
    services.asset_move(actor=keeper, asset=asset, room=room, reason="调入小一班")
    assert asset.room == room and asset.custodian == keeper
    event = events(asset, "move").get()
    assert event.after == {"room_id": room.pk} and event.message == "调入小一班"
    services.asset_move(actor=keeper, asset=asset, room=room, custodian=teacher)
    assert asset.custodian == teacher
    services.asset_move(actor=keeper, asset=asset, room=room, custodian=None)
    assert asset.custodian is None
    assert events(asset, "move").count() == 3


def test_asset_by_scan(campus, keeper, category, other_campus):
    asset = create(keeper, campus, name="电视", category=category, tag="DZ-7")
    url = f"https://houqin.example.cn/q/a/{asset.qr_token}/"
    assert services.asset_by_scan(campus, url) == asset
    assert services.asset_by_scan(campus, f"  {url[:-1]}  ") == asset
    assert services.asset_by_scan(campus, asset.qr_token) == asset
    assert services.asset_by_scan(campus, " dz-7 ") == asset
    assert services.asset_by_scan(campus, "") is None
    assert services.asset_by_scan(campus, "DZ-8") is None
    assert services.asset_by_scan(campus, "https://x/q/a/nope/") is None
    # another campus never finds it
    assert services.asset_by_scan(other_campus, asset.qr_token) is None
    assert services.asset_by_scan(other_campus, "DZ-7") is None


def test_asset_by_qr_token_looks_across_campuses(campus, keeper, category):
    asset = create(keeper, campus, name="电视", category=category)
    assert services.asset_by_qr_token(asset.qr_token) == asset
    assert services.asset_by_qr_token("missing") is None
    assert services.asset_by_qr_token("") is None


def test_a_category_in_use_is_not_deleted(campus, keeper, category, low_value):
    asset = AssetFactory(campus=campus, category=category)
    services.asset_set_status(actor=keeper, asset=asset, status="disposed")
    with pytest.raises(ValidationError) as exc:
        services.category_delete(actor=keeper, category=category)
    assert "1" in exc.value.messages[0]
    assert AssetCategory.objects.filter(pk=category.pk).exists()
    pk = low_value.pk
    services.category_delete(actor=keeper, category=low_value)
    assert not AssetCategory.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(pk)).exists()
