"""API endpoints of the assets area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["assets"])
