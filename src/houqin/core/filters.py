"""Filter sets (django-filter) for the core's list pages.

Querysets of choice filters are callables, so they are evaluated inside the request's
campus scope (never at import time).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import StyledFormMixin
from houqin.core.models import Building, Child, Holiday, Room, SchoolClass, SchoolYear, Term
from houqin.core.roles import Role

YES_NO = (("1", _("Yes")), ("0", _("No")))


class FilterForm(StyledFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class CampusFilterSet(django_filters.FilterSet):
    class Meta:
        form = FilterForm


def _buildings(request):
    return Building.objects.all()


def _classes(request):
    return SchoolClass.objects.all()


def _school_years(request):
    return SchoolYear.objects.all()


def _terms(request):
    return Term.objects.all()


class BuildingFilter(CampusFilterSet):
    class Meta(CampusFilterSet.Meta):
        model = Building
        fields = []


class RoomFilter(CampusFilterSet):
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), queryset=_buildings, empty_label=_("All")
    )
    floor = django_filters.NumberFilter(label=_("Floor"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Room.Kind.choices, empty_label=_("All"))
    in_use = django_filters.ChoiceFilter(
        label=_("In use"), choices=YES_NO, method="filter_in_use", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Room
        fields = ["building", "floor", "kind"]

    def filter_in_use(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class SchoolClassFilter(CampusFilterSet):
    grade = django_filters.ChoiceFilter(
        label=_("Grade"), choices=SchoolClass.Grade.choices, empty_label=_("All")
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = SchoolClass
        fields = ["grade"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class ChildFilter(CampusFilterSet):
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    grade = django_filters.ChoiceFilter(
        label=_("Grade"),
        field_name="school_class__grade",
        choices=SchoolClass.Grade.choices,
        empty_label=_("All"),
    )
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Child.Sex.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Child.Status.choices, empty_label=_("All")
    )
    allergies = django_filters.ChoiceFilter(
        label=_("Has allergies"), choices=YES_NO, method="filter_allergies", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Child
        fields = ["school_class", "grade", "sex", "status"]

    def filter_allergies(self, queryset, name, value):
        has = ~Q(allergies="")
        return queryset.filter(has) if value == "1" else queryset.exclude(has)


class SchoolYearFilter(CampusFilterSet):
    class Meta(CampusFilterSet.Meta):
        model = SchoolYear
        fields = []


class TermFilter(CampusFilterSet):
    school_year = django_filters.ModelChoiceFilter(
        label=_("School year"), queryset=_school_years, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Term.Kind.choices, empty_label=_("All"))

    class Meta(CampusFilterSet.Meta):
        model = Term
        fields = ["school_year", "kind"]


class HolidayFilter(CampusFilterSet):
    term = django_filters.ModelChoiceFilter(label=_("Term"), queryset=_terms, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Holiday.Kind.choices, empty_label=_("All"))

    class Meta(CampusFilterSet.Meta):
        model = Holiday
        fields = ["term", "kind"]


class MemberFilter(django_filters.FilterSet):
    """Filters the users of the campus (the request's campus limits every lookup)."""

    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, method="filter_role", empty_label=_("All")
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta:
        form = FilterForm
        model = None
        fields = []

    def filter_role(self, queryset, name, value):
        return queryset.filter(pk__in=self.request.campus.memberships.filter(role=value).values("user_id"))

    def filter_active(self, queryset, name, value):
        active = self.request.campus.memberships.filter(is_active=True, user__is_active=True).values(
            "user_id"
        )
        return queryset.filter(pk__in=active) if value == "1" else queryset.exclude(pk__in=active)
