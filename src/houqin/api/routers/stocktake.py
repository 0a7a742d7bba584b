"""API endpoints of the stocktake area under /api/v1/c/{campus}/."""

from ninja import Router

router = Router(tags=["stocktake"])
