"""Forms of the supply area: food suppliers, certificates, contracts, receiving inspections
with their lines, stock-outs and disposals. They validate the input; the rules live in
:mod:`houqin.canteen.supply_services`."""

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models import (
    CertificateKind,
    FoodBatch,
    FoodDisposal,
    Ingredient,
    MealKind,
    ReceivingLine,
    SupplierCertificate,
    SupplyCategory,
    SupplyContract,
)
from houqin.core.forms import CampusForm, CampusModelForm, campus_users
from houqin.procurement.purchasing_forms import FilesField

QTY_ATTRS = {"inputmode": "decimal", "step": "any", "min": "0"}
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


def food_supplier_choices(campus):
    from houqin.procurement.models import Supplier

    return Supplier._base_manager.filter(
        campus=campus, is_active=True, food_profile__is_designated=True
    ).order_by("name")


class FoodSupplierForm(CampusForm):
    """A food supplier: an existing supplier of the campus, or a new one, and its profile."""

    supplier = forms.ModelChoiceField(
        label=_("Existing supplier"), required=False, queryset=None,
        help_text=_("Choose a supplier already kept by purchasing, or leave empty and enter a new one below."),
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    contact = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    is_designated = forms.BooleanField(
        label=_("Designated food supplier (定点)"), required=False, initial=True
    )
    categories = forms.MultipleChoiceField(
        label=_("Supplies"),
        choices=SupplyCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    designated_on = forms.DateField(label=_("Designated on"), required=False, widget=forms.DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.procurement.models import Supplier

        self.profile = profile
        if profile is not None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].queryset = Supplier._base_manager.filter(
                campus=self.campus, food_profile__isnull=True
            ).order_by("name")
        self.style_fields()

    def clean(self):
        data = super().clean()
        if self.profile is None and not data.get("supplier") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose a supplier or enter the name of a new one."))
        return data


class CertificateForm(CampusModelForm):
    photos = FilesField(label=_("Scans or photos"))

    class Meta(CampusModelForm.Meta):
        model = SupplierCertificate
        fields = ["supplier", "kind", "title", "number", "issuer", "issued_on", "expires_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = food_supplier_choices(self.campus) if self.campus else None
        self.fields["kind"].choices = CertificateKind.choices
        if self.instance.pk:
            self.fields["supplier"].disabled = True


class ContractForm(CampusModelForm):
    files = FilesField(label=_("Contract file"))

    class Meta(CampusModelForm.Meta):
        model = SupplyContract
        fields = ["supplier", "number", "title", "signed_on", "start_date", "end_date", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = food_supplier_choices(self.campus) if self.campus else None
        if self.instance.pk:
            self.fields["supplier"].disabled = True


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


# --- Receiving ----------------------------------------------------------------------------


class ReceivingForm(CampusForm):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=None)
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    delivery_note_no = forms.CharField(label=_("Delivery note number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    photos = FilesField(label=_("Tickets and photos (索证索票)"), accept="image/*,application/pdf")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = food_supplier_choices(self.campus)
        self.fields["photos"].widget.attrs["capture"] = "environment"
        if not self.is_bound and "delivered_at" not in self.initial:
            self.initial["delivered_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ReceivingLineForm(CampusForm):
    ingredient = forms.ModelChoiceField(label=_("Ingredient"), queryset=None, required=False)
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    spec = forms.CharField(label=_("Specification"), max_length=60, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=2, required=False,
                                  widget=forms.NumberInput(attrs=QTY_ATTRS))  # fmt: skip
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False, initial="kg")
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=10, decimal_places=2, required=False,
                                    widget=forms.NumberInput(attrs=MONEY_ATTRS))  # fmt: skip
    production_date = forms.DateField(label=_("Production date"), required=False, widget=forms.DateInput)
    batch_no = forms.CharField(label=_("Production batch"), max_length=40, required=False)
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"), min_value=0, required=False)
    best_before = forms.DateField(label=_("Best before"), required=False, widget=forms.DateInput)
    is_fresh_produce = forms.BooleanField(label=_("Edible agricultural product (食用农产品)"), required=False)
    storage = forms.ChoiceField(label=_("Storage"), choices=ReceivingLine.Storage.choices, initial="ambient")
    temperature_c = forms.DecimalField(label=_("Temperature (°C)"), max_digits=4, decimal_places=1, required=False,
                                       widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}))  # fmt: skip
    appearance_ok = forms.BooleanField(label=_("Appearance normal"), required=False, initial=True)
    smell_ok = forms.BooleanField(label=_("Smell normal"), required=False, initial=True)
    packaging_ok = forms.BooleanField(label=_("Packaging and label intact"), required=False, initial=True)
    result = forms.ChoiceField(label=_("Result"), choices=ReceivingLine.Result.choices, initial="accepted")
    reject_reason = forms.CharField(label=_("Reject reason"), max_length=200, required=False)
    location = forms.CharField(label=_("Storage place"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ingredient"].queryset = Ingredient._base_manager.filter(
            campus=self.campus, is_active=True
        ).order_by("name")

    def has_changed(self):
        # The ticked sensory boxes are initial values: only a name, an ingredient or a
        # quantity makes a row count.
        if not self.is_bound:
            return False
        return any(
            str(self.data.get(self.add_prefix(f)) or "").strip() for f in ("name", "ingredient", "quantity")
        )


def receiving_line_formset(data=None, *, campus, initial=None, extra=3):
    fs_class = formset_factory(ReceivingLineForm, extra=extra if not initial else 1)
    return fs_class(data, initial=initial, prefix="lines", form_kwargs={"campus": campus})


def formset_lines(formset):
    """The filled rows of a receiving-line formset as service dicts."""
    lines = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not (data.get("name") or data.get("ingredient") or data.get("quantity")):
            continue
        lines.append(dict(data))
    return lines


# --- Stock-out and disposal ----------------------------------------------------------------


class StockOutForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    meal = forms.ChoiceField(label=_("Meal"), choices=MealKind.choices, initial=MealKind.LUNCH)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    sign_as = forms.ChoiceField(label=_("Sign now as"), required=False)

    def __init__(self, *args, perms=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Do not sign yet"))]
        if "canteen.keep_store" in perms:
            choices.append(("keeper", _("Keeper (保管员)")))
        if "canteen.cook" in perms:
            choices.append(("cook", _("Cook (厨师)")))
        self.fields["sign_as"].choices = choices
        if len(choices) > 1:
            self.initial.setdefault("sign_as", choices[1][0])
        if not self.is_bound and "date" not in self.initial:
            self.initial["date"] = timezone.localdate()


class DisposalForm(CampusForm):
    batch = forms.ModelChoiceField(label=_("Food batch"), queryset=None)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=2,
                                  widget=forms.NumberInput(attrs=QTY_ATTRS))  # fmt: skip
    reason = forms.ChoiceField(label=_("Reason"), choices=FoodDisposal.Reason.choices)
    detail = forms.CharField(label=_("Details"), max_length=300, required=False)
    method = forms.CharField(label=_("How it was disposed of"), max_length=120, required=False,
                             initial="毁形后作废弃物处理")  # fmt: skip
    witness = forms.ModelChoiceField(label=_("Witness"), queryset=None)
    disposed_on = forms.DateField(label=_("Disposed on"), widget=forms.DateInput)
    photos = FilesField(label=_("Photos"), accept="image/*")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = (
            FoodBatch._base_manager.filter(campus=self.campus, quantity_on_hand__gt=0)
            .exclude(status=FoodBatch.Status.DISPOSED)
            .order_by("best_before", "name")
        )
        users = campus_users(self.campus)
        if actor is not None:
            users = users.exclude(pk=actor.pk)
        self.fields["witness"].queryset = users
        if not self.is_bound and "disposed_on" not in self.initial:
            self.initial["disposed_on"] = timezone.localdate()
