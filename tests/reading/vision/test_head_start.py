"""Where the head line begins: from the life line's start when it is joined to the life line
(lines.join_life_start), where its own search began otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from rekha.reading.types import Hand, LineName
from rekha.reading.vision import lines as L
from rekha.reading.vision.frame import PalmFrame
from rekha.reading.vision.lines import Traced
from rekha.reading.vision.tracer import Trace

F64 = npt.NDArray[np.float64]
FRAME = PalmFrame(hand=Hand.left, to_units=np.array([[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]]),
                  px_per_unit=100.0, size=(200, 200))


def _traced(name: LineName, units: F64, evidence: float) -> Traced:
    raster = FRAME.raster_from_units(units)
    tr = Trace(raster=raster, evidence=np.full(len(units), evidence), gain=1.0)
    return Traced(name, tr, L.smooth_path(FRAME.units_from_raster(raster)))


def _life() -> Traced:
    th = np.radians(np.linspace(-85.0, 30.0, 120))
    arc = np.stack([L.LIFE_CENTRE[0] + L.LIFE_RADIUS * np.cos(th),
                    L.LIFE_CENTRE[1] + L.LIFE_RADIUS * np.sin(th)], axis=1)
    return _traced(LineName.life, arc, 0.7)


def _beside_life(life: Traced, i: int, gap: float) -> F64:
    """A point `gap` outside the life line's point `i` (away from the thumb ball's centre)."""
    assert life.units is not None
    out = life.units[i] - np.array(L.LIFE_CENTRE)
    return np.asarray(life.units[i] + gap * out / np.linalg.norm(out), dtype=np.float64)


def _head_from(start: F64) -> Traced:
    x = np.linspace(float(start[0]), 0.45, 80)
    y = float(start[1]) + 0.35 * (x - float(start[0]))
    return _traced(LineName.head, np.stack([x, y], axis=1), 0.5)


def test_a_head_begun_on_the_life_line_takes_the_life_lines_start() -> None:
    life = _life()
    assert life.units is not None
    head = _head_from(_beside_life(life, 25, 0.01))
    joined = L.join_life_start(FRAME, head, life)
    assert joined.units is not None and joined.trace is not None and head.trace is not None
    # begins where the life line begins, and keeps the head's own course after
    assert float(np.linalg.norm(joined.units[0] - life.units[0])) < 0.01
    shared = len(joined.trace.raster) - len(head.trace.raster)
    assert shared == 25
    assert np.allclose(joined.trace.raster[shared:], head.trace.raster)
    # the shared part's crease is the life line's
    assert np.allclose(joined.trace.evidence[:shared], 0.7)


def test_a_head_begun_apart_from_the_life_line_keeps_its_start() -> None:
    life = _life()
    assert life.units is not None
    head = _head_from(_beside_life(life, 25, L.HEAD_JOIN_UNITS + 0.01))
    assert L.join_life_start(FRAME, head, life) is head
    # nor does a head begun at the life line's very start change
    at_start = _head_from(_beside_life(life, 1, 0.005))
    assert L.join_life_start(FRAME, at_start, life) is at_start
    assert L.join_life_start(FRAME, head, Traced(LineName.life, None, None)) is head


def test_a_head_that_touches_the_life_line_further_down_is_not_joined() -> None:
    life = _life()
    assert life.units is not None
    along = L._arc_length(life.units)
    late = int(np.searchsorted(along, L.HEAD_JOIN_MAX_UNITS + 0.05))
    head = _head_from(_beside_life(life, late, 0.01))
    assert L.join_life_start(FRAME, head, life) is head


@pytest.mark.fixtures
@pytest.mark.parametrize("name", ["left_02.jpg", "left_05.jpg"])
def test_a_joined_head_line_begins_where_the_label_does(
        start_gap: Callable[[str, str], float], name: str) -> None:
    """Labelled from the shared start with the life line: the head's own search began 0.21
    palm lengths along it; from the life line's start it lies 0.04-0.06 from the label's."""
    assert start_gap(name, "head") <= 0.08
