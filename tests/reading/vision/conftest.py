"""Measurements cached per test session: every fixture photo is measured once."""

from __future__ import annotations

import json
import math
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


@pytest.fixture(scope="session")
def start_gap(measured: Callable[[str], Measured], fixtures_dir: Path) -> Callable[[str, str], float]:
    """Distance from a traced line's start to its label's start, in the label's palm lengths."""

    def gap(name: str, line: str) -> float:
        lab = json.loads((fixtures_dir / "lines" / f"{Path(name).stem}.json").read_text())
        m = measured(name)
        assert isinstance(m, HandMeasurements), name
        traced = m.lines[line]  # type: ignore[index]
        assert traced.found, (name, line)
        (wx, wy), (mx, my) = lab["palm_length"]
        (sx, sy), (lx, ly) = traced.points[0], lab["lines"][line][0]
        return math.hypot(sx - lx, sy - ly) / math.hypot(mx - wx, my - wy)

    return gap
