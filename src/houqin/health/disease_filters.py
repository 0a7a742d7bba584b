"""Filters of the disease area's list pages (querysets are callables: evaluated in the
request's campus scope)."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.models import SchoolClass
from houqin.health.models import (
    ClassQuarantine,
    ConcentrationTest,
    Disease,
    DiseaseCase,
    HealthLesson,
    MedicationOrder,
    OutbreakAlert,
    PublicityBoardChange,
    TerminalDisinfection,
)

YES_NO = (("1", _("Yes")), ("0", _("No")))


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


def _diseases(request):
    return Disease.objects.all()


class _ClassFilter(CampusFilterSet):
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))


class MedicationFilter(_ClassFilter):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=MedicationOrder.Status.choices, empty_label=_("All")
    )
    current = django_filters.ChoiceFilter(label=_("Running today"), choices=YES_NO, method="filter_current",
                                          empty_label=_("All"))  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = MedicationOrder
        fields = []

    def filter_current(self, qs, name, value):
        today = timezone.localdate()
        running = {"status": MedicationOrder.Status.ACTIVE, "start_date__lte": today, "end_date__gte": today}
        return qs.filter(**running) if value == "1" else qs.exclude(**running) if value == "0" else qs


class DiseaseFilter(CampusFilterSet):
    is_active = django_filters.ChoiceFilter(label=_("Active"), choices=YES_NO, method="filter_active",
                                            empty_label=_("All"))  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = Disease
        fields = []

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "1") if value in ("0", "1") else qs


CASE_STATES = (("isolating", _("In isolation")), ("returned", _("Back in class")), ("void", _("Void")))


class CaseFilter(_ClassFilter):
    state = django_filters.ChoiceFilter(label=_("Status"), choices=CASE_STATES, method="filter_state",
                                        empty_label=_("All"))  # fmt: skip
    disease = django_filters.ModelChoiceFilter(label=_("Disease"), queryset=_diseases, empty_label=_("All"))
    onset_from = django_filters.DateFilter(label=_("Onset from"), field_name="onset_date", lookup_expr="gte")
    onset_to = django_filters.DateFilter(label=_("Onset until"), field_name="onset_date", lookup_expr="lte")

    class Meta(CampusFilterSet.Meta):
        model = DiseaseCase
        fields = []

    def filter_state(self, qs, name, value):
        if value == "void":
            return qs.filter(is_void=True)
        if value:
            return qs.filter(is_void=False, status=value)
        return qs


class DisinfectionFilter(_ClassFilter):
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status", empty_label=_("All"),
        choices=(("pending", _("To do")), ("overdue", _("Overdue")), ("done", _("Done")), ("void", _("Void"))),
    )  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = TerminalDisinfection
        fields = []

    def filter_status(self, qs, name, value):
        if value == "void":
            return qs.filter(is_void=True)
        if value == "overdue":
            return qs.filter(is_void=False, status="pending", due_date__lt=timezone.localdate())
        if value:
            return qs.filter(is_void=False, status=value)
        return qs


class QuarantineFilter(_ClassFilter):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ClassQuarantine.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = ClassQuarantine
        fields = []


class OutbreakFilter(_ClassFilter):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=OutbreakAlert.Status.choices, empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = OutbreakAlert
        fields = []


class ConcentrationFilter(_ClassFilter):
    disinfectant = django_filters.ChoiceFilter(label=_("Disinfectant"), choices=ConcentrationTest.Disinfectant.choices,
                                               empty_label=_("All"))  # fmt: skip
    passed = django_filters.ChoiceFilter(
        label=_("Passed"), choices=YES_NO, method="filter_passed", empty_label=_("All")
    )
    redo = django_filters.ChoiceFilter(label=_("Awaiting a redo"), choices=YES_NO[:1], method="filter_redo",
                                       empty_label=_("All"))  # fmt: skip
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte")

    class Meta(CampusFilterSet.Meta):
        model = ConcentrationTest
        fields = []

    def filter_passed(self, qs, name, value):
        return qs.filter(is_void=False, passed=value == "1") if value in ("0", "1") else qs

    def filter_redo(self, qs, name, value):
        if value != "1":
            return qs
        redone = ConcentrationTest.objects.filter(redo_of=OuterRef("pk"), is_void=False)
        return qs.filter(passed=False, is_void=False).exclude(Exists(redone))


class LessonFilter(_ClassFilter):
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte")

    class Meta(CampusFilterSet.Meta):
        model = HealthLesson
        fields = []


class BoardFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte")

    class Meta(CampusFilterSet.Meta):
        model = PublicityBoardChange
        fields = []
