"""Factories of the health_care area; list-page models are added to LIST_FACTORIES."""

__all__ = []
