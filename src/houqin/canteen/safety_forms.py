"""Forms of the safety area. Choices of campus-owned rows are filled per campus when the
form is made (never at import time); the services do the real checks."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models import (
    DisinfectionMethod,
    FoodBatch,
    Fridge,
    KitchenDuty,
    KitchenStaff,
    MealKind,
    PesticideTest,
    TrainingRecord,
)
from houqin.core.forms import CampusForm, CampusModelForm, campus_users
from houqin.core.models import Room

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


def _none():
    """An empty queryset for a choice field filled per campus (the scoped manager refuses
    to build one at import time)."""
    return Room._base_manager.none()


def _model_choice(label, required=True, **kwargs):
    return forms.ModelChoiceField(label=label, queryset=_none(), required=required, **kwargs)


class SampleTakeForm(CampusForm):
    """One dish's sample on the phone page."""

    date = forms.DateField(widget=forms.HiddenInput)
    meal = forms.ChoiceField(choices=MealKind.choices, widget=forms.HiddenInput)
    dish = forms.IntegerField(widget=forms.HiddenInput)
    weight_g = forms.DecimalField(label=_("Weight (g)"), max_digits=6, decimal_places=1, min_value=0)
    fridge = _model_choice(_("Sample fridge"))
    fridge_temperature_c = forms.DecimalField(
        label=_("Fridge temperature (°C)"), max_digits=5, decimal_places=1, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["fridge"].queryset = Fridge.objects.filter(
            campus=campus, kind=Fridge.Kind.SAMPLE, is_active=True
        )
        self.fields["weight_g"].widget.attrs.update({"inputmode": "decimal", "step": "1"})
        self.fields["fridge_temperature_c"].widget.attrs.update({"inputmode": "decimal", "step": "0.1"})


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class NoteForm(CampusForm):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class FridgeForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Fridge
        fields = ["name", "kind", "room", "min_c", "max_c", "is_active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("min_c", "max_c"):
            self.fields[name].required = False
            self.fields[name].help_text = _("Empty: the campus default for the kind.")


class TablewareForm(CampusForm):
    method = forms.ChoiceField(label=_("Method"), choices=DisinfectionMethod.choices)
    started_at = forms.DateTimeField(label=_("Started at"), widget=_datetime_widget(), initial=_now_local)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=600, required=False)
    seconds = forms.IntegerField(label=_("Seconds"), min_value=0, max_value=59, required=False)
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=5, decimal_places=1, required=False,
        help_text=_("Infrared cabinet and dishwasher."),
    )  # fmt: skip
    concentration_mg_l = forms.DecimalField(
        label=_("Available chlorine (mg/L)"), max_digits=7, decimal_places=1, required=False,
        help_text=_("Chlorine soak."),
    )  # fmt: skip
    items = forms.CharField(label=_("Items"), max_length=200, initial="餐盘、碗、勺、口杯")
    quantity = forms.IntegerField(label=_("Pieces"), min_value=0, required=False)
    performed_by = forms.ModelChoiceField(label=_("Done by"), queryset=_none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["performed_by"].queryset = campus_users(campus)

    def clean(self):
        data = super().clean()
        total = (data.get("minutes") or 0) * 60 + (data.get("seconds") or 0)
        if not total:
            self.add_error("minutes", _("Give the duration."))
        data["duration_s"] = total
        return data


class UvForm(CampusForm):
    area = forms.CharField(label=_("Area"), max_length=60, required=False, initial="厨房操作间")
    room = _model_choice(_("Room"), required=False)
    started_at = forms.DateTimeField(label=_("Started at"), widget=_datetime_widget(), initial=_now_local)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600)
    performed_by = forms.ModelChoiceField(label=_("Done by"), queryset=_none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(campus=campus).select_related("building")
        self.fields["performed_by"].queryset = campus_users(campus)


class PesticideForm(CampusForm):
    batch = forms.ModelChoiceField(label=_("Food batch"), queryset=_none())
    vegetable = forms.CharField(label=_("Vegetable"), max_length=60, required=False,
                                help_text=_("Empty: the batch's name."))  # fmt: skip
    sample = forms.CharField(label=_("Sample"), max_length=100, required=False, initial="叶片 2 g")
    method = forms.ChoiceField(label=_("Method"), choices=PesticideTest.Method.choices)
    kit_lot = forms.CharField(label=_("Kit lot"), max_length=40, required=False)
    inhibition_pct = forms.DecimalField(
        label=_("Inhibition rate (%)"), max_digits=5, decimal_places=1, min_value=0, max_value=100
    )
    tested_at = forms.DateTimeField(label=_("Tested at"), widget=_datetime_widget(), initial=_now_local)
    operator = forms.ModelChoiceField(label=_("Tested by"), queryset=_none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    photo = forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        since = timezone.localdate() - dt.timedelta(days=14)
        self.fields["batch"].queryset = (
            FoodBatch.objects.filter(campus=campus, received_on__gte=since)
            .select_related("supplier")
            .order_by("-received_on", "number")
        )
        self.fields["operator"].queryset = campus_users(campus)
        self.fields["inhibition_pct"].widget.attrs.update({"inputmode": "decimal", "step": "0.1"})


class StaffForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = KitchenStaff
        fields = ["name", "position", "user", "phone", "is_active", "note"]


class CertificateForm(CampusForm):
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput, required=False,
        help_text=_("Empty: the campus's validity (12 months) from the issue date."),
    )  # fmt: skip
    issuer = forms.CharField(label=_("Issued by"), max_length=80, required=False)
    photo = forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class DutyForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    shift = forms.ChoiceField(
        label=_("Shift"), choices=KitchenDuty.Shift.choices, initial=KitchenDuty.Shift.DAY
    )
    staff = forms.ModelChoiceField(label=_("Staff member"), queryset=_none())
    post = forms.CharField(label=_("Post"), max_length=40, required=False)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["staff"].queryset = KitchenStaff.objects.filter(campus=campus, is_active=True).order_by(
            "name"
        )


class TrainingForm(CampusModelForm):
    attendees_list = forms.ModelMultipleChoiceField(
        label=_("Attendees"), queryset=_none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta(CampusModelForm.Meta):
        model = TrainingRecord
        fields = ["date", "topic", "hours", "trainer", "content"]
        widgets = {"date": forms.DateInput}

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["attendees_list"].queryset = KitchenStaff.objects.filter(campus=campus).order_by(
            "-is_active", "name"
        )
        if self.instance.pk:
            self.fields["attendees_list"].initial = list(self.instance.attendees.values_list("pk", flat=True))
        self.fields["attendees_list"].widget.attrs["class"] = "form-check-input"
