"""API endpoints of the warehouse area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["warehouse"])
