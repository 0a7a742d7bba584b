"""Factories of the health_growth area; list-page models are added to LIST_FACTORIES."""

__all__ = []
