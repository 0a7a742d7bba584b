"""The Houqin HTTP API (``/api/v1/``): one NinjaAPI, one router per domain.

* Authentication: a personal token (``Authorization: Bearer hq_…``) or the browser
  session (with CSRF for unsafe methods); see :mod:`houqin.api.auth`.
* Campus routes live under ``/c/{campus}/``; the campus middleware resolves the campus,
  answers 404 to non-members and activates the campus query scope before any endpoint
  runs. Each endpoint states its permission with :func:`houqin.api.access.requires`.
* Lists are paginated (``limit``/``offset`` → ``{"count", "items"}``); writes go through
  the audited services; every error is JSON (:mod:`houqin.api.errors`).

A later app adds its endpoints as ``src/houqin/api/routers/<app>.py`` and mounts the
router in ``ROUTERS`` below, reusing that app's services.
"""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from houqin.api import errors
from houqin.api.auth import SessionAuth, TokenAuth
from houqin.api.docs import LocalSwagger
from houqin.api.routers import (
    account,
    activity,
    approvals,
    assets,
    calendar,
    campus,
    canteen_meals,
    canteen_nutrition,
    canteen_safety,
    canteen_supply,
    custody,
    environment,
    gate,
    health_care,
    health_daily,
    health_disease,
    health_growth,
    maintenance,
    people,
    purchasing,
    routines,
    safety,
    stocktake,
    warehouse,
)
from houqin.core.permissions import public_view

CAMPUS_PREFIX = "/c/{campus}"

# (prefix, router); campus routers are mounted under CAMPUS_PREFIX.
ROUTERS = [
    ("", account.router),
    (CAMPUS_PREFIX, campus.router),
    (CAMPUS_PREFIX, calendar.router),
    (CAMPUS_PREFIX, people.router),
    (CAMPUS_PREFIX, activity.router),
    (CAMPUS_PREFIX, approvals.router),
    (CAMPUS_PREFIX, routines.router),
    (CAMPUS_PREFIX, safety.router),
    (CAMPUS_PREFIX, gate.router),
    (CAMPUS_PREFIX, assets.router),
    (CAMPUS_PREFIX, custody.router),
    (CAMPUS_PREFIX, stocktake.router),
    (CAMPUS_PREFIX, purchasing.router),
    (CAMPUS_PREFIX, warehouse.router),
    (CAMPUS_PREFIX, maintenance.router),
    (CAMPUS_PREFIX, environment.router),
    (CAMPUS_PREFIX, health_daily.router),
    (CAMPUS_PREFIX, health_disease.router),
    (CAMPUS_PREFIX, health_growth.router),
    (CAMPUS_PREFIX, health_care.router),
    (CAMPUS_PREFIX, canteen_supply.router),
    (CAMPUS_PREFIX, canteen_safety.router),
    (CAMPUS_PREFIX, canteen_nutrition.router),
    (CAMPUS_PREFIX, canteen_meals.router),
]


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class HouqinAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        campus_param = {
            "in": "path",
            "name": "campus",
            "required": True,
            "schema": {"type": "string", "title": "Campus"},
            "description": str(_("Campus code, as in the web addresses (/c/<code>/).")),
        }
        for path, operations in schema["paths"].items():
            if "{campus}" not in path:
                continue
            for operation in operations.values():
                params = operation.setdefault("parameters", [])
                if not any(p.get("name") == "campus" and p.get("in") == "path" for p in params):
                    params.insert(0, dict(campus_param))
        return schema


def _public_docs(view):
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return public_view(wrapped)


DESCRIPTION = """
Houqin (后勤) logistics API.

**Authentication.** Create a personal token at `/account/tokens/` (or `POST /api/v1/tokens`
while logged in) and send it as `Authorization: Bearer <key>`. Browser sessions work too;
unsafe methods then need the `X-CSRFToken` header.

**Campuses.** Campus data lives under `/api/v1/c/{campus}/…`, where `campus` is the campus
code. Anything on a campus where you hold no role answers 404. Each operation names the
permission it needs (`x-permission`); lacking it answers 403.

**Lists** take `limit` (default 50, at most 200) and `offset`, and answer
`{"count": …, "items": […]}`.

**Errors** are JSON: `{"detail": "…"}`; invalid data answers 422 with
`{"detail": "…", "errors": {"field": ["message", …]}}`, in the language of the request
(`Accept-Language: zh-hans` or `en`).
"""


def build_api() -> NinjaAPI:
    api = HouqinAPI(
        title="Houqin API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=[TokenAuth(), SessionAuth()],
        renderer=UnicodeJSONRenderer(),
        docs=LocalSwagger(),
        docs_decorator=_public_docs,
    )
    errors.install(api)
    for prefix, router in ROUTERS:
        api.add_router(prefix, router)
    return api


api = build_api()
