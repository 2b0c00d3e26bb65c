"""Signs on a traced line, as a palmist looks for them: islands, a chained line, forks.

Everything is measured on the crease maps around the traced path (`Traced.units`) in the
canonical palm frame, so distances are palm lengths (the hand's own landmarks), and every
strength is relative to *this line's own* groove, so a faint photo is judged by its own lines.
These signs are uncommon: each test below is meant to fail closed, since a false sign puts
an invented statement into someone's reading.

- **Cross-sections.** The log lightness is sampled on a grid laid along the path
  (one pixel per step along it, ±6 % of palm length across it), smoothed at a fine crease
  scale (`FINE_SIGMA_UNITS`), and its curvature *across the path* taken: a valley running
  with the line reads positive, a lighter ridge negative, a crease crossing the line ~0.
- **Island**: a second valley beside the traced one, 1.5-6 % of palm length away, with a
  lighter ridge between and no third valley as deep, both at least half as deep as the
  line's own groove; widest in the middle of the stretch, and followed on past *both* ends
  it runs in towards the line (a parallel crease that merely stops, or one that crosses the
  line at a slant, is no island); inside the line, where the trace runs on straight.
- **Chained**: many short double stretches (small loops, finer scale) over much of the line;
  False where the line is one clean groove; None otherwise.
- **Fork**: near the line's terminal end, where the line runs on straight as a crease, a
  crease leaving it at 15-60 degrees: a groove, parted from the line by lighter skin at its
  tip, not another traced line and not a crease that crosses the line.

Nothing is read on photos too coarse or soft to show these signs (`resolves_signs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from rekha.reading.types import LineName
from rekha.reading.vision.frame import PalmFrame
from rekha.reading.vision.lines import CLEAR_CONFIDENCE, Traced, simplify
from rekha.reading.vision.ridges import RidgeMaps

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

# Fine crease scale (palm lengths): half the smallest scale the tracer uses (ridges.py's
# 1.0 %), so two creases a couple of percent apart show as two valleys, not one.
FINE_SIGMA_UNITS = 0.006
# Chain loops are narrower (1.2-4 % across): looked for at two thirds of that scale.
CHAIN_SIGMA_UNITS = 0.004
# Along the path the profile is smoothed a little more (a crease runs on, skin texture does
# not), still under a loop's length.
ALONG_SIGMA_UNITS = 0.008
# How far across the path the cross-section reaches: the widest island considered (6 %)
# either side.
ACROSS_UNITS = 0.06
# The traced crease lies within this of the smoothed path (the path is a 3 % moving average
# of the DP cells, which step one pixel at a time).
ON_PATH_UNITS = 0.012
# Island: the second crease is "a few percent" of palm length away (below 1.5 % two creases
# cannot be told apart at the fine scale, 2.5 sigma), the island 3-15 % of palm length long
# (shorter is a loop of a chain or skin texture, longer is a double line, not an island).
ISLAND_GAP_UNITS = (0.015, 0.06)
ISLAND_LENGTH_UNITS = (0.03, 0.15)
# Only the part of an island whose branches lie at least the resolvable gap apart reads as
# double: for a lens-shaped island twice that wide, about two thirds of its length.
ISLAND_DOUBLE_UNITS = (ISLAND_LENGTH_UNITS[0] * 2 / 3, ISLAND_LENGTH_UNITS[1])
ISLAND_STEADY_SHARE = 0.7  # of the double stretch's cross-sections show the second crease
# Beyond each end of the double stretch the second crease is followed over this length, and
# must run in towards the line (see _closes).
MERGE_UNITS = 0.015
# A branch of an island, a fork or a chain loop counts only as deep as this share of the
# line's own groove (its median depth along the line): half as deep, as a palmist would
# call a crease "clearly seen" next to the line it belongs to.
BRANCH_SHARE = 0.5
# Gaps shorter than this along a double stretch are bridged (one noisy cross-section).
BRIDGE_UNITS = 0.01
# Signs are looked for only this far inside the line's ends (its ends are cut where the
# crease fades, so the first and last few percent are the least certain).
END_MARGIN_UNITS = 0.02

# Where the traced path turns by more than this (degrees) within TURN_UNITS either side of a
# point, the trace has changed creases or two creases meet there: no island or fork is read
# there (a principal line bends far less: the life line's arc, radius ~0.5, turns ~7 degrees
# over 6 % of palm length). The smallest fork angle, so a bend is never read as a fork.
STRAIGHT_DEG = 15.0
TURN_UNITS = 0.02

# Signs are read only on photos that can show them: at least 250 photo pixels per palm length
# (the narrowest double crease looked for, 1.2 %, then spans 3 photo pixels: valley, ridge,
# valley), and crease contrast at least twice the blur refusal limit (engine.MIN_SHARPNESS
# 0.035): softer photos blur two creases into one and skin texture into creases.
SIGN_MIN_PHOTO_PX_PER_UNIT = 250.0
SIGN_MIN_CREASE_CONTRAST = 0.07

# Chain: loops are 1.2-4 % across; a line is chained when short double stretches (each
# shorter than an island) cover this share of it in at least this many separate loops, and
# one clean groove when double cross-sections of any length cover under CLEAN_SHARE.
CHAIN_GAP_UNITS = (0.012, 0.04)
CHAIN_SHARE = 0.35
CHAIN_MIN_LOOPS = 3
CLEAN_SHARE = 0.15

# Fork: looked for where the last 12 % of the line begins and after; the branch leaves at
# 15-60 degrees (a writer's fork is a modest divergence; steeper is a crossing crease),
# and is followed from where it lies 1.5 % off the line, for 5 % of palm length.
FORK_REACH_UNITS = 0.12
FORK_ANGLES_DEG = (15.0, 60.0)
FORK_OFF_LINE_UNITS = 0.015
FORK_RUN_UNITS = 0.05
# ... and keeps clear of other traced lines by this much (the head line leaving the life
# line is no fork of the life line).
FORK_OTHER_LINE_UNITS = 0.025
# At the branch's far end the prongs have parted: 3 % of palm length apart (twice the
# closest two creases that can be told apart, ISLAND_GAP_UNITS), with lighter skin between.
FORK_TIP_GAP_UNITS = 0.03
# The branch is a groove: darker than the skin this far either side of it (twice the fine
# crease scale, i.e. beyond the groove's own width).
FORK_SIDE_UNITS = 2 * FINE_SIGMA_UNITS
# Branch points are tried every 0.5 % of palm length and every 2.5 degrees (finer than a
# crease's own width and bend).
FORK_BASE_STEP_UNITS = 0.005
FORK_ANGLE_STEP_DEG = 2.5
# Rays whose followed runs end this close to one crease's course followed that crease (a
# crease's own half-width, ON_PATH_UNITS).
FORK_SAME_CREASE_UNITS = ON_PATH_UNITS
# A branch is a crease over most of its run, not a few strong spots.
FORK_STEADY_SHARE = 0.8


@dataclass(frozen=True)
class LineSigns:
    islands: int = 0
    forks: int = 0
    chained: bool | None = None
    island_at: list[tuple[float, float]] = field(default_factory=list)  # canonical units
    fork_at: list[tuple[float, float]] = field(default_factory=list)
    fork_tips: list[tuple[float, float]] = field(default_factory=list)
    double_share: float | None = None  # share of the line with a double cross-section


def _normals(path: F64, smooth: int) -> F64:
    d = np.gradient(path, axis=0)
    if smooth > 1 and len(path) > 2 * smooth:
        k = np.ones(2 * smooth + 1) / (2 * smooth + 1)
        pad = np.concatenate([np.repeat(d[:1], smooth, 0), d, np.repeat(d[-1:], smooth, 0)])
        d = np.stack([np.convolve(pad[:, i], k, mode="valid") for i in (0, 1)], axis=1)
    d = d / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-12)
    return np.stack([-d[:, 1], d[:, 0]], axis=1)


def _remap(img: F32, frame: PalmFrame, ux: F64, uy: F64, border: float = 0.0,
           origin: tuple[int, int] = (0, 0)) -> F32:
    """Sample a raster-sized map (or a window of it whose corner is at `origin`) at units
    (arrays of any one shape)."""
    m = frame.units_to_raster
    shape = np.shape(ux)
    ux, uy = np.reshape(ux, (-1, 1)), np.reshape(uy, (-1, 1))
    rx = (m[0, 0] * ux + m[0, 1] * uy + m[0, 2] - origin[0]).astype(np.float32)
    ry = (m[1, 0] * ux + m[1, 1] * uy + m[1, 2] - origin[1]).astype(np.float32)
    out = cv2.remap(img, rx, ry, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                    borderValue=(border,))
    return np.asarray(out, dtype=np.float32).reshape(shape)


@dataclass(frozen=True)
class CrossSections:
    path: F64  # (T, 2) units, one raster pixel apart
    offsets: F64  # (S,) units across the path (positive: along the normal)
    valley: F32  # (T, S) curvature across the path, relative to the line's own groove
    step: float  # units between samples


def cross_sections(units: F64, maps: RidgeMaps, frame: PalmFrame,
                   sigma_units: float = FINE_SIGMA_UNITS) -> CrossSections | None:
    """Across-path curvature of log lightness around the path, in units of the line's own
    median groove depth."""
    ppu = frame.px_per_unit
    step = 1.0 / ppu
    if len(units) < 3:
        return None
    path = simplify(units, step)
    if len(path) < 5:
        return None
    normals = _normals(path, max(1, round(0.01 * ppu)))
    k = round(ACROSS_UNITS * ppu)
    offsets = np.arange(-k, k + 1, dtype=np.float64) * step
    ux = path[:, 0:1] + offsets[None, :] * normals[:, 0:1]
    uy = path[:, 1:2] + offsets[None, :] * normals[:, 1:2]
    light = _remap(maps.lightness, frame, ux, uy, border=-1.0)
    light[light < 0] = float(np.median(light[light >= 0])) if (light >= 0).any() else 0.5
    prof = np.log(light + np.float32(0.04))  # as ridges.py: depth alike in shadow and light
    inside = _remap(maps.mask.astype(np.float32), frame, ux, uy) > 0.5
    sigma = sigma_units * ppu
    # smoothed more along the path: a crease runs on, skin texture does not
    sm = cv2.GaussianBlur(prof, (0, 0), sigmaX=sigma, sigmaY=ALONG_SIGMA_UNITS * ppu)
    curv = np.zeros_like(sm)
    curv[:, 1:-1] = sm[:, 2:] - 2 * sm[:, 1:-1] + sm[:, :-2]
    curv *= np.float32(sigma * sigma)
    curv[~inside] = 0.0
    centre = np.abs(offsets) <= ON_PATH_UNITS
    groove = float(np.median(curv[:, centre].max(axis=1)))
    if groove <= 0:
        return None
    return CrossSections(path=path, offsets=offsets, valley=(curv / groove).astype(np.float32),
                         step=step)


Double = tuple[npt.NDArray[np.int8], F64, npt.NDArray[np.intp]]


def _double(cs: CrossSections, gap: tuple[float, float]) -> Double:
    """Per cross-section: the side (+1/-1, 0 none) of a second valley beside the traced one
    at a gap within `gap`, both at least BRANCH_SHARE deep, with a lighter ridge between
    (curvature below zero somewhere between them: the profile bulges up), and no third
    valley as deep anywhere across; that second valley's gap; the traced valley's column."""
    v = cs.valley
    t_n, s_n = v.shape
    off = cs.offsets
    is_peak = np.zeros(v.shape, dtype=bool)
    is_peak[:, 1:-1] = (v[:, 1:-1] >= v[:, :-2]) & (v[:, 1:-1] > v[:, 2:]) & (
        v[:, 1:-1] >= BRANCH_SHARE)
    centre = np.abs(off) <= ON_PATH_UNITS
    on = np.where(is_peak & centre[None, :], v, -np.inf)
    p0 = np.argmax(on, axis=1)  # the traced crease's valley
    has0 = np.isfinite(on[np.arange(t_n), p0])
    col = np.arange(s_n)[None, :]
    # lowest curvature between the traced valley and each column, outwards on either side
    right = np.where(col >= p0[:, None], v, np.inf)
    right = np.minimum.accumulate(right, axis=1)
    left = np.where(col <= p0[:, None], v, np.inf)[:, ::-1]
    left = np.minimum.accumulate(left, axis=1)[:, ::-1]
    between = np.where(col >= p0[:, None], right, left)
    g = np.abs(off[None, :] - off[p0][:, None])
    # exactly two valleys in the whole cross-section: skin folded into many parallel
    # creases (the thumb's web, dermal texture) is no island
    alone = is_peak.sum(axis=1) == 2
    cand = is_peak & (between < 0.0) & (g >= gap[0]) & (g <= gap[1]) & (has0 & alone)[:, None]
    depth = np.where(cand, v, -np.inf)
    best = np.argmax(depth, axis=1)
    found = np.isfinite(depth[np.arange(t_n), best])
    side = np.where(found, np.where(best > p0, 1, -1), 0).astype(np.int8)
    where = _subpixel(v, best) - _subpixel(v, p0)
    gaps = np.where(found, np.abs(where) * cs.step, 0.0).astype(np.float64)
    return side, gaps, p0


def _subpixel(v: F32, col: npt.NDArray[np.intp]) -> F64:
    """Column of each row's peak near `col`, refined by a parabola through its neighbours."""
    rows = np.arange(len(col))
    c = np.clip(col, 1, v.shape[1] - 2)
    left, mid, right = v[rows, c - 1], v[rows, c], v[rows, c + 1]
    denom = left - 2 * mid + right
    shift = np.where(denom < 0, 0.5 * (left - right) / np.where(denom < 0, denom, -1.0), 0.0)
    return np.asarray(c + np.clip(shift, -0.5, 0.5), dtype=np.float64)


def _runs(mask: npt.NDArray[np.bool_], bridge: int) -> list[tuple[int, int]]:
    """[start, end) runs of True, bridging gaps of at most `bridge` samples."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    runs: list[tuple[int, int]] = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        if i - prev > bridge + 1:
            runs.append((start, prev + 1))
            start = int(i)
        prev = int(i)
    runs.append((start, prev + 1))
    return runs


def turning(path: F64, step: float) -> F64:
    """Change of heading (degrees) at each point of an evenly resampled path, between the
    TURN_UNITS before and after it (0 where that reaches past an end)."""
    k = max(1, round(TURN_UNITS / step))
    out = np.zeros(len(path))
    if len(path) <= 2 * k:
        return out
    inc = path[k:-k] - path[:-2 * k]
    out_v = path[2 * k:] - path[k:-k]
    cos = (inc * out_v).sum(axis=1) / (np.linalg.norm(inc, axis=1)
                                       * np.linalg.norm(out_v, axis=1) + 1e-12)
    out[k:-k] = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return out


def find_islands(cs: CrossSections) -> list[tuple[float, float]]:
    """Centres (units) of islands along the line."""
    side, gaps, p0 = _double(cs, ISLAND_GAP_UNITS)
    turn = turning(cs.path, cs.step)
    bridge = round(BRIDGE_UNITS / cs.step)
    margin = round(END_MARGIN_UNITS / cs.step)
    merge = max(1, round(MERGE_UNITS / cs.step))
    t_n = len(side)
    found: list[tuple[float, float]] = []
    for sgn in (1, -1):
        for a, b in _runs(side == sgn, bridge):
            length = (b - a) * cs.step
            if not ISLAND_DOUBLE_UNITS[0] <= length <= ISLAND_DOUBLE_UNITS[1]:
                continue
            if a - merge < margin or b + merge > t_n - margin:
                continue  # not closed within the line
            if float(turn[a - merge:b + merge].max()) > STRAIGHT_DEG:
                continue  # the trace turns here: it changes creases, two creases meet
            here = side[a:b] == sgn
            # steady: a real second crease is seen over most of the stretch
            if float(np.mean(here)) < ISLAND_STEADY_SHARE:
                continue
            g = gaps[a:b][here]
            q = max(1, len(g) // 4)
            # the branches bow apart and back: widest in the middle, narrower at both ends
            # (a crease crossing the line at a slant drifts steadily away instead)
            widest = float(g.max())
            at = float(np.argmax(g)) / max(len(g) - 1, 1)
            if not 0.2 <= at <= 0.8 or max(float(np.mean(g[:q])), float(np.mean(g[-q:]))) >= (
                    widest):
                continue
            if not (_closes(cs, p0, a - 1, -1, sgn, float(gaps[a]))
                    and _closes(cs, p0, b, 1, sgn, float(gaps[b - 1]))):
                continue
            mid = (a + b) // 2
            found.append((float(cs.path[mid, 0]), float(cs.path[mid, 1])))
    return sorted(found)


def _closes(cs: CrossSections, p0: npt.NDArray[np.intp], start: int, step: int, sgn: int,
            gap: float) -> bool:
    """Whether the second crease, followed on beyond the end of a double stretch (from row
    `start`, `step` = -1 or +1), runs in to the line: its valley, however faint, moves
    towards the traced one by at least the fine crease scale (FINE_SIGMA_UNITS). A parallel
    crease that merely ends fades where it lies; one that drifts away moves out."""
    v = cs.valley
    s_n = v.shape[1]
    first = round(gap / cs.step)
    pos = int(p0[start - step]) + sgn * first
    closest = first
    for i in range(1, round(MERGE_UNITS / cs.step) + 1):
        t = start - step + step * i
        if not 0 <= t < len(v):
            break
        # inwards up to 2 cross-section samples per row, outwards 1
        cols = [pos - sgn * k for k in (2, 1, 0, -1)]
        cols = [c for c in cols if 0 < c < s_n - 1 and sgn * (c - int(p0[t])) >= 1]
        peaks = [c for c in cols if v[t, c] > 0 and v[t, c] >= v[t, c - 1]
                 and v[t, c] >= v[t, c + 1]]
        if not peaks:
            break
        pos = max(peaks, key=lambda c: float(v[t, c]))
        closest = min(closest, abs(pos - int(p0[t])))
    return first - closest >= max(1, round(FINE_SIGMA_UNITS / cs.step))


def chain_share(cs: CrossSections) -> tuple[float, float, int]:
    """Inside the line's end margins: the share whose cross-section is double at a loop's
    width; the share made of short double stretches (loops, shorter than an island) only;
    and how many such loops."""
    side, _, _ = _double(cs, CHAIN_GAP_UNITS)
    margin = round(END_MARGIN_UNITS / cs.step)
    inner = side[margin:len(side) - margin] != 0
    if not len(inner):
        return 0.0, 0.0, 0
    loops = [r for r in _runs(inner, 1) if (r[1] - r[0]) * cs.step <= ISLAND_LENGTH_UNITS[0]]
    looped = sum(b - a for a, b in loops) / len(inner)
    return float(inner.mean()), float(looped), len(loops)


def photo_px_per_unit(frame: PalmFrame) -> float:
    """Photo pixels per palm length: the canonical raster may be upsampled from fewer."""
    return float(1.0 / np.sqrt(abs(np.linalg.det(frame.to_units[:, :2]))))


def resolves_signs(maps: RidgeMaps, frame: PalmFrame) -> bool:
    """Whether the photo is sharp and fine enough to show islands, chains and forks."""
    return (min(photo_px_per_unit(frame), frame.px_per_unit) >= SIGN_MIN_PHOTO_PX_PER_UNIT
            and maps.crease_contrast >= SIGN_MIN_CREASE_CONTRAST)


def chained(cs: CrossSections) -> tuple[bool | None, float]:
    """True: chained; False: one clean groove; None: neither clearly (call only on photos
    that resolve_signs)."""
    share, looped, loops = chain_share(cs)
    # a chain is many short loops, one after another; long double stretches are a second
    # crease running alongside, not a chain
    if looped >= CHAIN_SHARE and loops >= CHAIN_MIN_LOOPS:
        return True, share
    if share < CLEAN_SHARE:
        return False, share
    return None, share


def _distance_map(lines: Sequence[F64], frame: PalmFrame, x0: int, y0: int, w: int,
                  h: int) -> F32:
    """Distance (palm lengths) from the nearest of these paths, over a window of the
    canonical raster with its corner at (x0, y0)."""
    canvas = np.full((h, w), 255, np.uint8)
    for p in lines:
        if p is not None and len(p) >= 2:
            pts = np.round(frame.raster_from_units(p) - [x0, y0]).astype(np.int32)
            cv2.polylines(canvas, [pts], False, (0,), 1)
    dist = cv2.distanceTransform(canvas, cv2.DIST_L2, 5)
    return np.asarray(dist / np.float32(frame.px_per_unit), dtype=np.float32)


def _parted(tips: F64, path: F64, light: F32, frame: PalmFrame,
            win: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """Whether each branch tip lies FORK_TIP_GAP_UNITS or more off the line with lighter
    skin between: somewhere on the way from the tip straight to the line, the skin (log
    lightness at the fine crease scale, `light`, a window at `win`) is lighter than at both
    ends. The prongs have parted; a ray alongside one broad groove has not."""
    flat = tips.reshape(-1, 2)
    d = np.hypot(flat[:, None, 0] - path[None, :, 0], flat[:, None, 1] - path[None, :, 1])
    near = path[np.argmin(d, axis=1)]
    far = d.min(axis=1) >= FORK_TIP_GAP_UNITS
    k = np.linspace(0.0, 1.0, 11)
    pts = flat[:, None, :] + k[None, :, None] * (near - flat)[:, None, :]
    lv = _remap(light, frame, pts[..., 0], pts[..., 1], 0.0, win)
    between = lv[:, 2:-2].max(axis=1) > np.maximum(lv[:, 0], lv[:, -1])
    return np.asarray((far & between).reshape(tips.shape[:-1]))


@dataclass(frozen=True)
class Fork:
    base: tuple[float, float]  # where the branch leaves the line (units)
    tip: tuple[float, float]  # where the followed run of the branch ends (units)


def find_forks(units: F64, evidence: F64, maps: RidgeMaps, frame: PalmFrame,
               others: Sequence[F64] = ()) -> list[Fork]:
    """Forks near the line's terminal end (units[-1]): a crease leaving the line at a modest
    angle while the line itself runs on as a crease (both prongs at least FORK_RUN_UNITS)."""
    step = 1.0 / frame.px_per_unit
    median = float(np.median(evidence)) if len(evidence) else 0.0
    if len(units) < 3 or median <= 0 or len(evidence) != len(units):
        return []
    seg_len = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(units, axis=0), axis=1))])
    total = float(seg_len[-1])
    if total < FORK_REACH_UNITS + FORK_RUN_UNITS:
        return []
    bar = BRANCH_SHARE * median
    path = simplify(units, step)
    along = np.arange(len(path)) * step
    ev = np.interp(along, seg_len, evidence)
    n = _normals(path, max(1, round(0.02 / step)))
    tangents = np.stack([n[:, 1], -n[:, 0]], axis=1)
    cand = np.flatnonzero((along >= total - FORK_REACH_UNITS)
                          & (along <= total - FORK_RUN_UNITS))
    cand = cand[:: max(1, round(FORK_BASE_STEP_UNITS / step))]
    run_pts = round(FORK_RUN_UNITS / step)
    # the line must run on as a crease past the branch point (both prongs are creases), and
    # run on straight: where the trace itself bends, it has left one crease for another
    turn = turning(path, step)

    def straight_on(b: int) -> bool:
        if b < run_pts or b + run_pts >= len(path):
            return False
        if float(turn[max(0, b - run_pts // 2):b + run_pts // 2 + 1].max()) > STRAIGHT_DEG:
            return False
        inc, out = path[b] - path[b - run_pts], path[b + run_pts] - path[b]
        cos = float(inc @ out) / (float(np.linalg.norm(inc) * np.linalg.norm(out)) + 1e-12)
        return cos >= np.cos(np.radians(STRAIGHT_DEG)) and float(
            np.mean(ev[b:b + run_pts] >= bar)) >= FORK_STEADY_SHARE

    bases = np.array([b for b in cand if straight_on(int(b))], dtype=np.int64)
    if not len(bases):
        return []
    # a window around the line's end holding every ray
    reach = FORK_OFF_LINE_UNITS / np.sin(np.radians(FORK_ANGLES_DEG[0])) + FORK_RUN_UNITS
    box = frame.raster_from_units(path[bases])
    pad = (reach + 0.01) * frame.px_per_unit
    x0, y0 = (int(v) for v in np.floor(box.min(axis=0) - pad))
    x1, y1 = (int(v) for v in np.ceil(box.max(axis=0) + pad))
    win = (x0, y0)
    x0c, y0c = max(x0, 0), max(y0, 0)
    light = np.zeros((y1 - y0, x1 - x0), np.float32)
    part = maps.lightness[y0c:y1, x0c:x1]
    light[y0c - y0:y0c - y0 + part.shape[0], x0c - x0:x0c - x0 + part.shape[1]] = part
    sig = FINE_SIGMA_UNITS * frame.px_per_unit
    blurred = np.asarray(cv2.GaussianBlur(np.log(light + np.float32(0.04)), (0, 0), sig),
                         dtype=np.float32)
    self_dist = _distance_map([units], frame, x0, y0, x1 - x0, y1 - y0)
    other_dist = (_distance_map(list(others), frame, x0, y0, x1 - x0, y1 - y0)
                  if others else None)
    half = np.radians(np.arange(FORK_ANGLES_DEG[0], FORK_ANGLES_DEG[1] + 0.1, FORK_ANGLE_STEP_DEG))
    ang = np.concatenate([half, -half])  # both sides of the line
    ray_step = 1.5 * step
    # far enough to get FORK_OFF_LINE_UNITS off the line at the shallowest angle, then on
    r = np.arange(0.0, reach, ray_step)
    b_n, a_n, r_n = len(bases), len(ang), len(r)
    t = tangents[bases]
    ca, sa = np.cos(ang), np.sin(ang)
    dirs = np.stack([t[:, None, 0] * ca - t[:, None, 1] * sa,
                     t[:, None, 0] * sa + t[:, None, 1] * ca], axis=-1)  # (B, A, 2)
    origin = path[bases][:, None, None, :]
    run_n = round(FORK_RUN_UNITS / ray_step)

    def creases() -> tuple[npt.NDArray[np.bool_], F64, F64]:
        """Which rays follow a branch; where each ray's followed run starts and ends."""
        rays = origin + r[None, None, :, None] * dirs[:, :, None, :]  # (B, A, R, 2)
        ux, uy = rays[..., 0].reshape(-1, 1), rays[..., 1].reshape(-1, 1)
        off = _remap(self_dist, frame, ux, uy, 1.0, win).reshape(b_n, a_n, r_n)
        away = off >= FORK_OFF_LINE_UNITS
        first = np.argmax(away, axis=2)  # first sample that far off the line
        idx = np.minimum(first[..., None] + np.arange(run_n)[None, None, :], r_n - 1)
        valid = away.any(axis=2) & (first + run_n <= r_n)
        stay = np.take_along_axis(away, idx, axis=2).all(axis=2)  # never back onto the line
        s = _remap(maps.strength, frame, ux, uy)[:, 0]
        ax = _remap(maps.along_x, frame, ux, uy)[:, 0]
        ay = _remap(maps.along_y, frame, ux, uy)[:, 0]
        d = np.broadcast_to(dirs[:, :, None, :], (b_n, a_n, r_n, 2)).reshape(-1, 2)
        cos = ax * d[:, 0] + ay * d[:, 1]
        aligned = (s * cos * cos).reshape(b_n, a_n, r_n)
        seg = np.take_along_axis(aligned, idx, axis=2)
        ok = valid & stay & (np.mean(seg >= bar, axis=2) >= FORK_STEADY_SHARE) & (
            np.median(seg, axis=2) >= bar)
        if ok.any():
            # dark between lighter skin on both sides: a groove, not the edge of a pale patch
            seg_pts = np.take_along_axis(rays, idx[..., None], axis=2)
            normal = np.stack([-dirs[..., 1], dirs[..., 0]], axis=-1)[:, :, None, :]
            w = FORK_SIDE_UNITS
            mid = _remap(blurred, frame, seg_pts[..., 0], seg_pts[..., 1], 0.0, win)
            one = _remap(blurred, frame, seg_pts[..., 0] + w * normal[..., 0],
                         seg_pts[..., 1] + w * normal[..., 1], 0.0, win)
            two = _remap(blurred, frame, seg_pts[..., 0] - w * normal[..., 0],
                         seg_pts[..., 1] - w * normal[..., 1], 0.0, win)
            groove = (mid < one) & (mid < two)
            # judged only where both sides are clear of the line's own groove
            clear = np.take_along_axis(off, idx, axis=2) >= FORK_OFF_LINE_UNITS + w
            n_clear = clear.sum(axis=2)
            ok &= (n_clear >= run_n / 3) & (
                (groove & clear).sum(axis=2) >= FORK_STEADY_SHARE * n_clear)
        if other_dist is not None:
            od = _remap(other_dist, frame, ux, uy, 1.0, win).reshape(b_n, a_n, r_n)
            ok &= np.take_along_axis(od, idx, axis=2).min(axis=2) > FORK_OTHER_LINE_UNITS
        tips = np.take_along_axis(rays, idx[..., -1:, None], axis=2)[:, :, 0, :]
        starts = np.take_along_axis(rays, idx[..., :1, None], axis=2)[:, :, 0, :]
        if ok.any():
            ok &= _parted(tips, path[max(0, int(bases[0]) - run_pts):], blurred, frame, win)
        return (np.asarray(ok), np.asarray(tips, dtype=np.float64),
                np.asarray(starts, dtype=np.float64))

    branch, tips, starts = creases()
    if branch.any():
        # a crease that runs on across the line is a crossing, not a branch; every ray that
        # followed that crease (tips on its course) goes with it
        hits = list(zip(*np.nonzero(branch), strict=True))
        crossing = [(starts[i, j], tips[i, j]) for i, j in hits
                    if _crosses(starts[i, j], tips[i, j], tangents[bases[i]], bar, maps, frame)]
        for i, j in hits:
            if any(_off_course(tips[i, j], a, b) < FORK_SAME_CREASE_UNITS for a, b in crossing):
                branch[i, j] = False
    found: list[Fork] = []
    for i in np.flatnonzero(branch.any(axis=1)):
        base = (float(path[bases[i], 0]), float(path[bases[i], 1]))
        # branch points along one stretch of the line are one fork
        if all(np.hypot(base[0] - f.base[0], base[1] - f.base[1]) > FORK_REACH_UNITS
               for f in found):
            j = int(np.flatnonzero(branch[i])[0])
            found.append(Fork(base, (float(tips[i, j, 0]), float(tips[i, j, 1]))))
    return found


def _off_course(q: F64, a: F64, b: F64) -> float:
    """Distance of q from the straight course through a and b."""
    u = b - a
    n = float(np.linalg.norm(u))
    if n <= 0:
        return float(np.linalg.norm(q - a))
    return abs(float((q - a)[0] * u[1] - (q - a)[1] * u[0])) / n


def _crosses(start: F64, tip: F64, tangent: F64, bar: float, maps: RidgeMaps,
             frame: PalmFrame) -> bool:
    """Whether the crease followed from `start` to `tip` runs on across the line: followed
    back past the line by as much again as it lay off it, is there a crease of the same
    strength, running the same way, on the far side?"""
    ray = tip - start
    if float(np.linalg.norm(ray)) <= 0:
        return False
    # the crease's own direction over the run (the ray only approximates it)
    run = start[None, :] + np.linspace(0.0, 1.0, 9)[:, None] * ray[None, :]
    ax = _remap(maps.along_x, frame, run[:, 0:1], run[:, 1:2])[:, 0]
    ay = _remap(maps.along_y, frame, run[:, 0:1], run[:, 1:2])[:, 0]
    flip = np.where(ax * ray[0] + ay * ray[1] < 0, -1.0, 1.0)
    u = np.array([float(np.mean(ax * flip)), float(np.mean(ay * flip))])
    if float(np.linalg.norm(u)) < 1e-6:
        return False
    u = u / float(np.linalg.norm(u))
    sin = abs(float(u[0] * tangent[1] - u[1] * tangent[0]))
    if sin < 1e-3:
        return False
    # from `start` back to the line is FORK_OFF_LINE_UNITS / sin; as far again beyond it
    k0 = 2 * FORK_OFF_LINE_UNITS / sin
    k = k0 + np.arange(0.0, FORK_RUN_UNITS, 1.5 / frame.px_per_unit)
    pts = start[None, :] - k[:, None] * u[None, :]
    # the ray ran alongside the crease, not exactly on it: look within a crease's half-width
    normal = np.array([-u[1], u[0]])
    for shift in np.arange(-ON_PATH_UNITS, ON_PATH_UNITS + 1e-9, 1.0 / frame.px_per_unit):
        strength = _aligned(pts + shift * normal, u, maps, frame)
        if (float(np.mean(strength >= bar)) >= FORK_STEADY_SHARE
                and float(np.median(strength)) >= bar):
            return True
    return False


def _aligned(seg: F64, d: F64, maps: RidgeMaps, frame: PalmFrame) -> F64:
    """Crease strength along a ray, counted as far as the crease runs the ray's way."""
    ux, uy = seg[:, 0:1], seg[:, 1:2]
    s = _remap(maps.strength, frame, ux, uy)[:, 0]
    ax = _remap(maps.along_x, frame, ux, uy)[:, 0]
    ay = _remap(maps.along_y, frame, ux, uy)[:, 0]
    cos = ax * d[0] + ay * d[1]
    return np.asarray(s * cos * cos, dtype=np.float64)


def measure_signs(units: F64, evidence: F64, maps: RidgeMaps, frame: PalmFrame, *,
                  forks: bool = True, others: Sequence[F64] = ()) -> LineSigns:
    """Signs on one traced line; forks only at the terminal end (units[-1]) and only when
    `forks`. Nothing is read on photos that cannot show these signs (see resolves_signs):
    there islands and forks are 0 and `chained` None, which is "not seen", not "absent".
    `others`: the other traced lines, which a branch may not be."""
    if not resolves_signs(maps, frame):
        return LineSigns()
    fork_list = find_forks(units, evidence, maps, frame, others) if forks else []
    cs = cross_sections(units, maps, frame)
    fine = cross_sections(units, maps, frame, CHAIN_SIGMA_UNITS) if cs is not None else None
    if cs is None or fine is None:
        return LineSigns(forks=len(fork_list), fork_at=[f.base for f in fork_list],
                         fork_tips=[f.tip for f in fork_list])
    islands = find_islands(cs)
    chain, share = chained(fine)
    return LineSigns(islands=len(islands), forks=len(fork_list), chained=chain,
                     island_at=islands, fork_at=[f.base for f in fork_list],
                     fork_tips=[f.tip for f in fork_list], double_share=round(share, 3))


# Lines whose signs the tradition reads (knowledge/signs.yaml): the principal lines, whose
# ends are cut back to where their crease fades. Forks are read at the terminal end of the
# heart (under the fingers), head (towards the percussion) and life line (towards the wrist);
# their other ends meet each other, where a second crease leaving is the other line.
SIGN_LINES = frozenset({LineName.heart, LineName.head, LineName.life, LineName.fate})
FORK_LINES = frozenset({LineName.heart, LineName.head, LineName.life})


def line_signs(name: LineName, traced: dict[LineName, list[Traced]], maps: RidgeMaps,
               frame: PalmFrame, confidence: float) -> LineSigns:
    """Signs on the first traced crease of `name`. Read only on a clearly visible line
    (confidence >= CLEAR_CONFIDENCE): on a trace that may not be the line at all, a sign
    would be a guess on a guess."""
    items = traced.get(name) or []
    first = items[0] if items else None
    if (name not in SIGN_LINES or first is None or first.trace is None or first.units is None
            or confidence < CLEAR_CONFIDENCE):
        return LineSigns()
    others = [t[0].units for n, t in traced.items()
              if n is not name and n in SIGN_LINES and t and t[0].units is not None]
    return measure_signs(first.units, first.trace.evidence, maps, frame,
                         forks=name in FORK_LINES, others=others)


# The keys of LineMeasurement.extra that say where the signs lie, and the sign each names
# (the overlays read them back).
SIGN_EXTRA_KEYS: dict[str, Literal["island", "fork"]] = {"islands_at": "island",
                                                          "forks_at": "fork"}


def signs_extra(signs: LineSigns, frame: PalmFrame, to_disp: float) -> dict[str, Any]:
    """Where the signs lie, in photo pixels as displayed (for overlays), when there are any."""
    out: dict[str, Any] = {}
    at = {"island": signs.island_at, "fork": signs.fork_at}
    for key, kind in SIGN_EXTRA_KEYS.items():
        pts = at[kind]
        if pts:
            img = frame.image_from_units(np.asarray(pts, dtype=np.float64)) * to_disp
            out[key] = [(round(float(x), 1), round(float(y), 1)) for x, y in img]
    return out
