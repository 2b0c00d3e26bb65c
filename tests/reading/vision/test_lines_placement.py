"""The shared scorer (../shared/tools/score_lines.py) on a few labelled fixtures: a change that
moves lines off their creases fails here."""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from rekha.reading.types import HandMeasurements, LineName, MeasurementRefused
from rekha.reading.vision import CLEAR_CONFIDENCE
from rekha.reading.vision import lines as L
from rekha.reading.vision.lines import Traced
from rekha.reading.vision.tracer import Trace

pytestmark = pytest.mark.fixtures

Get = Callable[[str], HandMeasurements | MeasurementRefused]
SUBSET = ["left_01.jpg", "left_05.jpg", "right_02.jpg", "right_07.jpg", "left_13.jpg",
          "left_15.jpg"]
# Floors a little under what the engine reaches on this subset today (session 4: heart 0.88,
# head 0.93, life 0.93; session 3: 0.88, 0.90, 0.91; session 2: 0.87, 0.85, 0.87): mean of
# min(share of the traced line on the label, share of the label covered), at the scorer's 3 %.
FLOORS = {"heart": 0.82, "head": 0.87, "life": 0.87}


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


def _on_usual_course(name: LineName) -> Traced:
    """A trace lying on the line's usual course, with even evidence."""
    if name is LineName.life:
        th = np.radians(np.linspace(-80.0, 30.0, 60))
        units = np.stack([L.LIFE_CENTRE[0] + L.LIFE_RADIUS * np.cos(th),
                          L.LIFE_CENTRE[1] + L.LIFE_RADIUS * np.sin(th)], axis=1)
    else:
        band = L.HEART if name is LineName.heart else L.HEAD
        x = np.linspace(min(k[0] for k in band.usual), max(k[0] for k in band.usual), 60)
        units = np.stack([x, L._interp(band.usual, x)], axis=1)
    trace = Trace(raster=units * 320.0, evidence=np.full(len(units), 0.6), gain=1.0)
    return Traced(name, trace, units)


@pytest.mark.parametrize("name", [LineName.heart, LineName.head, LineName.life])
def test_confidence_falls_with_crease_depth_and_distance_from_the_usual_course(
        name: LineName) -> None:
    """The fitted model (benchmarks/fit_confidence.py): on deeply creased palms a strong crease
    is often the wrong one, and a trace far from the line's usual course has usually left it;
    beyond the deepest tuning photo the confidence also shrinks by max/depth."""
    traced = _on_usual_course(name)
    depths = [0.05, 0.15, 0.25, L.CALIBRATED_DEPTH_MAX, 2 * L.CALIBRATED_DEPTH_MAX]
    confs = [L.line_confidence(name, traced, d) for d in depths]
    assert confs == sorted(confs, reverse=True) and confs[0] > confs[-2] > confs[-1]
    assert confs[-1] <= 0.5 * confs[-2] + 1e-3
    assert L.depth_factor(None) == 1.0 and L.depth_factor(L.CALIBRATED_DEPTH_MAX) == 1.0
    assert L.depth_factor(2 * L.CALIBRATED_DEPTH_MAX) == pytest.approx(0.5)
    assert traced.units is not None
    away = replace(traced, units=traced.units + np.array([0.0, 0.12]))
    assert L.line_confidence(name, away, 0.1) < L.line_confidence(name, traced, 0.1)
    with pytest.raises(ValueError):
        L.line_confidence(name, traced)


def test_clear_lines_are_the_ones_the_confidence_calls_clear(measured: Get) -> None:
    """clearly_visible is exactly confidence >= CLEAR_CONFIDENCE, and the deepest-creased
    palm (left_11) reads lower than a shallow one (right_02) on every principal line."""
    deep, shallow = measured("left_11.jpg"), measured("right_02.jpg")
    assert isinstance(deep, HandMeasurements) and isinstance(shallow, HandMeasurements)
    assert deep.quality.sharpness > 2 * shallow.quality.sharpness
    for m in (deep, shallow):
        for n in ("heart", "head", "life"):
            line = m.lines[n]  # type: ignore[index]
            if line.found:
                assert line.clearly_visible == (line.confidence >= CLEAR_CONFIDENCE), n
    for n in ("heart", "head", "life"):
        d, s = deep.lines[n], shallow.lines[n]  # type: ignore[index]
        if d.found and s.found:
            assert d.confidence < s.confidence, n


def test_a_head_path_is_cut_at_a_sharp_turn_in_its_last_third_only() -> None:
    x = np.linspace(-0.4, 0.3, 141)
    straight = np.stack([x, -0.75 + 0.25 * (x + 0.4)], axis=1)
    assert L.kink_end(straight) == len(straight)
    # a gentle bend (a circle's arc turning 35 degrees over the whole line) is a head line
    th = np.radians(np.linspace(-20.0, 15.0, 141))
    gentle = np.stack([np.sin(th), -np.cos(th)], axis=1) * 1.1 + [0.0, 0.35]
    assert L.kink_end(gentle) == len(gentle)
    # turning 60 degrees at 80 % of its length: cut there, not before
    turn = np.vstack([straight[:113], straight[112] + np.outer(np.linspace(0.005, 0.15, 30),
                                                                [0.5, 0.866])])
    keep = L.kink_end(turn)
    assert 105 <= keep <= 115
    # the same turn at 30 % of its length is a bend of the line, kept
    early = np.vstack([straight[:42], straight[41] + np.outer(np.linspace(0.005, 0.5, 99),
                                                               [0.5, 0.866])])
    assert L.kink_end(early) == len(early)


@pytest.mark.parametrize(("name", "share"), [("left_07.jpg", "on"),
                                           ("right_heic_01.heic", "cover")])
def test_the_head_line_ends_where_its_crease_does(
        measured: Get, fixtures_dir: Path, name: str, share: str) -> None:
    """left_07: the head ran on 0.4 of its length past the label's end into the hypothenar
    (on the label 60 %, now 100 %); right_heic_01: it stopped 0.13 of the label short, where
    the line slopes down more steeply than the head band's columns let the path follow
    (covering 87 %, now 100 %)."""
    sc = _scorer(fixtures_dir)
    lab = json.loads((fixtures_dir / "lines" / f"{Path(name).stem}.json").read_text())
    m = measured(name)
    assert isinstance(m, HandMeasurements)
    (wx, wy), (mx, my) = lab["palm_length"]
    tau = 0.03 * math.hypot(mx - wx, my - wy)
    mine = [(float(x), float(y)) for x, y in m.lines["head"].points]  # type: ignore[index]
    gold = [(float(x), float(y)) for x, y in lab["lines"]["head"]]
    value = (sc.within(sc.resample(mine, tau / 3), gold, tau) if share == "on"
             else sc.within(sc.resample(gold, tau / 3), mine, tau))
    assert value >= 0.9, f"{name}: {share} {value:.2f}"
