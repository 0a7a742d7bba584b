from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def my_campuses(context):
    """Campuses the user can open (memberships, organisation roles, superuser: all)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    cache = getattr(request, "_my_campuses", None)
    if cache is None:
        from houqin.core.selectors import campuses_for_user

        cache = request._my_campuses = list(campuses_for_user(request.user))
    return cache


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    request = context.get("request")
    campus = getattr(request, "campus", None)
    if campus is None or not request.user.is_authenticated:
        return 0
    from houqin.core.models import Notification

    return Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()


@register.filter
def role_labels(roles):
    from houqin.core.roles import Role

    labels = dict(Role.choices)
    return [labels.get(r, r) for r in sorted(roles or [])]


@register.filter
def cell(value):
    """Render a table cell value: dates, decimals, booleans and empty values."""
    import datetime as dt

    if value is None or value == "":
        return mark_safe('<span class="text-secondary">—</span>')
    if isinstance(value, bool):
        return format_html('<i class="ti ti-{}"></i>', "check text-green" if value else "x text-secondary")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i")
    if isinstance(value, dt.date):
        return date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2)
    return value


@register.simple_tag(takes_context=True)
def page_url(context, page_number):
    qs = context.get("querystring", "")
    return f"?{qs + '&' if qs else ''}page={page_number}"
