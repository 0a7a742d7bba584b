"""Filter sets of the meals area's list pages (querysets are callables: evaluated in the
campus scope)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models import CommitteeMeeting, CompanionMeal, MealKind, ParentSuggestion
from houqin.core.filters import CampusFilterSet
from houqin.core.models import SchoolClass

DateInput = forms.DateInput(attrs={"type": "date"})
YES_NO = (("1", _("Yes")), ("0", _("No")))


def _classes(request):
    return SchoolClass.objects.filter(is_active=True)


class CompanionMealFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    meal = django_filters.ChoiceFilter(label=_("Meal"), choices=MealKind.choices, empty_label=_("All"))
    companion_role = django_filters.ChoiceFilter(
        label=_("Companion"), choices=CompanionMeal.Role.choices, empty_label=_("All")
    )
    school_class = django_filters.ModelChoiceFilter(label=_("Class"), queryset=_classes, empty_label=_("All"))
    issue = django_filters.ChoiceFilter(
        label=_("Problems"), method="filter_issue", empty_label=_("All"),
        choices=(("open", _("Open")), ("done", _("Dealt with")), ("any", _("Any problem"))),
    )  # fmt: skip
    void = django_filters.ChoiceFilter(
        label=_("Void"), choices=YES_NO, method="filter_void", empty_label=_("All")
    )

    class Meta(CampusFilterSet.Meta):
        model = CompanionMeal
        fields = ["meal", "companion_role", "school_class"]

    def filter_issue(self, qs, name, value):
        if value == "any":
            return qs.exclude(issue_status="")
        return qs.filter(issue_status=value, is_void=False)

    def filter_void(self, qs, name, value):
        return qs.filter(is_void=value == "1")


class MeetingFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DateInput)

    class Meta(CampusFilterSet.Meta):
        model = CommitteeMeeting
        fields = []


class SuggestionFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ParentSuggestion.Status.choices,
                                         empty_label=_("All"))  # fmt: skip
    channel = django_filters.ChoiceFilter(label=_("Received by way of"), choices=ParentSuggestion.Channel.choices,
                                          empty_label=_("All"))  # fmt: skip
    date_from = django_filters.DateFilter(label=_("From"), field_name="received_on", lookup_expr="gte",
                                          widget=DateInput)  # fmt: skip
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="received_on", lookup_expr="lte", widget=DateInput
    )

    class Meta(CampusFilterSet.Meta):
        model = ParentSuggestion
        fields = ["status", "channel"]
