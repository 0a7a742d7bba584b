"""The food store: FEFO, refusals, two signers, stock never negative, reversal, disposal."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import store_services
from houqin.canteen import supply_services as services
from houqin.canteen.models import FoodBatch, FoodDisposal, StockOut
from houqin.core.models import AuditEvent
from tests import factories as f
from tests.canteen.supply_helpers import *  # noqa: F403
from tests.canteen.supply_helpers import D, batch, today

pytestmark = pytest.mark.django_db


def _out(people, campus, lines, who="head", sign_as="keeper", meal="lunch", date=None):
    return services.stock_out_create(actor=people[who], campus=campus, date=date or today(), meal=meal,
                                     lines=lines, sign_as=sign_as)  # fmt: skip


def _confirmed_out(people, campus, lines, **kwargs):
    so = _out(people, campus, lines, **kwargs)
    return services.stock_out_sign(actor=people["cook"], stock_out=so, role="cook")


@pytest.fixture
def rice(campus):
    return f.IngredientFactory(campus=campus, name="粳米", food_group="cereal")


@pytest.fixture
def three_batches(campus, supplier, rice):
    """Rice batches expiring in 30, 10 and 60 days (10 kg each)."""
    return [batch(campus, supplier, ingredient=rice, name="粳米", best_before=today() + dt.timedelta(days=d))
            for d in (30, 10, 60)]  # fmt: skip


def test_fefo_order_and_suggestion(campus, rice, three_batches):
    b30, b10, b60 = three_batches
    assert services.fefo_batches(campus, today(), ingredient=rice) == [b10, b30, b60]
    assert services.fefo_suggestion(campus, today(), ingredient=rice, quantity=D("15")) == [
        (b10, D("10")),
        (b30, D("5")),
    ]
    # expired and blocked batches are never proposed
    old = batch(
        campus, rice_supplier := b10.supplier, ingredient=rice, best_before=today() - dt.timedelta(days=1)
    )
    assert old not in services.fefo_batches(campus, today(), ingredient=rice)
    assert rice_supplier


def test_a_later_batch_needs_a_reason(campus, people, three_batches):
    b30, b10, _b60 = three_batches
    with pytest.raises(ValidationError) as exc:
        _out(people, campus, [{"batch": b30, "quantity": "2"}])
    assert b10.number in exc.value.messages[0]
    assert not StockOut.objects.exists()
    so = _out(people, campus, [{"batch": b30, "quantity": "2", "fefo_reason": "该批次已拆包"}])
    assert so.lines.get().fefo_reason == "该批次已拆包"
    # taking the earlier batch whole in the same stock-out needs no reason
    assert _out(people, campus, [{"batch": b10, "quantity": "10"}, {"batch": b30, "quantity": "1"}]).pk


def test_expired_and_blocked_batches_are_refused(campus, people, supplier):
    expired = batch(campus, supplier, name="酸奶", best_before=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        _out(people, campus, [{"batch": expired, "quantity": "1"}])
    assert exc.value.messages == [gettext("Batch %(number)s %(name)s expired on %(date)s; it cannot be issued.") % {
        "number": expired.number, "name": "酸奶", "date": expired.best_before.isoformat()}]  # fmt: skip
    fine = batch(campus, supplier, name="菠菜")
    so = _out(people, campus, [{"batch": fine, "quantity": "1"}])
    store_services.batch_block(fine, actor=people["head"], reason="农残快检阳性")
    with pytest.raises(ValidationError) as exc:
        _out(people, campus, [{"batch": fine, "quantity": "1"}])
    assert "农残快检阳性" in exc.value.messages[0]
    # blocked after the stock-out was recorded: the confirmation refuses it too
    with pytest.raises(ValidationError):
        services.stock_out_sign(actor=people["cook"], stock_out=so, role="cook")
    fine.refresh_from_db()
    assert fine.quantity_on_hand == 10


def test_keeper_and_cook_two_different_people(campus, people, supplier):
    b = batch(campus, supplier, name="鸡蛋")
    so = _out(people, campus, [{"batch": b, "quantity": "4"}], who="head", sign_as="keeper")
    with pytest.raises(PermissionDenied) as exc:  # the head also holds canteen.cook
        services.stock_out_sign(actor=people["head"], stock_out=so, role="cook")
    assert str(exc.value) == gettext("The keeper and the cook must be two different people.")
    b.refresh_from_db()
    assert b.quantity_on_hand == 10  # nothing left the store yet
    with pytest.raises(PermissionDenied):  # a cook cannot sign as keeper
        services.stock_out_sign(actor=people["cook"], stock_out=so, role="keeper")
    so = services.stock_out_sign(actor=people["cook"], stock_out=so, role="cook")
    assert so.status == StockOut.Status.CONFIRMED
    b.refresh_from_db()
    assert b.quantity_on_hand == 6
    assert AuditEvent.objects.filter(content_type__model="foodbatch", action="issue").count() == 1


def test_cook_records_and_keeper_signs(campus, people, supplier):
    b = batch(campus, supplier, name="土豆", quantity_received=D("4"))
    so = _out(people, campus, [{"batch": b, "quantity": "4"}], who="cook", sign_as="cook")
    assert so.cook == people["cook"] and so.keeper is None
    services.stock_out_sign(actor=people["head"], stock_out=so, role="keeper")
    b.refresh_from_db()
    assert b.quantity_on_hand == 0 and b.status == FoodBatch.Status.USED_UP


def test_stock_never_below_zero(campus, people, supplier):
    b = batch(campus, supplier, name="牛奶")
    with pytest.raises(ValidationError):
        _out(people, campus, [{"batch": b, "quantity": "11"}])
    first = _out(people, campus, [{"batch": b, "quantity": "8"}])
    second = _out(people, campus, [{"batch": b, "quantity": "8"}])  # both recorded while 10 were there
    services.stock_out_sign(actor=people["cook"], stock_out=first, role="cook")
    with pytest.raises(ValidationError) as exc:
        services.stock_out_sign(actor=people["cook"], stock_out=second, role="cook")
    assert exc.value.error_list[0].code == "insufficient_stock"
    b.refresh_from_db()
    assert b.quantity_on_hand == 2
    second.refresh_from_db()
    assert second.status == StockOut.Status.PENDING and second.cook is None


def test_reversal_once(campus, people, supplier):
    b = batch(campus, supplier, name="面粉", quantity_received=D("5"))
    so = _confirmed_out(people, campus, [{"batch": b, "quantity": "5"}])
    b.refresh_from_db()
    assert b.status == FoodBatch.Status.USED_UP
    with pytest.raises(PermissionDenied):
        services.stock_out_reverse(actor=people["cook"], stock_out=so, reason="未使用")
    services.stock_out_reverse(actor=people["head"], stock_out=so, reason="当日停课未使用")
    b.refresh_from_db()
    assert b.quantity_on_hand == 5 and b.status == FoodBatch.Status.IN_STOCK
    with pytest.raises(ValidationError) as exc:
        services.stock_out_reverse(actor=people["head"], stock_out=so, reason="再来一次")
    assert exc.value.code == "reversed"
    b.refresh_from_db()
    assert b.quantity_on_hand == 5


def test_void_a_pending_stock_out(campus, people, supplier):
    b = batch(campus, supplier)
    so = _out(people, campus, [{"batch": b, "quantity": "1"}], who="cook", sign_as="cook")
    with pytest.raises(PermissionDenied):
        services.stock_out_void(actor=people["cook2"], stock_out=so, reason="不需要")
    services.stock_out_void(actor=people["cook"], stock_out=so, reason="不需要")
    with pytest.raises(ValidationError):
        services.stock_out_sign(actor=people["head"], stock_out=so, role="keeper")


def test_stock_out_needs_a_kitchen_role_and_a_meal(campus, people, supplier):
    b = batch(campus, supplier)
    with pytest.raises(PermissionDenied):
        _out(people, campus, [{"batch": b, "quantity": "1"}], who="accountant", sign_as=None)
    with pytest.raises(ValidationError):
        _out(people, campus, [{"batch": b, "quantity": "1"}], meal="supper")


def test_batch_of_another_campus_is_refused(campus, other_campus, people):
    foreign = batch(other_campus)
    with pytest.raises(ValidationError):
        _out(people, campus, [{"batch": foreign, "quantity": "1"}])


# --- Disposal -------------------------------------------------------------------------------


def test_disposal_with_a_witness(campus, people, supplier):
    b = batch(campus, supplier, name="过期酸奶", best_before=today() - dt.timedelta(days=2))
    with pytest.raises(ValidationError):
        services.disposal_record(actor=people["head"], campus=campus, batch=b, quantity="2", reason="expired",
                                 witness=people["head"])  # fmt: skip
    with pytest.raises(ValidationError):
        services.disposal_record(actor=people["head"], campus=campus, batch=b, quantity="11", reason="expired",
                                 witness=people["cook"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.disposal_record(actor=people["cook"], campus=campus, batch=b, quantity="1", reason="expired",
                                 witness=people["head"])  # fmt: skip
    with pytest.raises(ValidationError):  # "other" needs the details
        services.disposal_record(actor=people["head"], campus=campus, batch=b, quantity="1", reason="other",
                                 witness=people["cook"])  # fmt: skip
    d = services.disposal_record(actor=people["head"], campus=campus, batch=b, quantity="10", reason="expired",
                                 witness=people["cook"], method="毁形丢弃")  # fmt: skip
    b.refresh_from_db()
    assert b.quantity_on_hand == 0 and b.status == FoodBatch.Status.DISPOSED
    assert d.number.startswith("XH-")
    services.disposal_void(actor=people["head"], disposal=d, reason="登记错批次")
    b.refresh_from_db()
    assert b.quantity_on_hand == 10 and b.status == FoodBatch.Status.IN_STOCK
    with pytest.raises(ValidationError):
        services.disposal_void(actor=people["head"], disposal=d, reason="again")
    assert FoodDisposal.objects.get().is_void


def test_witness_must_be_a_member(campus, other_campus, people, make_member, supplier):
    from houqin.core.roles import Role

    stranger = make_member(Role.PRINCIPAL, on=other_campus, username="stranger")
    b = batch(campus, supplier)
    with pytest.raises(ValidationError):
        services.disposal_record(actor=people["head"], campus=campus, batch=b, quantity="1", reason="spoiled",
                                 witness=stranger)  # fmt: skip


# --- Reads for the traceability report ------------------------------------------------------


def test_batches_used_by_date_and_meal(campus, people, supplier):
    a = batch(campus, supplier, name="青菜")
    b = batch(campus, supplier, name="鸡蛋")
    c = batch(campus, supplier, name="牛奶")
    _confirmed_out(people, campus, [{"batch": a, "quantity": "1"}, {"batch": b, "quantity": "1"}])
    _confirmed_out(people, campus, [{"batch": c, "quantity": "1"}], meal="afternoon_snack")
    _out(people, campus, [{"batch": c, "quantity": "1"}])  # pending: not used
    reversed_out = _confirmed_out(people, campus, [{"batch": c, "quantity": "1"}])
    services.stock_out_reverse(actor=people["head"], stock_out=reversed_out, reason="未用")
    assert set(services.batches_used(campus, today(), "lunch")) == {a, b}
    assert list(services.batches_used(campus, today(), "afternoon_snack")) == [c]
    assert set(services.batches_used(campus, today())) == {a, b, c}
    assert not services.batches_used(campus, today() - dt.timedelta(days=1), "lunch").exists()
    used = services.batches_used(campus, today(), "lunch").first()
    assert used.supplier == supplier  # selected with it


def test_expired_and_expiring_reads(campus, supplier):
    old = batch(campus, supplier, best_before=today() - dt.timedelta(days=1))
    soon = batch(campus, supplier, best_before=today() + dt.timedelta(days=2))
    batch(campus, supplier, best_before=today() + dt.timedelta(days=20))
    assert list(services.expired_in_stock(campus)) == [old]
    assert list(services.expiring_soon(campus)) == [soon]
