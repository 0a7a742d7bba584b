"""Factories of the canteen_supply area; list-page models are added to LIST_FACTORIES."""

__all__ = []
