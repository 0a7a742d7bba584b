"""repairs models."""

__all__ = []
