"""Factories of the health_disease area; list-page models are added to LIST_FACTORIES."""

__all__ = []
