"""Filter sets of the safety list pages (querysets are callables: evaluated in the campus scope)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import campus_users
from houqin.core.models import Building, Room, Term
from houqin.safety.models import ActivityPlan, Agreement, Drill, DutyShift, EmergencyPlan, Hazard

YES = (("1", _("Yes")),)


def _buildings(request):
    return Building.objects.all()


def _rooms(request):
    return Room.objects.filter(is_active=True).select_related("building")


def _members(request):
    return campus_users(request.campus)


def _terms(request):
    return Term.objects.all()


def _day_start(value):
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


class HazardFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Hazard.Status.choices, empty_label=_("All")
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Hazard.Severity.choices, empty_label=_("All")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Hazard.Category.choices, empty_label=_("All")
    )
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), queryset=_buildings, empty_label=_("All")
    )
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_rooms, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=_members, empty_label=_("All"))
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Hazard.Source.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("Found from"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("Found to"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES, method="filter_overdue", empty_label=_("All")
    )
    mine = django_filters.ChoiceFilter(
        label=_("Mine to rectify"), choices=YES, method="filter_mine", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Hazard
        fields = ["status", "severity", "category", "building", "room", "owner", "source"]

    def filter_from(self, qs, name, value):
        return qs.filter(reported_at__gte=_day_start(value))

    def filter_to(self, qs, name, value):
        return qs.filter(reported_at__lt=_day_start(value + dt.timedelta(days=1)))

    def filter_overdue(self, qs, name, value):
        return qs.filter(status__in=Hazard.OPEN_STATUSES, deadline__lt=timezone.localdate())

    def filter_mine(self, qs, name, value):
        return qs.filter(owner=self.request.user, status__in=Hazard.OPEN_STATUSES)


class DrillFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Drill.Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Drill.Status.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta(CampusFilterSet.Meta):
        model = Drill
        fields = ["kind", "status"]

    def filter_from(self, qs, name, value):
        return qs.filter(planned_at__gte=_day_start(value))

    def filter_to(self, qs, name, value):
        return qs.filter(planned_at__lt=_day_start(value + dt.timedelta(days=1)))


class AgreementFilter(CampusFilterSet):
    term = django_filters.ModelChoiceFilter(label=_("Term"), queryset=_terms, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Agreement.Kind.choices, empty_label=_("All"))
    audience = django_filters.ChoiceFilter(
        label=_("Who signs"), choices=Agreement.Audience.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Agreement
        fields = ["term", "kind", "audience"]


class ActivityPlanFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActivityPlan.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = ActivityPlan
        fields = ["status"]


class EmergencyPlanFilter(CampusFilterSet):
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=EmergencyPlan.Category.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = EmergencyPlan
        fields = ["category"]


class DutyShiftFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Shift"), choices=DutyShift.Kind.choices, empty_label=_("All"))
    person = django_filters.ModelChoiceFilter(label=_("On duty"), queryset=_members, empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    mine = django_filters.ChoiceFilter(
        label=_("Only mine"), choices=YES, method="filter_mine", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = DutyShift
        fields = ["kind", "person"]

    def filter_mine(self, qs, name, value):
        return qs.filter(Q(person=self.request.user))
