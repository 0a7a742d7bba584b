"""Filter sets of the maintenance list pages (querysets are callables: evaluated in the
campus scope, never at import time)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.models import Building, Room
from houqin.maintenance.models import RepairRequest, WorkOrder

YES = (("1", _("Yes")),)


def _buildings(request):
    return Building.objects.all()


def _rooms(request):
    return Room.objects.filter(is_active=True).select_related("building")


def _workers(request):
    from houqin.core.notifications import users_with_roles
    from houqin.core.roles import Role

    return users_with_roles(request.campus, [Role.REPAIR_WORKER]).order_by("real_name", "username")


def _day_start(value):
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


class _DateRange(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=_("Reported from"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("Reported to"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    prefix_ = ""

    def filter_from(self, qs, name, value):
        return qs.filter(**{f"{self.prefix_}reported_at__gte": _day_start(value)})

    def filter_to(self, qs, name, value):
        return qs.filter(**{f"{self.prefix_}reported_at__lt": _day_start(value + dt.timedelta(days=1))})

    def filter_overdue(self, qs, name, value):
        p = "" if self.prefix_ else "work_order__"
        return qs.filter(
            **{f"{p}due_at__lt": timezone.now(), f"{self.prefix_}status__in": RepairRequest.WORK_STATUSES}
        )

    def filter_reopened(self, qs, name, value):
        p = "" if self.prefix_ else "work_order__"
        return qs.filter(**{f"{p}reopened_count__gt": 0})


class RepairFilter(_DateRange):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RepairRequest.Status.choices, empty_label=_("All"))
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=RepairRequest.Category.choices, empty_label=_("All")
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgency"), choices=RepairRequest.Urgency.choices, empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=RepairRequest.Source.choices, empty_label=_("All"))
    building = django_filters.ModelChoiceFilter(label=_("Building"), queryset=_buildings, empty_label=_("All"))
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_rooms, empty_label=_("All"))
    worker = django_filters.ModelChoiceFilter(
        label=_("Repair worker"), field_name="work_order__worker", queryset=_workers, empty_label=_("All")
    )
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES, method="filter_overdue", empty_label=_("All"))
    reopened = django_filters.ChoiceFilter(
        label=_("Sent back"), choices=YES, method="filter_reopened", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = RepairRequest
        fields = ["status", "category", "urgency", "source", "building", "room"]


class MyRepairFilter(_DateRange):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RepairRequest.Status.choices, empty_label=_("All"))

    class Meta(CampusFilterSet.Meta):
        model = RepairRequest
        fields = ["status"]


class WorkOrderFilter(_DateRange):
    prefix_ = "request__"
    status = django_filters.ChoiceFilter(
        label=_("Status"), field_name="request__status", choices=RepairRequest.Status.choices, empty_label=_("All")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="request__category", choices=RepairRequest.Category.choices,
        empty_label=_("All"),
    )  # fmt: skip
    kind = django_filters.ChoiceFilter(label=_("Done by"), choices=WorkOrder.Kind.choices, empty_label=_("All"))
    worker = django_filters.ModelChoiceFilter(label=_("Repair worker"), queryset=_workers, empty_label=_("All"))
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES, method="filter_overdue", empty_label=_("All"))
    reopened = django_filters.ChoiceFilter(
        label=_("Sent back"), choices=YES, method="filter_reopened", empty_label=_("All")
    )
    mine = django_filters.ChoiceFilter(label=_("Mine"), choices=YES, method="filter_mine", empty_label=_("All"))

    class Meta(CampusFilterSet.Meta):
        model = WorkOrder
        fields = ["kind", "worker"]

    def filter_mine(self, qs, name, value):
        return qs.filter(Q(worker=self.request.user) | Q(done_by=self.request.user))
