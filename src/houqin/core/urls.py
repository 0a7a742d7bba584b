"""Campus pages, all under /c/<campus>/ (the middleware scopes them)."""

import importlib

from django.urls import path

from houqin.core.views import shell

app_name = "core"

urlpatterns = [
    path("", shell.dashboard_view, name="dashboard"),
]

# Page groups contributed by the core's view modules.
for _name in ("places", "people", "calendar", "mechanisms"):
    try:
        urlpatterns += importlib.import_module(f"houqin.core.views.{_name}").urlpatterns
    except ModuleNotFoundError as exc:  # TEMPORARY while the modules are being written
        if exc.name != f"houqin.core.views.{_name}":
            raise
