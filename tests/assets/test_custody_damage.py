"""Damage and compensation (损坏赔偿, 谁损坏谁赔偿): the record sets the asset's status, who is
responsible, the compensation due and the payments ledger (voided, never deleted), closing,
voiding, the repair link, the outstanding list and the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, CompensationPayment, Damage
from houqin.core.models import Notification
from houqin.core.roles import Role
from tests.factories import SchoolClassFactory
from tests.factories_assets import AssetFactory
from tests.factories_custody import DamageFactory, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
        "cashier": make_member(Role.CASHIER, username="cashier"),
    }


@pytest.fixture
def asset(campus):
    return AssetFactory(campus=campus, name="电子琴")


def _record(campus, people, asset, **data):
    data.setdefault("description", "幼儿踩踏，键盘断裂")
    data.setdefault("responsible_kind", Damage.Responsible.STAFF)
    data.setdefault("responsible_user", people["teacher"])
    return services.damage_record(actor=people["keeper"], campus=campus, asset=asset, data=data)


def test_record_sets_status_and_tells_the_responsible_person(campus, people, asset):
    damage = _record(campus, people, asset, compensation_due=Decimal("450"))
    assert damage.number.startswith("SH-") and damage.status == Damage.Status.OPEN
    asset.refresh_from_db()
    assert asset.status == Asset.Status.DAMAGED and damage.status_before == Asset.Status.IN_USE
    assert damage.outstanding == Decimal("450.00")
    assert Notification.objects.filter(recipient=people["teacher"], event="assets.compensation_due").exists()


def test_a_loss_makes_the_asset_missing(campus, people, asset):
    _record(campus, people, asset, kind=Damage.Kind.LOST, responsible_kind=Damage.Responsible.UNKNOWN,
            responsible_user=None)  # fmt: skip
    asset.refresh_from_db()
    assert asset.status == Asset.Status.MISSING


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"responsible_kind": "staff", "responsible_user": None}, "responsible_user"),
        ({"responsible_kind": "class", "responsible_user": None}, "responsible_class"),
        ({"responsible_kind": "other", "responsible_user": None}, "responsible_name"),
        (
            {"responsible_kind": "unknown", "responsible_user": None, "compensation_due": 10},
            "compensation_due",
        ),
        ({"occurred_on": timezone.localdate() + dt.timedelta(days=1)}, "occurred_on"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(campus, people, asset, data, field):
    with pytest.raises(ValidationError) as exc:
        _record(campus, people, asset, **data)
    assert field in exc.value.message_dict
    assert not Damage.objects.exists()
    asset.refresh_from_db()
    assert asset.status == Asset.Status.IN_USE


def test_a_class_of_another_campus_is_refused(campus, other_campus, people, asset):
    foreign = SchoolClassFactory(campus=other_campus)
    with pytest.raises(ValidationError) as exc:
        _record(
            campus, people, asset, responsible_kind="class", responsible_user=None, responsible_class=foreign
        )
    assert "responsible_class" in exc.value.message_dict


def test_payments_ledger_closes_reopens_and_voids(campus, people, asset):
    damage = _record(campus, people, asset, compensation_due=Decimal("300"))
    with pytest.raises(ValidationError):  # a receipt number is required
        services.compensation_receive(actor=people["cashier"], damage=damage, amount="100", receipt_number="")
    with pytest.raises(ValidationError):  # not more than outstanding
        services.compensation_receive(
            actor=people["cashier"], damage=damage, amount="301", receipt_number="R1"
        )
    first = services.compensation_receive(actor=people["cashier"], damage=damage, amount="100",
                                          receipt_number="R1", payer_name="李晓燕")  # fmt: skip
    damage.refresh_from_db()
    assert damage.compensation_received == Decimal("100.00") and damage.status == Damage.Status.OPEN
    assert first.received_by == people["cashier"]
    services.compensation_receive(actor=people["cashier"], damage=damage, amount="200", receipt_number="R2")
    damage.refresh_from_db()
    assert damage.outstanding == 0 and damage.status == Damage.Status.CLOSED
    assert services.outstanding_compensation(campus).count() == 0

    with pytest.raises(ValidationError):
        services.compensation_void(actor=people["keeper"], payment=first, reason="")
    services.compensation_void(actor=people["keeper"], payment=first, reason="收据号填错")
    damage.refresh_from_db()
    first.refresh_from_db()
    assert first.voided_at and CompensationPayment.objects.count() == 2  # voided, not deleted
    assert damage.compensation_received == Decimal("200.00") and damage.status == Damage.Status.OPEN
    assert list(services.outstanding_compensation(campus)) == [damage]
    with pytest.raises(ValidationError):
        services.compensation_void(actor=people["keeper"], payment=first, reason="again")


def test_compensation_due_cannot_drop_below_what_was_received(campus, people, asset):
    damage = _record(campus, people, asset, compensation_due=Decimal("300"))
    services.compensation_receive(actor=people["cashier"], damage=damage, amount="120", receipt_number="R1")
    with pytest.raises(ValidationError):
        services.damage_set_compensation(actor=people["keeper"], damage=damage, amount="100")
    services.damage_set_compensation(actor=people["keeper"], damage=damage, amount="120", note="减免")
    damage.refresh_from_db()
    assert damage.outstanding == 0
    services.damage_close(actor=people["keeper"], damage=damage)
    damage.refresh_from_db()
    assert damage.status == Damage.Status.CLOSED
    services.damage_set_compensation(actor=people["keeper"], damage=damage, amount="150")
    damage.refresh_from_db()
    assert damage.status == Damage.Status.OPEN  # money is due again


def test_close_needs_nothing_outstanding(campus, people, asset):
    damage = _record(campus, people, asset, compensation_due=Decimal("50"))
    with pytest.raises(ValidationError):
        services.damage_close(actor=people["keeper"], damage=damage)


def test_void_restores_the_asset_unless_paid(campus, people, asset):
    damage = _record(campus, people, asset)
    services.damage_void(actor=people["keeper"], damage=damage, reason="误登记")
    damage.refresh_from_db()
    asset.refresh_from_db()
    assert damage.status == Damage.Status.VOID and asset.status == Asset.Status.IN_USE
    paid = _record(campus, people, asset, compensation_due=Decimal("20"))
    services.compensation_receive(actor=people["cashier"], damage=paid, amount="10", receipt_number="R9")
    with pytest.raises(ValidationError):
        services.damage_void(actor=people["keeper"], damage=paid, reason="误登记")


def test_a_disposed_asset_cannot_be_recorded(campus, people):
    gone = AssetFactory(campus=campus, status=Asset.Status.DISPOSED)
    with pytest.raises(ValidationError):
        _record(campus, people, gone)


def test_open_a_repair_keeps_the_link(campus, people, asset):
    if not services.repairs_available():
        pytest.skip("the maintenance module is not installed")
    from houqin.maintenance.models import RepairRequest

    damage = _record(campus, people, asset)
    repair = services.damage_open_repair(actor=people["keeper"], damage=damage)
    damage.refresh_from_db()
    assert damage.repair == repair
    assert repair.asset == asset and repair.source == "damage"
    assert repair.origin_id == str(damage.pk)
    with pytest.raises(ValidationError):
        services.damage_open_repair(actor=people["keeper"], damage=damage)
    assert RepairRequest.objects.count() == 1
    lost = _record(campus, people, AssetFactory(campus=campus), kind=Damage.Kind.LOST)
    with pytest.raises(ValidationError):
        services.damage_open_repair(actor=people["keeper"], damage=lost)


# --- Pages --------------------------------------------------------------------------------


def _url(campus, name, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


def test_record_page_then_payment_and_void_views(campus, people, asset):
    client = client_for(people["keeper"])
    assert client.get(_url(campus, "damage_create") + f"?asset={asset.pk}").status_code == 200
    response = client.post(_url(campus, "damage_create"), {
        "asset": asset.tag, "kind": "damaged", "occurred_on": timezone.localdate().isoformat(),
        "description": "桌面开裂", "responsible_kind": "other", "responsible_name": "王小明家长",
        "compensation_due": "200", "compensation_note": "按原价",
    })  # fmt: skip
    assert response.status_code == 302
    damage = Damage.objects.get()
    assert damage.responsible_name == "王小明家长" and damage.compensation_due == 200
    detail = client.get(_url(campus, "damage_detail", pk=damage.pk))
    assert detail.status_code == 200 and 'data-testid="payment-form"' in detail.content.decode()
    client.post(_url(campus, "damage_payment", pk=damage.pk), {
        "amount": "200", "received_on": timezone.localdate().isoformat(), "receipt_number": "NO.0001",
        "payer_name": "王小明家长", "note": "",
    })  # fmt: skip
    damage.refresh_from_db()
    assert damage.status == Damage.Status.CLOSED
    payment = damage.payments.get()
    client.post(_url(campus, "damage_payment_void", pk=payment.pk), {"pvoid-reason": "退回重收"})
    payment.refresh_from_db()
    assert payment.voided_at is not None


def test_record_page_shows_field_errors_and_saves_nothing(campus, people, asset):
    client = client_for(people["keeper"])
    response = client.post(_url(campus, "damage_create"), {
        "asset": asset.tag, "kind": "damaged", "occurred_on": timezone.localdate().isoformat(),
        "description": "x", "responsible_kind": "staff", "compensation_due": "",
    })  # fmt: skip
    assert response.status_code == 200 and "Choose the staff member responsible." in response.content.decode()
    assert not Damage.objects.exists()


def test_list_outstanding_filter_and_dashboard(campus, people, member_client):
    owed = DamageFactory(campus=campus, compensation_due=Decimal("80"))
    settled = DamageFactory(campus=campus, compensation_due=Decimal("0"))
    page = member_client.get(_url(campus, "damage_list") + "?outstanding=1")
    text = page.content.decode()
    assert page.status_code == 200 and owed.number in text and settled.number not in text
    dashboard = member_client.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert owed.number in dashboard.content.decode()


def test_edit_view_and_permissions(campus, people, asset, make_member):
    damage = _record(campus, people, asset)
    client = client_for(people["keeper"])
    response = client.post(_url(campus, "damage_update", pk=damage.pk), {
        "occurred_on": timezone.localdate().isoformat(), "description": "更正描述", "responsible_kind": "unknown",
        "responsible_name": "", "compensation_note": "",
    })  # fmt: skip
    assert response.status_code == 302
    damage.refresh_from_db()
    assert damage.description == "更正描述" and damage.responsible_user is None
    teacher = client_for(people["teacher"])
    assert teacher.get(_url(campus, "damage_detail", pk=damage.pk)).status_code == 200  # view_custody
    assert teacher.post(_url(campus, "damage_close", pk=damage.pk)).status_code == 403
    assert client_for(make_member(Role.COOK)).get(_url(campus, "damage_list")).status_code == 403
