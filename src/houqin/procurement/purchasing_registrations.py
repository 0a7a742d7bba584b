"""Registrations (menu, dashboard, settings, approval kinds, demo…) of the purchasing area."""
