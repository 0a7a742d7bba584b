"""Forms of the purchasing pages: suppliers, purchase requests with their lines, quotes,
orders, acceptances and invoices.

Foreign keys offer only rows of the campus (``CampusModelForm`` / explicit querysets) and
users only its members. Files are plain file fields handed to the services, which check
them through ``core.attachments``. The business rules live in
:mod:`houqin.procurement.purchasing_services`; the forms only parse input.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import AssetCategory
from houqin.core.forms import CampusForm, CampusModelForm, StyledFormMixin, campus_users
from houqin.core.models import Room, User
from houqin.procurement.models import (
    AcceptanceLine,
    Item,
    LineKind,
    PurchaseRequest,
    StockLocation,
    Supplier,
)

QTY_ATTRS = {"inputmode": "decimal", "step": "any", "min": "0"}
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Zero or more photos or PDFs from one input (the phone camera or the gallery)."""

    widget = MultipleFileInput

    def __init__(self, *args, accept="image/*,application/pdf", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": accept})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _asset_categories(campus):
    return AssetCategory.objects.filter(campus=campus, is_active=True).order_by("kind", "code", "name")


# --- Suppliers ----------------------------------------------------------------------------


class SupplierForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Supplier
        fields = [
            "name",
            "contact",
            "phone",
            "address",
            "credit_code",
            "bank_account",
            "scope",
            "is_active",
            "note",
        ]


# --- Purchase requests --------------------------------------------------------------------


class PurchaseRequestForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = PurchaseRequest
        fields = ["title", "department", "school_class", "needed_by", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3}), "needed_by": forms.DateInput()}
        help_texts = {"department": _("Or choose the class below.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = self.fields["school_class"].queryset.filter(is_active=True)


class RequestLineForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices, initial=LineKind.STOCK)
    item = forms.ModelChoiceField(
        label=_("Warehouse item"), queryset=Item._base_manager.none(), required=False
    )
    asset_category = forms.ModelChoiceField(
        label=_("Asset category"), queryset=AssetCategory._base_manager.none(), required=False
    )
    description = forms.CharField(label=_("Goods"), max_length=120, required=False)
    spec = forms.CharField(label=_("Specification"), max_length=120, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001"), required=False,
        widget=forms.NumberInput(attrs=QTY_ATTRS),
    )  # fmt: skip
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    estimated_unit_price = forms.DecimalField(
        label=_("Estimated unit price (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0"),
        required=False, widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campus is not None:
            self.fields["item"].queryset = Item.objects.filter(campus=campus, is_active=True).order_by("name")
            self.fields["asset_category"].queryset = _asset_categories(campus)
        self.style_fields()

    @property
    def is_blank(self):
        data = getattr(self, "cleaned_data", None) or {}
        return not any(data.get(k) for k in ("item", "asset_category", "description", "quantity"))

    def clean(self):
        data = super().clean()
        if not self.is_blank and not data.get("quantity"):
            self.add_error("quantity", _("Enter the quantity."))
        return data

    def line_data(self):
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or LineKind.STOCK,
            "item": data.get("item"),
            "asset_category": data.get("asset_category"),
            "description": data.get("description", ""),
            "spec": data.get("spec", ""),
            "quantity": data.get("quantity"),
            "unit": data.get("unit", ""),
            "estimated_unit_price": data.get("estimated_unit_price") or Decimal("0"),
            "note": data.get("note", ""),
        }


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, campus=None, **kwargs):
        self.campus = campus
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["campus"] = self.campus
        return kwargs

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
            use_required_attribute=False, campus=self.campus,
        )  # fmt: skip
        self.add_fields(form, None)
        return form

    def lines(self):
        return [f.line_data() for f in self.forms if not f.is_blank]


def line_formset(data=None, *, campus, initial=None, extra=3):
    formset_class = forms.formset_factory(
        RequestLineForm, formset=BaseLineFormSet, extra=extra, max_num=100, absolute_max=100
    )
    return formset_class(data, campus=campus, initial=initial, prefix="lines")


def request_line_initial(purchase_request):
    return [
        {
            "kind": ln.kind,
            "item": ln.item_id,
            "asset_category": ln.asset_category_id,
            "description": ln.description,
            "spec": ln.spec,
            "quantity": f"{ln.quantity.normalize():f}",
            "unit": ln.unit,
            "estimated_unit_price": ln.estimated_unit_price,
            "note": ln.note,
        }  # fmt: skip
        for ln in purchase_request.lines.all()
    ]


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


# --- Quotes, choice, orders ---------------------------------------------------------------


def _price_fields(form, lines, initial_prices, required):
    form.line_fields = []
    for ln in lines:
        name = f"price_{ln.pk}"
        form.fields[name] = forms.DecimalField(
            label=f"{ln.position}. {ln.description}", max_digits=12, decimal_places=2, min_value=Decimal("0"),
            required=required, initial=initial_prices.get(ln.pk), widget=forms.NumberInput(attrs=MONEY_ATTRS),
        )  # fmt: skip
        form.line_fields.append((ln, name))


def _prices(form):
    return {ln.pk: form.cleaned_data.get(name) for ln, name in form.line_fields}


class QuoteForm(CampusForm):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Supplier._base_manager.none())
    quoted_on = forms.DateField(label=_("Quoted on"), widget=forms.DateInput(), initial=timezone.localdate)
    total = forms.DecimalField(
        label=_("Quoted total (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
        help_text=_("Leave empty when the unit prices of every line are entered below."),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )  # fmt: skip
    delivery_days = forms.IntegerField(
        label=_("Delivery within (days)"), min_value=0, max_value=365, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    files = FilesField(label=_("Quote sheet (photo or PDF)"))

    def __init__(self, *args, lines=(), initial_prices=None, supplier_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        suppliers = Supplier.objects.filter(campus=self.campus, is_active=True)
        if supplier_ids:
            suppliers = Supplier.objects.filter(campus=self.campus).filter(
                pk__in=list(suppliers.values_list("pk", flat=True)) + list(supplier_ids)
            )
        self.fields["supplier"].queryset = suppliers.order_by("name")
        _price_fields(self, lines, initial_prices or {}, required=False)
        self.style_fields()

    def prices(self):
        return _prices(self)


class ChooseForm(CampusForm):
    quote = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why this quote"), max_length=300, required=False,
        help_text=_("Required when it is not the cheapest."),
    )  # fmt: skip


class OrderForm(CampusForm):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier._base_manager.none(), required=False
    )
    ordered_on = forms.DateField(label=_("Ordered on"), widget=forms.DateInput(), initial=timezone.localdate)
    expected_delivery = forms.DateField(
        label=_("Expected delivery"), widget=forms.DateInput(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, lines=(), initial_prices=None, fixed_supplier=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_supplier is not None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].required = True
            self.fields["supplier"].queryset = Supplier.objects.filter(
                campus=self.campus, is_active=True
            ).order_by("name")
        _price_fields(self, lines, initial_prices or {}, required=True)
        for _ln, name in self.line_fields:
            self.fields[name].label = f"{self.fields[name].label} · " + str(_("agreed unit price"))
        self.style_fields()

    def prices(self):
        return _prices(self)


class OrderUpdateForm(CampusForm):
    expected_delivery = forms.DateField(
        label=_("Expected delivery"), widget=forms.DateInput(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


# --- Acceptance ---------------------------------------------------------------------------


class AcceptanceForm(CampusForm):
    delivered_on = forms.DateField(
        label=_("Delivered on"), widget=forms.DateInput(), initial=timezone.localdate
    )
    location = forms.ModelChoiceField(
        label=_("Into stock location"), queryset=StockLocation._base_manager.none(), required=False,
        help_text=_("Where the stock lines are received."),
    )  # fmt: skip
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    photos = FilesField(label=_("Photos of the delivery"), accept="image/*")

    def __init__(self, *args, has_stock=True, **kwargs):
        super().__init__(*args, **kwargs)
        if has_stock:
            self.fields["location"].queryset = StockLocation.objects.filter(
                campus=self.campus, is_active=True
            )
        else:
            del self.fields["location"]
        self.fields["photos"].widget.attrs["capture"] = "environment"
        self.style_fields()


class AcceptanceLineForm(StyledFormMixin, forms.Form):
    order_line = forms.IntegerField(widget=forms.HiddenInput)
    quantity_delivered = forms.DecimalField(
        label=_("Delivered"), max_digits=12, decimal_places=3, min_value=Decimal("0"), required=False,
        widget=forms.NumberInput(attrs=QTY_ATTRS),
    )  # fmt: skip
    quantity_accepted = forms.DecimalField(
        label=_("Accepted"), max_digits=12, decimal_places=3, min_value=Decimal("0"), required=False,
        help_text=_("Empty: all that was delivered."), widget=forms.NumberInput(attrs=QTY_ATTRS),
    )  # fmt: skip
    quality = forms.ChoiceField(
        label=_("Quality"), choices=AcceptanceLine.Quality.choices, initial=AcceptanceLine.Quality.PASS
    )
    quality_note = forms.CharField(label=_("Quality note"), max_length=200, required=False)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room._base_manager.none(), required=False)
    custodian = forms.ModelChoiceField(label=_("Custodian"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, campus=None, order_line=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_line = order_line
        if order_line is not None and order_line.kind == LineKind.ASSET and campus is not None:
            self.fields["room"].queryset = Room.objects.filter(campus=campus).select_related("building")
            self.fields["custodian"].queryset = campus_users(campus)
        else:
            del self.fields["room"]
            del self.fields["custodian"]
        self.style_fields()

    def line_data(self):
        data = self.cleaned_data
        return {
            "order_line": data["order_line"],
            "quantity_delivered": data.get("quantity_delivered"),
            "quantity_accepted": data.get("quantity_accepted"),
            "quality": data.get("quality"),
            "quality_note": data.get("quality_note", ""),
            "room": data.get("room"),
            "custodian": data.get("custodian"),
        }


class BaseAcceptanceLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, campus=None, order_lines=(), **kwargs):
        self.campus = campus
        self.order_lines = list(order_lines)
        kwargs.setdefault("initial", [{"order_line": ln.pk} for ln in self.order_lines])
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.order_lines)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["campus"] = self.campus
        kwargs["order_line"] = (
            self.order_lines[index] if index is not None and index < len(self.order_lines) else None
        )
        return kwargs

    def lines(self):
        return [f.line_data() for f in self.forms]


def acceptance_line_formset(data=None, *, campus, order_lines):
    formset_class = forms.formset_factory(
        AcceptanceLineForm, formset=BaseAcceptanceLineFormSet, extra=0, max_num=200, absolute_max=200
    )
    return formset_class(data, campus=campus, order_lines=order_lines, prefix="lines")


# --- Invoices -----------------------------------------------------------------------------


class InvoiceForm(CampusForm):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(), initial=timezone.localdate)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    scans = FilesField(label=_("Scan of the invoice (photo or PDF)"))


class SignForm(CampusForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
