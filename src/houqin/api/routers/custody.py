"""API endpoints of the custody area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["custody"])
