"""Houqin (后勤): logistics management for Chinese kindergartens and schools."""

__version__ = "0.1.0"
