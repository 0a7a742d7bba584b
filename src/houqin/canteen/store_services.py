"""Writes on food batches shared by several canteen areas."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.services import clean_reason, lock_for_update


@transaction.atomic
def batch_block(batch, *, actor, reason):
    """Block ``batch`` (a positive pesticide test, a recall…): it can no longer be issued.

    Idempotent: blocking a blocked batch keeps the first reason. Audited.
    """
    reason = clean_reason(reason)
    batch = lock_for_update(batch)
    if batch.is_blocked:
        return batch
    before = {"is_blocked": False, "blocked_reason": ""}
    batch.is_blocked = True
    batch.blocked_reason = reason
    batch.blocked_at = timezone.now()
    batch.blocked_by = actor
    batch.save(update_fields=["is_blocked", "blocked_reason", "blocked_at", "blocked_by", "updated_at"])
    audit.record(
        actor=actor, action="update", obj=batch, before=before, after={"is_blocked": True, "blocked_reason": reason},
        message=_("Batch blocked: %(reason)s") % {"reason": reason},
    )
    return batch
