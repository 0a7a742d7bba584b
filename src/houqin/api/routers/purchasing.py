"""API endpoints of the purchasing area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["purchasing"])
