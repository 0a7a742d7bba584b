"""Personal API tokens: create (the key is returned once, only its SHA-256 is kept) and revoke."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit

MAX_TOKENS_PER_USER = 20


def _may_manage(actor, user) -> bool:
    return actor is not None and (actor.pk == user.pk or actor.is_superuser)


@transaction.atomic
def token_create(*, actor, user, name, expires_at=None):
    """Create a token for ``user``; returns ``(token, key)``. Show ``key`` once: it cannot
    be recovered later."""
    from houqin.core.models import ApiToken

    if not _may_manage(actor, user):
        raise PermissionDenied
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry time must be in the future.")})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(
        expires_at__lte=timezone.now()
    )
    if active.count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("You already have %(n)s active tokens; revoke one you no longer use first.")
            % {"n": MAX_TOKENS_PER_USER}
        )
    key = ApiToken.generate_key()
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit.record(actor=actor, action="token_create", obj=token, campus=None, after=audit.snapshot(token))
    return token, key


@transaction.atomic
def token_revoke(*, actor, token):
    """Revoke a token at once; revoking a revoked token changes nothing."""
    if not _may_manage(actor, token.user):
        raise PermissionDenied
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit.record(
        actor=actor,
        action="token_revoke",
        obj=token,
        campus=None,
        before={"revoked_at": None},
        after={"revoked_at": audit.snapshot(token)["revoked_at"]},
    )
    return token
