"""Small shared pieces of the campus endpoints: lookups inside the campus, references
given by id, and writes through the audited generic services."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.services import object_delete, object_save


def get_in_campus(request, queryset, **lookup):
    """The one row of ``queryset`` on the request's campus matching ``lookup``, or 404.

    Campus-owned models are also filtered by the django-scopes scope the middleware
    activated; the explicit ``campus`` filter keeps non-scoped models (memberships) safe.
    """
    obj = queryset.filter(campus=request.campus, **lookup).first()
    if obj is None:
        raise Http404
    return obj


def resolve_refs(request, data: dict, refs: dict) -> dict:
    """Replace ids in ``data`` by objects of the campus.

    ``refs`` maps a payload field to a campus-owned model (``{"building": Building}``) or
    to the special value ``"member"`` for users holding a role on the campus. An id
    that does not exist on this campus is a field error (422), whether it exists on
    another campus or not at all, so nothing leaks across campuses.
    """
    errors = {}
    out = dict(data)
    for field, source in refs.items():
        if field not in data:
            continue
        pk = data[field]
        if pk is None:
            out[field] = None
            continue
        if source == "member":
            obj = campus_members(request.campus).filter(pk=pk).first()
        else:
            obj = source.objects.filter(campus=request.campus, pk=pk).first()
        if obj is None:
            errors[field] = [_("Select a valid choice. That choice is not one of the available choices.")]
        else:
            out[field] = obj
    if errors:
        raise ValidationError(errors)
    return out


def campus_members(campus):
    """Active users holding any active role on the campus (directly or through its organisation)."""
    from houqin.core.models import User

    return User.objects.filter(
        Q(memberships__campus=campus) | Q(memberships__organization_id=campus.organization_id),
        memberships__is_active=True,
        is_active=True,
    ).distinct()


def create_object(request, model, data: dict, *, action=None, message=""):
    instance = model(**data)
    return object_save(
        actor=request.user, instance=instance, campus=request.campus, action=action, message=message
    )


def update_object(request, instance, data: dict, *, action=None, message=""):
    before = audit.snapshot(instance)
    for field, value in data.items():
        setattr(instance, field, value)
    return object_save(actor=request.user, instance=instance, before=before, action=action, message=message)


def delete_object(request, instance, *, message=""):
    object_delete(actor=request.user, instance=instance, message=message)


def user_name(user):
    """A user's display name for an API answer; None for no user."""
    return user.display_name if user is not None else None
