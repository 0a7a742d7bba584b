"""warehouse models."""

__all__ = []
