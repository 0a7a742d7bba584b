"""Filter sets of the purchasing list pages (querysets are callables: evaluated in the campus scope)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.procurement.models import (
    Acceptance,
    Invoice,
    LineKind,
    PurchaseOrder,
    PurchaseRequest,
    PurchaseRequestLine,
    Supplier,
)

YES_NO = (("1", _("Yes")), ("0", _("No")))
DATE = forms.DateInput(attrs={"type": "date"})


def _suppliers(request):
    return Supplier.objects.all()


class SupplierFilter(CampusFilterSet):
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_active", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = Supplier
        fields = []

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "1")


class PurchaseRequestFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PurchaseRequest.Status.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Has lines of kind"), choices=LineKind.choices, method="filter_kind", empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("Raised from"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("Raised to"), field_name="created_at", lookup_expr="date__lte", widget=DATE
    )
    mine = django_filters.BooleanFilter(
        label=_("Only mine"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta(CampusFilterSet.Meta):
        model = PurchaseRequest
        fields = ["status"]

    def filter_kind(self, qs, name, value):
        return qs.filter(pk__in=PurchaseRequestLine.objects.filter(kind=value).values("request_id"))

    def filter_mine(self, qs, name, value):
        return qs.filter(requested_by=self.request.user) if value else qs


class PurchaseOrderFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PurchaseOrder.Status.choices, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), queryset=_suppliers, empty_label=_("All")
    )
    open = django_filters.BooleanFilter(
        label=_("Awaiting delivery"), method="filter_open", widget=forms.CheckboxInput
    )
    date_from = django_filters.DateFilter(
        label=_("Ordered from"), field_name="ordered_on", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("Ordered to"), field_name="ordered_on", lookup_expr="lte", widget=DATE
    )

    class Meta(CampusFilterSet.Meta):
        model = PurchaseOrder
        fields = ["status", "supplier"]

    def filter_open(self, qs, name, value):
        return qs.filter(status__in=PurchaseOrder.OPEN_STATUSES) if value else qs


class AcceptanceFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Acceptance.Status.choices, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), field_name="order__supplier", queryset=_suppliers, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("Delivered from"), field_name="delivered_on", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("Delivered to"), field_name="delivered_on", lookup_expr="lte", widget=DATE
    )

    class Meta(CampusFilterSet.Meta):
        model = Acceptance
        fields = ["status"]


class InvoiceFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Invoice.Status.choices, empty_label=_("All")
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), field_name="order__supplier", queryset=_suppliers, empty_label=_("All")
    )
    date_from = django_filters.DateFilter(
        label=_("Issued from"), field_name="issued_on", lookup_expr="gte", widget=DATE
    )
    date_to = django_filters.DateFilter(
        label=_("Issued to"), field_name="issued_on", lookup_expr="lte", widget=DATE
    )

    class Meta(CampusFilterSet.Meta):
        model = Invoice
        fields = ["status"]
