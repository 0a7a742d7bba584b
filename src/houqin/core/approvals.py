"""The approvals engine: one small state machine for everything that needs sign-off.

An app registers a *kind* of document (``register_kind``) with its default steps and the
callbacks to run when a request is finally approved, rejected or withdrawn. Each campus
gets its own :class:`ApprovalFlow` per kind, created from the defaults on first use and
configurable afterwards (``flow_set_steps``). Submitting a document freezes the steps that
apply to its amount into the request's ``plan``; later changes to the flow do not touch
requests already under way.

States: ``pending`` → ``approved`` | ``rejected`` | ``withdrawn``. Only a user who holds
the current step's role on the campus (a campus membership, or an organisation-level
system administrator for ``sysadmin`` steps) may decide; supervisors only read. Nobody
approves their own request unless the flow allows it. Every change is one transaction
with the request row locked, writes an :class:`ApprovalAction` and an audit event, and
notifies the next people in line.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.roles import Role

# Roles that never decide: they hold no write permission anywhere.
NON_DECIDING_ROLES = {str(Role.SUPERVISOR), str(Role.PARENT)}

APPROVE = "approve"
REJECT = "reject"


@dataclass
class ApprovalKind:
    kind: str
    label: object
    # [(name, role, min_amount)] where min_amount is None (always), a number, or a
    # callable(campus) -> number | None evaluated when the campus's flow is created.
    default_steps: list = field(default_factory=list)
    on_approved: Callable | None = None
    on_rejected: Callable | None = None
    on_withdrawn: Callable | None = None


_kinds: dict[str, ApprovalKind] = {}


def register_kind(kind, *, label, default_steps, on_approved=None, on_rejected=None, on_withdrawn=None):
    """Declare a kind of document that goes through approval (call at import time).

    Callbacks are called as ``callback(obj, approval, actor)`` inside the deciding
    transaction: ``on_approved`` when the last step approves (or at once when no step
    applies), ``on_rejected`` on a rejection, ``on_withdrawn`` when the requester pulls
    the request back.
    """
    steps = []
    for entry in default_steps:
        name, role, min_amount = entry
        if str(role) not in Role.values:
            raise ValueError(f"Approval kind {kind}: unknown role {role!r}")
        if str(role) in NON_DECIDING_ROLES:
            raise ValueError(f"Approval kind {kind}: role {role!r} cannot decide")
        steps.append((name, str(role), min_amount))
    spec = ApprovalKind(kind, label, steps, on_approved, on_rejected, on_withdrawn)
    _kinds[kind] = spec
    return spec


def get_kind(kind) -> ApprovalKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise ValueError(f"Unknown approval kind {kind!r}; register it with approvals.register_kind()")


def all_kinds() -> list[ApprovalKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)


# --- Roles --------------------------------------------------------------------------------


def deciding_roles(user, campus) -> set[str]:
    """The roles with which ``user`` may sign on the campus (never supervisor or parent)."""
    from houqin.core.models import Membership

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    roles = set(
        Membership.objects.filter(user=user, campus=campus, is_active=True).values_list("role", flat=True)
    )
    if (
        Membership.objects.filter(
            user=user, organization_id=campus.organization_id, role=Role.SYSADMIN, is_active=True
        ).exists()
        or user.is_superuser
    ):
        roles.add(str(Role.SYSADMIN))
    return roles - NON_DECIDING_ROLES


def role_label(role) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role)


# --- Flows --------------------------------------------------------------------------------


def _to_amount(value, *, label):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(label)s: enter an amount in yuan.") % {"label": label})
    if not amount.is_finite():
        raise ValidationError(_("%(label)s: enter an amount in yuan.") % {"label": label})
    if amount < 0:
        raise ValidationError(_("%(label)s: the amount must not be negative.") % {"label": label})
    return amount.quantize(Decimal("0.01"))


def flow_for(campus, kind, *, actor=None):
    """The campus's flow for ``kind``, created with the kind's default steps on first use."""
    from houqin.core.models import ApprovalFlow, ApprovalStep

    spec = get_kind(kind)
    flows = ApprovalFlow.objects.with_scopes_disabled()
    flow = flows.filter(campus=campus, kind=kind).first()
    if flow is not None:
        return flow
    try:
        with transaction.atomic():
            with translation.override(settings.LANGUAGE_CODE):
                flow = ApprovalFlow(campus=campus, kind=kind, name=str(spec.label)[:80])
                flow.full_clean(exclude=["campus"], validate_unique=False, validate_constraints=False)
                flow.save()
                steps = []
                for order, (name, role, min_amount) in enumerate(spec.default_steps, start=1):
                    if callable(min_amount):
                        min_amount = min_amount(campus)
                    step = ApprovalStep(
                        campus=campus,
                        flow=flow,
                        order=order,
                        name=str(name)[:60],
                        role=role,
                        min_amount=_to_amount(min_amount, label=str(name)),
                    )
                    step.full_clean(
                        exclude=["campus", "flow"], validate_unique=False, validate_constraints=False
                    )
                    step.save()
                    steps.append(step)
            audit.record(
                actor=actor,
                action="approval_flow_create",
                obj=flow,
                after={"kind": kind, "steps": _steps_snapshot(steps)},
            )
    except IntegrityError:
        # another request created it at the same moment
        return flows.get(campus=campus, kind=kind)
    return flow


def _steps_snapshot(steps):
    return [
        {
            "order": s.order,
            "name": s.name,
            "role": s.role,
            "min_amount": None if s.min_amount is None else str(s.min_amount),
        }
        for s in steps
    ]


@transaction.atomic
def flow_set_steps(*, actor, flow, steps):
    """Replace the flow's steps. ``steps``: dicts {name, role, min_amount[, order]} or tuples.

    Steps are ordered by their ``order`` (or their position) and renumbered 1…n. Requests
    already submitted keep the plan they were submitted with.
    """
    from houqin.core.models import ApprovalFlow, ApprovalStep

    flow = ApprovalFlow.objects.with_scopes_disabled().select_for_update().get(pk=flow.pk)
    errors = []
    parsed = []
    seen_orders = set()
    for position, entry in enumerate(steps, start=1):
        if isinstance(entry, dict):
            name, role = entry.get("name"), entry.get("role")
            min_amount, order = entry.get("min_amount"), entry.get("order", position)
        else:
            name, role, min_amount = entry
            order = position
        label = _("Step %(n)s") % {"n": position}
        name = str(name or "").strip()
        if not name:
            errors.append(_("%(label)s: give the step a name.") % {"label": label})
        elif len(name) > 60:
            errors.append(_("%(label)s: the name is too long (at most 60 characters).") % {"label": label})
        role = str(role or "")
        if role not in Role.values:
            errors.append(_("%(label)s: choose a role.") % {"label": label})
        elif role in NON_DECIDING_ROLES:
            errors.append(
                _("%(label)s: a %(role)s cannot sign approvals.") % {"label": label, "role": role_label(role)}
            )
        try:
            order = int(order)
            if order < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(_("%(label)s: the order must be a whole number from 1.") % {"label": label})
            order = None
        if order is not None:
            if order in seen_orders:
                errors.append(
                    _("%(label)s: two steps have the order %(order)s.") % {"label": label, "order": order}
                )
            seen_orders.add(order)
        try:
            amount = _to_amount(min_amount, label=label)
        except ValidationError as exc:
            errors.extend(exc.messages)
            amount = None
        parsed.append((order or 0, name, role, amount))
    if errors:
        raise ValidationError(errors)

    before = _steps_snapshot(flow.steps.all())
    ApprovalStep.objects.with_scopes_disabled().filter(flow=flow).delete()
    created = []
    for order, (_old, name, role, amount) in enumerate(sorted(parsed, key=lambda p: p[0]), start=1):
        step = ApprovalStep(
            campus_id=flow.campus_id, flow=flow, order=order, name=name, role=role, min_amount=amount
        )
        step.full_clean(exclude=["campus", "flow"], validate_unique=False, validate_constraints=False)
        step.save()
        created.append(step)
    after = _steps_snapshot(created)
    if before != after:
        audit.record(
            actor=actor,
            action="approval_flow_steps",
            obj=flow,
            before={"steps": before},
            after={"steps": after},
        )
    return created


# --- Requests -----------------------------------------------------------------------------


def _approval_url(approval) -> str:
    code = approval.campus.code
    for name, kwargs in (("core:approval_detail", {"pk": approval.pk}), ("core:approval_inbox", {})):
        try:
            return reverse(name, kwargs={"campus": code, **kwargs})
        except NoReverseMatch:
            continue
    return ""


def _notify_step(approval, actor):
    from houqin.core.notifications import notify_roles

    step = approval.current_step
    if step is None:
        return
    notify_roles(
        campus=approval.campus,
        roles=[step["role"]],
        exclude=[] if approval.flow.allow_self_approval else [approval.requested_by_id],
        title=_("Waiting for your approval: %(title)s") % {"title": approval.title},
        body=_("%(who)s submitted “%(title)s”%(amount)s. Step: %(step)s.")
        % {
            "who": approval.requested_by,
            "title": approval.title,
            "amount": ""
            if approval.amount is None
            else _(" (%(amount)s yuan)") % {"amount": approval.amount},
            "step": step["name"],
        },
        url=_approval_url(approval),
        level="info",
        event="approval.pending",
    )


REMIND_AFTER_HOURS = 24


def remind_overdue(now=None) -> int:
    """Remind the signers of every approval that has waited at their step for more than a
    day; at most one reminder per approval per day, so ``houqin tick`` may run often."""
    import datetime as dt

    from houqin.core.models import ApprovalRequest, Notification
    from houqin.core.notifications import notify_roles

    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = (
        ApprovalRequest.objects.with_scopes_disabled()
        .filter(status=ApprovalRequest.Status.PENDING, updated_at__lte=now - dt.timedelta(hours=REMIND_AFTER_HOURS))
        .select_related("campus", "flow", "requested_by")
        .order_by("pk")
    )
    reminded = 0
    for approval in waiting.iterator(chunk_size=200):
        step = approval.current_step
        url = _approval_url(approval)
        if step is None or Notification.objects.with_scopes_disabled().filter(
            campus=approval.campus, event="approval.reminder", url=url, created_at__gte=day_start
        ).exists():
            continue
        notify_roles(
            campus=approval.campus,
            roles=[step["role"]],
            exclude=[] if approval.flow.allow_self_approval else [approval.requested_by_id],
            title=_("Reminder: still waiting for your approval: %(title)s") % {"title": approval.title},
            body=_("Submitted by %(who)s on %(date)s. Step: %(step)s.")
            % {"who": approval.requested_by, "date": timezone.localtime(approval.created_at).date(), "step": step["name"]},
            url=url,
            level="warning",
            event="approval.reminder",
        )
        reminded += 1
    return reminded


def _notify_requester(approval, actor, comment=""):
    from houqin.core.notifications import notify

    if approval.status == approval.Status.APPROVED:
        title = _("Approved: %(title)s") % {"title": approval.title}
        level = "info"
    elif approval.status == approval.Status.REJECTED:
        title = _("Rejected: %(title)s") % {"title": approval.title}
        level = "warning"
    else:
        return
    if actor is not None and actor.pk == approval.requested_by_id:
        return
    notify(
        campus=approval.campus,
        recipients=[approval.requested_by],
        title=title,
        body=comment,
        url=_approval_url(approval),
        level=level,
        event=f"approval.{approval.status}",
    )


def _target(approval):
    return approval.content_type.get_object_for_this_type(pk=approval.object_id)


def _run_callback(callback, obj, approval, actor):
    if callback is not None:
        callback(obj, approval, actor)


def _lock(approval):
    from houqin.core.models import ApprovalRequest

    return (
        ApprovalRequest.objects.with_scopes_disabled()
        .select_for_update()
        .select_related("flow", "campus", "requested_by")
        .get(pk=approval.pk)
    )


def _state(approval):
    return {
        "status": approval.status,
        "current_index": approval.current_index,
        "current_role": approval.current_role,
    }


def _refresh_caller(original, fresh):
    if original is not fresh:
        for attr in ("status", "current_index", "current_role", "decided_at", "plan"):
            setattr(original, attr, getattr(fresh, attr))


@transaction.atomic
def submit(*, actor, obj, kind, title, amount=None):
    """Put ``obj`` up for approval; returns the new :class:`ApprovalRequest`."""
    from houqin.core.models import ApprovalAction, ApprovalRequest

    spec = get_kind(kind)
    if obj is None or obj.pk is None or not getattr(obj, "campus_id", None):
        raise ValueError("Only a saved campus-owned object can be submitted for approval.")
    campus = obj.campus
    if not deciding_roles(actor, campus):
        raise PermissionDenied(_("You hold no role on this campus that may submit requests."))
    amount = _to_amount(amount, label=_("Amount"))
    title = str(title or "").strip()[:200]
    if not title:
        raise ValidationError(_("The request needs a title."))

    # Lock the document so that two submissions of it cannot both pass the check below.
    type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    requests = ApprovalRequest.objects.with_scopes_disabled()
    if requests.filter(
        content_type=ct, object_id=str(obj.pk), status=ApprovalRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("This document is already waiting for approval."), code="approval_pending")

    flow = flow_for(campus, kind, actor=actor)
    plan = []
    if flow.is_active:
        plan = [
            {"order": s.order, "name": s.name, "role": s.role}
            for s in flow.steps.all()
            if s.applies_to(amount)
        ]
    approval = ApprovalRequest(
        campus=campus,
        flow=flow,
        kind=kind,
        content_type=ct,
        object_id=str(obj.pk),
        title=title,
        amount=amount,
        plan=plan,
        current_index=0,
        current_role=plan[0]["role"] if plan else "",
        requested_by=actor,
    )
    if not plan:
        approval.status = ApprovalRequest.Status.APPROVED
        approval.decided_at = timezone.now()
    # ``plan`` is machine-made (and may be empty: nothing to sign)
    approval.full_clean(exclude=["campus", "flow", "content_type", "requested_by", "plan"])
    approval.save()
    action = ApprovalAction(
        campus=campus,
        request=approval,
        actor=actor,
        decision=ApprovalAction.Decision.SUBMIT,
        comment="",
    )
    action.full_clean(exclude=["campus", "request", "actor"])
    action.save()
    audit.record(
        actor=actor,
        action="approval_submit",
        obj=approval,
        after={**audit.snapshot(approval), "target": f"{ct.app_label}.{ct.model}:{obj.pk}"},
        message=title if plan else _("No approval step applies; approved at once."),
    )
    if plan:
        _notify_step(approval, actor)
    else:
        _run_callback(spec.on_approved, obj, approval, actor)
    return approval


@transaction.atomic
def decide(*, actor, approval, decision, comment=""):
    """Approve or reject the current step of a pending request."""
    from houqin.core.models import ApprovalAction, ApprovalRequest

    if decision not in (APPROVE, REJECT):
        raise ValidationError(_("Choose approve or reject."))
    comment = (comment or "").strip()
    original = approval
    approval = _lock(approval)
    if approval.status != ApprovalRequest.Status.PENDING:
        raise ValidationError(
            _("This request is no longer pending (%(status)s).") % {"status": approval.get_status_display()},
            code="approval_not_pending",
        )
    step = approval.current_step
    if step is None:  # pragma: no cover - a pending request always has a step
        raise ValidationError(_("This request has no step left to decide."))
    if step["role"] not in deciding_roles(actor, approval.campus):
        raise PermissionDenied(
            _("Only a %(role)s of this campus may decide at the step “%(step)s”.")
            % {"role": role_label(step["role"]), "step": step["name"]}
        )
    if actor.pk == approval.requested_by_id and not approval.flow.allow_self_approval:
        raise PermissionDenied(_("You cannot decide on your own request; another person must sign it."))
    if decision == REJECT and not comment:
        raise ValidationError({"comment": _("Say why the request is rejected.")})

    spec = get_kind(approval.kind)
    before = _state(approval)
    action = ApprovalAction(
        campus_id=approval.campus_id,
        request=approval,
        step_order=step["order"],
        step_name=step["name"],
        role=step["role"],
        actor=actor,
        decision=decision,
        comment=comment,
    )
    action.full_clean(exclude=["campus", "request", "actor"])
    action.save()

    now = timezone.now()
    finished = False
    if decision == APPROVE:
        if approval.current_index + 1 < len(approval.plan):
            approval.current_index += 1
            approval.current_role = approval.plan[approval.current_index]["role"]
        else:
            approval.status = ApprovalRequest.Status.APPROVED
            approval.current_role = ""
            approval.decided_at = now
            finished = True
    else:
        approval.status = ApprovalRequest.Status.REJECTED
        approval.current_role = ""
        approval.decided_at = now
        finished = True
    approval.full_clean(exclude=["campus", "flow", "content_type", "requested_by", "plan"])
    approval.save(update_fields=["status", "current_index", "current_role", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        action=f"approval_{decision}",
        obj=approval,
        before=before,
        after=_state(approval),
        message=f"{step['name']}: {comment}" if comment else step["name"],
    )
    _refresh_caller(original, approval)

    if finished:
        obj = _target(approval)
        callback = (
            spec.on_approved if approval.status == ApprovalRequest.Status.APPROVED else spec.on_rejected
        )
        _run_callback(callback, obj, approval, actor)
        _notify_requester(approval, actor, comment)
    else:
        _notify_step(approval, actor)
    return approval


def approve(*, actor, approval, comment=""):
    return decide(actor=actor, approval=approval, decision=APPROVE, comment=comment)


def reject(*, actor, approval, comment=""):
    return decide(actor=actor, approval=approval, decision=REJECT, comment=comment)


@transaction.atomic
def withdraw(*, actor, approval, comment=""):
    """The requester pulls a pending request back."""
    from houqin.core.models import ApprovalAction, ApprovalRequest

    original = approval
    approval = _lock(approval)
    if actor is None or actor.pk != approval.requested_by_id:
        raise PermissionDenied(_("Only the person who submitted the request can withdraw it."))
    if approval.status != ApprovalRequest.Status.PENDING:
        raise ValidationError(
            _("This request is no longer pending (%(status)s).") % {"status": approval.get_status_display()},
            code="approval_not_pending",
        )
    before = _state(approval)
    step = approval.current_step
    action = ApprovalAction(
        campus_id=approval.campus_id,
        request=approval,
        step_order=step["order"] if step else None,
        step_name=step["name"] if step else "",
        role="",
        actor=actor,
        decision=ApprovalAction.Decision.WITHDRAW,
        comment=(comment or "").strip(),
    )
    action.full_clean(exclude=["campus", "request", "actor"])
    action.save()
    approval.status = ApprovalRequest.Status.WITHDRAWN
    approval.current_role = ""
    approval.decided_at = timezone.now()
    approval.full_clean(exclude=["campus", "flow", "content_type", "requested_by", "plan"])
    approval.save(update_fields=["status", "current_role", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        action="approval_withdraw",
        obj=approval,
        before=before,
        after=_state(approval),
        message=comment,
    )
    _refresh_caller(original, approval)
    _run_callback(get_kind(approval.kind).on_withdrawn, _target(approval), approval, actor)
    return approval


# --- Reading ------------------------------------------------------------------------------


def pending_for(user, campus):
    """Pending requests of the campus waiting for a role ``user`` holds (oldest first)."""
    from houqin.core.models import ApprovalRequest

    roles = deciding_roles(user, campus)
    if not roles:
        return ApprovalRequest.objects.with_scopes_disabled().none()
    return (
        ApprovalRequest.objects.with_scopes_disabled()
        .filter(campus=campus, status=ApprovalRequest.Status.PENDING, current_role__in=roles)
        .exclude(Q(requested_by=user) & Q(flow__allow_self_approval=False))
        .select_related("requested_by", "flow")
        .order_by("created_at", "id")
    )


def visible_to(user, campus, *, see_all: bool):
    """Approval requests of the campus ``user`` may read: all of them with
    ``core.view_all_approvals`` (``see_all``), otherwise those the user submitted, has
    signed, or holds the role to sign now."""
    from houqin.core.models import ApprovalRequest

    qs = ApprovalRequest.objects.with_scopes_disabled().filter(campus=campus)
    if see_all:
        return qs
    mine = Q(requested_by=user) | Q(pk__in=ApprovalAction_ids_of(user, campus))
    roles = deciding_roles(user, campus)
    if roles:
        mine |= Q(status=ApprovalRequest.Status.PENDING, current_role__in=roles)
    return qs.filter(mine)


def ApprovalAction_ids_of(user, campus):  # noqa: N802 - reads like the model it queries
    from houqin.core.models import ApprovalAction

    return ApprovalAction.objects.with_scopes_disabled().filter(campus=campus, actor=user).values("request_id")


def requests_for(obj):
    """Every approval request of ``obj``, newest first, with their actions."""
    from houqin.core.models import ApprovalRequest

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return (
        ApprovalRequest.objects.with_scopes_disabled()
        .filter(campus_id=obj.campus_id, content_type=ct, object_id=str(obj.pk))
        .select_related("requested_by", "flow")
        .prefetch_related("actions__actor")
        .order_by("-created_at", "-id")
    )


def current_request(obj):
    """The pending request of ``obj``, if any."""
    return requests_for(obj).filter(status="pending").first()


def can_decide(user, approval) -> bool:
    """Whether ``user`` may approve/reject ``approval`` now (for showing the buttons)."""
    step = approval.current_step
    if step is None or step["role"] not in deciding_roles(user, approval.campus):
        return False
    return user.pk != approval.requested_by_id or approval.flow.allow_self_approval
