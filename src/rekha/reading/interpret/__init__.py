"""Interpretation: turn `HandMeasurements` into a `Reading` through the knowledge base."""

from rekha.reading.interpret.engine import compose, interpret

__all__ = ["compose", "interpret"]
