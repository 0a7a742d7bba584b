"""Forms of the maintenance pages. Model forms are campus-aware (foreign keys offer only
rows of the campus, users only its members); photos are plain file fields handed to the
services, which check them through ``core.attachments``."""

from django import forms
from django.core.validators import MinLengthValidator
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.roles import Role
from houqin.maintenance.models import RepairRequest
from houqin.safety.forms import PHOTO_ATTRS, PhotosField


def _active_assets(campus):
    from houqin.assets.models import Asset

    return Asset.objects.filter(campus=campus, status__in=Asset.ACTIVE_STATUSES).select_related("room")


class RepairForm(CampusModelForm):
    """报修: what is broken, where, how urgent, with photos (from the phone's camera)."""

    photos = PhotosField(label=_("Photos"))

    class Meta(CampusModelForm.Meta):
        model = RepairRequest
        fields = ["room", "asset", "place_text", "category", "urgency", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = self.fields["room"].queryset.filter(is_active=True).select_related("building")
        if self.campus is not None:
            self.fields["asset"].queryset = _active_assets(self.campus)
        self.fields["asset"].help_text = _("Optional: the asset to repair (its room is used when no room is chosen).")
        self.fields["description"].validators.append(MinLengthValidator(4))
        if self.instance.pk:
            del self.fields["photos"]
        else:
            category = self.fields["category"]
            category.required = False
            category.choices = [("", _("Not sure (from the description)"))] + list(RepairRequest.Category.choices)
            category.initial = ""


class RepairEditForm(RepairForm):
    """A leader corrects the place, category, urgency or description."""


class DispatchForm(CampusForm):
    """To an in-house repair worker, or (no worker chosen) to a named contractor."""

    worker = forms.ModelChoiceField(label=_("Repair worker"), queryset=None, required=False)
    contractor_name = forms.CharField(
        label=_("Or a contractor"), max_length=80, required=False,
        help_text=_("Leave the repair worker empty to give the job to a contractor."),
    )  # fmt: skip
    contractor_phone = forms.CharField(
        label=_("Contractor's phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    due_at = forms.DateTimeField(
        label=_("Due by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: the same day for normal repairs, a few hours for urgent ones (rule settings)."),
    )
    instructions = forms.CharField(label=_("Instructions"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.core.notifications import users_with_roles

        self.fields["worker"].queryset = users_with_roles(self.campus, [Role.REPAIR_WORKER]).order_by(
            "real_name", "username"
        )
        self.style_fields()

    def clean(self):
        data = super().clean()
        contractor = (data.get("contractor_name") or "").strip()
        if data.get("worker") and contractor:
            self.add_error("contractor_name", _("Give the job to a repair worker or to a contractor, not both."))
        elif not data.get("worker") and not contractor:
            self.add_error("worker", _("Choose the repair worker or name a contractor."))
        if data.get("contractor_phone"):
            from houqin.core.validators import validate_phone

            try:
                validate_phone(data["contractor_phone"])
            except forms.ValidationError as exc:
                self.add_error("contractor_phone", exc)
        return data


class WorkForm(CampusForm):
    work_done = forms.CharField(label=_("Work done"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    labour_cost = forms.DecimalField(
        label=_("Labour / contractor cost (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


class FinishForm(WorkForm):
    photos = PhotosField(label=_("Photos after the repair"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_done"].required = True


class PartForm(CampusForm):
    """A part from the warehouse (item and location; valued from the stock) or bought for
    the job (description, unit, unit price)."""

    item = forms.ModelChoiceField(label=_("Item from the warehouse"), queryset=None, required=False)
    location = forms.ModelChoiceField(label=_("Taken from"), queryset=None, required=False)
    description = forms.CharField(label=_("Part bought for the job"), max_length=120, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=12, decimal_places=3)
    unit_price = forms.DecimalField(
        label=_("Unit price (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.procurement.models import Item, StockLocation

        self.fields["item"].queryset = Item.objects.filter(campus=self.campus, is_active=True).order_by("name")
        self.fields["location"].queryset = StockLocation.objects.filter(campus=self.campus, is_active=True)
        self.style_fields()

    def clean(self):
        data = super().clean()
        if data.get("item") or data.get("location"):
            if not (data.get("item") and data.get("location")):
                self.add_error("location", _("Choose the item and the location it is taken from."))
        else:
            if not (data.get("description") or "").strip():
                self.add_error("description", _("Choose an item from the warehouse or describe the part bought."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Give the unit price (0 if it cost nothing)."))
        return data


class NoteForm(CampusForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class QrRepairForm(CampusForm):
    name = forms.CharField(label=_("Your name"), max_length=40)
    phone = forms.CharField(label=_("Your phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    description = forms.CharField(
        label=_("What is broken?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(
        label=_("Kind of repair"), required=False,
        choices=[("", _("Not sure"))] + list(RepairRequest.Category.choices),
    )  # fmt: skip
    urgency = forms.ChoiceField(
        label=_("How urgent?"), choices=RepairRequest.Urgency.choices, initial=RepairRequest.Urgency.NORMAL
    )
    photo = forms.FileField(
        label=_("Photo (optional)"), required=False, widget=forms.ClearableFileInput(attrs=PHOTO_ATTRS)
    )
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # a honeypot robots fill in

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].validators.append(MinLengthValidator(4))

    def clean_phone(self):
        from houqin.core.validators import validate_phone

        phone = self.cleaned_data["phone"].strip()
        validate_phone(phone)
        return phone


class QrSignForm(CampusForm):
    """Sign-off or send-back from the public status link: the reporter's phone number."""

    phone = forms.CharField(
        label=_("The phone number you reported with"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    note = forms.CharField(
        label=_("Note or reason"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(CampusForm):
    term = forms.ModelChoiceField(label=_("Term"), queryset=None, required=False, empty_label=_("Dates below"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.core.models import Term

        self.fields["term"].queryset = Term.objects.filter(campus=self.campus).order_by("-start_date")
        self.style_fields()

    def clean(self):
        data = super().clean()
        term = data.get("term")
        if term is not None:
            data["date_from"], data["date_to"] = term.start_date, term.end_date
        elif not (data.get("date_from") and data.get("date_to")):
            raise forms.ValidationError(_("Choose a term or both dates."))
        if data.get("date_from") and data.get("date_to"):
            if data["date_from"] > data["date_to"]:
                self.add_error("date_to", _("The end date must not be before the start date."))
            elif (data["date_to"] - data["date_from"]).days > 800:
                self.add_error("date_from", _("Choose at most two years."))
        return data
