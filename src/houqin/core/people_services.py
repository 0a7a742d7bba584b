"""Accounts and roles on one campus: create a user, grant, revoke, (de)activate a role,
reset a password.

Every function takes the acting user first, runs in one transaction, validates with
``full_clean()`` and writes its audit event. A user managed from a campus page may hold
roles on other campuses or on the organisation; these functions only ever touch the
memberships of the campus they are given.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.models import Membership
from houqin.core.roles import Role

# A campus must always keep someone who can manage its users.
KEEPER_ROLES = (Role.PRINCIPAL, Role.SYSADMIN)


def _membership_of_campus(campus, membership):
    if membership.campus_id != campus.pk:
        raise PermissionDenied(_("This role belongs to another campus."))


def campus_members(campus):
    """Users holding (or having held) a role on the campus."""
    User = get_user_model()
    return User.objects.filter(pk__in=Membership.objects.filter(campus=campus).values("user_id"))


def _ensure_keeper_remains(campus, membership):
    """Refuse to take away the campus's last active principal / system administrator."""
    if membership.role not in KEEPER_ROLES or not membership.is_active:
        return
    keepers = (
        Membership.objects.select_for_update()
        .filter(campus=campus, role__in=KEEPER_ROLES, is_active=True, user__is_active=True)
        .exclude(pk=membership.pk)
    )
    if not keepers.exists():
        raise ValidationError(
            _(
                "%(user)s is the campus's last active principal or system administrator; "
                "grant that role to someone else first."
            )
            % {"user": membership.user}
        )


@transaction.atomic
def user_create(*, actor, campus, username, real_name, password, roles, phone=""):
    """Create an account with an initial password and give it ``roles`` on ``campus``."""
    User = get_user_model()
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    user = User(username=username.strip(), real_name=real_name.strip(), phone=(phone or "").strip() or None)
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages})
    user.set_password(password)
    user.save()
    audit.record(actor=actor, action="create", obj=user, campus=campus, after=audit.snapshot(user))
    for role in dict.fromkeys(roles):
        membership_grant(actor=actor, campus=campus, user=user, role=role)
    return user


@transaction.atomic
def membership_grant(*, actor, campus, user, role):
    """Give ``user`` the ``role`` on ``campus`` (reactivating it if it was deactivated)."""
    existing = Membership.objects.select_for_update().filter(user=user, campus=campus, role=role).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError(_("%(user)s already holds this role.") % {"user": user})
        return membership_set_active(actor=actor, campus=campus, membership=existing, is_active=True)
    membership = Membership(user=user, campus=campus, role=role, is_active=True)
    membership.full_clean()
    membership.save()
    audit.record(actor=actor, action="grant_role", obj=membership, after=audit.snapshot(membership))
    return membership


@transaction.atomic
def membership_revoke(*, actor, campus, membership):
    """Take the role away (the row is deleted; the audit trail keeps it)."""
    _membership_of_campus(campus, membership)
    _ensure_keeper_remains(campus, membership)
    before = audit.snapshot(membership)
    pk = membership.pk
    membership.delete()
    membership.pk = pk
    audit.record(actor=actor, action="revoke_role", obj=membership, campus=campus, before=before)
    membership.pk = None


@transaction.atomic
def membership_set_active(*, actor, campus, membership, is_active):
    """Suspend (or restore) a role on the campus without deleting it."""
    _membership_of_campus(campus, membership)
    if membership.is_active == is_active:
        return membership
    if not is_active:
        _ensure_keeper_remains(campus, membership)
    before = audit.snapshot(membership)
    membership.is_active = is_active
    membership.full_clean()
    membership.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="activate_role" if is_active else "deactivate_role",
        obj=membership,
        before={"is_active": before["is_active"]},
        after={"is_active": is_active},
    )
    return membership


def can_reset_password(*, actor, campus, user) -> bool:
    """A campus may reset the password of its own people only.

    Someone who also works elsewhere (another campus, an organisation role) or a superuser
    could otherwise be taken over from this campus; their password is reset by whoever
    manages all of their places: a superuser, or a system administrator of the
    organisation when all their roles lie inside it.
    """
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    if user.pk == actor.pk:
        return True
    elsewhere = Membership.objects.filter(user=user, is_active=True).exclude(campus=campus)
    if not elsewhere.exists():
        return True
    org = campus.organization_id
    actor_is_org_admin = Membership.objects.filter(
        user=actor, organization_id=org, role=Role.SYSADMIN, is_active=True
    ).exists()
    outside_org = elsewhere.exclude(Q(campus__organization_id=org) | Q(organization_id=org))
    return actor_is_org_admin and not outside_org.exists()


@transaction.atomic
def user_password_reset(*, actor, campus, user, password):
    """Set a new password for a member of ``campus`` (validated by Django's validators)."""
    if not Membership.objects.filter(user=user, campus=campus).exists():
        raise PermissionDenied(_("This user holds no role on this campus."))
    if not can_reset_password(actor=actor, campus=campus, user=user):
        raise ValidationError(
            _(
                "%(user)s also works for other campuses or the organisation; "
                "ask a system administrator of the organisation to reset the password."
            )
            % {"user": user}
        )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages})
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action="password_reset", obj=user, campus=campus)
    return user
