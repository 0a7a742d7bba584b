"""purchasing models."""

__all__ = []
