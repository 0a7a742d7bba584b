"""Factories of the warehouse area; list-page models are added to LIST_FACTORIES."""

from tests.factories import LIST_FACTORIES  # noqa: F401
