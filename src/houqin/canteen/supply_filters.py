"""Filter sets of the supply list pages (querysets are callables: evaluated in the campus
scope, never at import time)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.canteen import supply_services as services
from houqin.canteen.models import (
    CertificateKind,
    FoodBatch,
    FoodDisposal,
    FoodSupplier,
    MealKind,
    Receiving,
    StockOut,
    SupplierCertificate,
    SupplyCategory,
    SupplyContract,
)
from houqin.core.filters import CampusFilterSet

YES = (("1", _("Yes")),)
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def _suppliers(request):
    from houqin.procurement.models import Supplier

    return Supplier.objects.filter(food_profile__isnull=False).order_by("name")


class FoodSupplierFilter(CampusFilterSet):
    category = django_filters.ChoiceFilter(
        label=_("Supplies"), choices=SupplyCategory.choices, method="filter_category", empty_label=_("All")
    )
    is_designated = django_filters.BooleanFilter(label=_("Designated"))
    active = django_filters.BooleanFilter(label=_("Active"), field_name="supplier__is_active")

    class Meta(CampusFilterSet.Meta):
        model = FoodSupplier
        fields = ["is_designated"]

    def filter_category(self, qs, name, value):
        return qs.filter(categories__contains=f",{value},")


class CertificateFilter(CampusFilterSet):
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CertificateKind.choices, empty_label=_("All"))
    expiry = django_filters.ChoiceFilter(
        label=_("Expiry"), method="filter_expiry", empty_label=_("All"),
        choices=(("expired", _("Expired")), ("soon", _("Expired or expiring soon")), ("current", _("Current only"))),
    )  # fmt: skip
    void = django_filters.BooleanFilter(label=_("Void"), field_name="is_void")

    class Meta(CampusFilterSet.Meta):
        model = SupplierCertificate
        fields = ["supplier", "kind"]

    def filter_expiry(self, qs, name, value):
        today = timezone.localdate()
        if value == "expired":
            return services.current_certificates(qs).filter(expires_on__lt=today)
        if value == "soon":
            days = max(services.reminder_thresholds(self.request.campus))
            return services.current_certificates(qs).filter(expires_on__lte=today + dt.timedelta(days=days))
        return qs.filter(is_void=False).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))


class ContractFilter(CampusFilterSet):
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )
    void = django_filters.BooleanFilter(label=_("Void"), field_name="is_void")

    class Meta(CampusFilterSet.Meta):
        model = SupplyContract
        fields = ["supplier"]


class ReceivingFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Receiving.Status.choices, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(label=_("Delivered from"), method="filter_from", **DATE)
    date_to = django_filters.DateFilter(label=_("Delivered to"), method="filter_to", **DATE)
    rejected = django_filters.ChoiceFilter(
        label=_("With rejected lines"), choices=YES, method="filter_rejected", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Receiving
        fields = ["status", "supplier"]

    def filter_from(self, qs, name, value):
        return qs.filter(delivered_at__gte=timezone.make_aware(dt.datetime.combine(value, dt.time.min)))

    def filter_to(self, qs, name, value):
        end = timezone.make_aware(dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min))
        return qs.filter(delivered_at__lt=end)

    def filter_rejected(self, qs, name, value):
        return qs.filter(lines__result="rejected").distinct()


class BatchFilter(CampusFilterSet):
    flag = django_filters.ChoiceFilter(
        label=_("Show"), method="filter_flag", empty_label=_("In stock"),
        choices=(("expired", _("Expired")), ("soon", _("Expiring soon")), ("blocked", _("Blocked")),
                 ("all", _("All batches"))),
    )  # fmt: skip
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=FoodBatch.Status.choices, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = FoodBatch
        fields = ["status", "supplier"]

    def filter_flag(self, qs, name, value):
        today = timezone.localdate()
        if value == "expired":
            return qs.filter(status=FoodBatch.Status.IN_STOCK, quantity_on_hand__gt=0, best_before__lt=today)
        if value == "soon":
            days = int(services.campus_setting(self.request.campus, services.S_EXPIRING_DAYS))
            return qs.filter(
                status=FoodBatch.Status.IN_STOCK, quantity_on_hand__gt=0, best_before__gte=today,
                best_before__lte=today + dt.timedelta(days=days),
            )  # fmt: skip
        if value == "blocked":
            return qs.filter(is_blocked=True)
        return qs


class StockOutFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StockOut.Status.choices, empty_label=_("All")
    )
    meal = django_filters.ChoiceFilter(label=_("Meal"), choices=MealKind.choices, empty_label=_("All"))
    date = django_filters.DateFilter(label=_("Date"), **DATE)

    class Meta(CampusFilterSet.Meta):
        model = StockOut
        fields = ["status", "meal", "date"]


class DisposalFilter(CampusFilterSet):
    reason = django_filters.ChoiceFilter(
        label=_("Reason"), choices=FoodDisposal.Reason.choices, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="disposed_on", lookup_expr="gte", **DATE
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="disposed_on", lookup_expr="lte", **DATE)

    class Meta(CampusFilterSet.Meta):
        model = FoodDisposal
        fields = ["reason"]
