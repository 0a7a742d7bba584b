"""Pages of the supply area: permissions, isolation, the flows through the forms, query bounds."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from houqin.canteen.models import FoodBatch, FoodSupplier, Receiving, StockOut, SupplierCertificate
from houqin.core.models import Attachment
from tests import factories as f
from tests.canteen.supply_helpers import *  # noqa: F403
from tests.canteen.supply_helpers import batch, confirmed, food_supplier, receive, today
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def url(campus, path):
    return f"/c/{campus.code}/canteen/{path}"


LIST_PAGES = ["suppliers/", "suppliers/certificates/", "suppliers/contracts/", "receiving/", "store/",
              "store/issues/", "store/disposals/"]  # fmt: skip


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_permissions(campus, people, outsider, path):
    assert client_for(people["head"]).get(url(campus, path)).status_code == 200
    assert client_for(people["guard"]).get(url(campus, path)).status_code == 403
    assert client_for(outsider).get(url(campus, path)).status_code == 404
    response = Client().get(url(campus, path))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_accountant_reads_but_does_not_write(campus, people, supplier):
    acc = client_for(people["accountant"])
    assert acc.get(url(campus, "receiving/")).status_code == 200
    assert acc.get(url(campus, "receiving/new/")).status_code == 403
    assert acc.get(url(campus, "suppliers/new/")).status_code == 403
    assert acc.get(url(campus, "store/issues/new/")).status_code == 403
    # the cook records deliveries and stock-outs, but keeps no supplier records
    cook = client_for(people["cook"])
    assert cook.get(url(campus, "receiving/new/")).status_code == 200
    assert cook.get(url(campus, "store/issues/new/")).status_code == 200
    assert cook.get(url(campus, "suppliers/new/")).status_code == 403
    assert cook.get(url(campus, "store/disposals/new/")).status_code == 403


def test_other_campus_objects_are_404(campus, other_campus, people, make_member):
    from houqin.core.roles import Role

    their_head = make_member(Role.CANTEEN_HEAD, on=other_campus, username="their_head")
    their_cook = make_member(Role.COOK, on=other_campus, username="their_cook")
    s = food_supplier(other_campus, name="外园供应商")
    r = confirmed({"cook": their_cook, "head": their_head}, s)
    b = r.lines.get().batch
    head = client_for(people["head"])
    profile = FoodSupplier.objects.get(supplier=s)
    cert = SupplierCertificate.objects.filter(supplier=s).first()
    for path in (f"receiving/{r.pk}/", f"receiving/{r.pk}/print/", f"store/batches/{b.pk}/",
                 f"suppliers/{profile.pk}/", f"suppliers/certificates/{cert.pk}/"):  # fmt: skip
        assert head.get(url(campus, path)).status_code == 404, path
    response = head.post(url(campus, f"receiving/{r.pk}/void/"), {"reason": "x"})
    assert response.status_code == 404
    r.refresh_from_db()
    assert r.status == Receiving.Status.CONFIRMED


def test_supplier_form_and_detail(campus, people):
    head = client_for(people["head"])
    response = head.post(url(campus, "suppliers/new/"), {
        "name": "新鲜果蔬行", "phone": "13912345678", "is_designated": "on", "categories": ["vegetable", "fruit"],
        "designated_on": "2026-01-05",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = FoodSupplier.objects.get(supplier__name="新鲜果蔬行")
    assert profile.category_list == ["vegetable", "fruit"]
    page = head.get(url(campus, f"suppliers/{profile.pk}/")).content.decode()
    assert 'data-testid="certificate-problems"' in page  # no licences yet
    # a certificate with its scan
    response = head.post(url(campus, "suppliers/certificates/new/"), {
        "supplier": profile.supplier_id, "kind": "business_licence", "number": "91330100MA27ABCDE1",
        "photos": png(),
    })  # fmt: skip
    assert response.status_code == 302
    cert = SupplierCertificate.objects.get(supplier=profile.supplier)
    assert Attachment.objects.filter(object_id=str(cert.pk), kind="scan").count() == 1
    assert head.get(url(campus, f"suppliers/certificates/{cert.pk}/")).status_code == 200
    response = head.post(url(campus, f"suppliers/certificates/{cert.pk}/void/"), {"reason": "号码录错"})
    cert.refresh_from_db()
    assert cert.is_void


def test_receiving_through_the_pages(campus, people, supplier):
    veg = f.IngredientFactory(campus=campus, name="菠菜（生）")
    cook = client_for(people["cook"])
    form = cook.get(url(campus, "receiving/new/"))
    assert form.status_code == 200
    data = {
        "supplier": supplier.pk, "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-ingredient": veg.pk, "lines-0-quantity": "12", "lines-0-unit": "kg", "lines-0-unit_price": "7",
        "lines-0-shelf_life_days": "2", "lines-0-is_fresh_produce": "on", "lines-0-storage": "ambient",
        "lines-0-appearance_ok": "on", "lines-0-smell_ok": "on", "lines-0-packaging_ok": "on",
        "lines-0-result": "accepted",
        "lines-1-name": "西红柿", "lines-1-quantity": "5", "lines-1-unit": "kg", "lines-1-is_fresh_produce": "on",
        "lines-1-storage": "ambient", "lines-1-smell_ok": "on", "lines-1-packaging_ok": "on",
        "lines-1-result": "rejected", "lines-1-reject_reason": "腐烂",
        "lines-2-storage": "ambient", "lines-2-result": "accepted", "lines-2-appearance_ok": "on",
        "photos": png(),
    }  # fmt: skip
    response = cook.post(url(campus, "receiving/new/"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    r = Receiving.objects.get()
    assert r.lines.count() == 2 and Attachment.objects.filter(object_id=str(r.pk)).count() == 1
    detail = cook.get(url(campus, f"receiving/{r.pk}/")).content.decode()
    assert 'data-testid="needs-second-signer"' in detail and 'data-testid="confirm-panel"' not in detail
    # the recorder's confirm is refused; another cook confirms
    cook.post(url(campus, f"receiving/{r.pk}/confirm/"))
    r.refresh_from_db()
    assert r.status == Receiving.Status.PENDING
    other = client_for(people["cook2"])
    assert 'data-testid="confirm-panel"' in other.get(url(campus, f"receiving/{r.pk}/")).content.decode()
    other.post(url(campus, f"receiving/{r.pk}/confirm/"))
    r.refresh_from_db()
    assert r.status == Receiving.Status.CONFIRMED
    assert FoodBatch.objects.count() == 1
    assert cook.get(url(campus, f"receiving/{r.pk}/print/")).status_code == 200
    # not editable any more
    assert cook.get(url(campus, f"receiving/{r.pk}/edit/")).status_code == 404


def test_receiving_form_shows_the_certificate_refusal(campus, people):
    s = food_supplier(campus, name="证照过期", licences=False)
    from tests.canteen.supply_helpers import certificate

    certificate(s, "business_licence", expires_in=None)
    lic = certificate(s, "food_operation_licence", expires_in=-3)
    response = client_for(people["cook"]).post(url(campus, "receiving/new/"), {
        "supplier": s.pk, "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-name": "青菜", "lines-0-quantity": "3",
        "lines-0-is_fresh_produce": "on", "lines-0-storage": "ambient", "lines-0-result": "accepted",
        "lines-0-appearance_ok": "on", "lines-0-smell_ok": "on", "lines-0-packaging_ok": "on",
    })  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert lic.number in page and lic.expires_on.isoformat() in page
    assert not Receiving.objects.exists()


def test_delete_button_only_after_retention(campus, people, supplier):
    r = confirmed(people, supplier)
    head = client_for(people["head"])
    assert 'data-testid="delete-form"' not in head.get(url(campus, f"receiving/{r.pk}/")).content.decode()
    head.post(url(campus, f"receiving/{r.pk}/delete/"))
    assert Receiving.objects.filter(pk=r.pk).exists()
    Receiving.objects.filter(pk=r.pk).update(retain_until=today())
    assert 'data-testid="delete-form"' in head.get(url(campus, f"receiving/{r.pk}/")).content.decode()
    head.post(url(campus, f"receiving/{r.pk}/delete/"))
    assert not Receiving.objects.filter(pk=r.pk).exists()


def test_stock_out_form_proposes_fefo_and_signs(campus, people, supplier):
    rice = f.IngredientFactory(campus=campus, name="粳米")
    late = batch(campus, supplier, ingredient=rice, name="粳米", best_before=today() + dt.timedelta(days=40))
    early = batch(campus, supplier, ingredient=rice, name="粳米", best_before=today() + dt.timedelta(days=5))
    batch(
        campus, supplier, ingredient=rice, name="粳米", best_before=today() - dt.timedelta(days=1)
    )  # expired
    head = client_for(people["head"])
    page = head.get(
        url(campus, "store/issues/new/") + f"?ingredient={rice.pk}&name=粳米&quantity=12"
    ).content.decode()
    assert page.index(f'name="qty_{early.pk}" value="10') < page.index(f'name="qty_{late.pk}" value="2')
    assert page.count('data-batch="') == 2  # the expired batch is not offered
    response = head.post(url(campus, "store/issues/new/"), {
        "date": today().isoformat(), "meal": "lunch", "sign_as": "keeper", f"qty_{late.pk}": "3",
    })  # fmt: skip
    assert response.status_code == 200  # a later batch without a reason
    assert early.number in response.content.decode()
    response = head.post(url(campus, "store/issues/new/"), {
        "date": today().isoformat(), "meal": "lunch", "sign_as": "keeper", f"qty_{early.pk}": "10",
        f"qty_{late.pk}": "2",
    })  # fmt: skip
    assert response.status_code == 302
    so = StockOut.objects.get()
    assert so.keeper == people["head"]
    detail = head.get(url(campus, f"store/issues/{so.pk}/")).content.decode()
    assert 'data-testid="sign-cook"' not in detail  # the head signed as keeper
    cook = client_for(people["cook"])
    cook.post(url(campus, f"store/issues/{so.pk}/sign/"), {"role": "cook"})
    so.refresh_from_db()
    assert so.status == StockOut.Status.CONFIRMED
    early.refresh_from_db()
    assert early.quantity_on_hand == 0
    head.post(url(campus, f"store/issues/{so.pk}/reverse/"), {"reason": "停课"})
    so.refresh_from_db()
    assert so.status == StockOut.Status.REVERSED


def test_batch_list_flags_and_detail(campus, people, supplier):
    old = batch(campus, supplier, name="过期面包", best_before=today() - dt.timedelta(days=2))
    batch(campus, supplier, name="新鲜面包")
    head = client_for(people["head"])
    page = head.get(url(campus, "store/?flag=expired")).content.decode()
    assert "过期面包" in page and "新鲜面包" not in page
    assert 'data-flag="expired"' in page
    assert head.get(url(campus, f"store/batches/{old.pk}/")).status_code == 200
    response = head.post(url(campus, "store/disposals/new/"), {
        "batch": old.pk, "quantity": "10", "reason": "expired", "witness": people["cook"].pk,
        "disposed_on": today().isoformat(), "method": "毁形",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    old.refresh_from_db()
    assert old.status == FoodBatch.Status.DISPOSED


def test_dashboard_cards(campus, people, supplier):
    batch(campus, supplier, name="过期酸奶", best_before=today() - dt.timedelta(days=1))
    receive(people, supplier)
    page = client_for(people["head"]).get(f"/c/{campus.code}/").content.decode()
    assert gettext("Expired food in the store") in page
    assert gettext("Receiving inspections to confirm") in page


def test_receiving_list_queries_are_bounded(campus, people, supplier, django_assert_max_num_queries):
    for _i in range(3):
        confirmed(
            people,
            supplier,
            [
                line_
                for line_ in (
                    {"name": "青菜", "quantity": "2", "is_fresh_produce": True},
                    {"name": "白菜", "quantity": "3", "is_fresh_produce": True},
                )
            ],
        )
    head = client_for(people["head"])
    head.get(url(campus, "receiving/"))
    with django_assert_max_num_queries(20):
        assert head.get(url(campus, "receiving/")).status_code == 200
    with django_assert_max_num_queries(20):
        assert head.get(url(campus, "store/issues/")).status_code == 200
