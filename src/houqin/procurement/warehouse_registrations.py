"""Registrations (menu, dashboard, settings, approval kinds, demo…) of the warehouse area."""
