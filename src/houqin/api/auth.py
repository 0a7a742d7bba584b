"""Authentication for the API: personal tokens (``Authorization: Bearer hq_…``) or the
browser session.

The campus middleware has already looked at the bearer token (it needs the user before
it can check the campus membership), so the ninja auth classes below only confirm what
the middleware found; they never look a token up twice.

* A request that carries a bearer token is authenticated by that token alone: an
  invalid, revoked or expired token gives 401 even when a session cookie is present.
* Session-authenticated requests must pass Django's CSRF check for unsafe methods, as
  any form post would; token requests are exempt (the middleware marks them).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf


def user_from_token(request):
    """The active user owning the bearer token of the request, or None."""
    from houqin.core.models import ApiToken

    key = bearer_key(request)
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def bearer_key(request) -> str:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return ""
    return header[7:].strip()


class TokenAuth(HttpBearer):
    """A personal API token, resolved by the campus middleware."""

    def authenticate(self, request, token):
        if getattr(request, "auth_via_token", False) and request.user.is_authenticated:
            return request.user
        return None


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check for unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # Decide on the user first: an anonymous request must get 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if bearer_key(request) or getattr(request, "auth_via_token", False):
            return None  # a token was sent: it alone decides
        user = request.user
        if not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie value.")
            )
        return user
