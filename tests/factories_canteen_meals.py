"""Factories of the canteen_meals area; list-page models are added to LIST_FACTORIES."""

__all__ = []
