"""Per-user API tokens: ``Authorization: Bearer hq_…``."""

from django.utils import timezone


def user_from_token(request):
    """The active user owning the bearer token of the request, or None."""
    from houqin.core.models import ApiToken

    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    key = header[7:].strip()
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
