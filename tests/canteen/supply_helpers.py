"""Fixtures and helpers of the supply tests (import the fixtures into a test module with
``from tests.canteen.supply_helpers import *``)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from houqin.canteen import supply_services as services
from houqin.canteen.models import CertificateKind
from houqin.core.roles import Role
from tests import factories as f

__all__ = [
    "D",
    "batch",
    "certificate",
    "confirmed",
    "food_supplier",
    "line",
    "people",
    "receive",
    "supplier",
    "today",
]

D = Decimal


def today():
    return timezone.localdate()


@pytest.fixture
def people(make_member, member):
    """principal (``member``), head (canteen head: keeps the store), cook, cook2, accountant,
    health teacher and guard (no canteen permission)."""
    return {
        "principal": member,
        "head": make_member(Role.CANTEEN_HEAD, username="head"),
        "cook": make_member(Role.COOK, username="cook"),
        "cook2": make_member(Role.COOK, username="cook2"),
        "accountant": make_member(Role.ACCOUNTANT, username="accountant"),
        "health": make_member(Role.HEALTH_TEACHER, username="health"),
        "guard": make_member(Role.GUARD, username="guard"),
    }


def certificate(supplier, kind=CertificateKind.BUSINESS_LICENCE, expires_in=365, **kwargs):
    expires = None if expires_in is None else today() + dt.timedelta(days=expires_in)
    return f.SupplierCertificateFactory(campus=supplier.campus, supplier=supplier, kind=kind, expires_on=expires,
                                        **kwargs)  # fmt: skip


def food_supplier(campus, name="绿源蔬菜配送", categories=",vegetable,", licences=True, **kwargs):
    """A designated food supplier with a valid business licence and food operation licence."""
    profile = f.FoodSupplierFactory(campus=campus, supplier__name=name, categories=categories, **kwargs)
    if licences:
        certificate(profile.supplier, CertificateKind.BUSINESS_LICENCE, expires_in=None)
        certificate(profile.supplier, CertificateKind.FOOD_OPERATION_LICENCE, expires_in=400)
    return profile.supplier


@pytest.fixture
def supplier(campus):
    return food_supplier(campus)


def line(**kwargs):
    data = {"name": "青菜", "quantity": "12.5", "unit": "kg", "unit_price": "4.20", "is_fresh_produce": True,
            "shelf_life_days": 3}  # fmt: skip
    data.update(kwargs)
    return data


def receive(people, supplier, lines=None, who="cook", **kwargs):
    return services.receiving_record(
        actor=people[who], campus=supplier.campus, supplier=supplier, lines=lines or [line()], **kwargs
    )


def confirmed(people, supplier, lines=None, who="cook", confirmer="head", **kwargs):
    receiving = receive(people, supplier, lines, who=who, **kwargs)
    return services.receiving_confirm(actor=people[confirmer], receiving=receiving)


def batch(campus, supplier=None, **kwargs):
    """A food batch straight from the factory (for store rules)."""
    kwargs.setdefault("quantity_received", D("10"))
    kwargs.setdefault("quantity_on_hand", kwargs["quantity_received"])
    if supplier is not None:
        kwargs["supplier"] = supplier
    return f.FoodBatchFactory(campus=campus, **kwargs)
