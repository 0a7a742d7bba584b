"""Registrations (menu, dashboard, settings, approval kinds, demo…) of the stocktake area."""
