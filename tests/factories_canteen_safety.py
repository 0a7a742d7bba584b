"""Factories of the canteen_safety area; list-page models are added to LIST_FACTORIES."""

__all__ = []
