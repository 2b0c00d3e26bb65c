"""Islands, chains and forks (signs.py): synthetic palms where the answer is known, drawn with
cv2 on a skin-coloured canvas and read through the real crease maps; and the fixture palms,
on which these signs must stay rare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from rekha.reading.types import Hand, HandMeasurements, LineName, MeasurementRefused
from rekha.reading.vision import signs as S
from rekha.reading.vision.frame import X_RANGE, Y_RANGE, PalmFrame, invert_affine
from rekha.reading.vision.ridges import RidgeMaps, ridge_maps

F64 = npt.NDArray[np.float64]
Draw = Callable[[F64, float], None]
PPU = 320.0  # the canonical raster's usual resolution (frame.MAX_PX_PER_UNIT)
CREASE_UNITS = 0.008  # a principal crease's width: ~0.8 % of palm length
BRANCH_UNITS = 0.006


def _frame(photo_px_per_unit: float = PPU) -> PalmFrame:
    """A canonical frame whose 'photo' is the canonical raster itself, scaled so that the
    photo has `photo_px_per_unit` pixels per palm length."""
    size = (round((X_RANGE[1] - X_RANGE[0]) * PPU), round((Y_RANGE[1] - Y_RANGE[0]) * PPU))
    bare = PalmFrame(hand=Hand.left, to_units=np.eye(2, 3), px_per_unit=PPU, size=size)
    to_units = invert_affine(bare.units_to_raster)
    to_units[:, :2] *= PPU / photo_px_per_unit
    return PalmFrame(hand=Hand.left, to_units=to_units, px_per_unit=PPU, size=size)


def _palm(draw: Callable[[Draw], None]) -> tuple[npt.NDArray[np.uint8], RidgeMaps]:
    fr = _frame()
    w, h = fr.size
    rng = np.random.default_rng(7)
    img = np.full((h, w, 3), (222, 170, 148), np.float32)
    img += rng.normal(0.0, 3.0, (h, w, 1)).astype(np.float32)
    dark = np.zeros((h, w), np.float32)

    def line(units: F64, width: float = CREASE_UNITS) -> None:
        pts = np.round(fr.raster_from_units(units) * 4).astype(np.int32)
        cv2.polylines(dark, [pts], False, (1.0,), max(1, round(width * PPU)),
                      lineType=cv2.LINE_AA, shift=2)

    draw(line)
    dark = cv2.GaussianBlur(dark, (0, 0), 1.0)
    img *= (1.0 - 0.28 * np.clip(dark, 0.0, 1.0))[..., None]
    canon = np.clip(img, 0, 255).astype(np.uint8)
    return canon, ridge_maps(canon, fr)


def _head_path(n: int = 200) -> F64:
    """A head line's usual course across the palm (canonical units)."""
    x = np.linspace(-0.40, 0.40, n)
    return np.stack([x, -0.75 + 0.25 * (x + 0.4) + 0.05 * np.sin(2 * x)], axis=1)


def _evidence(path: F64, maps: RidgeMaps) -> F64:
    r = _frame().raster_from_units(path).astype(np.float32)
    return np.asarray(cv2.remap(maps.strength, r[:, 0:1], r[:, 1:2], cv2.INTER_LINEAR)[:, 0],
                      dtype=np.float64)


def _signs(draw: Callable[[Draw], None], path: F64, frame: PalmFrame | None = None,
           others: tuple[F64, ...] = ()) -> S.LineSigns:
    _, maps = _palm(draw)
    return S.measure_signs(path, _evidence(path, maps), maps, frame or _frame(),
                           others=list(others))


def _along(path: F64) -> F64:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])


def _share(path: F64) -> F64:
    """Share of the path's length at each of its points, 0..1."""
    s = _along(path)
    return np.asarray(s / s[-1], dtype=np.float64)


def _offset(path: F64, by: F64) -> F64:
    return path + by[:, None] * S._normals(path, 3)


def _branch(path: F64, before_end: float, angle_deg: float, length: float,
            back: float = 0.0) -> tuple[F64, F64]:
    """A straight crease leaving `path` `before_end` from its end at `angle_deg` (running
    `back` behind the line too, for a crossing); and the point where it leaves."""
    s = _along(path)
    i = int(np.searchsorted(s, s[-1] - before_end))
    t = path[min(i + 5, len(path) - 1)] - path[max(i - 5, 0)]
    t = t / np.linalg.norm(t)
    a = np.radians(angle_deg)
    d = np.array([t[0] * np.cos(a) - t[1] * np.sin(a), t[0] * np.sin(a) + t[1] * np.cos(a)])
    k = np.linspace(-back, length, 60)
    return path[i] + k[:, None] * d[None, :], path[i]


HEAD = _head_path()
# An island: a second crease bowing 3 % of palm length off the line over 8 % of its length
# and rejoining it (as palmists draw one: a narrow eye on the line).
def _island() -> tuple[F64, F64]:
    """How far the second crease bows off the line at each point of it, and the crease."""
    t = _share(HEAD)
    lo, hi = 0.40, 0.50
    bow = np.where((t > lo) & (t < hi), 0.03 * np.sin(np.pi * (t - lo) / (hi - lo)), 0.0)
    return bow, _offset(HEAD, bow)[(t >= lo - 0.01) & (t <= hi + 0.01)]


BOW, ISLAND = _island()

def _chain(line: Draw) -> None:
    """Small linked loops along the head line's course, 1.8 % wide and 3.4 % long."""
    s = _along(HEAD)
    n = S._normals(HEAD, 3)
    start = 0.0
    while start < s[-1] - 0.03:
        sel = (s >= start) & (s <= start + 0.034)
        bow = 0.009 * np.sin(np.pi * (s[sel] - start) / 0.034)
        line(HEAD[sel] + bow[:, None] * n[sel], BRANCH_UNITS)
        line(HEAD[sel] - bow[:, None] * n[sel], BRANCH_UNITS)
        start += 0.03


# ------------------------------------------------------------------ synthetic palms


def test_a_clean_groove_shows_no_sign_and_reads_as_clean() -> None:
    sg = _signs(lambda line: line(HEAD, CREASE_UNITS), HEAD)
    assert (sg.islands, sg.forks, sg.chained) == (0, 0, False)


def test_an_island_is_found_where_it_is() -> None:
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(ISLAND, BRANCH_UNITS)), HEAD)
    assert sg.islands == 1
    centre = HEAD[int(np.argmax(BOW))]
    assert float(np.hypot(*(np.array(sg.island_at[0]) - centre))) < 0.03
    assert sg.chained is not True


def test_a_parallel_crease_beside_the_line_is_no_island() -> None:
    t = _share(HEAD)
    beside = _offset(HEAD, np.full(len(HEAD), 0.03))[(t > 0.40) & (t < 0.50)]
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(beside, BRANCH_UNITS)), HEAD)
    assert sg.islands == 0


def test_a_crease_drifting_away_across_the_line_is_no_island() -> None:
    # leaves the line at a slant and keeps drifting away: one end meets the line, the other
    # does not
    t = _share(HEAD)
    drift = _offset(HEAD, np.clip((t - 0.40) * 0.4, 0.0, None))[(t >= 0.40) & (t <= 0.55)]
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(drift, BRANCH_UNITS)), HEAD)
    assert sg.islands == 0


def test_a_forked_end_is_found_at_its_branch_point() -> None:
    branch, at = _branch(HEAD, 0.10, 30.0, 0.12)
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(branch, BRANCH_UNITS)), HEAD)
    assert sg.forks == 1
    assert float(np.hypot(*(np.array(sg.fork_at[0]) - at))) < 0.04


def test_a_fork_on_the_other_side_is_found_too() -> None:
    branch, _ = _branch(HEAD, 0.09, -25.0, 0.12)
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(branch, BRANCH_UNITS)), HEAD)
    assert sg.forks == 1


def test_a_crease_crossing_the_line_near_its_end_is_no_fork() -> None:
    crossing, _ = _branch(HEAD, 0.10, 30.0, 0.12, back=0.12)
    sg = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(crossing, BRANCH_UNITS)), HEAD)
    assert sg.forks == 0


def test_a_bend_at_the_end_is_no_fork() -> None:
    # the crease turns off at 30 degrees and the line stops there: one prong, not two
    bend, _ = _branch(HEAD, 0.0, 30.0, 0.12)
    path = np.concatenate([HEAD, bend[1:]])
    sg = _signs(lambda line: line(path, CREASE_UNITS), HEAD)
    assert sg.forks == 0


def test_a_branch_that_is_another_traced_line_is_no_fork() -> None:
    branch, _ = _branch(HEAD, 0.10, 30.0, 0.12)
    draw = lambda line: (line(HEAD, CREASE_UNITS), line(branch, BRANCH_UNITS))  # noqa: E731
    assert _signs(draw, HEAD).forks == 1
    assert _signs(draw, HEAD, others=(branch,)).forks == 0


def test_a_chained_line_reads_as_chained() -> None:
    sg = _signs(_chain, HEAD)
    assert sg.chained is True
    assert sg.islands == 0  # its loops are links of a chain, each too small for an island


def test_a_photo_too_coarse_for_loops_reads_neither_islands_nor_chains() -> None:
    coarse = _frame(photo_px_per_unit=S.SIGN_MIN_PHOTO_PX_PER_UNIT * 0.8)
    island = _signs(lambda line: (line(HEAD, CREASE_UNITS), line(ISLAND, BRANCH_UNITS)), HEAD,
                    frame=coarse)
    assert (island.islands, island.chained) == (0, None)
    assert _signs(_chain, HEAD, frame=coarse).chained is None


def test_a_soft_photo_reads_no_signs() -> None:
    branch, _ = _branch(HEAD, 0.10, 30.0, 0.12)
    _, maps = _palm(lambda line: (line(HEAD, CREASE_UNITS), line(branch, BRANCH_UNITS),
                                  line(ISLAND, BRANCH_UNITS)))
    soft = replace(maps, crease_contrast=S.SIGN_MIN_CREASE_CONTRAST * 0.9)
    sg = S.measure_signs(HEAD, _evidence(HEAD, maps), soft, _frame())
    assert (sg.islands, sg.forks, sg.chained) == (0, 0, None)


def test_signs_are_read_only_on_clearly_visible_principal_lines() -> None:
    from rekha.reading.vision.lines import CLEAR_CONFIDENCE, Traced
    from rekha.reading.vision.tracer import Trace

    branch, _ = _branch(HEAD, 0.10, 30.0, 0.12)
    _, maps = _palm(lambda line: (line(HEAD, CREASE_UNITS), line(branch, BRANCH_UNITS)))
    raster = _frame().raster_from_units(HEAD)
    tr = Traced(LineName.head, Trace(raster, _evidence(HEAD, maps), 1.0), HEAD)
    traced = {LineName.head: [tr], LineName.mercury: [replace(tr, name=LineName.mercury)]}
    assert S.line_signs(LineName.head, traced, maps, _frame(), CLEAR_CONFIDENCE).forks == 1
    unclear = S.line_signs(LineName.head, traced, maps, _frame(), CLEAR_CONFIDENCE - 0.01)
    assert (unclear.forks, unclear.chained) == (0, None)
    assert S.line_signs(LineName.mercury, traced, maps, _frame(), 1.0) == S.LineSigns()


# ------------------------------------------------------------------ fixture palms

Get = Callable[[str], HandMeasurements | MeasurementRefused]
# Islands, chains and forks are uncommon on real palms; a detector that reports one on more
# than a fifth of the fixture palms' lines is inventing them.
MOST_SHARE = 0.2


@pytest.mark.fixtures
def test_signs_are_rare_across_the_fixture_palms(measured: Get,
                                                 manifest: list[dict[str, str]]) -> None:
    lines: list[tuple[str, LineName, int, int, bool | None, bool]] = []
    for row in manifest:
        if row["kind"] != "palm":
            continue
        m = measured(row["file"])
        if not isinstance(m, HandMeasurements):
            continue
        for name in (LineName.heart, LineName.head, LineName.life, LineName.fate):
            lm = m.lines[name]
            if lm.found:
                lines.append((row["file"], name, lm.islands, lm.forks, lm.chained,
                              lm.clearly_visible))
    assert len(lines) >= 60  # the fixtures' principal lines were measured at all
    for what, idx in (("islands", 2), ("forks", 3)):
        with_sign = [ln for ln in lines if ln[idx] > 0]  # type: ignore[operator]
        assert len(with_sign) <= MOST_SHARE * len(lines), (what, with_sign)
    chained = [ln for ln in lines if ln[4] is True]
    assert len(chained) <= MOST_SHARE * len(lines), chained
    # no sign at all on a line that is not clearly visible
    assert all(ln[5] for ln in lines if ln[2] or ln[3] or ln[4] is not None)
    # and no more than two forks or a handful of islands on one line
    assert all(ln[3] <= 2 and ln[2] <= 3 for ln in lines)


@pytest.mark.fixtures
def test_signs_on_a_fixture_palm_are_deterministic(fixtures_dir: object,
                                                   measured: Get) -> None:
    from pathlib import Path

    from rekha.reading.vision import measure_image

    name = "left_08.jpg"
    first = measured(name)
    assert isinstance(first, HandMeasurements)
    again = measure_image((Path(str(fixtures_dir)) / name).read_bytes())
    for line in LineName:
        a, b = first.lines[line], again.lines[line]
        assert (a.islands, a.forks, a.chained, a.extra) == (b.islands, b.forks, b.chained,
                                                            b.extra)
