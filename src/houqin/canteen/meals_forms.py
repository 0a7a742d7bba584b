"""Forms of the meals area. Plain forms whose cleaned data go to :mod:`meals_services`
(which validate again); foreign keys offer only rows of the campus, users only its members."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models import AgeGroup, CompanionMeal, MealKind, ParentSuggestion
from houqin.core.forms import CampusForm, campus_users
from houqin.core.models import SchoolClass

PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}
RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


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


def _classes(campus):
    return SchoolClass._base_manager.filter(campus=campus, is_active=True).order_by(
        "sort_order", "grade", "name"
    )


def _rating_field(label):
    return forms.TypedChoiceField(
        label=label, choices=RATING_CHOICES, coerce=int, initial=5, widget=forms.RadioSelect
    )


class CompanionMealForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    meal = forms.ChoiceField(label=_("Meal"), choices=MealKind.choices, initial=MealKind.LUNCH)
    companion_role = forms.ChoiceField(
        label=_("Companion"), choices=CompanionMeal.Role.choices, initial=CompanionMeal.Role.LEADER,
        widget=forms.RadioSelect,
    )  # fmt: skip
    companion_name = forms.CharField(
        label=_("Parent's name"), max_length=40, required=False,
        help_text=_("For a parent: the name (and child), e.g. 张三（小一班 张小明爸爸）."),
    )  # fmt: skip
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    taste = _rating_field(_("Taste"))
    temperature = _rating_field(_("Temperature"))
    quantity = _rating_field(_("Quantity"))
    hygiene = _rating_field(_("Hygiene"))
    observations = forms.CharField(
        label=_("Observations"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    issues = forms.CharField(
        label=_("Problems found"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty when all was well; a problem gets a follow-up."),
    )  # fmt: skip
    followup_assignee = forms.ModelChoiceField(label=_("Follow-up by"), queryset=None, required=False)
    followup_due = forms.DateField(label=_("Follow-up due"), required=False, widget=forms.DateInput)
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["school_class"].queryset = _classes(campus)
        self.fields["followup_assignee"].queryset = campus_users(campus)
        for name in ("companion_role", "taste", "temperature", "quantity", "hygiene"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean(self):
        data = super().clean()
        if (
            data.get("companion_role") == CompanionMeal.Role.PARENT
            and not (data.get("companion_name") or "").strip()
        ):
            self.add_error("companion_name", _("Give the parent's name."))
        if data.get("followup_assignee") and not (data.get("issues") or "").strip():
            self.add_error("issues", _("Describe the problem that needs a follow-up."))
        return data


class AssignForm(CampusForm):
    assignee = forms.ModelChoiceField(label=_("Follow-up by"), queryset=None)
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["assignee"].queryset = campus_users(campus)


class AnswerForm(CampusForm):
    answer = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(CampusForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MonthForm(forms.Form):
    month = forms.CharField(required=False)

    def month_value(self):
        today = timezone.localdate()
        raw = (self.data.get("month") or "").strip()
        try:
            year, month = (int(x) for x in raw.split("-")[:2])
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return year, month
        except ValueError:
            pass
        return today.year, today.month


class MeetingForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    topic = forms.CharField(label=_("Topic"), max_length=120)
    attendees = forms.CharField(
        label=_("Attendees"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Staff who attended, separated by commas."),
    )  # fmt: skip
    parent_representatives = forms.CharField(
        label=_("Parent representatives"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names (and classes), separated by commas."),
    )  # fmt: skip
    minutes = forms.CharField(label=_("Meeting minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    decisions = forms.CharField(
        label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    suggestions = forms.CharField(
        label=_("Parents' suggestions raised"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name：suggestion (e.g. 王女士：午点水果希望多样一些)."),
    )  # fmt: skip
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, campus=None, editing=False, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        if editing:
            del self.fields["suggestions"]
            del self.fields["photos"]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_suggestions(self):
        out = []
        for n, line in enumerate((self.cleaned_data.get("suggestions") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            for sep in ("：", ":"):
                if sep in line:
                    name, content = (p.strip() for p in line.split(sep, 1))
                    break
            else:
                name, content = "", line
            if not name or not content:
                raise forms.ValidationError(_("Line %(n)s: write name：suggestion.") % {"n": n})
            out.append({"from_name": name[:60], "content": content})
        return out


class SuggestionForm(CampusForm):
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput)
    channel = forms.ChoiceField(label=_("Received by way of"), choices=ParentSuggestion.Channel.choices,
                                initial=ParentSuggestion.Channel.BOX)  # fmt: skip
    from_name = forms.CharField(
        label=_("From"), max_length=60, help_text=_("The parent's name (and child or class).")
    )
    school_class = forms.ModelChoiceField(
        label=_("Class"), queryset=SchoolClass._base_manager.none(), required=False
    )
    content = forms.CharField(label=_("Suggestion"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        self.fields["school_class"].queryset = _classes(campus)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())


class SuggestionAnswerForm(CampusForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


def next_monday(today=None):
    today = today or timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


class GeneratorForm(CampusForm):
    week_start = forms.DateField(label=_("Week starting (Monday)"), widget=forms.DateInput)
    age_group = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices, initial=AgeGroup.Y4_6)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("week_start", next_monday())

    def clean_week_start(self):
        value = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError(_("A menu week starts on a Monday."))
        return value


class TraceForm(CampusForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    meal = forms.ChoiceField(label=_("Meal"), choices=MealKind.choices, initial=MealKind.LUNCH)

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, campus=campus, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
