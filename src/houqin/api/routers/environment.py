"""API endpoints of the environment area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["environment"])
