"""Quick experiments on line placement: crease maps cached once per palm, the tracer rerun with
constants changed on the command line, placement scored per part in seconds.

    .venv/bin/python benchmarks/line_lab.py                       # figures as the code stands
    .venv/bin/python benchmarks/line_lab.py lines.FAINT_SHARE=0.4  # after setting a constant
    .venv/bin/python benchmarks/line_lab.py --verbose lines.PRIOR_WEIGHT=0.1
    .venv/bin/python benchmarks/line_lab.py --invariance lines.FAINT_SHARE=0.4  # and quality.py's
                                                                   # invariance, from cached maps

A setting is `module.NAME=value` for a module of rekha.reading.vision (value read as a Python
literal). Constants that the crease maps depend on (ridges.*, frame.*) need `--rebuild`, which
recomputes the cache (about 25 s). `--invariance` also counts, as benchmarks/quality.py does,
the copies of each fixture palm (rotated 12 degrees, scaled to 70 %, re-saved at JPEG quality
50) that give the same lines (found on both, lengths within 15 %), from a second cache of
their crease maps (about 50 s to build, 20 s a run): the line part of quality.py's
invariance, which is the figure to record. The score is score_lines.py's rule computed in canonical
units (80 % of the trace within 3 % of the label's palm length and 80 % of the label within 3
% of the trace); the canonical frame is not a similarity of the photo, so it can differ from
benchmarks/lines.py by a line or two per part, and that script's figures are the ones to
record. Choose on the tuning part only (see docs/engine.md).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
from lines import FIXTURES, LABELS, manifest, part_of  # noqa: E402

from rekha.reading.types import LineName, MeasurementRefused  # noqa: E402
from rekha.reading.vision import engine as E  # noqa: E402
from rekha.reading.vision import lines as L  # noqa: E402
from rekha.reading.vision.decode import decode_image  # noqa: E402
from rekha.reading.vision.frame import PalmFrame  # noqa: E402
from rekha.reading.vision.geometry import hand_geometry  # noqa: E402
from rekha.reading.vision.ridges import RidgeMaps  # noqa: E402

CACHE = ROOT / "benchmarks" / "out" / "line_lab.pkl"
VARIANT_CACHE = ROOT / "benchmarks" / "out" / "line_lab_variants.pkl"
PRINCIPAL = ("heart", "head", "life")
F64 = npt.NDArray[np.float64]


@dataclass
class Palm:
    stem: str
    part: str  # "tune" or "held_out"
    frame: PalmFrame
    maps: RidgeMaps
    labels: dict[str, F64 | None]  # canonical units; None where absent or a guess
    tau: float  # 3 % of the label's palm length, in canonical units


@dataclass
class Copy:
    """One photo's crease maps and what `engine.describe` needs to report its lines."""

    frame: PalmFrame
    maps: RidgeMaps
    to_disp: float
    palm_width_px: float


def _copy(data: bytes) -> Copy | None:
    rgb, _, scale = decode_image(data)
    try:
        det, frame = E.locate_palm(rgb)
    except MeasurementRefused:
        return None
    width = hand_geometry(det.landmarks / scale).palm_width_px
    return Copy(frame, E.crease_maps(rgb, frame), 1.0 / scale, width)


def _prepare(row: dict[str, str]) -> Palm | None:
    stem = Path(row["file"]).stem
    lab = json.loads((LABELS / f"{stem}.json").read_text())
    photo = _copy((FIXTURES / row["file"]).read_bytes())
    if photo is None:
        return None
    frame, maps, scale = photo.frame, photo.maps, 1.0 / photo.to_disp
    labels: dict[str, F64 | None] = {}
    for n in PRINCIPAL:
        pts = (lab.get("lines") or {}).get(n)
        guess = (lab.get("confidence") or {}).get(n) == "guess"
        labels[n] = None if not pts or guess else frame.units(np.array(pts, float) * scale)
    ends = frame.units(np.array(lab["palm_length"], float) * scale)
    tau = 0.03 * float(np.linalg.norm(ends[1] - ends[0]))
    return Palm(stem, part_of(row), frame, maps, labels, tau)


def load(rebuild: bool) -> list[Palm]:
    # stored as plain dicts: a pickled dataclass would name the module it was defined in,
    # which is __main__ when this file runs as a script
    if CACHE.exists() and not rebuild:
        with CACHE.open("rb") as fh:
            palms = [Palm(**d) for d in pickle.load(fh)]
        # the split is read afresh, so a cache made before it changed still scores right
        parts = {Path(r["file"]).stem: part_of(r) for r in manifest()}
        for p in palms:
            p.part = parts[p.stem]
        return palms
    rows = [r for r in manifest()
            if r["kind"] == "palm" and (LABELS / f"{Path(r['file']).stem}.json").exists()]
    palms = [p for p in (_prepare(r) for r in rows) if p is not None]
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with CACHE.open("wb") as fh:
        pickle.dump([vars(p) for p in palms], fh)
    return palms


def _resample(p: F64, step: float) -> F64:
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.arange(0.0, cum[-1] + 1e-9, step)
    return np.stack([np.interp(at, cum, p[:, 0]), np.interp(at, cum, p[:, 1])], axis=1)


def _share_within(a: F64, b: F64, tau: float) -> float:
    """Share of polyline a's points within tau of polyline b (b densely resampled)."""
    bb = _resample(b, tau / 10)
    d = np.hypot(a[:, None, 0] - bb[None, :, 0], a[:, None, 1] - bb[None, :, 1]).min(axis=1)
    return float(np.mean(d <= tau))


def score(palms: list[Palm], verbose: bool = False) -> dict[str, dict[str, list[int]]]:
    out = {part: {n: [0, 0] for n in PRINCIPAL} for part in ("tune", "held_out")}
    for p in palms:
        traced = E.trace_all(p.maps, p.frame)
        for n in PRINCIPAL:
            truth = p.labels[n]
            if truth is None:
                continue
            out[p.part][n][1] += 1
            t = traced[LineName(n)][0]
            if t.units is None or L.polyline_length(t.units) < L.MIN_LENGTH_UNITS[LineName(n)]:
                continue
            on = _share_within(_resample(t.units, p.tau / 3), truth, p.tau)
            cover = _share_within(_resample(truth, p.tau / 3), t.units, p.tau)
            placed = on >= 0.8 and cover >= 0.8
            out[p.part][n][0] += placed
            if verbose and not placed:
                print(f"  {p.part:8s} {p.stem:22s} {n:5s} on {on:4.0%} cover {cover:4.0%}")
    return out


def load_variants(rebuild: bool) -> dict[str, dict[str, Copy | None]]:
    """Per fixture palm: its own maps ("original") and those of quality.py's variants."""
    if VARIANT_CACHE.exists() and not rebuild:
        with VARIANT_CACHE.open("rb") as fh:
            raw = pickle.load(fh)
        return {f: {k: Copy(**c) if c else None for k, c in v.items()} for f, v in raw.items()}
    out: dict[str, dict[str, Copy | None]] = {}
    for row in manifest():
        if row["kind"] != "palm":
            continue
        data = (FIXTURES / row["file"]).read_bytes()
        original = _copy(data)
        if original is None:
            continue
        out[row["file"]] = {"original": original,
                            **{k: _copy(v) for k, v in quality.variants(data).items()}}
    VARIANT_CACHE.parent.mkdir(parents=True, exist_ok=True)
    with VARIANT_CACHE.open("wb") as fh:
        pickle.dump({f: {k: vars(c) if c else None for k, c in v.items()}
                     for f, v in out.items()}, fh)
    return out


def _lines_of(c: Copy) -> dict[str, float]:
    """The lines reported on a copy, with their length_ratio (as quality.found_lengths)."""
    traced = E.trace_all(c.maps, c.frame)
    found: dict[str, float] = {}
    for n in LineName:
        m, _ = E.describe(n, traced, c.frame, c.to_disp, c.palm_width_px, c.maps)
        if m.found:
            found[n.value] = m.length_ratio or 0.0
    return found


def invariance(db: dict[str, dict[str, Copy | None]], verbose: bool = False) -> tuple[int, int]:
    """quality.same_reading's line checks over every palm and variant: (same, total)."""
    same = total = 0
    for f, copies in db.items():
        original = copies["original"]
        assert original is not None
        a = _lines_of(original)
        for k, c in copies.items():
            if k == "original":
                continue
            total += 1
            why = "refused" if c is None else quality.lines_differ(a, _lines_of(c))
            same += not why
            if verbose and why:
                print(f"  {f:24s} {k:11s} {why}")
    return same, total


def _apply(setting: str) -> None:
    target, value = setting.split("=", 1)
    module, name = target.rsplit(".", 1)
    mod = importlib.import_module(f"rekha.reading.vision.{module}")
    if not hasattr(mod, name):
        raise SystemExit(f"{target}: no such constant")
    parsed: Any = ast.literal_eval(value)
    setattr(mod, name, parsed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("settings", nargs="*", help="module.NAME=value")
    ap.add_argument("--rebuild", action="store_true", help="recompute the cached crease maps")
    ap.add_argument("--verbose", action="store_true", help="list the lines not placed")
    ap.add_argument("--invariance", action="store_true",
                    help="also count the fixture copies that give the same lines")
    args = ap.parse_args()
    for s in args.settings:
        _apply(s)
    t0 = time.perf_counter()
    palms = load(args.rebuild)
    res = score(palms, args.verbose)
    for part, per in res.items():
        cells = "  ".join(f"{n} {v[0]}/{v[1]}" for n, v in per.items())
        print(f"{part:8s} {cells}")
    if args.invariance:
        same, total = invariance(load_variants(args.rebuild), args.verbose)
        print(f"invariance {same}/{total} (lines of the rotated, scaled and re-saved copies)")
    print(f"({len(palms)} palms, {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
