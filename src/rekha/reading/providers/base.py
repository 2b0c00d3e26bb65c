"""The one interface every reading provider implements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rekha.reading.types import Focus, Hand, ReadingResult

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
