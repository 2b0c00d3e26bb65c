"""Rekha: palm reading in the Indian tradition, measured."""

__version__ = "0.1.0"
