"""The shared scorer (../shared/tools/score_lines.py) on a few labelled fixtures: a change that
moves lines off their creases fails here."""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from rekha.reading.types import HandMeasurements, MeasurementRefused
from rekha.reading.vision import CLEAR_CONFIDENCE

pytestmark = pytest.mark.fixtures

Get = Callable[[str], HandMeasurements | MeasurementRefused]
SUBSET = ["left_01.jpg", "left_05.jpg", "right_02.jpg", "right_07.jpg", "left_13.jpg",
          "left_15.jpg"]
# Floors a little under what the engine reaches on this subset today (heart 0.87, head 0.85,
# life 0.87; docs/engine.md): mean of min(share of the traced line on the label, share of the
# label covered), at the scorer's 3 %.
FLOORS = {"heart": 0.80, "head": 0.78, "life": 0.80}


def _scorer(fixtures_dir: Path) -> ModuleType:
    path = fixtures_dir.parent.parent / "tools" / "score_lines.py"
    if not path.is_file():
        pytest.skip(f"scorer not found at {path}")
    spec = importlib.util.spec_from_file_location("score_lines", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_principal_lines_lie_on_the_labelled_creases(measured: Get, fixtures_dir: Path) -> None:
    sc = _scorer(fixtures_dir)
    shares: dict[str, list[float]] = {n: [] for n in FLOORS}
    for name in SUBSET:
        lab = json.loads((fixtures_dir / "lines" / f"{Path(name).stem}.json").read_text())
        m = measured(name)
        assert isinstance(m, HandMeasurements), f"{name} refused"
        (wx, wy), (mx, my) = lab["palm_length"]
        tau = 0.03 * math.hypot(mx - wx, my - wy)
        for n in FLOORS:
            truth = lab["lines"].get(n)
            if not truth or lab["confidence"].get(n) == "guess":
                continue
            line = m.lines[n]  # type: ignore[index]
            if not line.found:
                shares[n].append(0.0)
                continue
            mine = [(float(x), float(y)) for x, y in line.points]
            gold = [(float(x), float(y)) for x, y in truth]
            on = sc.within(sc.resample(mine, tau / 3), gold, tau)
            cover = sc.within(sc.resample(gold, tau / 3), mine, tau)
            shares[n].append(min(on, cover))
    for n, floor in FLOORS.items():
        assert shares[n], n
        mean = sum(shares[n]) / len(shares[n])
        assert mean >= floor, f"{n}: mean min(on, cover) {mean:.2f} < {floor}"


def test_life_line_arcs_around_the_thumb_ball(measured: Get) -> None:
    """Its middle bulges away from the thumb side: the arc's sagitta is a real share of it."""
    for name in SUBSET:
        m = measured(name)
        assert isinstance(m, HandMeasurements)
        life = m.lines["life"]  # type: ignore[index]
        assert life.found and life.curvature is not None and life.curvature > 0.15, name


def test_confidence_shrinks_beyond_the_crease_depth_it_was_fitted_on(measured: Get) -> None:
    """The placement model was fitted on photos up to CALIBRATED_DEPTH_MAX; a deeper-creased
    palm (left_11: dark skin, many strong creases) gets its confidence scaled down by
    max/depth, a shallow one (right_02) keeps it whole."""
    from rekha.reading.vision.lines import CALIBRATED_DEPTH_MAX, depth_factor

    assert depth_factor(None) == 1.0
    assert depth_factor(CALIBRATED_DEPTH_MAX) == 1.0
    assert depth_factor(2 * CALIBRATED_DEPTH_MAX) == pytest.approx(0.5)
    deep, shallow = measured("left_11.jpg"), measured("right_02.jpg")
    assert isinstance(deep, HandMeasurements) and isinstance(shallow, HandMeasurements)
    assert deep.quality.sharpness > 1.5 * CALIBRATED_DEPTH_MAX
    assert shallow.quality.sharpness <= CALIBRATED_DEPTH_MAX
    factor = depth_factor(deep.quality.sharpness)
    for n in ("heart", "head", "life"):
        line = deep.lines[n]  # type: ignore[index]
        if line.found:
            # the fitted lower bound is below 1, so the scaled one is below the factor
            assert line.confidence <= factor + 1e-3, n
            assert line.clearly_visible == (line.confidence >= CLEAR_CONFIDENCE), n
    assert shallow.lines["heart"].clearly_visible  # type: ignore[index]
