"""custody models."""

__all__ = []
