"""Forms and filters of the growth pages (campus-aware: children and classes of the campus)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm
from houqin.core.models import Child, SchoolClass
from houqin.health.models import Exam, HealthCard, Measurement
from houqin.safety.forms import PhotosField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FLAG_CHOICES = (
    ("any", _("Any finding")),
    ("stunting", _("Stunting (生长迟缓)")),
    ("underweight", _("Underweight (低体重)")),
    ("wasting", _("Wasting (消瘦)")),
    ("overweight", _("Overweight (超重)")),
    ("obesity", _("Obesity (肥胖)")),
)
PASSED_CHOICES = (("", _("Work it out")), ("1", _("Passed")), ("0", _("Not passed")))


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


def _children(campus):
    return Child.objects.filter(campus=campus, status=Child.Status.ENROLLED).select_related("school_class")


class _RecordFilter(CampusFilterSet):
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes)
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DATE)
    void = django_filters.BooleanFilter(
        label=_("Void"), field_name="is_void",
        widget=forms.Select(choices=(("", _("Valid only")), ("true", _("Void only")))),
    )  # fmt: skip
    date_field = "measured_on"

    def filter_from(self, qs, name, value):
        return qs.filter(**{f"{self.date_field}__gte": value})

    def filter_to(self, qs, name, value):
        return qs.filter(**{f"{self.date_field}__lte": value})

    @property
    def qs(self):
        qs = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("void") is not None):
            qs = qs.filter(is_void=False)
        return qs


class MeasurementFilter(_RecordFilter):
    flag = django_filters.ChoiceFilter(label=_("Finding"), choices=FLAG_CHOICES, method="filter_flag")

    class Meta:
        model = Measurement
        fields = ["school_class"]

    def filter_flag(self, qs, name, value):
        if value == "any":
            return qs.filter(Q(stunting=True) | Q(underweight=True) | Q(wasting=True) | Q(overweight=True)
                             | Q(obesity=True))  # fmt: skip
        return qs.filter(**{value: True})


class ExamFilter(_RecordFilter):
    date_field = "exam_date"
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Exam.Kind.choices)
    anaemia = django_filters.BooleanFilter(
        label=_("Anaemia"), method="filter_anaemia",
        widget=forms.Select(choices=(("", "—"), ("true", _("Yes")), ("false", _("No")))),
    )  # fmt: skip
    passed = django_filters.BooleanFilter(
        label=_("Passed"), widget=forms.Select(choices=(("", "—"), ("true", _("Yes")), ("false", _("No"))))
    )

    class Meta:
        model = Exam
        fields = ["school_class", "kind", "passed"]

    def filter_anaemia(self, qs, name, value):
        return qs.exclude(anaemia="") if value else qs.filter(anaemia="")


class HealthCardFilter(_RecordFilter):
    date_field = "exam_date"
    school_class = django_filters.ModelChoiceFilter(
        label=_("Class"), queryset=_classes, field_name="child__school_class"
    )

    class Meta:
        model = HealthCard
        fields = []


# --- Forms -------------------------------------------------------------------------------------


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.school_class or ''} {obj.name}".strip()


class ExamForm(CampusForm):
    """One child's exam (the class grid is the quicker way for a whole class)."""

    child = ChildChoiceField(label=_("Child"), queryset=Child.objects.none())
    exam_date = forms.DateField(label=_("Exam date"), widget=DATE, initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Kind"), choices=Exam.Kind.choices, initial=Exam.Kind.PERIODIC)
    height_cm = forms.DecimalField(label=_("Height (cm)"), required=False, max_digits=4, decimal_places=1)
    weight_kg = forms.DecimalField(label=_("Weight (kg)"), required=False, max_digits=5, decimal_places=2)
    hb_g_l = forms.IntegerField(label=_("Haemoglobin (g/L)"), required=False, min_value=30, max_value=220)
    vision_left = forms.DecimalField(label=_("Vision, left eye"), required=False, max_digits=2, decimal_places=1,
                                     min_value=3, max_value=5.3)  # fmt: skip
    vision_right = forms.DecimalField(label=_("Vision, right eye"), required=False, max_digits=2, decimal_places=1,
                                      min_value=3, max_value=5.3)  # fmt: skip
    vision_abnormal = forms.BooleanField(
        label=_("Vision abnormal (also worked out from the values)"), required=False
    )
    caries_count = forms.IntegerField(
        label=_("Decayed teeth (龋齿)"), required=False, min_value=0, max_value=20
    )
    hearing = forms.ChoiceField(label=_("Hearing screen"), choices=Exam.Hearing.choices, required=False)
    findings = forms.CharField(label=_("Other findings"), max_length=300, required=False)
    passed = forms.ChoiceField(label=_("Result"), choices=PASSED_CHOICES, required=False)
    advice = forms.CharField(label=_("Doctor's advice"), max_length=300, required=False)
    doctor = forms.CharField(label=_("Examined by (doctor or hospital)"), max_length=60, required=False)
    confirmed = forms.BooleanField(label=_("Checked: save unusual values anyway"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["child"].queryset = _children(self.campus)


class HealthCardForm(CampusForm):
    child = ChildChoiceField(label=_("Child"), queryset=Child.objects.none())
    exam_date = forms.DateField(label=_("Exam date"), widget=DATE)
    hospital = forms.CharField(label=_("Examining hospital"), max_length=100)
    passed = forms.BooleanField(label=_("Fit for admission"), required=False, initial=True)
    results = forms.CharField(label=_("Results"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    vaccination_checked = forms.BooleanField(
        label=_("Vaccination card checked (查验预防接种证)"), required=False
    )
    vaccination_complete = forms.BooleanField(label=_("Vaccinations complete"), required=False, initial=True)
    vaccination_note = forms.CharField(label=_("Vaccinations to catch up"), max_length=200, required=False)
    allergies = forms.CharField(label=_("Allergies"), max_length=200, required=False)
    past_illnesses = forms.CharField(label=_("Past illnesses"), max_length=300, required=False)
    height_cm = forms.DecimalField(label=_("Height (cm)"), required=False, max_digits=4, decimal_places=1)
    weight_kg = forms.DecimalField(label=_("Weight (kg)"), required=False, max_digits=5, decimal_places=2)
    hb_g_l = forms.IntegerField(label=_("Haemoglobin (g/L)"), required=False, min_value=30, max_value=220)
    photos = PhotosField(label=_("Photos of the form"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["child"].queryset = _children(self.campus)


class ReferenceForm(CampusForm):
    reference = forms.ChoiceField(label=_("Growth reference"), choices=Measurement.Reference.choices)
