"""Public pages (no login) under /p/<campus>/: the disclosure page (公示)."""

from houqin.core.views.public import urlpatterns  # noqa: F401

app_name = "public"
