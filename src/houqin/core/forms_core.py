"""Forms of the core's data-management pages: campus, places, calendar, classes,
children and guardians, users and roles.

Campus-owned foreign keys get their choices for the form's campus from
``core.forms.CampusModelForm``.
"""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from houqin.core.forms import CampusForm, CampusModelForm
from houqin.core.models import (
    Building,
    Campus,
    Child,
    Guardian,
    Holiday,
    Room,
    SchoolClass,
    SchoolYear,
    Term,
)
from houqin.core.roles import Role
from houqin.core.validators import validate_id_number, validate_phone


class TelInput(forms.TextInput):
    """A phone number field: phones show the number pad."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "tel", "autocomplete": "off", **(attrs or {})})


class ScopedModelForm(CampusModelForm):
    """A campus form that also checks names unique within the campus."""

    # Names that are unique within the campus; checked here for a friendly message
    # (the database constraint stays the authority).
    unique_in_campus: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        model = self._meta.model
        for name in self.unique_in_campus:
            value = cleaned.get(name)
            if not value or self.campus is None:
                continue
            clash = model._base_manager.filter(campus=self.campus, **{name: value})
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    name,
                    _("%(what)s “%(value)s” already exists on this campus.")
                    % {"what": model._meta.get_field(name).verbose_name, "value": value},
                )
        return cleaned


# --- Campus and places --------------------------------------------------------------------


class CampusInfoForm(CampusModelForm):
    class Meta:
        model = Campus
        fields = [
            "name",
            "short_name",
            "kind",
            "age_min",
            "age_max",
            "address",
            "phone",
            "disclosure_enabled",
        ]


class BuildingForm(ScopedModelForm):
    unique_in_campus = ("name",)

    class Meta(ScopedModelForm.Meta):
        model = Building
        fields = ["name", "code", "floors", "note"]


class RoomForm(ScopedModelForm):
    unique_in_campus = ("code",)

    class Meta(ScopedModelForm.Meta):
        model = Room
        fields = ["building", "code", "name", "floor", "kind", "area", "keeper", "is_active", "note"]


# --- Calendar ----------------------------------------------------------------------------

WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class SchoolYearForm(ScopedModelForm):
    unique_in_campus = ("name",)

    class Meta(ScopedModelForm.Meta):
        model = SchoolYear
        fields = ["name", "start_date", "end_date"]


class TermForm(ScopedModelForm):
    unique_in_campus = ("name",)
    school_weekdays = forms.MultipleChoiceField(
        label=_("School weekdays"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Days of the week the campus is open; holidays and make-up days adjust single dates."),
    )

    class Meta(ScopedModelForm.Meta):
        model = Term
        fields = ["school_year", "name", "kind", "start_date", "end_date", "school_weekdays"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.initial.get("school_weekdays"):
            self.initial["school_weekdays"] = ["0", "1", "2", "3", "4"]
        elif self.instance.pk:
            self.initial["school_weekdays"] = [str(d) for d in self.instance.weekdays]

    def clean_school_weekdays(self):
        return sorted(int(d) for d in self.cleaned_data["school_weekdays"])


class HolidayForm(ScopedModelForm):
    class Meta(ScopedModelForm.Meta):
        model = Holiday
        fields = ["kind", "name", "start_date", "end_date"]
        help_texts = {"name": _("For example 国庆节 or 国庆调休")}

    def __init__(self, *args, term=None, **kwargs):
        super().__init__(*args, **kwargs)
        if term is not None and not self.instance.term_id:
            self.instance.term = term
        self.fields["end_date"].required = False
        self.fields["end_date"].help_text = _("Leave empty for a single day.")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and not end:
            cleaned["end_date"] = start
            self.instance.end_date = start
        return cleaned


# --- Classes and children ----------------------------------------------------------------


class SchoolClassForm(ScopedModelForm):
    unique_in_campus = ("name",)

    class Meta(ScopedModelForm.Meta):
        model = SchoolClass
        fields = [
            "name",
            "grade",
            "entry_year",
            "head_teacher",
            "room",
            "capacity",
            "sort_order",
            "is_active",
        ]


def id_number_birth_date(id_number: str):
    """The date of birth encoded in a (valid) 18-digit ID number."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None


class ChildForm(ScopedModelForm):
    class Meta(ScopedModelForm.Meta):
        model = Child
        fields = [
            "name",
            "sex",
            "birth_date",
            "school_class",
            "student_no",
            "id_number",
            "status",
            "enrolled_on",
            "left_on",
            "allergies",
            "special_diet",
            "note",
        ]
        help_texts = {
            "allergies": _(
                "Leave empty when the child has none; the canteen and the health teacher see this."
            ),
        }

    def __init__(self, *args, show_identity=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_identity:
            # Whoever may not read the full ID number may not overwrite it either.
            del self.fields["id_number"]
        if "school_class" in self.fields:
            self.fields["school_class"].queryset = self.fields["school_class"].queryset.filter(
                models.Q(is_active=True) | models.Q(pk=self.instance.school_class_id or 0)
            )

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value:
            validate_id_number(value)
        return value

    def clean_student_no(self):
        value = (self.cleaned_data.get("student_no") or "").strip()
        if value and self.campus is not None:
            clash = Child._base_manager.filter(campus=self.campus, student_no=value)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError(_("Another child already has this student number."))
        return value

    def clean(self):
        cleaned = super().clean()
        id_number, birth = cleaned.get("id_number"), cleaned.get("birth_date")
        if id_number and birth and id_number_birth_date(id_number) != birth:
            self.add_error(
                "id_number", _("The date of birth in the ID number does not match the date of birth.")
            )
        return cleaned


class GuardianForm(ScopedModelForm):
    class Meta(ScopedModelForm.Meta):
        model = Guardian
        fields = ["name", "relation", "phone", "is_primary", "work_unit"]
        widgets = {"phone": TelInput()}

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip().replace(" ", "")
        if value:
            validate_phone(value)
        return value


class BaseGuardianFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        primaries = [f for f in kept if f.cleaned_data.get("is_primary")]
        if len(primaries) > 1:
            raise ValidationError(_("Only one guardian can be the primary contact."))
        if kept and not primaries:
            kept[0].instance.is_primary = True


def guardian_formset(*, extra):
    return inlineformset_factory(
        Child,
        Guardian,
        form=GuardianForm,
        formset=BaseGuardianFormSet,
        fields=GuardianForm.Meta.fields,
        extra=extra,
        min_num=1,
        validate_min=True,
        max_num=6,
        validate_max=True,
        can_delete=True,
    )




# --- Users and roles ---------------------------------------------------------------------

ROLE_CHOICES = list(Role.choices)


class UserCreateForm(CampusForm):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only; used to log in (the mobile number works too)."),
    )
    real_name = forms.CharField(label=_("Real name"), max_length=40)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=TelInput(),
    )
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles on this campus"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise ValidationError(_("This user name is taken."))
        return value

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip().replace(" ", "")
        if value:
            validate_phone(value)
            if get_user_model().objects.filter(phone=value).exists():
                raise ValidationError(_("Another account already uses this mobile number."))
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class RoleGrantForm(CampusForm):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class PasswordResetForm(CampusForm):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned
