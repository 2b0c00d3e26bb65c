"""Where each line may run, in canonical palm units, and what was measured on it.

Every zone here is in palm lengths of the canonical frame (see frame.py), so it is derived
from the hand's own landmarks: the wrist at (0, 0), the middle knuckle near (0, -1), the
index knuckle near (-0.32, -0.93), the little knuckle near (0.40, -0.83), thumb to the left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from rekha.reading.types import LineName
from rekha.reading.vision.frame import PalmFrame
from rekha.reading.vision.ridges import RidgeMaps
from rekha.reading.vision.tracer import F32, F64, Strip, Trace, trace

Knots = Sequence[tuple[float, float]]

# Confidence at or above which a line is reported as clearly visible: the lowest bar at which
# the principal lines called clear were placed at least 90 % of the time, judged on
# leave-one-photo-out confidences of the tuning part (benchmarks/fit_confidence.py prints it;
# docs/engine.md).
CLEAR_CONFIDENCE = 0.55

# Toll per step, in units of normalised crease strength: a path keeps going while the crease
# under it is stronger than this on average.
TOLL = {"principal": 0.16, "minor": 0.30}
# Often-absent lines (fate and the minor lines) are reported only at or above this confidence:
# below it the engine says nothing rather than guess (see docs/engine.md).
REPORT_OFTEN_ABSENT = 0.90
# ...except the bracelet: a flexion crease at the wrist that nearly every hand has (what is
# rare there is its absence), so a clear crease suffices. Its confidence on the fixtures
# runs continuously from 0.7 to 1.0, so a bar at 0.90 fell among many palms and small
# changes of the photo flipped it.
REPORT_BAR = {LineName.bracelet: 0.75}
# Weak evidence this long (palm lengths) along a traced line is reported as a break.
BREAK_LEVEL = 0.10
BREAK_MIN_UNITS = 0.04

# Each end is cut back to where the crease (mean over this window) reaches this share of the
# line's own median strength.
FAINT_SHARE = 0.5
FAINT_WINDOW_UNITS = 0.09

# Lines whose ends are cut back to where their crease fades (the principal lines, whose ends
# the labels showed running on; and the bracelet, whose free ends within the wrist's outer
# quarters otherwise ran on over faint skin by amounts that changed with every re-save of
# the photo; the other short minor lines are left as traced).
TRIMMED = frozenset({LineName.heart, LineName.head, LineName.life, LineName.fate,
                     LineName.bracelet})

# The head line's far end (towards the little finger's side). Two ways its trace went wrong
# there on the tuning part: it left the line at a sharp turn and ran on along another crease
# into the hypothenar (left_07), or it stopped short where the line, sloping down more
# steeply than the head band's columns let the path follow, fades (left_03, left_04,
# right_heic_01, right_07). Both are judged against the line's own course, not a usual one.
# A head line bends gently: a turn of more than END_KINK_DEG between the path's direction over
# END_KINK_WINDOW_UNITS before and after a point in its last third is the path leaving its
# crease, and it is cut there. Tuning part: head placed 13/20 for any angle 25-40, window
# 0.04-0.09, from 0.6-0.7 of its length (12/20 from 0.5: earlier cuts take real bends).
END_KINK_DEG = 30.0
END_KINK_WINDOW_UNITS = 0.06
END_KINK_FROM = 0.65
# Then the line is followed on along its own direction (over its last END_DIRECTION_UNITS),
# for up to END_EXTEND_UNITS, within END_HALF_WIDTH_UNITS of that straight continuation, by the
# same DP in a strip laid along it (so a steep slope costs nothing there). What it finds beyond
# where the first pass stopped is a guess, so it pays the minor lines' stricter toll: tuning
# part 12/20 at 0.25, 13/20 at 0.30, 11/20 at 0.35; 13/20 for an extension of 0.15-0.25
# (12/20 at 0.3), a half width of 0.03-0.06, a direction taken over 0.06-0.15. Neither step
# helps alone (cut only or extension only: 11/20): the cut drops the run-on, the
# extension then finds the line's real course beyond the turn.
END_DIRECTION_UNITS = 0.10
END_EXTEND_UNITS = 0.20
END_HALF_WIDTH_UNITS = 0.04
END_EXTEND_TOLL = TOLL["minor"]
# ...and the part followed on is cut back to where its crease, averaged over
# END_RETRIM_WINDOW_UNITS, last holds END_RETRIM_SHARE of the traced line's own median: how far
# a faint continuation paid the toll changed with every re-save, rotation or rescale of the
# photo (head lengths differed by more than 15 % on 7 of 99 copies, 5 with this cut;
# benchmarks/quality.py invariance 84/99 -> 85/99). Tuning part head 13/20 -> 12/20 by
# line_lab.py at 0.3 (11/20 at 0.5); the window 0.03 or 0.06 gives the same. Session 4: the
# window widened to the faint-end trim's own (0.09), since the life line's followed-on end is
# cut back the same way: invariance 85/99 -> 86/99 (flat from 0.075 to 0.12), placement
# unchanged.
END_RETRIM_SHARE = 0.3
END_RETRIM_WINDOW_UNITS = FAINT_WINDOW_UNITS

# The heart line's far end (towards the index finger). Traced from the percussion edge it
# rises or runs level towards the fingers and never turns back towards the wrist (the
# labelled hearts of the tuning part fall back by at most 0.013 palm lengths anywhere along
# them, all but hard_partial_01's, twice a heart's usual length): a path that climbs and
# then falls back has left the line over a crossing crease or a fold at the finger bases
# (right_01). It is cut at its highest point before it first falls back by more than
# HEART_DROP_UNITS, the scoring tolerance (3 % of palm length, the spread of a person's
# tracing of one crease), and then followed on along its own direction as the head line is
# (extend_end): the line's real course lies beyond the cut. Only where it was cut:
# extending every heart lost right_heic_01 and left_12, whose ends run on along crossing
# folds. Tuning part: heart 17/22 -> 18/22 for a fall of 0.028-0.036 (17/22 at 0.025,
# which cuts left_12's real course, and at 0.038, which misses right_01), for falls judged
# from 0.2-0.8 of the path's length on (from its start the percussion end's own dip on
# left_07 was cut too: 17/22), the same for an extension of 0.15-0.25 and without one
# (right_01 then only just placed: 80 % of its label covered, 98 % with it).
HEART_DROP_UNITS = 0.03
HEART_DROP_FROM = 0.5

# The life line's lower end, judged by its own course (veer_end) and followed on along its
# own curve (extend_end with a turn), as the head's far end is (kink_end, extend_end). Traces
# ended some 5-15 degrees around the thumb ball before the labels on most palms, and on left_04
# the path left the line where it veered outward onto a crease towards the palm's centre. The
# life line arcs around the thumb ball, so in its last part a turn of more than LIFE_VEER_DEG
# the other way (outward, direction over LIFE_VEER_WINDOW_UNITS before and after a point, from
# LIFE_VEER_FROM of its length on) is the path leaving its crease, and it is cut there; after
# the faint-end trim the line is followed on for up to LIFE_EXTEND_UNITS within
# LIFE_EXTEND_HALF_UNITS of its continuation turning like an arc around LIFE_CENTRE through
# its end, paying the minor lines' toll (END_EXTEND_TOLL), and cut back like the head's
# (trim_extension).
# Tuning part: life 14/22 -> 16/22 by benchmarks/lines.py (left_04; left_12 only just), 14/22
# -> 15/22 by line_lab.py for a turn of 15-27 degrees judged from
# 0.6-0.7 of the length (20-27 from 0.8; 30 and more: 14), a window of 0.04-0.08, a toll of
# 0.20-0.35, an extension of 0.10-0.15 (0.20: 14), a half width of 0.02-0.04; the same with a
# straight continuation. Neither step helps alone (cut only or extension only: 14/22).
LIFE_VEER_DEG = 20.0
LIFE_VEER_WINDOW_UNITS = 0.06
LIFE_VEER_FROM = 0.7
LIFE_EXTEND_UNITS = 0.15
LIFE_EXTEND_HALF_UNITS = 0.03

LIFE_CENTRE = (-0.50, -0.30)  # the thumb ball's centre, around which the life line arcs
LIFE_RADIUS = 0.52  # its usual distance from there
LIFE_SPREAD = 0.07  # how far from that radius it commonly lies
# Angles around LIFE_CENTRE (degrees, y down: -90 towards the fingers, 0 towards the little
# finger's side, +90 towards the wrist): the arc searched, where the line may begin, where it
# may end.
LIFE_ARC = (-105.0, 50.0)
LIFE_START = (-92.0, -62.0)
LIFE_END = (-10.0, 50.0)
# Below this angle the life line keeps arcing around the thumb ball towards the wrist: its
# distance from the ball's centre may grow or stay, never shrink (a path that curls back in
# towards the thumb has left the line for a neighbouring crease).
LIFE_NO_CURL_FROM = 0.0
PRIOR_WEIGHT = 0.15
# The head line's course varies more between people than the other lines' (on the deeply
# creased palms of the tuning part it often lay off its usual course, and a strong fold near
# that course won): its pull towards the usual course is weaker. Tuning part: head placed
# 8/20 at 0.15, 11/20 at any weight from 0.04 to 0.12 (benchmarks/line_lab.py).
HEAD_PRIOR_WEIGHT = 0.10
HEAD_BEFORE_LIFE_UNITS = 0.03
HEAD_LIFE_MARGIN = 0.0  # the head may not run this far inside the traced life line's arc
SMOOTH_UNITS = 0.03
ARC_LOWEST_Y = -0.07  # the life line ends above the wrist's top crease


def _interp(knots: Knots, v: F64) -> F64:
    xs = np.array([k[0] for k in knots])
    ys = np.array([k[1] for k in knots])
    order = np.argsort(xs)
    return np.asarray(np.interp(v, xs[order], ys[order]), dtype=np.float64)


@dataclass(frozen=True)
class Band:
    """A strip laid along a coordinate: t runs over `along` from `t0` to `t1` (units), s
    across it between the `lo` and `hi` knots. horizontal=True: t is x, s is y."""

    horizontal: bool
    t0: float
    t1: float
    lo: Knots
    hi: Knots
    start: tuple[float, float]  # t range where the line may begin
    end: tuple[float, float]  # t range where it may end
    usual: Knots = ()  # the line's usual course (s as a function of t)
    spread: float = 0.10  # how far from it the line commonly lies


def _prior(s: F64, usual: F64, spread: float, weight: float) -> F32:
    """Gain added for lying near the usual course: nothing on it, a growing toll away from it."""
    return np.asarray(-weight * ((s - usual) / spread) ** 2, dtype=np.float32)


def band_strip(frame: PalmFrame, band: Band, prior_weight: float | None = None) -> Strip:
    s_px = frame.px_per_unit
    n_t = max(2, round(abs(band.t1 - band.t0) * s_px))
    t = np.linspace(band.t0, band.t1, n_t)
    lo, hi = _interp(band.lo, t), _interp(band.hi, t)
    s_min, s_max = float(lo.min()), float(hi.max())
    n_s = max(2, round((s_max - s_min) * s_px))
    s = np.linspace(s_min, s_max, n_s)
    tt, ss = np.meshgrid(t, s, indexing="ij")
    ux, uy = (tt, ss) if band.horizontal else (ss, tt)
    rx, ry = _to_raster(frame, ux, uy)
    allowed = (ss >= lo[:, None]) & (ss <= hi[:, None])
    weight = PRIOR_WEIGHT if prior_weight is None else prior_weight
    prior = _prior(ss, _interp(band.usual, t)[:, None], band.spread, weight) if band.usual else None
    return Strip(
        x=rx, y=ry, allowed=allowed,
        start=(t >= min(band.start)) & (t <= max(band.start)),
        end=(t >= min(band.end)) & (t <= max(band.end)),
        prior=prior,
    )


def arc_strip(frame: PalmFrame, centre: tuple[float, float], th0: float, th1: float,
              r0: float, r1: float, start: tuple[float, float],
              end: tuple[float, float], usual_r: float, spread: float) -> Strip:
    """Angles in degrees, y down: -90 points to the fingers, 0 towards the little finger."""
    s_px = frame.px_per_unit
    r_mid = (r0 + r1) / 2
    n_t = max(2, round(np.radians(abs(th1 - th0)) * r_mid * s_px))
    th = np.linspace(th0, th1, n_t)
    r = np.linspace(r0, r1, max(2, round((r1 - r0) * s_px)))
    tt, rr = np.meshgrid(np.radians(th), r, indexing="ij")
    ux = centre[0] + rr * np.cos(tt)
    uy = centre[1] + rr * np.sin(tt)
    rx, ry = _to_raster(frame, ux, uy)
    return Strip(
        x=rx, y=ry, allowed=uy < ARC_LOWEST_Y,
        start=(th >= min(start)) & (th <= max(start)),
        end=(th >= min(end)) & (th <= max(end)),
        prior=_prior(rr, np.full_like(rr, usual_r), spread, PRIOR_WEIGHT),
        no_inward=th >= LIFE_NO_CURL_FROM,
    )


def _to_raster(frame: PalmFrame, ux: F64, uy: F64) -> tuple[F32, F32]:
    m = frame.units_to_raster
    rx = (m[0, 0] * ux + m[0, 1] * uy + m[0, 2]).astype(np.float32)
    ry = (m[1, 0] * ux + m[1, 1] * uy + m[1, 2]).astype(np.float32)
    return rx, ry


# The heart line ends at the latest in the gap between the index and middle fingers (x -0.16,
# halfway between their knuckles): grahrekha measured 61 % ending there, 35 % under the
# middle finger and 4 % under the index, and paths allowed on past the gap ran on along the
# folds under the index finger on nearly every tuning palm.
HEART = Band(
    horizontal=True, t0=0.70, t1=-0.16,
    lo=[(0.70, -0.92), (0.30, -1.00), (0.0, -1.06), (-0.45, -1.08)],
    hi=[(0.70, -0.50), (0.30, -0.62), (0.0, -0.78), (-0.20, -0.86), (-0.45, -0.95)],
    start=(0.30, 0.70), end=(-0.16, 0.12),
    usual=[(0.55, -0.68), (0.30, -0.76), (0.0, -0.87), (-0.25, -0.94)], spread=0.09,
)
HEAD = Band(
    horizontal=True, t0=-0.65, t1=0.62,
    lo=[(-0.65, -1.00), (-0.30, -0.95), (0.0, -0.85), (0.30, -0.78), (0.62, -0.72)],
    hi=[(-0.65, -0.55), (-0.30, -0.62), (0.0, -0.45), (0.30, -0.28), (0.62, -0.22)],
    start=(-0.52, -0.18), end=(0.02, 0.62),
    usual=[(-0.40, -0.79), (-0.10, -0.71), (0.20, -0.60), (0.45, -0.52)], spread=0.10,
)
FATE = Band(
    horizontal=False, t0=0.05, t1=-0.90,
    lo=[(0.05, -0.12), (-0.90, -0.12)],
    hi=[(0.05, 0.30), (-0.90, 0.22)],
    start=(-0.35, 0.05), end=(-0.90, -0.45),
    usual=[(0.0, 0.07), (-0.8, 0.05)], spread=0.10,
)
SUN = Band(
    horizontal=False, t0=-0.30, t1=-0.92,
    lo=[(-0.30, 0.10), (-0.92, 0.12)],
    hi=[(-0.30, 0.38), (-0.92, 0.36)],
    start=(-0.62, -0.30), end=(-0.92, -0.72),
)
# The Mercury line crosses the hypothenar from below the little finger towards the palm's
# centre; it stays inside the little knuckle's column (x 0.40), never out on the palm's edge,
# whose outline reads as a strong valley wherever the background is skin-coloured.
MERCURY = Band(
    horizontal=False, t0=-0.10, t1=-0.80,
    lo=[(-0.10, 0.05), (-0.80, 0.22)],
    hi=[(-0.10, 0.30), (-0.80, 0.42)],
    start=(-0.40, -0.10), end=(-0.80, -0.55),
)
# A bracelet runs across the whole wrist: it must begin and end in the wrist's outer quarters
# (free ends let its length wander with every small change of the photo).
BRACELET = Band(
    horizontal=True, t0=-0.34, t1=0.34,
    lo=[(-0.34, -0.06), (0.34, -0.06)],
    hi=[(-0.34, 0.22), (0.34, 0.22)],
    start=(-0.34, -0.22), end=(0.22, 0.34),
)
MARRIAGE = Band(
    horizontal=True, t0=0.68, t1=0.30,
    lo=[(0.68, -0.98), (0.30, -1.0)],
    hi=[(0.68, -0.70), (0.30, -0.80)],
    start=(0.50, 0.68), end=(0.30, 0.50),
)


def forbid_near(frame: PalmFrame, raster_pts: F64 | None, radius_units: float,
                base: F32 | None = None) -> F32:
    w, h = frame.size
    out = np.zeros((h, w), np.float32) if base is None else base.copy()
    if raster_pts is not None and len(raster_pts) >= 2:
        thick = max(1, round(2 * radius_units * frame.px_per_unit))
        cv2.polylines(out, [np.round(raster_pts).astype(np.int32)], False, (1.0,), thick)
    return out


def raster_units(frame: PalmFrame) -> tuple[F64, F64]:
    """Canonical units (x, y) of every pixel of the canonical raster."""
    w, h = frame.size
    yy, xx = np.mgrid[0:h, 0:w]
    inv = np.linalg.inv(np.vstack([frame.units_to_raster, [0.0, 0.0, 1.0]]))
    return (inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2],
            inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2])


def forbid_inside_life(frame: PalmFrame, life_units: F64 | None, margin_units: float,
                       base: F32 | None = None) -> F32:
    """Forbid the thumb ball inside the traced life line (closer to LIFE_CENTRE than the
    line, less a margin): the head line starts at the life line, never inside its arc, where
    the thumb's folds would otherwise lure it."""
    w, h = frame.size
    out = np.zeros((h, w), np.float32) if base is None else base.copy()
    if life_units is None or len(life_units) < 2:
        return out
    th_line = np.arctan2(life_units[:, 1] - LIFE_CENTRE[1], life_units[:, 0] - LIFE_CENTRE[0])
    r_line = np.hypot(life_units[:, 1] - LIFE_CENTRE[1], life_units[:, 0] - LIFE_CENTRE[0])
    order = np.argsort(th_line)
    th_line, r_line = th_line[order], r_line[order]
    ux, uy = raster_units(frame)
    ux, uy = ux - LIFE_CENTRE[0], uy - LIFE_CENTRE[1]
    th = np.arctan2(uy, ux)
    r_at = np.interp(th, th_line, r_line)
    inside = (th >= th_line[0]) & (th <= th_line[-1]) & (np.hypot(ux, uy) < r_at - margin_units)
    # nor before where the life line begins: the fold of the thumb's web lies there
    start = life_units[int(np.argmin(life_units[:, 1]))]
    before = ux + LIFE_CENTRE[0] < start[0] - HEAD_BEFORE_LIFE_UNITS
    out[inside | before] = 1.0
    return out


@dataclass(frozen=True)
class Traced:
    name: LineName
    trace: Trace | None
    units: F64 | None  # path in canonical units
    cut_share: float = 0.0  # share of the first-pass path that trimming cut off


def smooth_path(units: F64, window_units: float = SMOOTH_UNITS) -> F64:
    """Moving average along the path: the DP steps cell by cell, a crease is smooth."""
    n = len(units)
    if n < 5:
        return units
    seg = np.linalg.norm(np.diff(units, axis=0), axis=1)
    k = int(np.clip(round(window_units / max(float(np.median(seg)), 1e-6)), 1, n // 2))
    if k < 2:
        return units
    pad = np.concatenate([np.repeat(units[:1], k, 0), units, np.repeat(units[-1:], k, 0)])
    kernel = np.ones(2 * k + 1) / (2 * k + 1)
    out = np.stack([np.convolve(pad[:, i], kernel, mode="valid") for i in (0, 1)], axis=1)
    out[0], out[-1] = units[0], units[-1]
    return np.asarray(out, dtype=np.float64)


def _arc_length(units: F64) -> F64:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(units, axis=0), axis=1))])


def _point_at(units: F64, along: F64, a: float) -> F64:
    return np.array([np.interp(a, along, units[:, 0]), np.interp(a, along, units[:, 1])])


def _turns(units: F64, window: float, from_share: float) -> Iterator[tuple[int, float]]:
    """(index, signed turn in degrees) at each point of the path from `from_share` of its
    length on: the angle between its direction over `window` before and after the point,
    positive turning from +x towards +y."""
    along = _arc_length(units)
    total = float(along[-1])
    for i in range(len(units)):
        a = float(along[i])
        if a < max(from_share * total, window) or total - a < window:
            continue
        before = units[i] - _point_at(units, along, a - window)
        after = _point_at(units, along, a + window) - units[i]
        cross = float(before[0] * after[1] - before[1] * after[0])
        yield i, float(np.degrees(np.arctan2(cross, float(before @ after))))


def kink_end(units: F64) -> int:
    """Number of points to keep: the path up to the first sharp turn (END_KINK_DEG) in its
    last part, or all of it. `units`: the smoothed path, its end last."""
    for i, turn in _turns(units, END_KINK_WINDOW_UNITS, END_KINK_FROM):
        if abs(turn) > END_KINK_DEG:
            return i
    return len(units)


def drop_end(units: F64) -> int:
    """Number of points to keep: the path up to its highest point (towards the fingers) before
    it first falls back below that point by more than HEART_DROP_UNITS in its last part, or
    all of it. `units`: the smoothed path, traced from the percussion edge, its end last."""
    along = _arc_length(units)
    y = units[:, 1]
    fall = y - np.minimum.accumulate(y)
    over = np.flatnonzero((fall > HEART_DROP_UNITS) & (along >= HEART_DROP_FROM * along[-1]))
    if not len(over):
        return len(units)
    return int(np.argmin(y[: int(over[0]) + 1])) + 1


def extend_end(maps: RidgeMaps, frame: PalmFrame, tr: Trace, forbid: F32 | None,
               end_rule: FarEnd) -> Trace:
    """Follow the path on past its end along its own direction, for up to
    `end_rule.length` within `end_rule.half_width`, as far as the crease there pays
    END_EXTEND_TOLL (the DP in a strip laid along the continuation): straight on, or turning
    like an arc around LIFE_CENTRE through the path's end (`end_rule.curved`, life_turn)."""
    turn = life_turn(frame, tr) if end_rule.curved else 0.0
    length, half_width = end_rule.length, end_rule.half_width
    units = smooth_path(frame.units_from_raster(tr.raster))
    along = _arc_length(units)
    end = units[-1]
    d = end - _point_at(units, along, max(float(along[-1]) - END_DIRECTION_UNITS, 0.0))
    if float(np.linalg.norm(d)) < 1e-6:
        return tr
    d = d / np.linalg.norm(d)
    cell = 1.0 / frame.px_per_unit
    t = np.arange(0.0, length, cell)
    if len(t) < 2:
        return tr
    s = np.arange(-half_width, half_width + cell / 2, cell)
    heading = np.arctan2(d[1], d[0]) + turn * t
    # the centre line, stepped along its turning direction; straight when turn is 0
    if turn == 0.0:
        cx, cy = end[0] + t * d[0], end[1] + t * d[1]
        nx, ny = np.full_like(t, -d[1]), np.full_like(t, d[0])
    else:
        cx = end[0] + (np.sin(heading) - np.sin(heading[0])) / turn
        cy = end[1] - (np.cos(heading) - np.cos(heading[0])) / turn
        nx, ny = -np.sin(heading), np.cos(heading)
    rx, ry = _to_raster(frame, cx[:, None] + s[None, :] * nx[:, None],
                        cy[:, None] + s[None, :] * ny[:, None])
    allowed = np.ones(rx.shape, np.bool_)
    allowed[0] = np.abs(s) <= cell  # it begins where the path ended
    strip = Strip(x=rx, y=ry, allowed=allowed, start=t <= 0.0, end=np.ones(len(t), np.bool_))
    ext = trace(maps, strip, toll=END_EXTEND_TOLL, forbid=forbid)
    if ext is None or len(ext.raster) < 2:
        return tr
    return tr.then(ext.part(1), gain=tr.gain)


def veer_end(units: F64) -> int:
    """Number of points to keep: the life line up to the first point in its last part where
    its direction turns outward (against the way it arcs around the thumb ball) by more than
    LIFE_VEER_DEG, or all of it."""
    for i, turn in _turns(units, LIFE_VEER_WINDOW_UNITS, LIFE_VEER_FROM):
        if turn < -LIFE_VEER_DEG:
            return i
    return len(units)


def life_turn(frame: PalmFrame, tr: Trace) -> float:
    """How fast an arc around LIFE_CENTRE through the path's end turns (radians per palm
    length): the life line's own curve around the thumb ball."""
    end = frame.units_from_raster(tr.raster[-1:])[0]
    return 1.0 / max(float(np.hypot(end[0] - LIFE_CENTRE[0], end[1] - LIFE_CENTRE[1])), 0.1)


def _window_mean(evidence: F64, units: F64, window_units: float) -> F64:
    """The crease evidence averaged over `window_units` of the path around each point."""
    along = _arc_length(units)
    step = max(float(along[-1]) / max(len(evidence) - 1, 1), 1e-6)
    k = max(1, round(window_units / step))
    return np.convolve(evidence, np.ones(2 * k + 1) / (2 * k + 1), mode="same")


def trim_extension(frame: PalmFrame, tr: Trace, first: int) -> Trace:
    """`tr` with its points from `first` on (the part followed on by extend_end) cut back to
    the last where the crease holds END_RETRIM_SHARE of the line's own median before them."""
    if len(tr.raster) <= first:
        return tr
    local = _window_mean(tr.evidence, frame.units_from_raster(tr.raster),
                         END_RETRIM_WINDOW_UNITS)
    strong = np.flatnonzero(local[first:] >= END_RETRIM_SHARE * np.median(tr.evidence[:first]))
    keep = first + (int(strong[-1]) + 1 if len(strong) else 0)
    return tr.part(0, keep)


def trim_faint_ends(evidence: F64, units: F64) -> tuple[int, int]:
    """Cut each end back to where the crease is at least FAINT_SHARE of this line's own
    typical strength (over a short window), so a path does not run on over faint skin
    texture past where its crease fades. Relative to the line itself, so a faint photo keeps
    its faint lines."""
    n = len(evidence)
    local = _window_mean(evidence, units, FAINT_WINDOW_UNITS)
    bar = FAINT_SHARE * float(np.median(evidence))
    strong = np.flatnonzero(local >= bar)
    if not len(strong):
        return 0, n
    return int(strong[0]), int(strong[-1]) + 1


@dataclass(frozen=True)
class FarEnd:
    """How a line's far end is judged by its own course and followed on past it (see the
    constants above): `cut` gives how many points of the smoothed path to keep."""

    cut: Callable[[F64], int]
    after_trim: bool  # judged after the faint-end trim (else on the first pass's path)
    only_if_cut: bool  # followed on only where it was cut
    length: float  # how far it is followed on, at most
    half_width: float  # how far from its continuation
    curved: bool  # the continuation arcs around the thumb ball (else straight)


FAR_ENDS = {
    LineName.head: FarEnd(kink_end, after_trim=False, only_if_cut=False,
                          length=END_EXTEND_UNITS, half_width=END_HALF_WIDTH_UNITS,
                          curved=False),
    LineName.heart: FarEnd(drop_end, after_trim=False, only_if_cut=True,
                           length=END_EXTEND_UNITS, half_width=END_HALF_WIDTH_UNITS,
                           curved=False),
    LineName.life: FarEnd(veer_end, after_trim=True, only_if_cut=False,
                          length=LIFE_EXTEND_UNITS, half_width=LIFE_EXTEND_HALF_UNITS,
                          curved=True),
}


def _cut_far_end(frame: PalmFrame, tr: Trace, end_rule: FarEnd) -> tuple[Trace, bool]:
    keep = end_rule.cut(smooth_path(frame.units_from_raster(tr.raster)))
    return (tr.part(0, keep), True) if keep < len(tr.raster) else (tr, False)


def with_units(frame: PalmFrame, name: LineName, tr: Trace, cut_share: float = 0.0) -> Traced:
    """`tr` with its smoothed path in canonical units (trace and units share their points)."""
    return Traced(name, tr, smooth_path(frame.units_from_raster(tr.raster)), cut_share)


def run_tracer(maps: RidgeMaps, frame: PalmFrame, name: LineName, strip: Strip, toll: float,
               forbid: F32 | None = None) -> Traced:
    tr = trace(maps, strip, toll=toll, forbid=forbid)
    if tr is None or len(tr.raster) < 3:
        return Traced(name, None, None)
    first_len = polyline_length(frame.units_from_raster(tr.raster))
    if name not in TRIMMED:
        return with_units(frame, name, tr)
    end_rule = FAR_ENDS.get(name)
    cut = False
    if end_rule is not None and not end_rule.after_trim:
        tr, cut = _cut_far_end(frame, tr, end_rule)
    i, j = trim_faint_ends(tr.evidence, frame.units_from_raster(tr.raster))
    if j - i < 3:
        return Traced(name, None, None)
    tr = tr.part(i, j)
    if end_rule is not None:
        if end_rule.after_trim:
            tr, cut = _cut_far_end(frame, tr, end_rule)
            if len(tr.raster) < 3:
                return Traced(name, None, None)
        if cut or not end_rule.only_if_cut:
            tr = trim_extension(frame, extend_end(maps, frame, tr, forbid, end_rule),
                                len(tr.raster))
    units = smooth_path(frame.units_from_raster(tr.raster))
    cut_share = 1.0 - polyline_length(units) / max(first_len, 1e-6)
    return Traced(name, tr, units, float(np.clip(cut_share, 0.0, 1.0)))


def polyline_length(p: F64) -> float:
    return float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum()) if len(p) > 1 else 0.0


def simplify(points: F64, step: float) -> F64:
    """Resample a dense path to about one point per `step` (same units)."""
    if len(points) < 3:
        return points
    cum = _arc_length(points)
    n = max(2, int(cum[-1] / step) + 1)
    at = np.linspace(0.0, cum[-1], n)
    return np.stack([np.interp(at, cum, points[:, 0]), np.interp(at, cum, points[:, 1])], axis=1)


def count_breaks(evidence: F64, units: F64) -> int:
    seg = np.concatenate([[0.0], np.linalg.norm(np.diff(units, axis=0), axis=1)])
    breaks, run = 0, 0.0
    for e, d in zip(evidence, seg, strict=True):
        if e < BREAK_LEVEL:
            run += d
        else:
            breaks += run >= BREAK_MIN_UNITS
            run = 0.0
    return breaks


def curvature(units: F64) -> float:
    chord = float(np.linalg.norm(units[-1] - units[0]))
    if chord < 1e-6:
        return 0.0
    d = units[-1] - units[0]
    normal = np.array([-d[1], d[0]]) / chord
    sagitta = float(np.abs((units - units[0]) @ normal).max())
    return float(np.clip(2.0 * sagitta / chord, 0.0, 1.0))


MIN_LENGTH_UNITS = {
    LineName.heart: 0.30, LineName.head: 0.30, LineName.life: 0.35, LineName.fate: 0.25,
    LineName.sun: 0.18, LineName.mercury: 0.20, LineName.marriage: 0.08,
    LineName.bracelet: 0.25,
}


def strength_confidence(name: LineName, tr: Trace, units: F64) -> float:
    """0..1 from what the crease itself shows: how strong it is on average and how much of it
    is unbroken, and whether it is long enough to be the line it is named after. Used for the
    often-absent lines, which have too few labels to fit anything on."""
    ev = tr.evidence
    strength = float(np.clip((np.mean(ev) - 0.35) / 0.45, 0.0, 1.0))
    continuity = float(np.mean(ev >= 3 * BREAK_LEVEL))
    length = polyline_length(units)
    length_ok = float(np.clip(length / (2.0 * MIN_LENGTH_UNITS[name]), 0.0, 1.0))
    return round(float(np.clip(0.55 * strength + 0.25 * continuity + 0.20 * length_ok, 0, 1)), 3)


# Confidence of the principal lines: a logistic model of "placed where a person traced it"
# (score_lines.py's rule), fitted on the tuning part of the labelled fixtures only by
# benchmarks/fit_confidence.py, which compares feature sets and L2 weights by
# leave-one-photo-out log-loss and prints these constants (`--write` puts them here; see
# docs/engine.md). Features
# offered: the mean distance from the line's usual course, the photo's crease depth, the
# traced length over the usual length, the mean crease strength and the share trimmed.
# Chosen (session 3, after the tracer changes above): distance from the usual course, crease
# depth and mean crease strength. On deeply creased palms (many strong creases) a trace is
# more often on the wrong one; with depth in the model, a trace stronger than the palm's
# other creases is more often the right one.
PLACED_INTERCEPT = {LineName.heart: 4.983, LineName.head: 3.904, LineName.life: 4.132}
PLACED_WEIGHTS: dict[str, float] = {"offset": -0.463, "depth": -1.747, "strength": 0.743}
# The confidence reported is the lower one-sigma bound of the fitted probability (Laplace
# approximation: the inverse Hessian of the fit, over [heart, head, life, *PLACED_WEIGHTS]):
# a line is called clear only when the tuning evidence supports it beyond its own
# uncertainty (a few dozen photos pin the weights down only loosely).
PLACED_COVARIANCE = (
    (2.3606, 1.5584, 1.5812, -0.2965, -0.4806, -0.6448),
    (1.5584, 1.8486, 1.4500, -0.4257, -0.3857, -0.6462),
    (1.5812, 1.4500, 1.8149, -0.3885, -0.4243, -0.5721),
    (-0.2965, -0.4257, -0.3885, 0.7131, 0.0236, -0.0316),
    (-0.4806, -0.3857, -0.4243, 0.0236, 0.1930, 0.0164),
    (-0.6448, -0.6462, -0.5721, -0.0316, 0.0164, 0.8276),
)
_PLACED_ORDER = (LineName.heart, LineName.head, LineName.life)
# The crease depth (RidgeMaps.crease_contrast, reported as quality.sharpness) enters the model
# in tenths.
DEPTH_UNIT = 0.1
# The deepest crease depth among the tuning photos: beyond it the fit is an extrapolation,
# and the confidence shrinks in proportion to how far past it the photo lies.
CALIBRATED_DEPTH_MAX = 0.380


def depth_factor(depth: float | None, calibrated_max: float | None = None) -> float:
    """1 inside the depth range the confidence was fitted on; max/depth beyond it."""
    top = CALIBRATED_DEPTH_MAX if calibrated_max is None else calibrated_max
    if depth is None or depth <= top:
        return 1.0
    return top / depth


def placed_features(name: LineName, traced: Traced, depth: float) -> dict[str, float]:
    """Every feature the placement model may use (fit_confidence.py chooses among them)."""
    assert traced.trace is not None and traced.units is not None
    return {
        "offset": course_offset(name, traced.units),
        "depth": depth / DEPTH_UNIT,
        "length": min(polyline_length(traced.units) / USUAL_LENGTH_UNITS[name], 1.5),
        "strength": float(np.mean(traced.trace.evidence)),
        "cut": traced.cut_share,
    }


def line_confidence(name: LineName, traced: Traced, depth: float | None = None) -> float:
    """`depth`: the photo's crease depth (RidgeMaps.crease_contrast); the principal lines
    need it."""
    assert traced.trace is not None and traced.units is not None
    if name not in PLACED_INTERCEPT:
        return strength_confidence(name, traced.trace, traced.units)
    if depth is None:
        raise ValueError("the principal lines' confidence needs the photo's crease depth")
    feats = placed_features(name, traced, depth)
    x = np.array([float(n is name) for n in _PLACED_ORDER]
                 + [feats[f] for f in PLACED_WEIGHTS])
    w = np.array([PLACED_INTERCEPT[n] for n in _PLACED_ORDER] + list(PLACED_WEIGHTS.values()))
    spread = float(np.sqrt(max(float(x @ np.array(PLACED_COVARIANCE) @ x), 0.0)))
    return round(float(1.0 / (1.0 + np.exp(-(x @ w - spread)))) * depth_factor(depth), 3)


USUAL_LENGTH_UNITS = {LineName.heart: 0.62, LineName.head: 0.65, LineName.life: 0.85}


def course_offset(name: LineName, units: F64) -> float:
    """Mean distance of the path from the line's usual course, in spreads of that course."""
    if name is LineName.life:
        r = np.hypot(units[:, 0] - LIFE_CENTRE[0], units[:, 1] - LIFE_CENTRE[1])
        return float(np.mean(np.abs(r - LIFE_RADIUS)) / LIFE_SPREAD)
    band = HEART if name is LineName.heart else HEAD
    usual = _interp(band.usual, units[:, 0].astype(np.float64))
    return float(np.mean(np.abs(units[:, 1] - usual)) / band.spread)


# Lines that are often absent: reported only when clearly visible, never as a guess.
STRICT_LINES = frozenset(
    {LineName.fate, LineName.sun, LineName.mercury, LineName.marriage, LineName.bracelet}
)

# Finger columns in canonical x (the knuckles of the template): between two neighbours the
# boundary is halfway.
_FINGER_X = {"index": -0.32, "middle": 0.0, "ring": 0.22, "little": 0.40}


def _under_finger(x: float) -> str:
    if x < -0.40:
        return "beyond_index"
    if x < -0.22:
        return "under_index"
    if x < -0.08:
        return "between_index_and_middle"
    if x < 0.10:
        return "under_middle"
    if x < 0.31:
        return "under_ring"
    return "under_little"


def _near(a: F64, b: F64 | None, radius: float) -> bool:
    if b is None or not len(b):
        return False
    d = np.hypot(b[:, 0] - a[0], b[:, 1] - a[1])
    return bool(d.min() <= radius)


def zones(name: LineName, units: F64, traced: dict[LineName, list[Traced]]) -> tuple[str, str]:
    """Where a line starts and ends, named as the tradition names places on the palm."""
    def path(n: LineName) -> F64 | None:
        items = traced.get(n) or []
        return items[0].units if items and items[0].units is not None else None

    start, end = units[0], units[-1]
    if name is LineName.heart:
        return "percussion_edge", _under_finger(float(end[0]))
    if name is LineName.head:
        joined = _near(start, path(LineName.life), 0.04)
        slope = "sloping_to_moon" if end[1] > -0.40 else (
            "straight_across" if end[1] < -0.55 else "gently_sloping")
        return ("joined_to_life" if joined else "apart_from_life"), (
            f"{_under_finger(float(end[0]))}_{slope}")
    if name is LineName.life:
        head = path(LineName.head)
        if head is not None and len(head):
            rel = "joined_to_head" if _near(start, head, 0.04) else (
                "above_head_start" if start[1] < head[0][1] else "below_head_start")
        else:
            rel = "between_thumb_and_index"
        reach = "wrist" if end[1] > -0.16 else "thumb_ball"
        return rel, reach
    if name is LineName.fate:
        life = path(LineName.life)
        if _near(start, life, 0.04):
            s = "life_line"
        elif start[1] > -0.18:
            s = "wrist"
        elif start[0] > 0.15:
            s = "moon_mount"
        else:
            s = "mid_palm"
        head, heart = path(LineName.head), path(LineName.heart)
        if heart is not None and end[1] < float(np.interp(end[0], *_xy_sorted(heart))):
            e = "under_middle"
        elif head is not None and end[1] < float(np.interp(end[0], *_xy_sorted(head))):
            e = "heart_line"
        else:
            e = "head_line"
        return s, e
    if name is LineName.bracelet:
        return "wrist", "wrist"
    if name is LineName.marriage:
        return "percussion_edge", "under_little"
    return ("lower_palm" if start[1] > -0.4 else "mid_palm"), _under_finger(float(end[0]))


def _xy_sorted(p: F64) -> tuple[F64, F64]:
    order = np.argsort(p[:, 0])
    return p[order, 0], p[order, 1]


# --- The life line's start at the thumb-index web -------------------------------------------
# The life line often begins at the apex of the skin web
# between thumb and index finger, lower and nearer the thumb than the fold the arc search
# prefers higher up at the radial edge (the radius prior pulls the arc away from the apex,
# which lies well inside the usual radius). The web's apex is found on the hand's own outline;
# from it a short connector is searched to the traced line's first part, and spliced in only
# where a crease really runs there.
# The web lies in this box (canonical units: left of the index knuckle's column, between the
# index knuckle's row and the thumb's metacarpal joint's level), and its tip points towards
# the palm's radial centre, here.
APEX_BOX = ((-0.90, -1.00), (-0.25, -0.45))
APEX_TOWARDS = (-0.15, -0.60)
# The connector may join the traced line within this share of its length from its start
# (beyond, the two have run together for a good part of the line and nothing is gained).
APEX_JOIN_SHARE = 0.5
# ...ending within this distance of the line (palm lengths: about a crease's width).
APEX_JOIN_UNITS = 0.012
# Half-width of the connector's search at the apex and at the line (palm lengths).
APEX_HALF = (0.02, 0.10)
# The connector is kept when its crease (median strength) is at least this share of the
# traced line's own median: relative to the line, so a faint photo is judged by its own lines.
# None: never. Tuning part: life placed the same for any share from 0 to 0.7 (the hook test
# decides), fewer from 0.8; 0.5 keeps a connector over bare skin out.
APEX_SHARE: float | None = 0.5
# ...and joins the line no closer to its start than this (palm lengths): a shorter connector
# adds nothing the scoring tolerance would not already cover.
APEX_MIN_UNITS = 0.05
# A traced start is a hook (see hooks_at_start) when its highest point lies this far along
# it: more than a crease's own wobble over the scoring tolerance (3 % of palm length). On the
# tuning part the climb was 0 to 0.03 on the palms whose label starts where the trace does,
# 0.07 to 0.11 on the three whose label starts at the web's apex.
APEX_HOOK_UNITS = 0.05


def hooks_at_start(units: F64) -> bool:
    """Whether the traced line climbs before it arcs down: its highest point (towards the
    fingers) lies more than APEX_HOOK_UNITS along it from its start. From its start at the
    radial edge the life line only descends around the thumb's ball; a path whose first part
    climbs came up out of the web along a fold, and entered the line from the side."""
    top = int(np.argmin(units[:, 1]))
    return bool(_arc_length(units)[top] > APEX_HOOK_UNITS)


def web_apex(maps: RidgeMaps, frame: PalmFrame) -> F64 | None:
    """Tip of the background wedge between thumb and index finger (canonical units): the point
    off the palm's mask in APEX_BOX nearest APEX_TOWARDS, i.e. as deep into the palm as the
    web reaches."""
    ux, uy = raster_units(frame)
    (x0, y0), (x1, y1) = APEX_BOX
    off = ~maps.mask & (ux > x0) & (ux < x1) & (uy > y0) & (uy < y1)
    if not off.any():
        return None
    d = np.where(off, np.hypot(ux - APEX_TOWARDS[0], uy - APEX_TOWARDS[1]), np.inf)
    i = np.unravel_index(int(np.argmin(d)), d.shape)
    return np.array([ux[i], uy[i]], dtype=np.float64)


def connector_strip(frame: PalmFrame, apex: F64, line: F64) -> Strip | None:
    """A cone from the apex towards the first part of `line` (canonical units): t runs from
    the apex towards the middle of that part, the cone widening from APEX_HALF[0] to
    APEX_HALF[1]; the path may only start at the apex and only end on that part of the line."""
    along = _arc_length(line)
    part = line[along <= APEX_JOIN_SHARE * along[-1]]
    if len(part) < 2:
        return None
    aim = part[len(part) // 2]
    reach = float(np.linalg.norm(aim - apex))
    if reach < APEX_MIN_UNITS:
        return None
    d = (aim - apex) / reach
    n = np.array([-d[1], d[0]])
    # reach on past the aim as far as the joinable part extends beyond it
    length = max(float(np.max((part - apex) @ d)), reach) + APEX_JOIN_UNITS
    s_px = frame.px_per_unit
    t = np.linspace(0.0, length, max(2, round(length * s_px)))
    s = np.linspace(-APEX_HALF[1], APEX_HALF[1], max(2, round(2 * APEX_HALF[1] * s_px)))
    tt, ss = np.meshgrid(t, s, indexing="ij")
    ux = apex[0] + tt * d[0] + ss * n[0]
    uy = apex[1] + tt * d[1] + ss * n[1]
    half = APEX_HALF[0] + (APEX_HALF[1] - APEX_HALF[0]) * np.clip(tt / reach, 0.0, 1.0)
    near = _distance_to(ux, uy, part)
    rx, ry = _to_raster(frame, ux, uy)
    return Strip(
        x=rx, y=ry, allowed=np.abs(ss) <= half,
        start=t <= APEX_JOIN_UNITS,
        end=(near <= APEX_JOIN_UNITS) & (tt >= APEX_MIN_UNITS),
    )


def start_at_apex(maps: RidgeMaps, frame: PalmFrame, traced: Traced, toll: float,
                  forbid: F32 | None = None) -> Traced:
    """`traced` begun at the web's apex instead, where its start hooks (see hooks_at_start)
    and a crease runs from the apex to it."""
    if APEX_SHARE is None or traced.trace is None or traced.units is None:
        return traced
    if not hooks_at_start(traced.units):
        return traced
    apex = web_apex(maps, frame)
    if apex is None:
        return traced
    strip = connector_strip(frame, apex, traced.units)
    if strip is None:
        return traced
    link = joining_part(frame, trace(maps, strip, toll=toll, forbid=forbid), traced.units)
    if link is None:
        return traced
    own = float(np.median(traced.trace.evidence))
    if float(np.median(link.evidence)) < APEX_SHARE * own:
        return traced
    # splice: the connector, then the line from the point it joins (trace and units share
    # their points one to one)
    j = int(np.argmin(np.linalg.norm(traced.units - frame.units_from_raster(link.raster[-1:]),
                                     axis=1)))
    spliced = link.then(traced.trace.part(j + 1), gain=traced.trace.gain + link.gain)
    return with_units(frame, traced.name, spliced, traced.cut_share)


def _distance_to(ux: F64, uy: F64, line: F64) -> F64:
    """Distance (canonical units) from each point (ux, uy) to the polyline `line`, densely
    resampled (0.003)."""
    dense = simplify(line, 0.003)
    return np.asarray(np.hypot(ux[..., None] - dense[:, 0], uy[..., None] - dense[:, 1])
                      .min(axis=-1), dtype=np.float64)


def joining_part(frame: PalmFrame, link: Trace | None, line: F64) -> Trace | None:
    """The connector up to where it first meets the line (past APEX_MIN_UNITS): beyond, the
    search may run on along the line itself, whose crease would then count as the
    connector's own."""
    if link is None or len(link.raster) < 3:
        return None
    units = frame.units_from_raster(link.raster)
    near = _distance_to(units[:, 0], units[:, 1], line)
    meets = np.flatnonzero((near <= APEX_JOIN_UNITS) & (_arc_length(units) >= APEX_MIN_UNITS))
    if not len(meets) or meets[0] < 2:
        return None
    k = int(meets[0]) + 1
    return link.part(0, k)


# --- The head line's start where it is joined to the life line --------------------------------
# Where the head begins on the life line, the two share their first part (the tradition's
# "joined" head line, and how a person traces it: from the life line's start). The head's own
# search begins only where it leaves the life line, so that shared part is taken from the life
# line. Within this of the life line the head counts as joined (as `zones` names it):
HEAD_JOIN_UNITS = 0.04
# ...and only where it meets the life line in the life line's first part: a head that touches
# the life line further down is not joined at its start (shared parts on the fixture palms:
# 0-0.24 of palm length, and 0.52 on one partial photo, where the head was on another crease).
HEAD_JOIN_MAX_UNITS = 0.35


def join_life_start(frame: PalmFrame, head: Traced, life: Traced) -> Traced:
    """`head` with the life line's part before the head's start prepended, where the head
    begins on the life line's first part; otherwise `head` itself."""
    if (head.trace is None or head.units is None or life.trace is None
            or life.units is None or len(life.units) < 2):
        return head
    gap = np.linalg.norm(life.units - head.units[0], axis=1)
    k = int(np.argmin(gap))
    if (gap[k] > HEAD_JOIN_UNITS or k < 2
            or float(_arc_length(life.units[: k + 1])[-1]) > HEAD_JOIN_MAX_UNITS):
        return head
    joined = life.trace.part(0, k).then(head.trace, gain=head.trace.gain)
    return with_units(frame, head.name, joined, head.cut_share)
