"""Generic write services used by the generic views, the API and the importers.

Each function validates with ``full_clean()``, saves, and writes its audit event in one
transaction. Domain actions with more rules have their own functions (``*_services``
modules) built the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from houqin.core import audit


@transaction.atomic
def object_save(*, actor, instance, before=None, campus=None, action=None, message=""):
    """Validate and save a new or changed instance and audit it.

    ``before`` is the :func:`audit.snapshot` taken before the caller changed the instance
    (``None`` for a new object). ``campus`` is set on new campus-owned rows.
    """
    is_new = instance._state.adding
    if campus is not None and hasattr(instance, "campus_id") and not instance.campus_id:
        instance.campus = campus
    instance.full_clean()
    instance.save()
    after = audit.snapshot(instance)
    if is_new:
        audit.record(actor=actor, action=action or "create", obj=instance, after=after, message=message)
    elif before != after:
        changed = {k for k in set(before or {}) | set(after or {}) if (before or {}).get(k) != (after or {}).get(k)}
        audit.record(
            actor=actor,
            action=action or "update",
            obj=instance,
            before={k: (before or {}).get(k) for k in changed},
            after={k: after.get(k) for k in changed},
            message=message,
        )
    return instance


@transaction.atomic
def object_delete(*, actor, instance, message=""):
    """Delete an object that nothing else refers to; refuse with a clear message otherwise."""
    before = audit.snapshot(instance)
    label, pk = str(instance), instance.pk
    try:
        instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = {str(o._meta.verbose_name) for o in list(exc.args[1])[:20]} if len(exc.args) > 1 else set()
        raise ValidationError(
            _("“%(obj)s” cannot be deleted because other records refer to it (%(what)s).")
            % {"obj": label, "what": "、".join(sorted(blocking)) or _("records")}
        )
    instance.pk = pk  # keep the id in the trail
    audit.record(actor=actor, action="delete", obj=instance, before=before, message=message or label)
    instance.pk = None


def lock_for_update(obj):
    """A fresh copy of ``obj`` from the database, its row locked until the transaction ends."""
    return type(obj)._base_manager.select_for_update().get(pk=obj.pk)


def clean_reason(reason, *, field="reason", limit=200):
    """The stripped reason cut to ``limit`` characters; a ValidationError on ``field`` if empty."""
    text = str(reason or "").strip()
    text = text[:limit] if limit else text
    if not text:
        raise ValidationError({field: _("Give a reason.")})
    return text
