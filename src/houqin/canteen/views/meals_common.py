"""Small helpers shared by the meals area's pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def local(value):
    return timezone.localtime(value) if value is not None else None


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    return " ".join(str(m) for m in exc.messages)


def done(request, url, message):
    messages.success(request, message)
    return HttpResponseRedirect(url)


def failed(request, url, exc):
    messages.error(request, error_text(exc))
    return HttpResponseRedirect(url)


def form_failed(request, url, form):
    messages.error(
        request,
        " ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
            for k, v in form.errors.items()
        ),
    )
    return HttpResponseRedirect(url)


def add_errors(form, exc):
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


def stars(value):
    if value is None:
        return ""
    colour = "green" if value >= 4 else "yellow" if value >= 3 else "red"
    return format_html('<span class="badge bg-{}-lt" data-rating="{}">{}</span>', colour, value, value)
