"""Placeholder router; being written."""

from ninja import Router

router = Router()
