"""The `local` reading provider: our own measurements, read through our knowledge base.

Offline and deterministic: the same photos always give the same reading, at no cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rekha.reading.interpret import interpret
from rekha.reading.providers.base import ProgressCallback, measure_hands
from rekha.reading.types import (
    Focus,
    Hand,
    HandMeasurements,
    Overlay,
    ReadingResult,
    Usage,
)

if TYPE_CHECKING:
    from rekha.settings import Settings

Measure = Callable[..., HandMeasurements]

# Where each stage starts, in percent of the whole reading; the worker shows these to the user.
STAGES = {"preparing": 10, "finding_hand": 30, "tracing_lines": 60, "interpreting": 85}


class _Monotonic:
    """Forwards progress, never going backwards (the second photo restarts the vision stages)."""

    def __init__(self, report: ProgressCallback | None) -> None:
        self._report = report
        self._last = -1

    def __call__(self, stage: str, pct: int) -> None:
        if self._report is not None and pct > self._last:
            self._last = pct
            self._report(stage, pct)


class LocalReader:
    name = "local"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        measure: Measure | None = None,
        render: Callable[[bytes, HandMeasurements], bytes] | None = None,
        overlay: Callable[[HandMeasurements], Overlay] | None = None,
    ) -> None:
        # Vision imports MediaPipe (slow, heavy), so it loads on first use, not on import.
        self.settings = settings
        self._measure = measure
        self._render = render
        self._overlay = overlay

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalReader:
        return cls(settings)

    def _vision(
        self,
    ) -> tuple[
        Measure, Callable[[bytes, HandMeasurements], bytes], Callable[[HandMeasurements], Overlay]
    ]:
        if self._measure is None or self._render is None or self._overlay is None:
            from rekha.reading import vision

            self._measure = self._measure or vision.measure_image
            self._render = self._render or vision.render_overlay
            self._overlay = self._overlay or vision.overlay_data
        return self._measure, self._render, self._overlay

    def read(
        self,
        images: dict[Hand, bytes],
        focus: Focus = Focus.general,
        progress: ProgressCallback | None = None,
        dominant: Hand | None = None,
    ) -> ReadingResult:
        report = _Monotonic(progress)
        report("preparing", STAGES["preparing"])
        measure, render, overlay = self._vision()

        def measure_one(data: bytes, i: int, n: int) -> HandMeasurements:
            # Each photo gets its share of the two vision stages.
            def inner(stage: str, _pct: int) -> None:
                if stage == "finding_hand":
                    report(stage, STAGES["finding_hand"] + (30 * i) // n)
                elif stage == "tracing_lines":
                    report(stage, STAGES["tracing_lines"] + (25 * i) // n)

            return measure(data, progress=inner)

        measurements = measure_hands(images, measure_one)
        report("interpreting", STAGES["interpreting"])
        reading = interpret(measurements, focus=focus, dominant=dominant)
        return ReadingResult(
            reading=reading,
            measurements=measurements,
            overlays={h: overlay(m) for h, m in measurements.items()},
            overlay_png={h: render(images[h], m) for h, m in measurements.items()},
            provider=self.name,
            usage=Usage(),
        )
