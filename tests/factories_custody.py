"""Factories of the custody area; list-page models are added to LIST_FACTORIES."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.assets import models as am
from tests.factories import LIST_FACTORIES, CampusFactory, RoomFactory, TermFactory, UserFactory
from tests.factories_assets import AssetFactory


def _campus_term(o):
    from houqin.core.models import Term

    term = Term.objects.filter(campus=o.campus).order_by("start_date").first()
    return term or TermFactory(campus=o.campus)


class HandoverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Handover

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"JJ-2026-{n + 1:04d}")
    term = factory.LazyAttribute(_campus_term)
    kind = am.Handover.Kind.TERM_START
    room = factory.SubFactory(RoomFactory, campus=factory.SelfAttribute("..campus"))
    to_user = factory.SubFactory(UserFactory)


class HandoverLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.HandoverLine

    handover = factory.SubFactory(HandoverFactory)
    campus = factory.SelfAttribute("handover.campus")
    asset = factory.SubFactory(AssetFactory, campus=factory.SelfAttribute("..campus"))
    tag = factory.LazyAttribute(lambda o: o.asset.tag)
    name = factory.LazyAttribute(lambda o: o.asset.name)
    value = Decimal("1200.00")


class LoanFactory(factory.django.DjangoModelFactory):
    """A loan out now, due in a week (the asset's status is not touched)."""

    class Meta:
        model = am.Loan

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"JC-2026-{n + 1:04d}")
    asset = factory.SubFactory(AssetFactory, campus=factory.SelfAttribute("..campus"))
    borrower = factory.SubFactory(UserFactory)
    purpose = "活动借用"
    status = am.Loan.Status.OUT
    lent_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    condition_out = am.Condition.GOOD


class DamageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Damage

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"SH-2026-{n + 1:04d}")
    asset = factory.SubFactory(AssetFactory, campus=factory.SelfAttribute("..campus"))
    description = factory.Sequence(lambda n: f"椅腿断裂{n}")
    responsible_kind = am.Damage.Responsible.OTHER
    responsible_name = "某幼儿家长"
    compensation_due = Decimal("180.00")


class CompensationPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.CompensationPayment

    damage = factory.SubFactory(DamageFactory)
    campus = factory.SelfAttribute("damage.campus")
    amount = Decimal("100.00")
    receipt_number = factory.Sequence(lambda n: f"SJ{n:06d}")
    received_by = factory.SubFactory(UserFactory)


class DisposalRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.DisposalRequest

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"BF-2026-{n + 1:04d}")
    kind = am.DisposalRequest.Kind.SCRAP
    reason = "使用年限已满，无维修价值"


LIST_FACTORIES[am.Handover] = HandoverFactory
LIST_FACTORIES[am.Loan] = LoanFactory
LIST_FACTORIES[am.Damage] = DamageFactory
LIST_FACTORIES[am.DisposalRequest] = DisposalRequestFactory


# --- Helpers for the custody tests ----------------------------------------------------------


def term_now(campus):
    """A term of ``campus`` running today (with its school year)."""
    from tests.factories import SchoolYearFactory

    today = timezone.localdate()
    year = SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=200),
                             end_date=today + dt.timedelta(days=200))  # fmt: skip
    return TermFactory(campus=campus, school_year=year, start_date=today - dt.timedelta(days=30),
                       end_date=today + dt.timedelta(days=60))  # fmt: skip


def classroom(campus, teacher=None, assets=3, **asset_kwargs):
    """(room, class, [assets]): a classroom used by a class (head teacher ``teacher``)."""
    from houqin.core.models import Room
    from tests.factories import SchoolClassFactory
    from tests.factories_assets import AssetCategoryFactory

    room = RoomFactory(campus=campus, kind=Room.Kind.CLASSROOM)
    school_class = SchoolClassFactory(campus=campus, room=room, head_teacher=teacher)
    category = asset_kwargs.pop("category", None) or AssetCategoryFactory(campus=campus)
    items = [
        AssetFactory(campus=campus, room=room, category=category, custodian=teacher, **asset_kwargs)
        for _ in range(assets)
    ]
    return room, school_class, items


def client_for(user):
    """A logged-in test client reading the pages in English (the msgids), so that tests
    keep passing once the Chinese catalogue is filled in."""
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client
