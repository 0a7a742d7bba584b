"""Forms and list filters of the gate pages (visitors, watch list, pickup)."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.models import Child, Guardian, SchoolClass
from houqin.safety.gate_services import campus_staff, day_bounds
from houqin.safety.models import PickupPerson, PickupRelease, Visitor, WatchEntry


def _clean_id(value):
    """Normalised; the model checks the digits (one message, with its code)."""
    return (value or "").strip().upper()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


# --- Visitors -----------------------------------------------------------------------------


class VisitorForm(CampusModelForm):
    """The guard's phone form. Big fields, the keyboard each field needs, nothing optional first."""

    photo = forms.ImageField(label=_("Photo"), required=False)
    confirmed_by_phone = forms.BooleanField(
        label=_("The host confirmed by phone"), required=False,
        help_text=_("Tick when you called the host and they confirmed; otherwise the host confirms in Houqin."),
    )  # fmt: skip
    admit_anyway = forms.BooleanField(label=_("Admit anyway"), required=False)

    class Meta(CampusModelForm.Meta):
        model = Visitor
        fields = [
            "name", "id_number", "phone", "host", "category", "organization", "purpose", "badge_no",
            "people_count", "vehicle_plate", "time_in", "override_reason", "refusal_reason",
        ]  # fmt: skip
        widgets = {
            "time_in": DateTimeLocalInput(),
            "purpose": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = campus_staff(self.campus)
        self.fields["host"].required = False  # required unless refused: the model decides
        self.fields["time_in"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["time_in"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        attrs = {
            "name": {"autocomplete": "off", "autofocus": True},
            "id_number": {"autocomplete": "off", "maxlength": 18, "autocapitalize": "characters",
                          "spellcheck": "false", "class": "form-control font-monospace"},
            "phone": {"inputmode": "tel", "autocomplete": "off"},
            "badge_no": {"autocomplete": "off"},
            "people_count": {"inputmode": "numeric", "min": 1},
            "vehicle_plate": {"autocapitalize": "characters", "autocomplete": "off"},
        }  # fmt: skip
        for name, extra in attrs.items():
            self.fields[name].widget.attrs.update(extra)
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        self.fields["override_reason"].required = False
        self.fields["refusal_reason"].required = False

    def clean_id_number(self):
        return _clean_id(self.cleaned_data.get("id_number"))

    def visitor_data(self):
        return {name: self.cleaned_data.get(name) for name in (
            "name", "id_number", "phone", "organization", "category", "purpose", "host", "badge_no",
            "people_count", "vehicle_plate", "time_in",
        )}  # fmt: skip


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def voided_filter():
    return django_filters.ChoiceFilter(
        label=_("Voided entries"),
        choices=(("hide", _("Hide")), ("show", _("Show")), ("only", _("Only voided"))),
        method="filter_voided",
        empty_label=None,
    )


def filter_voided(qs, value):
    """Voided rows are hidden by the list views unless asked for (see ``hide_voided``)."""
    if value == "only":
        return qs.filter(voided_at__isnull=False)
    return qs


def hide_voided(request, qs):
    if request.GET.get("voided") not in ("show", "only"):
        return qs.filter(voided_at__isnull=True)
    return qs


class VisitorFilter(CampusFilterSet):
    day = django_filters.DateFilter(label=_("Day"), method="filter_day", widget=forms.DateInput())
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from", widget=forms.DateInput())
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to", widget=forms.DateInput())
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Visitor.Status.choices, empty_label=_("All")
    )
    category = django_filters.ChoiceFilter(
        label=_("Kind of visit"), choices=Visitor.Category.choices, empty_label=_("All")
    )
    voided = voided_filter()

    class Meta(CampusFilterSet.Meta):
        model = Visitor
        fields = ["status", "category"]

    def filter_day(self, qs, name, value):
        start, end = day_bounds(value)
        return qs.filter(time_in__gte=start, time_in__lt=end)

    def filter_from(self, qs, name, value):
        return qs.filter(time_in__gte=day_bounds(value)[0])

    def filter_to(self, qs, name, value):
        return qs.filter(time_in__lt=day_bounds(value)[1])

    def filter_voided(self, qs, name, value):
        return filter_voided(qs, value)


# --- Watch list ---------------------------------------------------------------------------


class WatchEntryForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = WatchEntry
        fields = ["name", "id_number", "reason", "is_active"]

    def __init__(self, *args, show_identity=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_identity and self.instance.pk and self.instance.id_number:
            # Whoever may not read the full ID number may not overwrite it either.
            del self.fields["id_number"]

    def clean_id_number(self):
        return _clean_id(self.cleaned_data.get("id_number"))


class WatchEntryFilter(CampusFilterSet):
    active = django_filters.ChoiceFilter(
        label=_("Active"),
        choices=(("1", _("Yes")), ("0", _("No"))),
        method="filter_active",
        empty_label=_("All"),
    )

    class Meta(CampusFilterSet.Meta):
        model = WatchEntry
        fields = []

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "1")


# --- Pickup persons -----------------------------------------------------------------------


class PickupPersonForm(CampusModelForm):
    photo = forms.ImageField(label=_("Photo"), required=False)
    agreement = forms.FileField(
        label=_("Signed proxy agreement (scan or PDF)"), required=False,
        help_text=_("A proxy is authorised only with a signed agreement on file and valid dates."),
    )  # fmt: skip

    class Meta(CampusModelForm.Meta):
        model = PickupPerson
        fields = [
            "child", "kind", "guardian", "name", "relation", "phone", "id_number", "card_no",
            "agreement_signed", "valid_from", "valid_until", "is_active", "note",
        ]  # fmt: skip
        widgets = {"valid_from": forms.DateInput(), "valid_until": forms.DateInput()}

    def __init__(self, *args, show_identity=True, child=None, **kwargs):
        super().__init__(*args, **kwargs)
        child = child or (self.instance.child if self.instance.child_id else None)
        if child is not None:
            self.fields["child"].queryset = Child.objects.filter(pk=child.pk)
            self.fields["child"].initial = child.pk
            self.fields["guardian"].queryset = Guardian.objects.filter(child=child)
        else:
            self.fields["child"].queryset = Child.objects.filter(status=Child.Status.ENROLLED).select_related(
                "school_class"
            )
            self.fields["guardian"].queryset = Guardian.objects.none()
        if self.instance.pk:
            self.fields["child"].disabled = True
        self.fields["card_no"].widget.attrs.update({"autocomplete": "off", "inputmode": "numeric"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel"})
        self.fields["id_number"].widget.attrs.update(
            {"class": "form-control font-monospace", "maxlength": 18}
        )
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "user"})
        self.fields["agreement"].widget.attrs.update({"accept": "image/*,application/pdf"})
        if not show_identity and self.instance.pk and self.instance.id_number:
            del self.fields["id_number"]

    def clean_id_number(self):
        return _clean_id(self.cleaned_data.get("id_number"))


def _classes(request):
    return SchoolClass.objects.all()


class PickupPersonFilter(CampusFilterSet):
    school_class = django_filters.ModelChoiceFilter(
        label=_("Class"), field_name="child__school_class", queryset=_classes, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=PickupPerson.Kind.choices, empty_label=_("All")
    )
    valid = django_filters.ChoiceFilter(
        label=_("Valid today"),
        choices=(("1", _("Yes")), ("0", _("No"))),
        method="filter_valid",
        empty_label=_("All"),
    )

    class Meta(CampusFilterSet.Meta):
        model = PickupPerson
        fields = ["kind"]

    def filter_valid(self, qs, name, value):
        today = timezone.localdate()
        valid = (
            Q(is_active=True)
            & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            & (
                Q(kind=PickupPerson.Kind.GUARDIAN, guardian__isnull=False)
                | Q(kind=PickupPerson.Kind.PROXY, agreement_signed=True)
            )
        )
        return qs.filter(valid) if value == "1" else qs.exclude(valid)


class ReleaseFilter(CampusFilterSet):
    day = django_filters.DateFilter(label=_("Day"), method="filter_day", widget=forms.DateInput())
    school_class = django_filters.ModelChoiceFilter(
        label=_("Class"), field_name="child__school_class", queryset=_classes, empty_label=_("All")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=PickupRelease.Outcome.choices, empty_label=_("All")
    )
    voided = voided_filter()

    class Meta(CampusFilterSet.Meta):
        model = PickupRelease
        fields = ["outcome"]

    def filter_day(self, qs, name, value):
        start, end = day_bounds(value)
        return qs.filter(released_at__gte=start, released_at__lt=end)

    def filter_voided(self, qs, name, value):
        return filter_voided(qs, value)


def today_param():
    return dt.date.isoformat(timezone.localdate())
