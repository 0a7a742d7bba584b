"""Forms of the safety pages (hazards, drills, agreements, education, plans, duty roster).

Model forms are :class:`~houqin.core.forms.CampusModelForm`s: foreign keys offer only rows
of the campus and users only its members. Photos are plain file fields handed to the
services, which check them through ``core.attachments``.
"""

import datetime as dt

from django import forms
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, campus_users, scoped_formfield
from houqin.core.forms import CampusModelForm as _CampusModelForm
from houqin.core.roles import Role
from houqin.safety.models import (
    ActivityPlan,
    Agreement,
    Drill,
    DrillFollowUp,
    DrillGroup,
    DutyShift,
    EducationTheme,
    EmergencyPlan,
    Hazard,
    SafetyTalk,
)


def _formfield(db_field, **kwargs):
    """Like the core's callback, for many-to-many fields too (filled per campus later)."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("queryset", db_field.remote_field.model._base_manager.none())
        return db_field.formfield(**kwargs)
    return scoped_formfield(db_field, **kwargs)


class CampusModelForm(_CampusModelForm):
    class Meta:
        formfield_callback = _formfield


PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one input (the phone camera or the gallery)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(PHOTO_ATTRS)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


# --- Hazards ------------------------------------------------------------------------------


class HazardForm(CampusModelForm):
    photos = PhotosField(label=_("Photos (before)"))

    class Meta(CampusModelForm.Meta):
        model = Hazard
        fields = [
            "room",
            "building",
            "place_text",
            "category",
            "severity",
            "description",
            "owner",
            "deadline",
            "measures",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 2}),
            "deadline": forms.DateInput(),
        }

    def __init__(self, *args, **kwargs):
        can_assign = kwargs.pop("can_assign", True)
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = (
            self.fields["room"].queryset.filter(is_active=True).select_related("building")
        )
        self.fields["deadline"].help_text = _("Empty: set from the severity (限时整改 rule settings).")
        if self.instance.pk:
            del self.fields["photos"]
            del self.fields["owner"]
        elif not can_assign:
            del self.fields["owner"]
            del self.fields["deadline"]
            del self.fields["measures"]


class AssignForm(CampusForm):
    owner = forms.ModelChoiceField(label=_("Responsible for rectification"), queryset=None)
    deadline = forms.DateField(label=_("Rectify by"), required=False, widget=forms.DateInput())
    measures = forms.CharField(
        label=_("Rectification measures required"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = campus_users(self.campus)
        self.style_fields()


class RectifyForm(CampusForm):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Photos after rectification"))


class VerifyForm(CampusForm):
    note = forms.CharField(
        label=_("Verification note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=forms.DateInput())


class QrHazardForm(CampusForm):
    name = forms.CharField(label=_("Your name"), max_length=40)
    phone = forms.CharField(
        label=_("Your phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    description = forms.CharField(
        label=_("What is wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(
        label=_("How serious?"), choices=Hazard.Severity.choices, initial=Hazard.Severity.LOW
    )
    photo = forms.FileField(
        label=_("Photo (optional)"), required=False, widget=forms.ClearableFileInput(attrs=PHOTO_ATTRS)
    )
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # a honeypot robots fill in

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].min_length = 4
        self.fields["description"].validators.append(MinLengthValidator(4))

    def clean_phone(self):
        from houqin.core.validators import validate_phone

        phone = self.cleaned_data["phone"].strip()
        validate_phone(phone)
        return phone


# --- Drills -------------------------------------------------------------------------------


class DrillForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Drill
        fields = ["title", "kind", "planned_at", "place", "organizer", "scenario"]
        widgets = {
            "planned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "scenario": forms.Textarea(attrs={"rows": 4}),
        }


class DrillRecordForm(CampusForm):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    children_count = forms.IntegerField(label=_("Children taking part"), min_value=0, required=False)
    staff_count = forms.IntegerField(label=_("Staff taking part"), min_value=0, required=False)
    evacuation_minutes = forms.IntegerField(
        label=_("Evacuation time: minutes"), min_value=0, max_value=120, required=False
    )
    evacuation_seconds = forms.IntegerField(label=_("and seconds"), min_value=0, max_value=59, required=False)
    reflection = forms.CharField(
        label=_("Reflection (演练反思)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = PhotosField(label=_("Photos"))

    def total_seconds(self):
        minutes = self.cleaned_data.get("evacuation_minutes")
        seconds = self.cleaned_data.get("evacuation_seconds")
        if minutes is None and seconds is None:
            return None
        return (minutes or 0) * 60 + (seconds or 0)


class DrillGroupForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = DrillGroup
        fields = ["role", "leader", "leader_name", "members", "duties"]


class DrillFollowUpForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = DrillFollowUp
        fields = ["description", "owner", "due_on"]
        widgets = {"due_on": forms.DateInput()}


# --- Agreements ---------------------------------------------------------------------------

STAFF_ROLE_CHOICES = [
    (r.value, r.label) for r in Role if r not in (Role.PARENT, Role.SUPERVISOR, Role.SYSADMIN)
]


class AgreementForm(CampusModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles that sign"),
        choices=STAFF_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta(CampusModelForm.Meta):
        model = Agreement
        fields = [
            "term",
            "title",
            "kind",
            "audience",
            "roles",
            "classes",
            "children",
            "text",
            "due_on",
            "is_active",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
            "due_on": forms.DateInput(),
            "classes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = self.fields["classes"].queryset.filter(is_active=True)
        self.fields["children"].queryset = (
            self.fields["children"].queryset.filter(status="enrolled").select_related("school_class")
        )
        self.fields["children"].widget.attrs["size"] = 6


class SignatureScanForm(CampusForm):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=None, required=False)
    child = forms.ModelChoiceField(label=_("Child"), queryset=None, required=False)
    signer_name = forms.CharField(
        label=_("Signed by"),
        max_length=40,
        required=False,
        help_text=_("Empty: the staff member, or the child's first guardian."),
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=forms.DateInput())
    scan = forms.FileField(
        label=_("Scan or photo of the signed paper"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, agreement=None, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.core.models import Child, User

        ids = [p.pk for p in missing]
        if agreement is not None and agreement.audience == Agreement.Audience.STAFF:
            self.fields["user"].queryset = User.objects.filter(pk__in=ids).order_by("real_name", "username")
            self.fields["user"].required = True
            del self.fields["child"]
        else:
            self.fields["child"].queryset = Child.objects.filter(pk__in=ids).select_related("school_class")
            self.fields["child"].required = True
            del self.fields["user"]
        self.style_fields()


class VoidForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- Education ----------------------------------------------------------------------------


class EducationThemeForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = EducationTheme
        fields = ["term", "month", "title", "content", "per_class"]
        widgets = {"month": forms.DateInput(), "content": forms.Textarea(attrs={"rows": 4})}


class EducationRecordForm(CampusForm):
    school_class = forms.ModelChoiceField(label=_("Class"), queryset=None)
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(), initial=timezone.localdate)
    note = forms.CharField(
        label=_("Content and notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.style_fields()


class TalkForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput())
    slot = forms.ChoiceField(label=_("When"), choices=SafetyTalk.Slot.choices)
    topic = forms.CharField(label=_("Topic"), max_length=120, required=False)


class ActivityPlanForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = ActivityPlan
        fields = [
            "title", "starts_at", "ends_at", "destination", "classes", "children_count", "adults_count", "responsible",
            "transport", "risks", "measures", "emergency",
        ]  # fmt: skip
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "risks": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
            "emergency": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = self.fields["classes"].queryset.filter(is_active=True)
        self.fields["classes"].widget.attrs["size"] = 5


# --- Emergency plans ----------------------------------------------------------------------


class EmergencyPlanForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = EmergencyPlan
        fields = ["title", "category", "is_active"]


class PlanVersionForm(CampusForm):
    version = forms.CharField(label=_("Version"), max_length=20, help_text=_("For example 2026版 or V2."))
    published_on = forms.DateField(
        label=_("Published on"), widget=forms.DateInput(), initial=timezone.localdate
    )
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 12}))
    pdf = forms.FileField(
        label=_("PDF (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["rows"] = 12


# --- Duty roster --------------------------------------------------------------------------


class DutyShiftForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = DutyShift
        fields = ["date", "kind", "start_time", "end_time", "person", "phone", "note"]
        widgets = {"date": forms.DateInput(), "start_time": forms.TimeInput(), "end_time": forms.TimeInput()}


class DutyFillForm(CampusForm):
    DAYS = [("school", _("School days")), ("holidays", _("Weekends and holidays")), ("all", _("Every day"))]
    month = forms.DateField(label=_("Month"), widget=forms.DateInput(), help_text=_("Any day of the month."))
    kind = forms.ChoiceField(label=_("Shift"), choices=DutyShift.Kind.choices)
    days = forms.ChoiceField(label=_("Days"), choices=DAYS)
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(), initial="07:30")
    end_time = forms.TimeField(label=_("To"), widget=forms.TimeInput(), initial="17:30")
    people = forms.ModelMultipleChoiceField(
        label=_("In turn"), queryset=None, widget=forms.SelectMultiple(attrs={"size": 8})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = campus_users(self.campus)
        self.style_fields()


class DutySwapForm(CampusForm):
    replacement = forms.ModelChoiceField(label=_("Who takes the shift"), queryset=None)
    other_shift = forms.ModelChoiceField(
        label=_("In exchange I take their shift (optional)"), queryset=None, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, shift=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = campus_users(self.campus).exclude(pk=shift.person_id)
        self.fields["other_shift"].queryset = (
            DutyShift.objects.filter(
                campus=self.campus,
                date__gte=timezone.localdate(),
                date__lte=timezone.localdate() + dt.timedelta(days=92),
            )
            .exclude(person_id=shift.person_id)
            .select_related("person")
            .order_by("date", "start_time")
        )
        self.style_fields()
