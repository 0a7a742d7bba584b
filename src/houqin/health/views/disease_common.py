"""Small helpers shared by the disease area's pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from houqin.core.links import strict_request_url

VIEW_MEDICATION = "health.view_medication"
REGISTER_MEDICATION = "health.register_medication"
GIVE_MEDICATION = "health.give_medication"
VIEW_DISEASE = "health.view_disease"
MANAGE_DISEASE = "health.manage_disease"
MANAGE_SETTINGS = "health.manage_health_settings"
VIEW_DISINFECTION = "health.view_disinfection"
RECORD_DISINFECTION = "health.record_disinfection"
VIEW_EDUCATION = "health.view_education"
RECORD_EDUCATION = "health.record_education"


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def void_badge():
    return badge("secondary", _("Void"), "void")


def local(value):
    return timezone.localtime(value) if value is not None else None


def url(request, name, **kwargs):
    return strict_request_url(request, name, **kwargs)


def error_text(exc):
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for messages_ in exc.message_dict.values() for m in messages_)
    return " ".join(str(m) for m in exc.messages)


def done(request, target, message):
    messages.success(request, message)
    return HttpResponseRedirect(target)


def failed(request, target, exc):
    messages.error(request, error_text(exc))
    return HttpResponseRedirect(target)


def form_failed(request, target, form):
    messages.error(
        request,
        " ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
            for k, v in form.errors.items()
        ),
    )
    return HttpResponseRedirect(target)


def add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
