"""Writing the audit trail.

Every service function calls :func:`record` inside the same transaction as its change, so
changes made from the web, the API, commands, imports and tasks are all logged. The
request id, source and IP come from a context variable the middleware (or a command) sets.
"""

import contextvars
import datetime as dt
import decimal
import uuid
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import models

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("houqin_audit_context", default=None)


@contextmanager
def audit_context(*, request_id="", source="", ip=None):
    token = _context.set({"request_id": request_id or uuid.uuid4().hex[:16], "source": source, "ip": ip})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict:
    return _context.get() or {}


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name"):  # files
        return value.name or ""
    return str(value)


SKIPPED_FIELDS = {"created_at", "updated_at", "name_pinyin", "password", "last_login", "key_hash"}


def _masked(value):
    """A secret as it appears in the trail: hidden, but a change still shows as a change."""
    import hashlib

    if not value:
        return value
    return "•••• " + hashlib.sha256(str(value).encode()).hexdigest()[:6]


def snapshot(obj: models.Model | None) -> dict | None:
    """A JSON-able dict of the object's concrete field values (foreign keys as ids).

    Fields a model lists in ``audit_masked_fields`` (webhook keys, secrets, ID numbers)
    are masked: the audit log is readable by supervisors. A tuple masks with a short hash;
    a dict maps a field to its own masking function (e.g. ``mask_id_number``).
    """
    if obj is None:
        return None
    masked = getattr(obj, "audit_masked_fields", ())
    if not isinstance(masked, dict):
        masked = dict.fromkeys(masked, _masked)
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        value = _plain(field.value_from_object(obj))
        if field.name in masked and value:
            value = masked[field.name](value)
        data[field.attname if field.is_relation else field.name] = value
    return data


def record(*, actor, action: str, obj: models.Model | None = None, campus=None, before=None, after=None, message=""):
    """Write one audit event. ``campus`` defaults to the object's campus."""
    from houqin.core.models import AuditEvent

    ctx = current_context()
    if campus is None and obj is not None:
        from houqin.core.models import Campus

        campus_id = obj.pk if isinstance(obj, Campus) else getattr(obj, "campus_id", None)
    else:
        campus_id = getattr(campus, "pk", campus)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.with_scopes_disabled().create(
        campus_id=campus_id,
        actor=actor,
        actor_repr=(str(actor) if actor else ctx.get("source") or "system")[:80],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        message=message[:300],
        request_id=ctx.get("request_id", ""),
        source=ctx.get("source", ""),
        ip_address=ctx.get("ip"),
    )


def history_for(obj):
    """Audit events of one object, newest first (caller is inside the object's campus scope)."""
    from houqin.core.models import AuditEvent

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return AuditEvent.objects.with_scopes_disabled().filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
