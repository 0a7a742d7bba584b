"""Factories of the canteen_nutrition area; list-page models are added to LIST_FACTORIES."""

__all__ = []
