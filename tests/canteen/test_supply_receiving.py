"""Receiving inspection (进货查验): the lines' rules, two signers, batches, retention."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.canteen import supply_services as services
from houqin.canteen.models import FoodBatch, Receiving, ReceivingLine
from houqin.core.models import AuditEvent, CampusSettings
from tests import factories as f
from tests.canteen.supply_helpers import *  # noqa: F403
from tests.canteen.supply_helpers import D, confirmed, line, receive, today

pytestmark = pytest.mark.django_db


def test_two_signers_and_batches_for_accepted_lines_only(campus, people, supplier):
    veg = f.IngredientFactory(campus=campus, name="小白菜/青菜（生）")
    r = receive(people, supplier, [
        line(ingredient=veg, name="", quantity="20", unit_price="3.80", location="蔬菜架"),
        line(name="土豆", quantity="15", batch_no="", appearance_ok=False, result="rejected", reject_reason="发芽"),
    ])  # fmt: skip
    assert r.status == Receiving.Status.PENDING and r.number.startswith("JH-")
    assert not FoodBatch.objects.exists()  # nothing until the second signature
    with pytest.raises(PermissionDenied):
        services.receiving_confirm(actor=people["cook"], receiving=r)
    assert not FoodBatch.objects.exists()
    services.receiving_confirm(actor=people["cook2"], receiving=r)
    r.refresh_from_db()
    assert r.status == Receiving.Status.CONFIRMED and r.confirmed_by == people["cook2"]
    batches = list(FoodBatch.objects.all())
    assert len(batches) == 1  # the rejected line made none
    b = batches[0]
    assert (b.name, b.ingredient, b.supplier, b.quantity_on_hand, b.location) == (
        "小白菜/青菜（生）",
        veg,
        supplier,
        D("20"),
        "蔬菜架",
    )
    assert b.best_before == today() + dt.timedelta(days=3)  # delivery + shelf life
    accepted, rejected = r.lines.order_by("position")
    assert accepted.batch == b and rejected.batch is None
    assert AuditEvent.objects.filter(content_type__model="receiving", action="confirm").exists()
    assert AuditEvent.objects.filter(content_type__model="foodbatch", action="create").count() == 1
    # confirmed once only
    with pytest.raises(ValidationError):
        services.receiving_confirm(actor=people["head"], receiving=r)


def test_the_recorder_cannot_confirm_even_as_head(campus, people, supplier):
    r = receive(people, supplier, who="head")
    with pytest.raises(PermissionDenied) as exc:
        services.receiving_confirm(actor=people["head"], receiving=r)
    assert str(exc.value) == gettext(
        "You recorded this delivery; the second signature must come from another person."
    )


def test_receiving_needs_the_permission(campus, people, supplier):
    with pytest.raises(PermissionDenied):
        receive(people, supplier, who="accountant")
    r = receive(people, supplier)
    with pytest.raises(PermissionDenied):
        services.receiving_confirm(actor=people["health"], receiving=r)


@pytest.mark.parametrize(
    "changes,fragment",
    [
        ({"result": "rejected", "reject_reason": ""}, "Say why the line is rejected."),
        (
            {"smell_ok": False},
            "A line that fails the sensory check cannot be accepted; reject it with the reason.",
        ),
        (
            {"is_fresh_produce": False},
            "give the production date or the batch number (or mark it as an edible agricultural product).",
        ),
        ({"storage": "chilled", "temperature_c": None}, "measure the temperature of chilled food."),
        ({"name": "", "ingredient": None}, "Name the food or pick an ingredient."),
    ],
)
def test_line_rules(campus, people, supplier, changes, fragment):
    with pytest.raises(ValidationError) as exc:
        receive(people, supplier, [line(**changes)])
    assert gettext(fragment) in " ".join(exc.value.messages)
    assert not Receiving.objects.exists()


def test_chilled_food_too_warm_and_expired_food_are_refused(campus, people, supplier):
    with pytest.raises(ValidationError) as exc:
        receive(people, supplier, [line(name="鲜牛奶", storage="chilled", temperature_c="9.5")])
    assert "9.5" in " ".join(exc.value.messages)
    assert receive(people, supplier, [line(name="鲜牛奶", storage="chilled", temperature_c="4")]).pk
    with pytest.raises(ValidationError):
        receive(people, supplier, [line(name="面包", is_fresh_produce=False, batch_no="B1",
                                        best_before=today() - dt.timedelta(days=1))])  # fmt: skip
    # rejecting it is fine
    r = receive(people, supplier, [line(name="面包", is_fresh_produce=False, batch_no="B1", result="rejected",
                                        reject_reason="已过保质期", best_before=today() - dt.timedelta(days=1))])  # fmt: skip
    assert r.lines.get().result == ReceivingLine.Result.REJECTED


def test_banned_ingredient_cannot_be_accepted(campus, people, supplier):
    bean = f.IngredientFactory(campus=campus, name="鲜黄花菜", is_banned=True, ban_reason="含秋水仙碱")
    with pytest.raises(ValidationError) as exc:
        receive(people, supplier, [line(ingredient=bean, name="")])
    assert "含秋水仙碱" in " ".join(exc.value.messages)


def test_ingredient_of_another_campus_is_refused(campus, other_campus, people, supplier):
    foreign = f.IngredientFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        receive(people, supplier, [line(ingredient=foreign)])


def test_best_before_from_production_date_and_shelf_life(campus, people, supplier):
    made = today() - dt.timedelta(days=10)
    r = confirmed(people, supplier, [line(name="大米", is_fresh_produce=False, production_date=made,
                                          shelf_life_days=180, batch_no="20260101")])  # fmt: skip
    assert r.lines.get().batch.best_before == made + dt.timedelta(days=180)


def test_confirmed_receiving_is_not_editable(campus, people, supplier):
    r = confirmed(people, supplier)
    with pytest.raises(ValidationError):
        services.receiving_update(actor=people["cook"], receiving=r, supplier=supplier, lines=[line()],
                                  delivered_at=timezone.now())  # fmt: skip


def test_pending_receiving_corrected_by_its_recorder(campus, people, supplier):
    r = receive(people, supplier)
    with pytest.raises(PermissionDenied):
        services.receiving_update(actor=people["cook2"], receiving=r, supplier=supplier, lines=[line()],
                                  delivered_at=r.delivered_at)  # fmt: skip
    services.receiving_update(actor=people["cook"], receiving=r, supplier=supplier,
                              lines=[line(quantity="8"), line(name="菠菜")], delivered_at=r.delivered_at)  # fmt: skip
    assert [ln.name for ln in r.lines.order_by("position")] == ["青菜", "菠菜"]
    assert AuditEvent.objects.filter(content_type__model="receiving", action="update").exists()


def test_future_delivery_is_refused(campus, people, supplier):
    with pytest.raises(ValidationError):
        receive(people, supplier, delivered_at=timezone.now() + dt.timedelta(days=1))


# --- Retention (食品安全法第五十条) -----------------------------------------------------------


def test_retention_shelf_life_plus_six_months(campus, people, supplier):
    best = today() + dt.timedelta(days=30)
    r = confirmed(
        people, supplier, [line(name="挂面", is_fresh_produce=False, batch_no="G1", best_before=best)]
    )
    keep = services.add_months(best, 6)
    assert r.retain_until == keep
    with pytest.raises(ValidationError) as exc:
        services.receiving_delete(actor=people["head"], receiving=r, today=keep - dt.timedelta(days=1))
    assert exc.value.code == "retention" and keep.isoformat() in exc.value.messages[0]
    assert Receiving.objects.filter(pk=r.pk).exists()
    services.receiving_delete(actor=people["head"], receiving=r, today=keep)
    assert not Receiving.objects.filter(pk=r.pk).exists()
    assert FoodBatch.objects.count() == 1  # the batch stays
    assert AuditEvent.objects.filter(content_type__model="receiving", action="delete").exists()


def test_retention_two_years_without_shelf_life(campus, people, supplier):
    r = confirmed(
        people, supplier, [line(name="食盐", is_fresh_produce=False, batch_no="S1", shelf_life_days=None)]
    )
    assert r.retain_until == services.add_months(r.delivered_on, 24)
    with pytest.raises(ValidationError):
        services.receiving_delete(actor=people["head"], receiving=r,
                                  today=services.add_months(r.delivered_on, 24) - dt.timedelta(days=1))  # fmt: skip


def test_retention_of_fresh_produce_without_shelf_life_and_setting(campus, people, supplier):
    r = confirmed(people, supplier, [line(shelf_life_days=None)])
    assert r.retain_until == services.add_months(r.delivered_on, 6)
    row, _c = CampusSettings.objects.get_or_create(campus=campus)
    row.values = {services.S_KEEP_PRODUCE: 12}
    row.save()
    campus._settings_cache = None
    r2 = confirmed(people, supplier, [line(shelf_life_days=None)])
    assert r2.retain_until == services.add_months(r2.delivered_on, 12)


def test_retention_deletion_needs_the_keeper(campus, people, supplier):
    r = confirmed(people, supplier)
    with pytest.raises(PermissionDenied):
        services.receiving_delete(actor=people["cook"], receiving=r, today=r.retain_until)


def test_add_months():
    assert services.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert services.add_months(dt.date(2026, 1, 15), 24) == dt.date(2028, 1, 15)


# --- Void -----------------------------------------------------------------------------------


def test_void_pending_and_unused_confirmed(campus, people, supplier):
    pending = receive(people, supplier)
    with pytest.raises(ValidationError):
        services.receiving_void(actor=people["cook"], receiving=pending, reason=" ")
    services.receiving_void(actor=people["cook"], receiving=pending, reason="录入错误")
    pending.refresh_from_db()
    assert pending.status == Receiving.Status.VOID
    r = confirmed(people, supplier)
    with pytest.raises(PermissionDenied):  # a confirmed one: the keeper only
        services.receiving_void(actor=people["cook"], receiving=r, reason="供应商召回")
    services.receiving_void(actor=people["head"], receiving=r, reason="供应商召回")
    b = r.lines.get().batch
    b.refresh_from_db()
    assert b.quantity_on_hand == 0 and b.is_blocked and b.status == FoodBatch.Status.DISPOSED


def test_void_refused_once_food_was_issued(campus, people, supplier):
    r = confirmed(people, supplier)
    b = r.lines.get().batch
    so = services.stock_out_create(actor=people["head"], campus=campus, date=today(), meal="lunch",
                                   lines=[{"batch": b, "quantity": "1"}], sign_as="keeper")  # fmt: skip
    services.stock_out_sign(actor=people["cook"], stock_out=so, role="cook")
    with pytest.raises(ValidationError):
        services.receiving_void(actor=people["head"], receiving=r, reason="想作废")
    r.refresh_from_db()
    assert r.status == Receiving.Status.CONFIRMED
