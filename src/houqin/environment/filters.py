"""Filter sets of the environment list pages (querysets are callables: evaluated in the
campus scope)."""

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import campus_users
from houqin.core.models import Room, SchoolClass
from houqin.environment.models import (
    CleaningZone,
    DormitoryInspection,
    GreeningArea,
    HygieneInspection,
    HygieneProblem,
    RoomUse,
)
from houqin.environment.models.rooms import DORMITORY_ROOM_KINDS, FUNCTIONAL_ROOM_KINDS

YES = (("1", _("Yes")),)
YES_NO = (("1", _("Yes")), ("0", _("No")))
DateInput = forms.DateInput(attrs={"type": "date"})


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


def _members(request):
    return campus_users(request.campus)


def _zones(request):
    return CleaningZone.objects.all()


def _functional_rooms(request):
    return Room.objects.filter(kind__in=FUNCTIONAL_ROOM_KINDS).select_related("building")


def _dorm_rooms(request):
    return Room.objects.filter(kind__in=DORMITORY_ROOM_KINDS).select_related("building")


def _day_start(value):
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


class ZoneFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=CleaningZone.Kind.choices, empty_label=_("All")
    )
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible person"), queryset=_members, method="filter_person", empty_label=_("All")
    )
    in_use = django_filters.ChoiceFilter(
        label=_("In use"), choices=YES_NO, method="filter_in_use", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = CleaningZone
        fields = ["kind", "school_class"]

    def filter_person(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(responsible=value) | Q(responsible__isnull=True, school_class__head_teacher=value))

    def filter_in_use(self, qs, name, value):
        return qs.filter(is_active=value == "1")


class InspectionFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=HygieneInspection.Kind.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HygieneInspection.Status.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    inspector = django_filters.ModelChoiceFilter(
        label=_("Inspector"), queryset=_members, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = HygieneInspection
        fields = ["kind", "status", "inspector"]


class ProblemFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HygieneProblem.Status.choices, empty_label=_("All")
    )
    zone = django_filters.ModelChoiceFilter(label=_("Zone"), queryset=_zones, empty_label=_("All"))
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible person"), queryset=_members, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(label=_("Sent back from"), method="filter_from", widget=DateInput)
    date_to = django_filters.DateFilter(label=_("Sent back to"), method="filter_to", widget=DateInput)
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES, method="filter_overdue",
                                          empty_label=_("All"))  # fmt: skip
    mine = django_filters.ChoiceFilter(label=_("Mine to put right"), choices=YES, method="filter_mine",
                                       empty_label=_("All"))  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = HygieneProblem
        fields = ["status", "zone", "responsible"]

    def filter_from(self, qs, name, value):
        return qs.filter(raised_at__gte=_day_start(value))

    def filter_to(self, qs, name, value):
        return qs.filter(raised_at__lt=_day_start(value + dt.timedelta(days=1)))

    def filter_overdue(self, qs, name, value):
        return qs.filter(status=HygieneProblem.Status.OPEN, deadline__lt=timezone.localdate())

    def filter_mine(self, qs, name, value):
        return qs.filter(responsible=self.request.user, status=HygieneProblem.Status.OPEN)


class AreaFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=GreeningArea.Kind.choices, empty_label=_("All")
    )
    caretaker = django_filters.ModelChoiceFilter(
        label=_("Caretaker"), queryset=_members, empty_label=_("All")
    )
    in_use = django_filters.ChoiceFilter(
        label=_("In use"), choices=YES_NO, method="filter_in_use", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = GreeningArea
        fields = ["kind", "caretaker"]

    def filter_in_use(self, qs, name, value):
        return qs.filter(is_active=value == "1")


class RoomUseFilter(CampusFilterSet):
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_functional_rooms, empty_label=_("All"))
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    condition = django_filters.ChoiceFilter(
        label=_("State after use"), choices=RoomUse.Condition.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RoomUse.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = RoomUse
        fields = ["room", "school_class", "condition", "status"]


class DormitoryFilter(CampusFilterSet):
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_dorm_rooms, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=DormitoryInspection.Kind.choices, empty_label=_("All")
    )
    passed = django_filters.ChoiceFilter(label=_("Passed"), choices=YES_NO, method="filter_passed",
                                         empty_label=_("All"))  # fmt: skip
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DateInput)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DateInput)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DormitoryInspection.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = DormitoryInspection
        fields = ["room", "kind", "status"]

    def filter_passed(self, qs, name, value):
        return qs.filter(passed=value == "1")

    def filter_from(self, qs, name, value):
        return qs.filter(inspected_at__gte=_day_start(value))

    def filter_to(self, qs, name, value):
        return qs.filter(inspected_at__lt=_day_start(value + dt.timedelta(days=1)))
