"""Template tags of the canteen module."""
