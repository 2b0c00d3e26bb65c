"""The stored report of an analysis, read back into the engine's types.

`Analysis.report` holds the full `Reading` and the per-hand `HandMeasurements` as JSON (the
shape of `ReadingResult.model_dump(mode="json")`). A part that does not validate is left out
rather than failing the conversation: the responder then says less, never more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rekha.reading.types import Hand, HandMeasurements, Reading

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredReport:
    reading: Reading | None = None
    measurements: dict[Hand, HandMeasurements] = field(default_factory=dict)

    @property
    def hands(self) -> list[Hand]:
        return [h for h in (Hand.left, Hand.right) if h in self.measurements]


def load_report(report: dict[str, Any] | None) -> StoredReport:
    if not report:
        return StoredReport()
    raw_reading: Any = report.get("reading")
    if raw_reading is None and "sections" in report:
        raw_reading = {k: v for k, v in report.items() if k != "measurements"}
    reading: Reading | None = None
    if isinstance(raw_reading, dict):
        try:
            reading = Reading.model_validate(raw_reading)
        except ValidationError as exc:
            log.warning("stored reading does not validate", extra={"error": str(exc)[:300]})
    measurements: dict[Hand, HandMeasurements] = {}
    raw_measurements = report.get("measurements")
    if isinstance(raw_measurements, dict):
        for hand_name, raw in raw_measurements.items():
            if hand_name not in ("left", "right") or not isinstance(raw, dict):
                continue
            try:
                measurements[Hand(hand_name)] = HandMeasurements.model_validate(raw)
            except ValidationError as exc:
                log.warning(
                    "stored measurements do not validate",
                    extra={"hand": hand_name, "error": str(exc)[:300]},
                )
    return StoredReport(reading=reading, measurements=measurements)
