"""Interpretation: turn `HandMeasurements` into a `Reading` through the knowledge base."""

from rekha.reading.interpret.engine import compose, deeply_creased, interpret

__all__ = ["compose", "deeply_creased", "interpret"]
