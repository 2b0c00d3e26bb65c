"""The life line's lower end: cut where the path veers outward off the arc around the thumb
ball (lines.veer_end), then followed on along its own curve (lines.extend_end with a turn,
lines.life_turn) and cut back where that continuation's crease fades."""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rekha.reading.types import Hand, HandMeasurements, LineName, MeasurementRefused
from rekha.reading.vision import lines as L
from rekha.reading.vision.frame import X_RANGE, Y_RANGE, PalmFrame
from rekha.reading.vision.ridges import RidgeMaps
from rekha.reading.vision.tracer import Trace

Get = Callable[[str], HandMeasurements | MeasurementRefused]
PPU = 200.0


def _arc(th0: float, th1: float, n: int = 160, r: float = L.LIFE_RADIUS) -> np.ndarray:
    th = np.radians(np.linspace(th0, th1, n))
    return np.stack([L.LIFE_CENTRE[0] + r * np.cos(th), L.LIFE_CENTRE[1] + r * np.sin(th)],
                    axis=1)


def _veered(at_share: float, turn_deg: float) -> np.ndarray:
    """The arc from -80 to +20 degrees, leaving it at `at_share` of its length by a straight
    run turned `turn_deg` outward (towards the little finger's side) from its tangent."""
    arc = _arc(-80.0, 20.0)
    k = int(at_share * (len(arc) - 1))
    tangent = arc[k] - arc[k - 1]
    tangent /= np.linalg.norm(tangent)
    a = math.radians(-turn_deg)  # against the arc's own turn
    d = np.array([tangent[0] * math.cos(a) - tangent[1] * math.sin(a),
                  tangent[0] * math.sin(a) + tangent[1] * math.cos(a)])
    step = float(np.linalg.norm(arc[1] - arc[0]))
    run = arc[k] + np.outer(np.arange(1, len(arc) - k) * step, d)
    return np.vstack([arc[: k + 1], run])


def test_a_life_line_arcing_around_the_thumb_ball_is_kept_whole() -> None:
    assert L.veer_end(_arc(-80.0, 20.0)) == 160
    # a tighter curl around the ball is the arc's own way, not a veer
    assert L.veer_end(_arc(-80.0, 40.0, r=0.40)) == 160


def test_a_life_line_veering_outward_in_its_last_part_is_cut_there() -> None:
    path = _veered(0.85, 40.0)
    keep = L.veer_end(path)
    assert 0.80 * 159 <= keep <= 0.88 * 159
    # the same veer in its first part is a bend of the line (its start at the web), kept
    assert L.veer_end(_veered(0.3, 40.0)) == len(_veered(0.3, 40.0))
    # a small outward wobble is a crease's own
    assert L.veer_end(_veered(0.85, 12.0)) == len(_veered(0.85, 12.0))


def _maps_with_groove(groove: np.ndarray) -> tuple[PalmFrame, RidgeMaps]:
    size = (round((X_RANGE[1] - X_RANGE[0]) * PPU), round((Y_RANGE[1] - Y_RANGE[0]) * PPU))
    frame = PalmFrame(hand=Hand.left, to_units=np.eye(2, 3), px_per_unit=PPU, size=size)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    raster = frame.raster_from_units(groove)
    d = np.full((h, w), np.inf)
    ax = np.zeros((h, w))
    ay = np.zeros((h, w))
    for p, q in itertools.pairwise(raster):
        seg = q - p
        t = np.clip(((xx - p[0]) * seg[0] + (yy - p[1]) * seg[1]) / float(seg @ seg), 0, 1)
        dist = np.hypot(xx - p[0] - t * seg[0], yy - p[1] - t * seg[1])
        closer = dist < d
        d[closer] = dist[closer]
        ax[closer], ay[closer] = seg / np.linalg.norm(seg)
    strength = np.exp(-0.5 * (d / 2.0) ** 2).astype(np.float32)
    maps = RidgeMaps(strength=strength, along_x=ax.astype(np.float32),
                     along_y=ay.astype(np.float32), mask=np.ones((h, w), np.bool_),
                     lightness=np.ones((h, w), np.float32), crease_contrast=0.1,
                     wrist_strength=strength)
    return frame, maps


def test_the_life_line_is_followed_on_along_its_own_curve() -> None:
    """A groove on the arc from -80 to +25 degrees, traced to 0 degrees: the continuation,
    turning as the arc does, follows it on to the extension's reach (0.15 palm lengths,
    about 17 degrees at the usual radius), on the groove and at its radius."""
    frame, maps = _maps_with_groove(_arc(-80.0, 25.0, 400))
    traced = _arc(-80.0, 0.0, 300)
    raster = frame.raster_from_units(traced)
    tr = Trace(raster=raster, evidence=np.ones(len(raster)), gain=1.0)
    ext = L.extend_end(maps, frame, tr, None, L.FAR_ENDS[LineName.life])
    end = frame.units_from_raster(ext.raster[-1:])[0] - np.array(L.LIFE_CENTRE)
    assert math.degrees(math.atan2(end[1], end[0])) > 13.0
    assert abs(math.hypot(*end) - L.LIFE_RADIUS) < 0.01
    # the followed-on part lies on the groove all along
    assert float(np.min(ext.evidence[len(raster):])) > 0.6


@pytest.mark.fixtures
def test_the_life_line_ends_where_its_label_does_on_left_04(
        measured: Get, fixtures_dir: Path) -> None:
    """left_04: the path veered outward off the line at about -20 degrees around the thumb
    ball and ended at -7, the label runs on to +13 (label covered 76 %); now cut at the veer
    and followed on along the arc (83 %, and 100 % of the trace on the label)."""
    lab = json.loads((fixtures_dir / "lines" / "left_04.json").read_text())
    m = measured("left_04.jpg")
    assert isinstance(m, HandMeasurements)
    (wx, wy), (mx, my) = lab["palm_length"]
    tau = 0.03 * math.hypot(mx - wx, my - wy)
    mine = [(float(x), float(y)) for x, y in m.lines["life"].points]  # type: ignore[index]
    gold = [(float(x), float(y)) for x, y in lab["lines"]["life"]]

    spec = importlib.util.spec_from_file_location(
        "score_lines", fixtures_dir.parent.parent / "tools" / "score_lines.py")
    if spec is None or spec.loader is None:
        pytest.skip("scorer not found")
    sc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sc)
    assert sc.within(sc.resample(gold, tau / 3), mine, tau) >= 0.8
    assert sc.within(sc.resample(mine, tau / 3), gold, tau) >= 0.9
