"""Every API operation states the permission it needs, with :func:`requires`.

``requires("core.view_children")`` checks the permission against ``request.perms`` (set
by the campus middleware from the user's roles on the campus in the URL) and answers 403
when it is lacking. The permission is also recorded on the operation, shown in the
OpenAPI schema as ``x-permission`` and listed by :func:`route_permissions`, so the
platform test can walk every route with the right personas.

Two markers stand for "no matrix permission":

* ``LOGIN_ONLY`` – routes outside any campus (``/me``, ``/tokens``): any logged-in user;
* ``CAMPUS_MEMBER`` – campus routes about the user's own things (their notifications):
  any role on the campus; the middleware already answers 404 to everybody else.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

from houqin.core.permissions import LOGIN_ONLY, has_perm

CAMPUS_MEMBER = "member"

__all__ = ["CAMPUS_MEMBER", "LOGIN_ONLY", "requires", "route_permissions"]


def _lacks(request, permission: str) -> bool:
    if permission == LOGIN_ONLY:
        return not request.user.is_authenticated
    if permission == CAMPUS_MEMBER:
        return getattr(request, "campus", None) is None or not getattr(request, "roles", None)
    return not has_perm(request, permission)


def requires(permission: str):
    """Declare and enforce the permission of an API operation (place it right below the
    ``@router.<method>`` decorator)."""

    def guard_run(run):
        # Checked before ninja parses the body, so a member without the permission gets
        # 403 whatever they send, never a 422 that would tell them about the data.
        # LOGIN_ONLY is left to ninja's authentication (401).
        @wraps(run)
        def guarded(request, *args, **kwargs):
            if (
                permission != LOGIN_ONLY
                and getattr(request, "campus", None) is not None
                and _lacks(request, permission)
            ):
                return forbidden()
            return run(request, *args, **kwargs)

        return guarded

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            if _lacks(request, permission):
                raise PermissionDenied
            return func(request, *args, **kwargs)

        wrapped.permission_required = permission

        def contribute(operation):
            extra = dict(operation.openapi_extra or {})
            extra["x-permission"] = permission
            operation.openapi_extra = extra

        # ``wraps`` copied the inner function's callback list; give the wrapper its own.
        wrapped._ninja_contribute_to_operation = list(getattr(func, "_ninja_contribute_to_operation", []))
        contribute_operation_callback(wrapped, contribute)
        return decorate_view(guard_run)(wrapped)

    return decorator


def forbidden():
    from houqin.api.errors import json_error

    return json_error(403, _("You do not have permission to do this."))


def route_permissions(api=None):
    """[(method, path, permission)] for every operation of the API, from its OpenAPI
    schema (``path`` like ``/api/v1/c/{campus}/children/{child_id}``). Operations that
    forgot :func:`requires` have ``None``."""
    if api is None:
        from houqin.api.main import api

    rows = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            rows.append((method.upper(), path, operation.get("x-permission")))
    return rows
