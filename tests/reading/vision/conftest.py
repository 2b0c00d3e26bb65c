"""Measurements cached per test session: every fixture photo is measured once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rekha.reading.types import HandMeasurements, MeasurementRefused

Measured = HandMeasurements | MeasurementRefused


@pytest.fixture(scope="session")
def measured(fixtures_dir: Path) -> Callable[[str], Measured]:
    from rekha.reading.vision import measure_image

    cache: dict[str, Measured] = {}

    def get(name: str) -> Measured:
        if name not in cache:
            try:
                cache[name] = measure_image((fixtures_dir / name).read_bytes())
            except MeasurementRefused as exc:
                cache[name] = exc
        return cache[name]

    return get
