"""The one interface every reading provider implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rekha.reading.types import (
    Focus,
    Hand,
    HandMeasurements,
    MeasurementRefused,
    ReadingResult,
    RefusalCode,
)

# stage name, percent 0..100 — the worker forwards it to Redis so the UI can show it
ProgressCallback = Callable[[str, int], None]


class ProviderUnavailable(Exception):
    """A transient failure of the provider (rate limit, 5xx, timeout): worth retrying."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Reader(Protocol):
    name: str

    def read(
        self,
        images: dict[Hand, bytes],
        focus: Focus = Focus.general,
        progress: ProgressCallback | None = None,
        dominant: Hand | None = None,
    ) -> ReadingResult:
        """Measure and interpret. Raises MeasurementRefused or ProviderUnavailable."""
        ...


def measure_hands(
    images: dict[Hand, bytes],
    measure: Callable[[bytes, int, int], HandMeasurements],
) -> dict[Hand, HandMeasurements]:
    """Measure every photo (in a stable order) before anything else happens, so a refusal
    stops the reading before any cost. `measure(data, index, count)` measures one photo.

    A photo given as one hand that shows the other is refused rather than read as the wrong
    hand: the whole reading (born with / made of it) rests on which hand is which.
    """
    if not images:
        raise ValueError("a reading needs at least one photo")
    order = sorted(images, key=lambda h: Hand(h).value)
    measured: dict[Hand, HandMeasurements] = {}
    for index, hand in enumerate(order):
        m = measure(images[hand], index, len(order))
        if m.hand != hand:
            raise MeasurementRefused(
                RefusalCode.wrong_hand,
                f"The photo given as your {hand.value} hand shows a {m.hand.value} hand. "
                f"Upload it as the {m.hand.value} hand, or take a photo of the "
                f"{hand.value} palm (a mirrored selfie swaps the sides).",
            )
        measured[Hand(hand)] = m
    return measured
