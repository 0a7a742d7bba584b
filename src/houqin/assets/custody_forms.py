"""Forms of the custody pages: hand-overs, loans, damage and compensation, disposal
requests and the report parameters. Choices come from the form's campus only; an asset
is given by scanning its label or typing its tag number (``asset_by_scan``)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import AssetCategory, Condition, Damage, DisposalRequest, Handover
from houqin.assets.register_forms import PhotosField
from houqin.core.forms import CampusForm, campus_users
from houqin.core.models import Room, SchoolClass, Term


def _terms(campus):
    return Term._base_manager.filter(campus=campus).order_by("-start_date")


def _classes(campus):
    return SchoolClass._base_manager.filter(campus=campus, is_active=True).order_by("sort_order", "name")


def current_term(campus, today=None):
    """The term running today, else the latest one that has started, else the first."""
    today = today or timezone.localdate()
    terms = list(_terms(campus))
    for term in terms:
        if term.start_date <= today <= term.end_date:
            return term
    started = [t for t in terms if t.start_date <= today]
    return started[0] if started else (terms[-1] if terms else None)


class AssetScanField(forms.CharField):
    """The asset named by a scanned label (its URL or token) or a typed tag number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Asset (scan the label or type the tag number)"))
        kwargs.setdefault("max_length", 300)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "data-scan": "asset"}
        )
        self.campus = None

    def clean(self, value):
        from houqin.assets.services import asset_by_scan

        text = super().clean(value)
        if not text:
            return None
        asset = asset_by_scan(self.campus, text)
        if asset is None:
            raise forms.ValidationError(_("No asset of this campus has the label or tag “%(text)s”."),
                                        params={"text": text[:60]})  # fmt: skip
        return asset


class _ScanForm(CampusForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, AssetScanField):
                field.campus = self.campus


# --- Hand-overs ---------------------------------------------------------------------------


class HandoverForm(CampusForm):
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term._base_manager.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Handover.Kind.choices)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room._base_manager.none())
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    from_user = forms.ModelChoiceField(
        label=_("Handed over by"), queryset=None, required=False,
        help_text=_("Empty: the asset office (总务处) hands the property over."),
    )  # fmt: skip
    to_user = forms.ModelChoiceField(label=_("Received by"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = _terms(self.campus)
        self.fields["room"].queryset = Room._base_manager.filter(campus=self.campus, is_active=True).order_by(
            "code"
        )
        self.fields["school_class"].queryset = _classes(self.campus)
        users = campus_users(self.campus)
        self.fields["from_user"].queryset = users
        self.fields["to_user"].queryset = users
        self.style_fields()


class HandoverBulkForm(CampusForm):
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term._base_manager.none())
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k, v) for k, v in Handover.Kind.choices if k != Handover.Kind.CHANGE]
    )
    keeper = forms.ModelChoiceField(
        label=_("For the asset office"), queryset=None, required=False,
        help_text=_("Receives at term end and hands over at term start; empty: you."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = _terms(self.campus)
        self.fields["keeper"].queryset = campus_users(self.campus)
        self.style_fields()


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(CampusForm):
    resolution = forms.CharField(
        label=_("How it was settled"), max_length=200, help_text=_("For example: found in the store room.")
    )


# --- Loans --------------------------------------------------------------------------------


class LoanLendForm(_ScanForm):
    asset = AssetScanField()
    borrower = forms.ModelChoiceField(label=_("Borrower"), queryset=None, required=False)
    school_class = forms.ModelChoiceField(
        label=_("Or a class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    due_on = forms.DateField(label=_("Due back on"), required=False, widget=forms.DateInput(),
                             help_text=_("Empty: the campus's usual loan period."))  # fmt: skip
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    condition_out = forms.ChoiceField(label=_("Condition when lent"), choices=Condition.choices)
    note_out = forms.CharField(label=_("Note"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos when lent"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["borrower"].queryset = campus_users(self.campus)
        self.fields["school_class"].queryset = _classes(self.campus)
        self.style_fields()

    def clean(self):
        data = super().clean()
        if not data.get("borrower") and not data.get("school_class"):
            self.add_error("borrower", _("Say who borrows the asset: a person or a class."))
        return data


class LoanRequestForm(_ScanForm):
    asset = AssetScanField()
    purpose = forms.CharField(label=_("What for"), max_length=200)
    due_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput())
    school_class = forms.ModelChoiceField(
        label=_("For my class"), queryset=SchoolClass._base_manager.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = _classes(self.campus)
        self.style_fields()


class LoanApproveForm(CampusForm):
    due_on = forms.DateField(label=_("Due back on"), required=False, widget=forms.DateInput())
    condition_out = forms.ChoiceField(label=_("Condition when lent"), choices=Condition.choices)
    note_out = forms.CharField(label=_("Note"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos when lent"))


class LoanReturnForm(CampusForm):
    condition_in = forms.ChoiceField(label=_("Condition when returned"), choices=Condition.choices)
    note_in = forms.CharField(label=_("Note"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos when returned"))
    record_damage = forms.BooleanField(
        label=_("Record the damage (the borrower is responsible)"), required=False
    )
    damage_description = forms.CharField(label=_("What is damaged"), max_length=500, required=False)
    compensation_due = forms.DecimalField(
        label=_("Compensation due (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


# --- Damage -------------------------------------------------------------------------------


class DamageForm(_ScanForm):
    asset = AssetScanField()
    kind = forms.ChoiceField(label=_("Kind"), choices=Damage.Kind.choices)
    occurred_on = forms.DateField(label=_("Found on"), widget=forms.DateInput(), initial=timezone.localdate)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_kind = forms.ChoiceField(label=_("Responsible"), choices=Damage.Responsible.choices)
    responsible_user = forms.ModelChoiceField(
        label=_("Responsible staff member"), queryset=None, required=False
    )
    responsible_class = forms.ModelChoiceField(
        label=_("Responsible class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    responsible_name = forms.CharField(
        label=_("Responsible person's name"), max_length=60, required=False,
        help_text=_("For a child's family or a visitor; for a class, the child's name if known."),
    )  # fmt: skip
    compensation_due = forms.DecimalField(
        label=_("Compensation due (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2,
        help_text=_("人为损坏照价赔偿; 0 or empty when nobody pays."),
    )  # fmt: skip
    compensation_note = forms.CharField(label=_("Compensation basis"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = campus_users(self.campus)
        self.fields["responsible_class"].queryset = _classes(self.campus)
        self.style_fields()


class DamageEditForm(CampusForm):
    occurred_on = forms.DateField(label=_("Found on"), widget=forms.DateInput())
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_kind = forms.ChoiceField(label=_("Responsible"), choices=Damage.Responsible.choices)
    responsible_user = forms.ModelChoiceField(
        label=_("Responsible staff member"), queryset=None, required=False
    )
    responsible_class = forms.ModelChoiceField(
        label=_("Responsible class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    responsible_name = forms.CharField(label=_("Responsible person's name"), max_length=60, required=False)
    compensation_note = forms.CharField(label=_("Compensation basis"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = campus_users(self.campus)
        self.fields["responsible_class"].queryset = _classes(self.campus)
        self.style_fields()


class CompensationForm(CampusForm):
    amount = forms.DecimalField(
        label=_("Compensation due (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Basis"), max_length=200, required=False,
                           help_text=_("For example: price of a new chair 180 yuan."))  # fmt: skip


class PaymentForm(CampusForm):
    amount = forms.DecimalField(
        label=_("Amount received (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(), initial=timezone.localdate
    )
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=40)
    payer_name = forms.CharField(label=_("Paid by"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


# --- Disposal -----------------------------------------------------------------------------


class DisposalForm(CampusForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DisposalRequest.Kind.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    recipient = forms.CharField(
        label=_("Transferred to / disposed through"), max_length=120, required=False,
        help_text=_("The receiving organisation of a transfer, or the recycler."),
    )  # fmt: skip


class DisposalAddForm(_ScanForm):
    asset = AssetScanField()
    residual_value = forms.DecimalField(
        label=_("Residual value (残值, yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


# --- Reports ------------------------------------------------------------------------------


class PeriodForm(CampusForm):
    PERIODS = (("term", _("Term")), ("year", _("Calendar year")))

    period = forms.ChoiceField(label=_("Per"), choices=PERIODS, initial="term")
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term._base_manager.none(), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = _terms(self.campus)
        term = current_term(self.campus)
        self.fields["term"].initial = term.pk if term else None
        self.fields["year"].initial = timezone.localdate().year
        self.style_fields()

    def bounds(self):
        """(start, end, label) of the chosen period (the current term by default)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("period") == "year":
            year = data.get("year") or timezone.localdate().year
            return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
        term = data.get("term") or current_term(self.campus)
        if term is None:
            year = timezone.localdate().year
            return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
        return term.start_date, term.end_date, term.name


class DepreciationForm(CampusForm):
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput())
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=AssetCategory._base_manager.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AssetCategory._base_manager.filter(campus=self.campus).order_by(
            "kind", "name"
        )
        from houqin.assets.custody_services import month_end

        self.fields["as_of"].initial = month_end(timezone.localdate())
        self.style_fields()

    def values(self):
        from houqin.assets.custody_services import month_end

        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("as_of") or month_end(timezone.localdate()), data.get("category")
