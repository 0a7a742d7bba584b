"""Suppliers: the list with search and export, create and edit, and removal that deactivates a
supplier records refer to instead of deleting it."""

import pytest
from django.urls import reverse

from houqin.core.roles import Role
from houqin.procurement.models import Supplier
from tests.conftest import login
from tests.factories_purchasing import SupplierFactory, direct_order, purchasing_world, stock_line

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"procurement:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper")


def test_list_search_by_pinyin_and_filter(campus, keeper):
    SupplierFactory(campus=campus, name="文汇办公用品")
    SupplierFactory(campus=campus, name="启明教具", is_active=False)
    client = login(keeper)
    body = client.get(url(campus, "supplier_list") + "?q=whbg").content.decode()
    assert "文汇办公用品" in body and "启明教具" not in body
    body = client.get(url(campus, "supplier_list") + "?active=0").content.decode()
    assert "启明教具" in body and "文汇办公用品" not in body


def test_create_and_edit(campus, keeper):
    client = login(keeper)
    response = client.post(
        url(campus, "supplier_create"),
        {
            "name": "华联商贸",
            "contact": "李经理",
            "phone": "13912345678",
            "scope": "清洁用品",
            "is_active": "on",
        },
    )
    supplier = Supplier.objects.get()
    assert response["Location"] == url(campus, "supplier_detail", pk=supplier.pk)
    response = client.post(
        url(campus, "supplier_update", pk=supplier.pk),
        {"name": "华联商贸", "phone": "not a phone", "is_active": "on"},
    )
    assert response.status_code == 200
    supplier.refresh_from_db()
    assert supplier.phone == "13912345678"
    duplicate = client.post(url(campus, "supplier_create"), {"name": "华联商贸", "is_active": "on"})
    assert duplicate.status_code == 200 and Supplier.objects.count() == 1
    bad_code = client.post(
        url(campus, "supplier_create"), {"name": "新店", "credit_code": "12345", "is_active": "on"}
    )
    assert bad_code.status_code == 200 and Supplier.objects.count() == 1
    client.post(
        url(campus, "supplier_create"),
        {"name": "新店", "credit_code": "91330106ma2b1c3d5f", "is_active": "on"},
    )
    assert Supplier.objects.get(name="新店").credit_code == "91330106MA2B1C3D5F"


def test_unused_supplier_is_deleted(campus, keeper):
    supplier = SupplierFactory(campus=campus)
    client = login(keeper)
    page = client.get(url(campus, "supplier_delete", pk=supplier.pk)).content.decode()
    assert 'data-testid="supplier-in-use"' not in page
    client.post(url(campus, "supplier_delete", pk=supplier.pk))
    assert not Supplier.objects.exists()


def test_used_supplier_is_deactivated(campus):
    w = purchasing_world(campus)
    order = direct_order(campus, w, [stock_line(w)])
    client = login(w.keeper)
    page = client.get(url(campus, "supplier_delete", pk=order.supplier_id)).content.decode()
    assert 'data-testid="supplier-in-use"' in page
    response = client.post(url(campus, "supplier_delete", pk=order.supplier_id))
    assert response["Location"] == url(campus, "supplier_detail", pk=order.supplier_id)
    supplier = Supplier.objects.get(pk=order.supplier_id)
    assert supplier.is_active is False
    detail = client.get(url(campus, "supplier_detail", pk=supplier.pk)).content.decode()
    assert order.number in detail


def test_permissions(campus, make_member, outsider_client):
    supplier = SupplierFactory(campus=campus)
    accountant = login(make_member(Role.ACCOUNTANT))
    assert accountant.get(url(campus, "supplier_list")).status_code == 200
    assert accountant.get(url(campus, "supplier_create")).status_code == 403
    assert accountant.post(url(campus, "supplier_delete", pk=supplier.pk)).status_code == 403
    cook = login(make_member(Role.COOK))
    assert cook.get(url(campus, "supplier_list")).status_code == 403
    assert outsider_client.get(url(campus, "supplier_detail", pk=supplier.pk)).status_code == 404
    assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_suppliers_stay_on_their_campus(campus, other_campus, keeper):
    SupplierFactory(campus=other_campus, name="别园的供应商")
    other = SupplierFactory(campus=other_campus)
    client = login(keeper)
    assert "别园的供应商" not in client.get(url(campus, "supplier_list")).content.decode()
    assert client.get(url(campus, "supplier_detail", pk=other.pk)).status_code == 404
