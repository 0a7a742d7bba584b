"""Request id + audit context, and campus resolution with hard query scoping.

For any URL with a ``campus`` argument (``/c/<campus>/…`` and ``/api/v1/c/<campus>/…``)
the campus middleware:

1. resolves the campus by its code (unknown → 404),
2. authenticates (session, or an API token for /api/),
3. collects the user's roles there (none → 404, so outsiders cannot even tell the campus
   exists; anonymous web users are sent to the login page),
4. runs the rest of the request inside ``django_scopes.scope(campus=…)`` so that a query
   on a campus-owned model that forgot to filter by campus can only ever see this campus.

Public pages (``public_campus`` argument: the disclosure page) get the scope without a
membership check; they show only what the campus has published.
"""

import uuid

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django_scopes import scope, scopes_disabled

from houqin.core import audit
from houqin.core.permissions import perms_for_user_on_campus


def client_ip(request):
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:40] or uuid.uuid4().hex[:16]
        request.request_id = request_id
        source = "api" if request.path_info.startswith("/api/") else "web"
        with audit.audit_context(request_id=request_id, source=source, ip=client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _api_error(status, message):
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


class CampusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from houqin.core.models import Campus

        request.campus = None
        request.roles = set()
        request.perms = set()
        is_api = request.path_info.startswith("/api/")

        if is_api:
            from houqin.api.auth import user_from_token

            token_user = user_from_token(request)
            if token_user is not None:
                request.user = token_user
                request.auth_via_token = True
                request._dont_enforce_csrf_checks = True

        if request.user.is_authenticated and request.user.language and not request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME
        ):
            translation.activate(request.user.language)
            request.LANGUAGE_CODE = request.user.language

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)

        if request.path_info.startswith("/admin/") and request.user.is_superuser:
            with scopes_disabled():
                return self.get_response(request)

        public_code = match.kwargs.get("public_campus")
        if public_code is not None:
            campus = Campus.objects.filter(code=public_code, is_active=True, disclosure_enabled=True).first()
            if campus is None:
                raise Http404
            request.campus = campus
            with scope(campus=campus):
                return self.get_response(request)

        code = match.kwargs.get("campus")
        if code is None:
            return self.get_response(request)

        if not request.user.is_authenticated:
            if is_api:
                return _api_error(401, translation.gettext("Authentication required: log in or send an API token."))
            return redirect_to_login(request.get_full_path())

        campus = Campus.objects.filter(code=code, is_active=True).select_related("organization").first()
        roles, perms = perms_for_user_on_campus(request.user, campus) if campus else (set(), set())
        if not roles:
            if is_api:
                return _api_error(404, translation.gettext("Not found."))
            raise Http404
        request.campus = campus
        request.roles = roles
        request.perms = perms
        with scope(campus=campus):
            return self.get_response(request)
