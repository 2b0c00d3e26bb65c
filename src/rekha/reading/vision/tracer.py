"""Following one crease: dynamic programming over a strip of the canonical palm.

A line is searched in a strip laid along where it must run (a band of columns for heart and
head, an arc around the thumb's ball for the life line, a band of rows for the vertical
lines). Each step along the strip picks one cell across it; the path may bend a little per
step, gains crease evidence aligned with its own direction and pays a fixed toll per step.
A path may only begin in its start zone and only end in its end zone, and it ends where the
evidence stops paying for the toll, so a line neither stops early nor runs on past its crease.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from rekha.reading.vision.ridges import RidgeMaps

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
NEG = np.float32(-1e9)


@dataclass(frozen=True)
class Strip:
    """Sampling grid: raster coordinates of cell (t, s), shape (T, S)."""

    x: F32
    y: F32
    allowed: B  # cells the line may pass through
    start: npt.NDArray[np.bool_]  # (T,) steps where the line may begin
    # (T,) steps where the line may end, or (T, S) cells where it may end (a connector that
    # must end on another line)
    end: npt.NDArray[np.bool_]
    prior: F32 | None = None  # (T, S) added to each cell's gain: the line's usual course
    # (T,) steps at which the path may not step towards lower s (the life line's lower part
    # may not curl back in towards the thumb)
    no_inward: npt.NDArray[np.bool_] | None = None


@dataclass(frozen=True)
class Trace:
    raster: F64  # (N, 2) raster points along the path
    evidence: F64  # (N,) crease strength at each point
    gain: float  # total DP score

    def part(self, start: int = 0, stop: int | None = None) -> Trace:
        """Points start:stop of the path (its gain kept)."""
        return Trace(self.raster[start:stop], self.evidence[start:stop], self.gain)

    def then(self, other: Trace, gain: float) -> Trace:
        """This path followed by all of `other`'s points."""
        return Trace(np.concatenate([self.raster, other.raster]),
                     np.concatenate([self.evidence, other.evidence]), gain)


def _sample(img: F32, strip: Strip) -> F32:
    return np.asarray(
        cv2.remap(img, strip.x, strip.y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                  borderValue=(0.0,)),
        dtype=np.float32,
    )


def trace(maps: RidgeMaps, strip: Strip, *, toll: float, bend: int = 1,
          bend_cost: float = 0.08, forbid: F32 | None = None) -> Trace | None:
    """Best path through the strip. `forbid` (raster-sized, 1 = forbidden) keeps this line off
    cells already taken by another."""
    strength = _sample(maps.strength, strip)
    ax, ay = _sample(maps.along_x, strip), _sample(maps.along_y, strip)
    allowed = strip.allowed.copy()
    if forbid is not None:
        allowed &= _sample(forbid, strip) < 0.5
    t_n, s_n = strength.shape
    shifts = range(-bend, bend + 1)
    score = np.full((t_n, s_n), NEG, np.float32)
    back = np.zeros((t_n, s_n), np.int8)  # shift taken, or 127 for "started here"
    started = np.int8(127)

    # evidence counts only as far as the crease runs the way the path steps
    gains: dict[int, F32] = {}
    for k in shifts:
        src = np.roll(np.arange(s_n), k)
        dx = np.zeros_like(strip.x)
        dy = np.zeros_like(strip.y)
        dx[1:] = strip.x[1:] - strip.x[:-1][:, src]
        dy[1:] = strip.y[1:] - strip.y[:-1][:, src]
        norm = np.sqrt(dx * dx + dy * dy) + 1e-6
        cos = (dx * ax + dy * ay) / norm
        gains[k] = np.asarray(strength * cos * cos - toll, dtype=np.float32)
        if strip.prior is not None:
            gains[k] += strip.prior

    # Each step takes, per cell, the best of the shifted previous rows: all shifts at once in
    # one (shifts, S) buffer, rows of score/back filled in place (the step loop made up most
    # of the engine's time). Same arithmetic and tie-breaking as one shift after another:
    # the first shift reaching the maximum wins, and only a value above NEG counts.
    ks = list(shifts)
    penalty = np.array([bend_cost * abs(k) for k in ks], dtype=np.float32)[:, None]
    gain_rows = np.stack([gains[k] for k in ks], axis=1)  # (T, shifts, S)
    shift_of = np.array(ks, dtype=np.int8)
    inward = [i for i, k in enumerate(ks) if k < 0]
    buf = np.empty((len(ks), s_n), np.float32)
    better = np.empty(s_n, np.bool_)
    top = np.empty(s_n, np.intp)
    top_val = np.empty(s_n, np.float32)
    for t in range(t_n):
        best = score[t]
        best_k = back[t]
        if t > 0:
            prev = score[t - 1]
            for i, k in enumerate(ks):
                # cell s is reached from cell s - k of the previous step
                if k > 0:
                    buf[i, k:] = prev[:-k]
                    buf[i, :k] = NEG
                elif k < 0:
                    buf[i, :k] = prev[-k:]
                    buf[i, k:] = NEG
                else:
                    buf[i] = prev
            np.subtract(buf, penalty, out=buf)
            np.add(buf, gain_rows[t], out=buf)
            if inward and strip.no_inward is not None and strip.no_inward[t]:
                buf[inward] = -np.inf
            np.argmax(buf, axis=0, out=top)
            np.max(buf, axis=0, out=top_val)
            np.greater(top_val, best, out=better)
            np.copyto(best, top_val, where=better)
            best_k[better] = shift_of[top[better]]
        if strip.start[t]:
            fresh = gains[0][t]
            np.greater(fresh, best, out=better)
            np.copyto(best, fresh, where=better)
            best_k[better] = started
        best[~allowed[t]] = NEG

    end_cells = strip.end if strip.end.ndim == 2 else strip.end[:, None]
    ends = np.where(end_cells, score, NEG)
    t_end, s_end = np.unravel_index(int(np.argmax(ends)), ends.shape)
    if ends[t_end, s_end] <= NEG / 2:
        return None
    cells = [(int(t_end), int(s_end))]
    t, s = int(t_end), int(s_end)
    while back[t, s] != started and t > 0:
        s = s - int(back[t, s])
        t -= 1
        cells.append((t, s))
    cells.reverse()
    tt = np.array([c[0] for c in cells])
    ss = np.array([c[1] for c in cells])
    pts = np.stack([strip.x[tt, ss], strip.y[tt, ss]], axis=1).astype(np.float64)
    return Trace(raster=pts, evidence=strength[tt, ss].astype(np.float64),
                 gain=float(ends[t_end, s_end]))
