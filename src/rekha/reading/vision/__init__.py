"""The reading engine's measuring half: photo bytes in, HandMeasurements out.

No web imports here; the worker, the CLI, the tests and the benchmarks all call these.
"""

from __future__ import annotations

from rekha.reading.vision.engine import ENGINE_VERSION, measure_image
from rekha.reading.vision.lines import CLEAR_CONFIDENCE
from rekha.reading.vision.overlay import overlay_data, render_overlay

__all__ = [
    "CLEAR_CONFIDENCE",
    "ENGINE_VERSION",
    "measure_image",
    "overlay_data",
    "render_overlay",
]
