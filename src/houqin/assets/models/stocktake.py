"""stocktake models."""

__all__ = []
