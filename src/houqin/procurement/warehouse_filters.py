"""Filter sets of the warehouse list pages (querysets are callables: evaluated in the campus scope)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import YES_NO, CampusFilterSet
from houqin.core.models import SchoolClass
from houqin.procurement.models import (
    Item,
    ItemCategory,
    Requisition,
    StockBalance,
    StockCount,
    StockLocation,
    StockMove,
)

YES = (("1", _("Yes")),)


def _categories(request):
    return ItemCategory.objects.all()


def _locations(request):
    return StockLocation.objects.all()


def _items(request):
    return Item.objects.all()


def _classes(request):
    return SchoolClass.objects.all()


def _day_start(value):
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


class ItemCategoryFilter(CampusFilterSet):
    needs_approval = django_filters.ChoiceFilter(
        label=_("Requisitions need approval"), choices=YES_NO, method="filter_flag", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = ItemCategory
        fields = []

    def filter_flag(self, queryset, name, value):
        return queryset.filter(needs_approval=value == "1")


class StockLocationFilter(CampusFilterSet):
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = StockLocation
        fields = []

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class ItemFilter(CampusFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=_categories, empty_label=_("All")
    )
    hazardous = django_filters.ChoiceFilter(
        label=_("Hazardous"), choices=YES_NO, method="filter_hazardous", empty_label=_("All")
    )
    consumable = django_filters.ChoiceFilter(
        label=_("Consumable"), choices=YES_NO, method="filter_consumable", empty_label=_("All")
    )
    low = django_filters.ChoiceFilter(
        label=_("At or below reorder level"), choices=YES, method="filter_low", empty_label=_("All")
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Item
        fields = ["category"]

    def filter_hazardous(self, queryset, name, value):
        return queryset.filter(is_hazardous=value == "1")

    def filter_consumable(self, queryset, name, value):
        return queryset.filter(is_consumable=value == "1")

    def filter_low(self, queryset, name, value):
        # ``total`` is annotated by the list view (sum of the item's balances)
        return queryset.filter(reorder_level__gt=0, total__lte=F("reorder_level"))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class StockBalanceFilter(CampusFilterSet):
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=_locations, empty_label=_("All")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), field_name="item__category", queryset=_categories, empty_label=_("All")
    )
    in_stock = django_filters.ChoiceFilter(
        label=_("In stock"), choices=YES_NO, method="filter_in_stock", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = StockBalance
        fields = ["location"]

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(quantity__gt=0) if value == "1" else queryset.filter(quantity=0)


class StockMoveFilter(CampusFilterSet):
    item = django_filters.ModelChoiceFilter(label=_("Goods"), queryset=_items, empty_label=_("All"))
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=_locations, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=StockMove.Kind.choices, empty_label=_("All"))
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), field_name="item__category", queryset=_categories, empty_label=_("All")
    )
    to_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta(CampusFilterSet.Meta):
        model = StockMove
        fields = ["item", "location", "kind", "to_class"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(moved_at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(moved_at__lt=_day_start(value + dt.timedelta(days=1)))


REQUISITION_STATUS_CHOICES = [("open", _("Open (to approve or issue)")), *Requisition.Status.choices]


class RequisitionFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=REQUISITION_STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta(CampusFilterSet.Meta):
        model = Requisition
        fields = ["school_class"]

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=Requisition.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_from(self, queryset, name, value):
        return queryset.filter(requested_at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(requested_at__lt=_day_start(value + dt.timedelta(days=1)))


class StockCountFilter(CampusFilterSet):
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=_locations, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StockCount.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = StockCount
        fields = ["location", "status"]
