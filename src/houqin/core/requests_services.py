"""General requests (通用申请/请示): raise, edit, submit for approval, withdraw.

The approval kind ``core.general_request`` is registered in :mod:`houqin.core.kinds`; its
callbacks below keep ``GeneralRequest.status`` in step with the approval.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from houqin.core import approvals, audit
from houqin.core.numbering import next_number

KIND = "core.general_request"
NUMBER_PREFIX = "SQ"
EDITABLE_FIELDS = ("title", "category", "amount", "description")
EDITABLE_STATUSES = {"draft", "rejected", "withdrawn"}


def _apply(general_request, data):
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "amount" and value == "":
            value = None
        setattr(general_request, name, value)


def _full_clean(general_request):
    general_request.full_clean()
    if general_request.amount is not None:
        general_request.amount = general_request.amount.quantize(Decimal("0.01"))


def _lock(general_request):
    from houqin.core.models import GeneralRequest

    return GeneralRequest.objects.with_scopes_disabled().select_for_update().get(pk=general_request.pk)


def _require_requester(actor, general_request):
    if actor is None or actor.pk != general_request.requested_by_id:
        raise PermissionDenied(_("Only the person who raised the request can change it."))


@transaction.atomic
def general_request_create(*, actor, campus, data):
    """Raise a draft request with the next SQ number of the campus."""
    from houqin.core.models import GeneralRequest

    general_request = GeneralRequest(campus=campus, requested_by=actor, status=GeneralRequest.Status.DRAFT)
    _apply(general_request, data)
    general_request.number = next_number(campus=campus, prefix=NUMBER_PREFIX)
    _full_clean(general_request)
    general_request.save()
    audit.record(actor=actor, action="create", obj=general_request, after=audit.snapshot(general_request))
    return general_request


@transaction.atomic
def general_request_update(*, actor, general_request, data):
    """Edit a request that is a draft, was rejected or was withdrawn."""
    locked = _lock(general_request)
    _require_requester(actor, locked)
    if locked.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("A request can only be edited while it is a draft, rejected or withdrawn."), code="not_editable"
        )
    before = audit.snapshot(locked)
    _apply(locked, data)
    _full_clean(locked)
    locked.save()
    after = audit.snapshot(locked)
    changed = [k for k in after if before.get(k) != after.get(k)]
    if changed:
        audit.record(
            actor=actor,
            action="update",
            obj=locked,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    _sync(general_request, locked)
    return locked


@transaction.atomic
def general_request_submit(*, actor, general_request):
    """Send the request for approval; returns the :class:`ApprovalRequest`."""
    from houqin.core.models import GeneralRequest

    locked = _lock(general_request)
    _require_requester(actor, locked)
    if locked.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This request has already been submitted."), code="already_submitted")
    before = locked.status
    locked.status = GeneralRequest.Status.PENDING
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor, action="submit", obj=locked, before={"status": before}, after={"status": locked.status}
    )
    approval = approvals.submit(
        actor=actor, obj=locked, kind=KIND, title=str(locked), amount=locked.amount
    )  # may approve at once (no step applies), which sets the status through the callback
    _sync(general_request, locked)
    return approval


@transaction.atomic
def general_request_withdraw(*, actor, general_request, comment=""):
    """Pull a pending request back (it can then be edited and submitted again)."""
    locked = _lock(general_request)
    _require_requester(actor, locked)
    approval = approvals.current_request(locked)
    if approval is None:
        raise ValidationError(_("This request is not waiting for approval."), code="not_pending")
    approvals.withdraw(actor=actor, approval=approval, comment=comment)
    locked.refresh_from_db()
    _sync(general_request, locked)
    return locked


def _sync(original, fresh):
    if original is not fresh:
        for name in ("status", *EDITABLE_FIELDS, "number"):
            setattr(original, name, getattr(fresh, name))


# --- Approval callbacks -------------------------------------------------------------------


def _set_status(obj, status, actor, action):
    locked = _lock(obj)
    before = locked.status
    if before == status:
        return
    locked.status = status
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=action, obj=locked, before={"status": before}, after={"status": status})
    obj.status = status


def on_approved(obj, approval, actor):
    _set_status(obj, "approved", actor, "approve")


def on_rejected(obj, approval, actor):
    _set_status(obj, "rejected", actor, "reject")


def on_withdrawn(obj, approval, actor):
    _set_status(obj, "withdrawn", actor, "withdraw")
