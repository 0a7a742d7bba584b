"""URLs under /api/v1/ (included by the root URLconf)."""

from functools import wraps

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from houqin.api.docs import docs_asset
from houqin.api.errors import json_error
from houqin.api.main import api
from houqin.core.permissions import public_view


@public_view
def api_root(request):
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "docs": request.build_absolute_uri("docs"),
            "openapi": request.build_absolute_uri("openapi.json"),
        }
    )


@public_view
def api_not_found(request, *args, **kwargs):
    return json_error(404, _("Not found."))


def _json_method_not_allowed(view):
    """ninja answers an unsupported method with an empty text/html 405; make it JSON."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            response = json_error(
                405, _("Method not allowed; use one of: %(methods)s.") % {"methods": allowed}
            )
            response["Allow"] = allowed
        return response

    return wrapped


def _api_urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name not in ("openapi-json", "openapi-view", "api-root"):
            pattern.callback = _json_method_not_allowed(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", api_root, name="api_root"),
    path("docs/assets/<str:name>", docs_asset, name="api_docs_asset"),
    path("", _api_urls()),
    re_path(r"^.*$", api_not_found, name="api_not_found"),
]
