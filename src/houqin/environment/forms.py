"""Forms of the environment pages. Model forms are :class:`CampusModelForm`s (foreign keys
offer only rows of the campus, users only its members); photos are plain file fields handed
to the services, which check them through ``core.attachments``."""

import datetime as dt

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, scoped_formfield
from houqin.core.forms import CampusModelForm as _CampusModelForm
from houqin.core.models import Room, SchoolClass
from houqin.environment import services
from houqin.environment.models import (
    CleaningZone,
    DormitoryInspection,
    GreeningArea,
    GreeningTask,
    HygieneInspection,
    RoomUse,
    ScoringSheet,
)
from houqin.environment.models.rooms import (
    CATEGORY_LABELS,
    DORMITORY_ROOM_KINDS,
    FUNCTIONAL_ROOM_KINDS,
    HAZARD_CATEGORIES,
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


def _rooms(campus, kinds=None):
    qs = Room._base_manager.filter(campus=campus, is_active=True).select_related("building")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("building__name", "floor", "code")


# --- Zones ------------------------------------------------------------------------------------


class ZoneForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = CleaningZone
        fields = ["name", "kind", "rooms", "area_text", "school_class", "responsible", "sort_order", "is_active",
                  "note"]  # fmt: skip
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["rooms"].queryset = _rooms(self.campus)
        self.fields["rooms"].widget.attrs["size"] = 8
        self.fields["rooms"].help_text = _("Hold Ctrl (or long-press on a phone) to choose several rooms.")

    def clean(self):
        data = super().clean()
        if not data.get("rooms") and not (data.get("area_text") or "").strip():
            self.add_error("area_text", _("Choose the zone's rooms or describe its area (e.g. 操场东侧)."))
        return data


class ZoneRoutinesForm(CampusForm):
    kinds = forms.MultipleChoiceField(
        label=_("Routines"),
        choices=[
            ("daily", _("Daily small clean (一日一小扫)")),
            ("weekly", _("Weekly big clean (一周一大扫)")),
        ],
        widget=forms.CheckboxSelectMultiple,
        initial=["daily", "weekly"],
    )


# --- Scoring sheets ----------------------------------------------------------------------------


class SheetForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = ScoringSheet
        fields = ["name", "is_default", "is_active", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class SheetItemForm(CampusForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Standard"), max_length=100, required=False)
    guidance = forms.CharField(label=_("How to score"), max_length=200, required=False)
    max_points = forms.DecimalField(label=_("Points"), max_digits=5, decimal_places=1, min_value=0.5,
                                    max_value=100, required=False)  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("max_points") is None:
            self.add_error("max_points", _("Give the points of this standard."))
        if data.get("max_points") is not None and not data.get("label"):
            self.add_error("label", _("Give the standard's text."))
        return data


SheetItemFormSet = forms.formset_factory(SheetItemForm, extra=3, can_delete=True)


# --- Inspections and problems --------------------------------------------------------------------


class InspectionForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=HygieneInspection.Kind.choices)
    sheet = forms.ModelChoiceField(label=_("Scoring sheet"), queryset=None, required=False,
                                   help_text=_("Empty: the campus's default sheet."))  # fmt: skip
    participants = forms.CharField(label=_("Also inspecting"), max_length=200, required=False,
                                   help_text=_("e.g. 各级部后勤组长"))  # fmt: skip
    note = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].queryset = ScoringSheet._base_manager.filter(campus=self.campus, is_active=True)
        self.style_fields()

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("An inspection cannot be dated in the future."))
        return value


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ProblemForm(CampusForm):
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=None)
    description = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Put right by"), required=False, widget=forms.DateInput(),
                               help_text=_("Empty: from the campus setting (限时纠正)."))  # fmt: skip
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = CleaningZone._base_manager.filter(campus=self.campus, is_active=True)
        self.style_fields()


class FixForm(CampusForm):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("Photos after the fix"))


class VerifyForm(CampusForm):
    note = forms.CharField(label=_("Check note"), max_length=300, required=False)


class SendBackForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=forms.DateInput())


# --- Greening -----------------------------------------------------------------------------------


class GreeningAreaForm(CampusModelForm):
    class Meta(CampusModelForm.Meta):
        model = GreeningArea
        fields = list(services.AREA_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["room"].queryset = _rooms(self.campus)
        if self.instance.pk and self.instance.tasks.exists():
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("The area has its tasks; its kind cannot change.")


class TasksForm(CampusForm):
    kinds = forms.MultipleChoiceField(label=_("Tasks"), choices=(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        have = set(area.tasks.values_list("kind", flat=True)) if area is not None else set()
        kinds = services.tasks_for_kind(area.kind) if area is not None else []
        self.fields["kinds"].choices = [(k, GreeningTask.Kind(k).label) for k in kinds if k not in have]
        self.fields["kinds"].initial = [k for k in services.DEFAULT_TASKS.get(area.kind, ()) if k not in have]


# --- Functional rooms and dormitories ---------------------------------------------------------------


class RoomUseForm(CampusModelForm):
    photos = PhotosField(label=_("Photos"))
    open_repair = forms.BooleanField(label=_("Report a repair for the problem"), required=False)

    class Meta(CampusModelForm.Meta):
        model = RoomUse
        fields = ["room", "date", "period", "start_time", "end_time", "school_class", "teacher", "purpose",
                  "children_count", "condition", "problem_note"]  # fmt: skip
        widgets = {"date": forms.DateInput(), "start_time": forms.TimeInput(), "end_time": forms.TimeInput(),
                   "condition": forms.RadioSelect}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.campus is not None:
            self.fields["room"].queryset = _rooms(self.campus, FUNCTIONAL_ROOM_KINDS)
            self.fields["school_class"].queryset = SchoolClass._base_manager.filter(campus=self.campus,
                                                                                    is_active=True)  # fmt: skip
        self.fields["condition"].widget.attrs["class"] = "form-check-input"
        if services.repairs_available() is None:
            del self.fields["open_repair"]


class DormitoryForm(CampusForm):
    """A dormitory inspection: the room, the kind and one pass/fail row per checklist item
    (fields ``item_<key>``, ``note_<key>`` and, for electrical and fire items, ``hazard_<key>``)."""

    room = forms.ModelChoiceField(label=_("Room"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=DormitoryInspection.Kind.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = _rooms(self.campus, DORMITORY_ROOM_KINDS)
        self.kind = kind if kind in DormitoryInspection.Kind.values else DormitoryInspection.Kind.STUDENT
        self.fields["kind"].initial = self.kind
        self.rows = []
        for key, category, label in services.dormitory_checklist(self.kind):
            self.fields[f"item_{key}"] = forms.ChoiceField(
                label=label, choices=[("1", _("Pass")), ("0", _("Fail"))], widget=forms.RadioSelect
            )
            self.fields[f"note_{key}"] = forms.CharField(label=_("Note"), max_length=200, required=False)
            if category in HAZARD_CATEGORIES:
                self.fields[f"hazard_{key}"] = forms.BooleanField(
                    label=_("Open a hazard if it fails"), required=False, initial=True
                )
            self.rows.append((key, category, CATEGORY_LABELS.get(category, category), label))
        self.style_fields()

    def item_rows(self):
        """[(category label, label, pass/fail field, note field, hazard field or None)] for the template."""
        return [
            (cat_label, label, self[f"item_{key}"], self[f"note_{key}"],
             self[f"hazard_{key}"] if f"hazard_{key}" in self.fields else None)
            for key, _c, cat_label, label in self.rows
        ]  # fmt: skip

    def results(self):
        data = self.cleaned_data
        return {
            key: {"passed": data.get(f"item_{key}") == "1", "note": data.get(f"note_{key}", ""),
                  "hazard": bool(data.get(f"hazard_{key}", False))}
            for key, _c, _cl, _l in self.rows
        }  # fmt: skip


class TermForm(CampusForm):
    term = forms.ModelChoiceField(label=_("Term"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from houqin.core.models import Term

        self.fields["term"].queryset = Term._base_manager.filter(campus=self.campus).order_by("-start_date")
        self.style_fields()


class RankingForm(CampusForm):
    period = forms.ChoiceField(label=_("Period"), choices=[("week", _("Week")), ("month", _("Month"))],
                               required=False)  # fmt: skip
    date = forms.DateField(label=_("In the week or month of"), required=False, widget=forms.DateInput())
    group = forms.ChoiceField(label=_("Rank"), choices=[("zone", _("Zones")), ("class", _("Classes"))],
                              required=False)  # fmt: skip


def parse_date(value, default=None):
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
