"""Forms of the disease area's pages. Model forms are campus-aware
(:class:`houqin.core.forms.CampusModelForm`); photos are plain file fields handed to the
services, which check them through ``core.attachments``."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.models import Child, SchoolClass
from houqin.health.models import (
    ClassQuarantine,
    ConcentrationTest,
    Disease,
    DiseaseCase,
    HealthLesson,
    MedicationDose,
    MedicationOrder,
    PublicityBoardChange,
)
from houqin.health.models.disease import parse_times

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


def enrolled_children(campus):
    return (
        Child._base_manager.filter(campus=campus, status=Child.Status.ENROLLED, school_class__isnull=False)
        .select_related("school_class")
        .order_by("school_class__sort_order", "school_class__name", "name")
    )


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.school_class} · {obj.name}"


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- Medication ---------------------------------------------------------------------------------


class MedicationOrderForm(CampusModelForm):
    child = ChildChoiceField(label=_("Child"), queryset=Child._base_manager.none())
    times = forms.CharField(label=_("Times of day"), max_length=60, help_text=_("e.g. 08:30, 12:00"))
    photos = PhotosField(label=_("Hospital record photo (病历/处方)"),
                         help_text=_("Required for an antibiotic."))  # fmt: skip
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta(CampusModelForm.Meta):
        model = MedicationOrder
        fields = ["child", "drug", "dose", "route", "times", "start_date", "days", "is_antibiotic", "storage", "notes",
                  "parent_name", "parent_phone", "parent_confirmed"]  # fmt: skip
        widgets = {"start_date": forms.DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["child"].queryset = enrolled_children(self.campus)
        self.fields["parent_confirmed"].label = _("The parent signed the entrustment (家长签字确认)")

    def clean_times(self):
        return parse_times(self.cleaned_data.get("times"))

    def _post_clean(self):
        # The service validates the whole order; the model's checks run there.
        pass


class DoseGiveForm(CampusForm):
    confirm_child = forms.BooleanField(label=_("Checked the child's name (核对姓名)"), required=False)
    confirm_class = forms.BooleanField(label=_("Checked the class (核对班级)"), required=False)
    confirm_dose = forms.BooleanField(
        label=_("Checked the medicine and dose (核对药名、剂量)"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DoseNotGivenForm(CampusForm):
    reason = forms.ChoiceField(label=_("Why not given"), choices=MedicationDose.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


# --- Infectious disease ---------------------------------------------------------------------------


class DiseaseForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = Disease
        fields = ["name", "isolation_days", "quarantine_days", "cluster_cases", "cluster_days", "class_cluster_cases",
                  "symptoms", "return_rule", "is_notifiable", "is_active", "sort_order"]  # fmt: skip


class CaseForm(CampusModelForm):
    child = ChildChoiceField(label=_("Child"), queryset=Child._base_manager.none())

    class Meta(CampusModelForm.Meta):
        model = DiseaseCase
        fields = ["child", "disease", "onset_date", "diagnosis_source", "hospital", "symptoms", "note"]
        widgets = {"onset_date": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["child"].queryset = enrolled_children(self.campus)
            self.fields["disease"].queryset = Disease._base_manager.filter(campus=self.campus, is_active=True)

    def _post_clean(self):
        pass


class CaseReturnForm(CampusForm):
    returned_on = forms.DateField(
        label=_("Back in class on"), widget=forms.DateInput(), initial=timezone.localdate
    )
    certificate_date = forms.DateField(label=_("Certificate date"), widget=forms.DateInput())
    certificate = forms.FileField(label=_("Medical certificate (复课证明) photo"), required=False,
                                  widget=forms.ClearableFileInput(attrs=PHOTO_ATTRS))  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class CaseExtendForm(CampusForm):
    until = forms.DateField(label=_("Isolation until"), widget=forms.DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)


class QuarantineForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = ClassQuarantine
        fields = ["school_class", "disease", "start_date", "end_date", "reason"]
        widgets = {"start_date": forms.DateInput(), "end_date": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["school_class"].queryset = SchoolClass._base_manager.filter(
                campus=self.campus, is_active=True
            )

    def _post_clean(self):
        pass


class QuarantineConfirmForm(CampusForm):
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput())
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput())


class DisinfectionDoneForm(CampusForm):
    method = forms.CharField(label=_("Method"), max_length=200,
                             help_text=_("e.g. 含氯消毒液500mg/L擦拭、紫外线灯照射60分钟"))  # fmt: skip
    areas = forms.CharField(label=_("Areas and objects"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class OutbreakReportForm(CampusForm):
    reported_at = forms.DateTimeField(
        label=_("Reported at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
    )  # fmt: skip
    reported_to = forms.CharField(
        label=_("Reported to"), max_length=100, help_text=_("e.g. 区疾控中心 张医生")
    )
    method = forms.CharField(
        label=_("How"), max_length=60, required=False, help_text=_("Phone, online system…")
    )
    measures = forms.CharField(label=_("Measures taken"), widget=forms.Textarea(attrs={"rows": 4}))


class MeasuresForm(CampusForm):
    measures = forms.CharField(label=_("Measures taken"), widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(CampusForm):
    note = forms.CharField(label=_("Closing note"), max_length=200, required=False)


# --- Disinfection and education -------------------------------------------------------------------


class ConcentrationTestForm(CampusModelForm):
    photos = PhotosField(label=_("Photo of the test strip"))

    class Meta(CampusModelForm.Meta):
        model = ConcentrationTest
        fields = ["date", "disinfectant", "product", "purpose", "school_class", "place", "target_min", "target_max",
                  "measured", "method", "note"]  # fmt: skip
        widgets = {"date": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_min"].required = False
        self.fields["target_max"].required = False
        self.fields["target_min"].help_text = _("Empty: the campus setting for chlorine (250–500 mg/L).")

    def _post_clean(self):
        pass


class LessonForm(CampusModelForm):
    photos = PhotosField(label=_("Materials photos"))

    class Meta(CampusModelForm.Meta):
        model = HealthLesson
        fields = ["school_class", "date", "topic", "teacher", "summary"]
        widgets = {"date": forms.DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["school_class"].queryset = SchoolClass._base_manager.filter(
                campus=self.campus, is_active=True
            )

    def _post_clean(self):
        pass


class BoardForm(CampusModelForm):
    photos = PhotosField(label=_("Photo of the board"))

    class Meta(CampusModelForm.Meta):
        model = PublicityBoardChange
        fields = ["date", "topic", "location", "note"]
        widgets = {"date": forms.DateInput()}

    def _post_clean(self):
        pass


def parse_month(text, default=None):
    """ "2026-11" → date(2026, 11, 1); ``default`` (this month) when empty or wrong."""
    try:
        year, month = (int(p) for p in str(text or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return (default or timezone.localdate()).replace(day=1)


def parse_day(text, default=None):
    try:
        return dt.date.fromisoformat(str(text or ""))
    except ValueError:
        return default or timezone.localdate()
