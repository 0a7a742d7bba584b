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
from ninja.utils import contribute_operation_callback

from houqin.core.permissions import LOGIN_ONLY, has_perm

CAMPUS_MEMBER = "member"

__all__ = ["CAMPUS_MEMBER", "LOGIN_ONLY", "requires", "route_permissions"]


def requires(permission: str):
    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            if permission == LOGIN_ONLY:
                if not request.user.is_authenticated:
                    raise PermissionDenied
            elif permission == CAMPUS_MEMBER:
                if getattr(request, "campus", None) is None or not getattr(request, "roles", None):
                    raise PermissionDenied
            elif not has_perm(request, permission):
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
        return wrapped

    return decorator


def route_permissions(api=None):
    """[(method, path, permission)] for every operation of the API; ``path`` is the
    OpenAPI path (``/api/v1/c/{campus}/children/{child_id}``). Operations that forgot
    :func:`requires` have ``None``."""
    if api is None:
        from houqin.api.main import api

    prefix = api.get_root_path({})
    rows = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/" + "/".join(p.strip("/") for p in (prefix, bound.prefix, path) if p.strip("/"))
            for operation in path_view.operations:
                permission = getattr(operation.view_func, "permission_required", None)
                for method in operation.methods:
                    rows.append((method, full, permission))
    return rows
