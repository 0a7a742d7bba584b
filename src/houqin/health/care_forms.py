"""Forms and filters of the special-care registers and the health statistics."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.models import Child, SchoolClass
from houqin.health.models import SpecialCareCase

DATE = forms.DateInput(attrs={"type": "date"})
PLAN_WIDGETS = {
    name: forms.Textarea(attrs={"rows": 2}) for name in ("plan_diet", "plan_activity", "plan_parents", "plan")
}


class CaseForm(CampusModelForm):
    """Open a case by hand."""

    class Meta(CampusModelForm.Meta):
        model = SpecialCareCase
        fields = ["child", "category", "severity", "detail", "opened_on", "plan_diet", "plan_activity",
                  "plan_parents", "plan", "recheck_months"]  # fmt: skip
        widgets = {"opened_on": DATE, **PLAN_WIDGETS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["child"].queryset = (
                Child.objects.filter(campus=self.campus, status=Child.Status.ENROLLED)
                .select_related("school_class")
                .order_by("school_class__sort_order", "school_class__name", "name")
            )
        self.fields["child"].label_from_instance = lambda c: (
            f"{c.school_class.name if c.school_class_id else '—'} · {c.name}"
        )
        self.fields["opened_on"].initial = timezone.localdate()
        self.fields["opened_on"].required = False


class CasePlanForm(CampusModelForm):
    """The care plan (干预方案) and the grading of an open case."""

    class Meta(CampusModelForm.Meta):
        model = SpecialCareCase
        fields = [
            "severity",
            "detail",
            "plan_diet",
            "plan_activity",
            "plan_parents",
            "plan",
            "recheck_months",
        ]
        widgets = PLAN_WIDGETS


class FollowUpForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=DATE)
    weight_kg = forms.DecimalField(label=_("Weight (kg)"), max_digits=5, decimal_places=2, required=False,
                                   widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))  # fmt: skip
    height_cm = forms.DecimalField(label=_("Height (cm)"), max_digits=5, decimal_places=1, required=False,
                                   widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))  # fmt: skip
    hb_g_l = forms.IntegerField(label=_("Haemoglobin (g/L)"), required=False, min_value=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))  # fmt: skip
    bp_systolic = forms.IntegerField(label=_("Systolic BP (mmHg)"), required=False, min_value=0,
                                     widget=forms.NumberInput(attrs={"inputmode": "numeric"}))  # fmt: skip
    bp_diastolic = forms.IntegerField(label=_("Diastolic BP (mmHg)"), required=False, min_value=0,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class CloseForm(CampusForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SpecialCareCase.Outcome.choices)
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False,
        help_text=_("Needed when no result since the case was opened shows recovery, or for “other”."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- Report periods ------------------------------------------------------------------------------


class MonthForm(CampusForm):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.input_type = "month"
        self.fields["month"].widget.format = "%Y-%m"


class PeriodForm(CampusForm):
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end < start or (end - start).days > 800):
            raise forms.ValidationError(_("Choose a period of at most two years, the end after the start."))
        return data


class YearForm(CampusForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def default_month():
    return timezone.localdate().replace(day=1)


# --- List filters ---------------------------------------------------------------------------------


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


DUE_CHOICES = (("recheck", _("Recheck due")), ("bp", _("Blood pressure due")), ("overdue", _("Overdue")))


class CaseFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SpecialCareCase.Status.choices,
                                         empty_label=_("All"))  # fmt: skip
    category = django_filters.ChoiceFilter(label=_("Category"), choices=SpecialCareCase.Category.choices,
                                           empty_label=_("All"))  # fmt: skip
    severity = django_filters.ChoiceFilter(
        label=_("Severity"),
        choices=[c for c in SpecialCareCase.Severity.choices if c[0]],
        empty_label=_("All"),
    )
    school_class = django_filters.ModelChoiceFilter(
        label=_("Class"), queryset=_classes, field_name="child__school_class", empty_label=_("All")
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=SpecialCareCase.Source.choices,
                                         empty_label=_("All"))  # fmt: skip
    due = django_filters.ChoiceFilter(
        label=_("Due"), choices=DUE_CHOICES, method="filter_due", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = SpecialCareCase
        fields = ["status", "category", "severity", "source"]

    def filter_due(self, qs, name, value):
        from houqin.core.settings_registry import campus_setting

        today = timezone.localdate()
        soon = today + dt.timedelta(
            days=int(campus_setting(self.request.campus, "health.care.due_soon_days"))
        )
        qs = qs.filter(status=SpecialCareCase.Status.OPEN)
        if value == "recheck":
            return qs.filter(next_recheck_on__lte=soon)
        if value == "bp":
            return qs.filter(bp_due_on__lte=soon)
        return qs.filter(Q(next_recheck_on__lt=today) | Q(bp_due_on__lt=today))
