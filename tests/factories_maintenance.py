"""Factories of the maintenance area; list-page models are added to LIST_FACTORIES.
Rows as such (list pages, query counts); tests of the rules go through the services."""

import datetime as dt

import factory
from django.utils import timezone

from houqin.maintenance import models as mm
from tests.factories import LIST_FACTORIES, CampusFactory, RoomFactory, UserFactory

__all__ = ["RepairRequestFactory", "WorkOrderFactory"]


class RepairRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = mm.RepairRequest

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"WX-2026-{n + 1:04d}")
    room = factory.SubFactory(RoomFactory, campus=factory.SelfAttribute("..campus"))
    building = factory.LazyAttribute(lambda o: o.room.building if o.room else None)
    category = mm.RepairRequest.Category.UTILITIES
    description = factory.Sequence(lambda n: f"水龙头漏水{n}")
    reporter_name = "张老师"
    reporter_phone = "13800138000"


class WorkOrderFactory(factory.django.DjangoModelFactory):
    """A dispatched work order (with its request) given to an in-house worker."""

    class Meta:
        model = mm.WorkOrder

    campus = factory.SubFactory(CampusFactory)
    request = factory.SubFactory(
        RepairRequestFactory, campus=factory.SelfAttribute("..campus"), status=mm.RepairRequest.Status.DISPATCHED
    )
    worker = factory.SubFactory(UserFactory)
    dispatched_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=6))


LIST_FACTORIES[mm.RepairRequest] = RepairRequestFactory
LIST_FACTORIES[mm.WorkOrder] = WorkOrderFactory
