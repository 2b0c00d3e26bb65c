"""The heart line's far end: cut where the path falls back towards the wrist
(lines.drop_end), kept where it rises or runs level."""

from __future__ import annotations

import numpy as np

from rekha.reading.vision import lines as L


def _heart(hump: float) -> np.ndarray:
    """A heart-like path from the percussion edge (x 0.70) to the index side (x -0.16),
    rising gently, with a hump of `hump` palm lengths over its last quarter (0: none)."""
    x = np.linspace(0.70, -0.16, 200)
    y = -0.70 - 0.2 * (0.70 - x)
    last = x < 0.05
    phase = (0.05 - x[last]) / 0.21  # 0 .. 1 over the last quarter
    y[last] -= hump * np.sin(np.pi * phase)
    return np.stack([x, y], axis=1)


def test_a_heart_that_rises_or_wobbles_is_kept_whole() -> None:
    assert L.drop_end(_heart(0.0)) == 200
    assert L.drop_end(_heart(0.02)) == 200  # a crease's own wobble


def test_a_heart_that_climbs_and_falls_back_is_cut_at_its_top() -> None:
    path = _heart(0.08)
    keep = L.drop_end(path)
    assert keep < 200
    top = path[:keep]
    # cut at the hump's highest point, before the fall back
    assert int(np.argmin(path[:, 1])) == keep - 1
    assert float(top[-1, 0]) < 0.05
