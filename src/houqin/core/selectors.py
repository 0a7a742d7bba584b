"""Read queries that deliberately look across campuses (e.g. before a campus is chosen).

Views must not disable scopes themselves (a lint test checks); the few cross-campus
lookups the product needs live here, each filtering explicitly.
"""

from django.db.models import Q
from django_scopes import scopes_disabled


def campuses_for_user(user):
    from houqin.core.models import Campus

    qs = Campus.objects.filter(is_active=True).select_related("organization")
    if user.is_superuser:
        return qs.order_by("organization__name", "name")
    return (
        qs.filter(
            Q(memberships__user=user, memberships__is_active=True)
            | Q(organization__memberships__user=user, organization__memberships__is_active=True)
        )
        .distinct()
        .order_by("organization__name", "name")
    )


def room_by_qr_token(token):
    """The room a printed QR label points to (tokens are unique across campuses)."""
    from houqin.core.models import Room

    with scopes_disabled():
        return Room.objects.filter(qr_token=token, is_active=True).select_related("campus", "building").first()


def organizations_for_user(user):
    """Organisations the user oversees (organisation-level roles; superusers: all)."""
    from houqin.core.models import Organization

    if user.is_superuser:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(memberships__user=user, memberships__is_active=True).distinct().order_by("name")
