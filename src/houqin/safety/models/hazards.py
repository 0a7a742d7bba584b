"""Hazards, rectification, drills, agreements, education, plans, duty roster."""
