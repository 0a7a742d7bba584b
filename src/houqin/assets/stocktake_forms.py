"""Forms and the list filter of the stocktake pages."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import AssetCategory, Stocktake
from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm
from houqin.core.models import Building, Room
from houqin.core.roles import roles_with


def counting_users(campus):
    """Active members of the campus whose roles may count a stocktake."""
    from django.contrib.auth import get_user_model

    roles = sorted(roles_with("assets.count_stocktakes"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(memberships__campus=campus) | Q(memberships__organization_id=campus.organization_id),
            memberships__role__in=roles,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("real_name", "username")
    )


class StocktakeCreateForm(CampusForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": "2026年秋季学期期末盘点"}),
    )
    scope = forms.ChoiceField(
        label=_("What to count"), choices=Stocktake.Scope.choices, initial=Stocktake.Scope.CAMPUS,
        widget=forms.RadioSelect,
    )  # fmt: skip
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rooms = forms.ModelMultipleChoiceField(
        label=_("Rooms"), queryset=Room.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )  # fmt: skip
    categories = forms.ModelMultipleChoiceField(
        label=_("Only these categories"), queryset=AssetCategory.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every category."),
    )  # fmt: skip
    start_date = forms.DateField(label=_("Starts on"), widget=forms.DateInput())
    end_date = forms.DateField(label=_("Ends on"), widget=forms.DateInput())
    counters = forms.ModelMultipleChoiceField(
        label=_("Counters for every room"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Empty: each room is counted by its keeper (the class teacher); change it per room later."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campus = self.campus
        self.fields["buildings"].queryset = Building.objects.filter(campus=campus)
        self.fields["rooms"].queryset = Room.objects.filter(campus=campus, is_active=True).select_related(
            "building"
        )
        self.fields["categories"].queryset = AssetCategory.objects.filter(campus=campus, is_active=True)
        self.fields["counters"].queryset = counting_users(campus)
        self.fields["scope"].widget.attrs["class"] = "form-check-input"
        for name in ("buildings", "categories"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("start_date", today)
            self.initial.setdefault("end_date", today + dt.timedelta(days=7))

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == Stocktake.Scope.ROOMS and not data.get("rooms"):
            self.add_error("rooms", _("Choose the rooms to count."))
        if scope == Stocktake.Scope.BUILDINGS and not data.get("buildings"):
            self.add_error("buildings", _("Choose the buildings to count."))
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The stocktake cannot end before it starts."))
        return data


class StocktakeEditForm(CampusForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    start_date = forms.DateField(label=_("Starts on"), widget=forms.DateInput())
    end_date = forms.DateField(label=_("Ends on"), widget=forms.DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CountersForm(CampusForm):
    room = forms.ModelChoiceField(label=_("Room"), queryset=None)
    counters = forms.ModelMultipleChoiceField(
        label=_("Counted by"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Nobody named: anyone who may count stocktakes counts it."),
    )  # fmt: skip

    def __init__(self, *args, stocktake=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = stocktake.rooms.select_related("room", "room__building")
        self.fields["room"].label_from_instance = lambda r: str(r.room)
        self.fields["counters"].queryset = counting_users(self.campus)


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Why"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ScanForm(forms.Form):
    text = forms.CharField(max_length=200, strip=True)
    quantity = forms.IntegerField(required=False, min_value=1, max_value=100000)


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=100000)


class StocktakeFilter(CampusFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Stocktake.Status.choices, empty_label=_("All")
    )
    scope = django_filters.ChoiceFilter(
        label=_("Scope"), choices=Stocktake.Scope.choices, empty_label=_("All")
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="start_date", lookup_expr="year")

    class Meta(CampusFilterSet.Meta):
        model = Stocktake
        fields = []
