"""Forms of the warehouse pages (items, locations, stock moves, requisitions, counts)."""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.models import SchoolClass
from houqin.procurement.models import Item, ItemCategory, StockLocation

QTY_FIELD = {"max_digits": 12, "decimal_places": 3}
MIN_QTY = Decimal("0.001")


def _qty(label, *, required=True, minimum=MIN_QTY, help_text=""):
    validators = [MinValueValidator(minimum)] if minimum is not None else []
    return forms.DecimalField(
        label=label, required=required, validators=validators, help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **QTY_FIELD,
    )  # fmt: skip


def _items(campus):
    return (
        Item.objects.filter(campus=campus, is_active=True).select_related("category").order_by("name", "spec")
    )


def _locations(campus):
    return StockLocation.objects.filter(campus=campus, is_active=True).order_by("name")


def _classes(campus):
    return SchoolClass.objects.filter(campus=campus, is_active=True).order_by("sort_order", "name")


class ItemCategoryForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = ItemCategory
        fields = ["name", "needs_approval", "sort_order", "note"]


class StockLocationForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = StockLocation
        fields = ["name", "room", "keeper", "is_active", "note"]


class ItemForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Item
        fields = [
            "name", "spec", "unit", "category", "is_consumable", "is_hazardous", "keeper", "per_issue_limit",
            "reorder_level", "reorder_quantity", "default_location", "is_active", "note",
        ]  # fmt: skip


class _MoveForm(CampusForm):
    """Common fields: an item and a location of the campus."""

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        if "item" in self.fields:
            self.fields["item"].queryset = _items(campus)
        for name in ("location", "from_location", "to_location"):
            if name in self.fields:
                self.fields[name].queryset = _locations(campus)
        if "to_class" in self.fields:
            self.fields["to_class"].queryset = _classes(campus)
        self.style_fields()


class ReceiveForm(_MoveForm):
    item = forms.ModelChoiceField(label=_("Goods"), queryset=Item.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())
    quantity = _qty(_("Quantity"))
    unit_cost = forms.DecimalField(
        label=_("Unit cost (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=4,
        help_text=_("Leave empty to use the current average cost."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class IssueForm(_MoveForm):
    item = forms.ModelChoiceField(label=_("Goods"), queryset=Item.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())
    quantity = _qty(_("Quantity"))
    to_class = forms.ModelChoiceField(
        label=_("To class"), queryset=SchoolClass.objects.none(), required=False
    )
    to_department = forms.CharField(label=_("Or to department"), required=False, max_length=60)
    returned_quantity = _qty(
        _("Old items handed back"), required=False, minimum=Decimal("0"),
        help_text=_("Non-consumable items are issued old-for-new (以旧换新)."),
    )  # fmt: skip
    return_note = forms.CharField(label=_("What was handed back"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        to_class, dept = data.get("to_class"), (data.get("to_department") or "").strip()
        if not to_class and not dept:
            self.add_error("to_class", _("Say which class or department the items are for."))
        if to_class and dept:
            self.add_error("to_department", _("Choose a class or a department, not both."))
        item = data.get("item")
        if item is not None and not item.is_consumable and data.get("returned_quantity") is None:
            self.add_error(
                "returned_quantity",
                _("“%(item)s” is issued old-for-new: enter the old items handed back.") % {"item": item},
            )
        return data


class AdjustForm(_MoveForm):
    item = forms.ModelChoiceField(label=_("Goods"), queryset=Item.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())
    quantity = forms.DecimalField(
        label=_("Change"), help_text=_("Positive adds stock, negative removes it (e.g. −2 for breakage)."),
        widget=forms.NumberInput(attrs={"step": "any"}), **QTY_FIELD,
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TransferForm(_MoveForm):
    item = forms.ModelChoiceField(label=_("Goods"), queryset=Item.objects.none())
    from_location = forms.ModelChoiceField(label=_("From location"), queryset=StockLocation.objects.none())
    to_location = forms.ModelChoiceField(label=_("To location"), queryset=StockLocation.objects.none())
    quantity = _qty(_("Quantity"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RequisitionForm(CampusForm):
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass.objects.none(), required=False
    )
    department = forms.CharField(label=_("Or department"), required=False, max_length=60)
    purpose = forms.CharField(label=_("Purpose of use"), required=False, max_length=200)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["school_class"].queryset = _classes(campus)
        self.style_fields()

    def clean(self):
        data = super().clean()
        if not data.get("school_class") and not (data.get("department") or "").strip():
            self.add_error("school_class", _("Say which class or department the items are for."))
        if data.get("school_class") and (data.get("department") or "").strip():
            self.add_error("department", _("Choose a class or a department, not both."))
        return data


class RequisitionLineForm(CampusForm):
    item = forms.ModelChoiceField(label=_("Goods"), queryset=Item.objects.none(), required=False)
    quantity = _qty(_("Quantity"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, campus=None, items=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["item"].queryset = items if items is not None else _items(campus)
        self.style_fields()

    def clean(self):
        data = super().clean()
        if data.get("item") and not data.get("quantity"):
            self.add_error("quantity", _("Enter a quantity."))
        if data.get("quantity") and not data.get("item"):
            self.add_error("item", _("Choose an item."))
        return data


class _LineFormSet(forms.BaseFormSet):
    def __init__(self, *args, campus=None, **kwargs):
        self.campus = campus
        self.items = _items(campus)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"campus": self.campus, "items": self.items}


RequisitionLineFormSet = forms.formset_factory(RequisitionLineForm, formset=_LineFormSet, extra=5, max_num=50)


class CountStartForm(CampusForm):
    location = forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["location"].queryset = _locations(campus)
        self.style_fields()
