"""Form bases: Bootstrap/Tabler widgets and campus-aware choices."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q


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
                widget.attrs.setdefault("rows", 3)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class CampusModelForm(StyledFormMixin, forms.ModelForm):
    """A ModelForm for an object of ``campus``.

    Foreign keys to campus-owned models are already limited to the campus by the scoped
    managers (the request runs inside the campus scope); foreign keys to users are limited
    here to the campus's members.
    """

    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campus = campus
        User = get_user_model()
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset.model is User and campus is not None:
                field.queryset = campus_users(campus)
        self.style_fields()
        if campus is not None and hasattr(self.instance, "campus_id") and not self.instance.campus_id:
            self.instance.campus = campus


class CampusForm(StyledFormMixin, forms.Form):
    def __init__(self, *args, campus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campus = campus
        self.style_fields()
