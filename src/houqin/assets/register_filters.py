"""Filters of the asset register: the list page, its print views, label sheet and export,
and the API all select assets the same way (:func:`filter_assets`).

Disposed assets leave the active register: they only show when "include disposed" is
ticked or the status filter asks for them.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import Asset, AssetCategory
from houqin.core.filters import YES_NO, CampusFilterSet
from houqin.core.forms import campus_users
from houqin.core.models import Building, Room


def _categories(request):
    return AssetCategory.objects.all()


def _rooms(request):
    return Room.objects.select_related("building")


def _buildings(request):
    return Building.objects.all()


def _custodians(request):
    return campus_users(request.campus)


def _suppliers(request):
    from houqin.procurement.models import Supplier

    return Supplier.objects.all()


class DateInput(forms.DateInput):
    input_type = "date"


class AssetFilter(CampusFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=_categories, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), field_name="category__kind", choices=AssetCategory.Kind.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Asset.Status.choices, empty_label=_("All")
    )
    building = django_filters.ModelChoiceFilter(
        label=_("Building"), field_name="room__building", queryset=_buildings, empty_label=_("All")
    )
    room = django_filters.ModelChoiceFilter(label=_("Room"), queryset=_rooms, empty_label=_("All"))
    custodian = django_filters.ModelChoiceFilter(
        label=_("Custodian"), queryset=_custodians, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )
    acquired_from = django_filters.DateFilter(
        label=_("Acquired from"), field_name="purchase_date", lookup_expr="gte", widget=DateInput()
    )
    acquired_to = django_filters.DateFilter(
        label=_("Acquired until"), field_name="purchase_date", lookup_expr="lte", widget=DateInput()
    )
    price_min = django_filters.NumberFilter(label=_("Unit price from"), field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(
        label=_("Unit price up to"), field_name="price", lookup_expr="lte"
    )
    valuable = django_filters.ChoiceFilter(
        label=_("Valuable items"), field_name="is_valuable", choices=YES_NO, method="filter_valuable",
        empty_label=_("All"),
    )  # fmt: skip
    no_room = django_filters.BooleanFilter(
        label=_("Without a room"), method="filter_no_room", widget=forms.CheckboxInput()
    )
    include_disposed = django_filters.BooleanFilter(
        label=_("Include disposed"), method="filter_include_disposed", widget=forms.CheckboxInput()
    )

    class Meta(CampusFilterSet.Meta):
        model = Asset
        fields = []

    def filter_valuable(self, queryset, name, value):
        return queryset.filter(is_valuable=value == "1")

    def filter_no_room(self, queryset, name, value):
        return queryset.filter(room__isnull=True) if value else queryset

    def filter_include_disposed(self, queryset, name, value):
        return queryset  # applied in filter_assets (it also decides the unbound default)


def include_disposed(params) -> bool:
    return str(params.get("include_disposed", "")).lower() in ("1", "on", "true", "yes") or (
        params.get("status") == Asset.Status.DISPOSED
    )


def filter_assets(params, queryset, request):
    """(queryset filtered by ``params`` — a QueryDict or dict — , the filterset)."""
    filterset = AssetFilter(params or None, queryset=queryset, request=request)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    if not include_disposed(params or {}):
        queryset = queryset.exclude(status=Asset.Status.DISPOSED)
    return queryset, filterset


class CategoryFilter(CampusFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AssetCategory.Kind.choices, empty_label=_("All")
    )
    active = django_filters.ChoiceFilter(
        label=_("In use"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = AssetCategory
        fields = ["kind"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
