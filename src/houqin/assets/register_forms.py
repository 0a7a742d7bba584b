"""Forms of the asset register: categories, asset cards, status changes, moves and the
Excel import. Foreign keys offer only rows of the campus, users only its members."""

from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.core.forms import CampusForm, CampusModelForm, campus_users
from houqin.core.models import Room


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one input (the phone camera or the gallery)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CategoryForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = AssetCategory
        fields = ["name", "code", "kind", "useful_life_years", "national_code", "is_active", "note"]


def _rooms(campus):
    return Room._base_manager.filter(campus=campus, is_active=True).select_related("building")


class AssetForm(CampusModelForm):
    photos = PhotosField(label=_("Photos"))

    class Meta(CampusModelForm.Meta):
        model = Asset
        fields = [
            "tag", "name", "category", "model_spec", "brand", "unit", "quantity", "room", "custodian", "status",
            "source", "supplier", "invoice_number", "price", "purchase_date", "in_service_date", "warranty_until",
            "is_valuable", "note",
        ]  # fmt: skip
        widgets = {
            "purchase_date": forms.DateInput(),
            "in_service_date": forms.DateInput(),
            "warranty_until": forms.DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campus = self.campus
        self.fields["category"].queryset = AssetCategory._base_manager.filter(campus=campus, is_active=True)
        self.fields["room"].queryset = _rooms(campus)
        self.fields["tag"].required = False
        if self.instance.pk:
            # The status changes through its own action (with a reason).
            del self.fields["status"]
            del self.fields["photos"]
            self.fields["tag"].required = True
            if self.instance.category_id:  # a retired category stays selectable for its assets
                self.fields["category"].queryset = (
                    AssetCategory._base_manager.filter(campus=campus).filter(
                        pk__in=[self.instance.category_id]
                    )
                    | self.fields["category"].queryset
                )
        else:
            self.fields["tag"].help_text = _("Leave empty for the next automatic number (ZC-year-0001).")
            self.fields["status"].choices = [(s.value, s.label) for s in services.MANUAL_STATUSES]
        threshold = services.valuable_threshold(campus) if campus is not None else 0
        if threshold:
            self.fields["is_valuable"].help_text = _(
                "Valuable items are assigned to a named person (贵重物品落实到人); from %(price)s yuan a unit "
                "they always are."
            ) % {"price": threshold}
        self.threshold = threshold

    def clean(self):
        data = super().clean()
        # From the campus's price threshold a valuable item is flagged whatever the box says;
        # the model then asks for a named custodian.
        services.apply_valuable_rule(self.campus, data, threshold=self.threshold)
        return data


class StatusForm(CampusForm):
    status = forms.ChoiceField(label=_("New status"), choices=())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in services.MANUAL_STATUSES if s != current]
        self.style_fields()


class MoveForm(CampusForm):
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room._base_manager.none())
    custodian = forms.ModelChoiceField(label=_("Custodian"), queryset=None, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = _rooms(self.campus)
        self.fields["custodian"].queryset = campus_users(self.campus)
        self.style_fields()


