"""Swagger UI for /api/v1/docs, served from django-ninja's bundled files (never a CDN:
schools run on intranets)."""

import json
from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from ninja.openapi.docs import Swagger

from houqin.core.permissions import public_view

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
    "favicon.svg": "image/svg+xml",
}


class LocalSwagger(Swagger):
    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
            "assets": {
                name.split(".")[0].replace("-", "_"): reverse("api_docs_asset", args=[name])
                for name in ASSETS
            },
        }
        return render(request, "api/swagger.html", context)


@public_view
def docs_asset(request, name):
    if name not in ASSETS:
        raise Http404
    response = FileResponse(open(ASSET_DIR / name, "rb"), content_type=ASSETS[name])
    patch_cache_control(response, public=True, max_age=86400)
    return response
