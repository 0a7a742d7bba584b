"""The supply demo builds on a fresh campus, through the services and within the rules."""

import datetime as dt

import pytest

from houqin.canteen import supply_demo
from houqin.canteen import supply_services as services
from houqin.canteen.models import (
    FoodBatch,
    FoodDisposal,
    FoodSupplier,
    Receiving,
    ReceivingLine,
    StockOut,
    SupplierCertificate,
)
from houqin.core.roles import Role
from tests.canteen.supply_helpers import today

pytestmark = pytest.mark.django_db


def test_demo_builds_a_month_of_supply(campus, make_member):
    keeper = make_member(Role.CANTEEN_HEAD, username="canteen")
    cook = make_member(Role.COOK, username="cook")
    supply_demo.build_campus(campus, keeper, cook, days=14)
    assert FoodSupplier.objects.filter(campus=campus).count() == 5
    # one certificate expires in 10 days: the dashboard list shows it
    soon = services.expiring_certificates(campus)
    assert [c.expires_on for c in soon] == [today() + dt.timedelta(days=10)]
    assert SupplierCertificate.objects.filter(kind="animal_quarantine").exists()
    receivings = Receiving.objects.filter(campus=campus)
    assert receivings.count() >= 30
    assert set(receivings.values_list("status", flat=True)) == {"confirmed"}
    assert all(r.recorded_by_id != r.confirmed_by_id for r in receivings)
    rejected = ReceivingLine.objects.filter(result="rejected")
    assert rejected.count() == 1 and rejected.get().batch is None
    outs = StockOut.objects.filter(campus=campus, status="confirmed")
    assert set(outs.values_list("meal", flat=True)) == {"lunch", "morning_snack", "afternoon_snack"}
    assert not FoodBatch.objects.filter(quantity_on_hand__lt=0).exists()
    assert FoodDisposal.objects.filter(reason="expired").count() >= 1
    assert not services.expired_in_stock(campus).exists()
    last_lunch = outs.filter(meal="lunch").order_by("-date").first()
    assert services.batches_used(campus, last_lunch.date, "lunch").count() >= 5
    # idempotent: a second run adds nothing
    count = Receiving.objects.count()
    supply_demo.build_campus(campus, keeper, cook, days=14)
    assert Receiving.objects.count() == count
