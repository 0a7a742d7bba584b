"""environment models."""

__all__ = []
