"""Factories of the health_daily area; list-page models are added to LIST_FACTORIES."""

__all__ = []
