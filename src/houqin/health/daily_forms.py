"""Forms and filters of the daily area (the quick-entry pages read their many small fields
straight from ``request.POST``; see :mod:`houqin.health.views.daily`)."""

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm
from houqin.core.models import SchoolClass
from houqin.health.models import AbsenceFollowUp, ClassAttendance, ClassCheck, HealthCheck, ObservationNote

YES = (("1", _("Yes")),)


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


class FollowUpForm(CampusForm):
    symptoms = forms.CharField(label=_("Symptoms"), max_length=300,
                               help_text=_("For example 发热38.5℃、咳嗽; write 无 when there are none."))  # fmt: skip
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=200, required=False,
                                help_text=_("As the parent reports the doctor's diagnosis; empty when unknown yet."))  # fmt: skip
    infectious_suspected = forms.BooleanField(label=_("Infectious disease suspected"), required=False)
    expected_return = forms.DateField(label=_("Expected back on"), required=False)
    contacted_person = forms.CharField(label=_("Contacted whom"), max_length=40,
                                       help_text=_("For example 妈妈, 爸爸, 奶奶."))  # fmt: skip
    contact_method = forms.ChoiceField(
        label=_("Contacted how"), choices=AbsenceFollowUp.ContactMethod.choices
    )
    contacted_at = forms.TimeField(label=_("Contacted at"), required=False, help_text=_("Empty: now."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, followup=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.followup = followup

    def service_data(self):
        data = dict(self.cleaned_data)
        at = data.pop("contacted_at")
        day = self.followup.date if self.followup else timezone.localdate()
        data["contacted_at"] = timezone.make_aware(dt.datetime.combine(day, at)) if at else None
        return data


class LeavingForm(CampusForm):
    left_at = forms.TimeField(label=_("Left at"), required=False, help_text=_("Empty: now."))
    collected_by = forms.CharField(
        label=_("Collected by"), max_length=40, help_text=_("For example 妈妈 张丽.")
    )


class VoidForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ObservationForm(CampusForm):
    child = forms.ModelChoiceField(label=_("Child"), queryset=None, empty_label=_("Choose a child"))
    aspect = forms.ChoiceField(
        label=_("About"), choices=ObservationNote.Aspect.choices, widget=forms.RadioSelect
    )
    is_abnormal = forms.BooleanField(label=_("Abnormal"), required=False, initial=True)
    finding = forms.CharField(label=_("Observation"), max_length=300)
    action = forms.CharField(label=_("Action taken"), max_length=200, required=False)

    def __init__(self, *args, children=None, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.core.models import Child

        self.fields["child"].queryset = children if children is not None else Child.objects.none()


# --- Filters -----------------------------------------------------------------------------------


class _Dates(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))


class AttendanceFilter(_Dates):
    class Meta(CampusFilterSet.Meta):
        model = ClassAttendance
        fields = []


class FollowUpFilter(_Dates):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=AbsenceFollowUp.Status.choices, empty_label=_("All")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES, method="filter_overdue", empty_label=_("All")
    )
    infectious = django_filters.ChoiceFilter(
        label=_("Infectious suspected"), choices=YES, field_name="infectious_suspected", method="filter_infectious",
        empty_label=_("All"),
    )  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = AbsenceFollowUp
        fields = []

    def filter_overdue(self, qs, name, value):
        from houqin.health.daily_services import overdue_q

        return qs.filter(overdue_q(self.request.campus)) if value else qs

    def filter_infectious(self, qs, name, value):
        return qs.filter(infectious_suspected=True) if value else qs


class CheckFilter(_Dates):
    date = django_filters.DateFilter(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    session = django_filters.ChoiceFilter(
        label=_("Check"), choices=ClassCheck.Session.choices, empty_label=_("All")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Action"), choices=HealthCheck.Outcome.choices, empty_label=_("All")
    )
    fever = django_filters.ChoiceFilter(
        label=_("Fever"), choices=YES, method="filter_fever", empty_label=_("All")
    )
    voided = django_filters.ChoiceFilter(
        label=_("Voided"), choices=YES, method="filter_voided", empty_label=_("Active only")
    )

    class Meta(CampusFilterSet.Meta):
        model = HealthCheck
        fields = []

    def filter_fever(self, qs, name, value):
        return qs.filter(fever=True) if value else qs

    def filter_voided(self, qs, name, value):
        # The list shows active rows unless ``voided=1`` (the view applies the default).
        return qs


class ObservationFilter(_Dates):
    date = django_filters.DateFilter(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    aspect = django_filters.ChoiceFilter(
        label=_("About"), choices=ObservationNote.Aspect.choices, empty_label=_("All")
    )
    abnormal = django_filters.ChoiceFilter(
        label=_("Abnormal"), choices=YES, method="filter_abnormal", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = ObservationNote
        fields = []

    def filter_abnormal(self, qs, name, value):
        return qs.filter(is_abnormal=True) if value else qs
