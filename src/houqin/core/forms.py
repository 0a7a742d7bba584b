"""Form bases: Bootstrap/Tabler widgets and campus-aware choices."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def campus_users(campus):
    """Active users holding any role on the campus (or on its organisation)."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__campus=campus, memberships__is_active=True)
            | Q(memberships__organization_id=campus.organization_id, memberships__is_active=True)
        )
        .distinct()
        .order_by("real_name", "username")
    )


class StyledFormMixin:
    """Adds the Tabler classes to every widget."""

    def style_fields(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            if isinstance(widget, forms.TimeInput):
                widget.input_type = "time"
                widget.format = "%H:%M"
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = min(int(widget.attrs.get("rows", 3)), 4)  # Django's 10 is too tall on a phone

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


def _is_campus_owned(model) -> bool:
    from houqin.core.models import CampusOwned

    return isinstance(model, type) and issubclass(model, CampusOwned)


def scoped_formfield(db_field, **kwargs):
    """formfield_callback: foreign keys to campus-owned models start with no choices.

    A ModelForm builds its fields when the class is defined, at import time and outside
    any campus scope, where the scoped manager refuses to hand out a queryset. The form
    fills the choices for its own campus when it is instantiated.
    """
    if isinstance(db_field, models.ForeignKey) and _is_campus_owned(db_field.remote_field.model):
        kwargs.setdefault("queryset", db_field.remote_field.model._base_manager.none())
    return db_field.formfield(**kwargs)


class CampusModelForm(StyledFormMixin, forms.ModelForm):
    """A ModelForm for an object of ``campus``.

    Foreign keys to campus-owned models offer only rows of ``campus``; foreign keys to
    users offer only the campus's members.
    """

    class Meta:
        formfield_callback = scoped_formfield

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campus = campus
        User = get_user_model()
        if campus is not None:
            for field in self.fields.values():
                if not isinstance(field, forms.ModelChoiceField):
                    continue
                model = field.queryset.model
                if model is User:
                    field.queryset = campus_users(campus)
                elif _is_campus_owned(model):
                    field.queryset = model._base_manager.filter(campus=campus)
        self.style_fields()
        if campus is not None and hasattr(self.instance, "campus_id") and not self.instance.campus_id:
            self.instance.campus = campus


class CampusForm(StyledFormMixin, forms.Form):
    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campus = campus
        self.style_fields()


class XlsxUploadForm(CampusForm):
    """The one field of an .xlsx import page (:class:`houqin.core.views.generic.ImportView`)."""

    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
