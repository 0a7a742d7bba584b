"""Small helpers shared by the safety pages (留样、卫生记录、从业人员)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.generic.edit import FormView

from houqin.core.views.generic import CampusViewMixin

VIEW_SAMPLES, TAKE, REVIEW = "canteen.view_samples", "canteen.take_samples", "canteen.review_samples"
VIEW_HYGIENE, RECORD_HYGIENE = "canteen.view_hygiene", "canteen.record_hygiene"
VIEW_STAFF, MANAGE_STAFF, CHECK_STAFF = "canteen.view_staff", "canteen.manage_staff", "canteen.check_staff"


def curl(request, name, **kwargs):
    return reverse(f"canteen:{name}", kwargs={"campus": request.campus.code, **kwargs})


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def error_text(exc):
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    return " ".join(str(m) for m in exc.messages)


def done(request, url, message, level=messages.SUCCESS):
    messages.add_message(request, level, message)
    return HttpResponseRedirect(url)


def failed(request, url, exc):
    messages.error(request, error_text(exc))
    return HttpResponseRedirect(url)


def form_errors(form):
    return " ".join(
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
        for k, v in form.errors.items()
    )


def parse_day(value, default=None):
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return default or timezone.localdate()


def add_form_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ServiceFormView(CampusViewMixin, FormView):
    """A create page whose form is saved by a service function (``perform``)."""

    template_name = "generic/form.html"
    success_message = ""
    cancel_url_name = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        return {k: v for k, v in self.request.GET.items() if k != "next"}

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            add_form_errors(form, exc)
            return self.form_invalid(form)
        self.after_save(self.object)
        return HttpResponseRedirect(self.get_success_url())

    def after_save(self, obj):
        messages.success(self.request, self.success_message or _("Saved."))

    def get_success_url(self):
        return self.url("detail", pk=self.object.pk) or self.url("list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = (
            curl(self.request, self.cancel_url_name) if self.cancel_url_name else self.url("list")
        ) or "../"
        return ctx
