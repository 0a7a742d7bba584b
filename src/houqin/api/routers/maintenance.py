"""API endpoints of the maintenance area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["maintenance"])
