"""Quick experiments on line placement: crease maps cached once per palm, the tracer rerun with
constants changed on the command line, placement scored per part in seconds.

    .venv/bin/python benchmarks/line_lab.py                       # figures as the code stands
    .venv/bin/python benchmarks/line_lab.py lines.FAINT_SHARE=0.4  # after setting a constant
    .venv/bin/python benchmarks/line_lab.py --verbose lines.PRIOR_WEIGHT=0.1
    .venv/bin/python benchmarks/line_lab.py --invariance lines.FAINT_SHARE=0.4  # and quality.py's
                                                                   # invariance, from cached maps
    .venv/bin/python benchmarks/line_lab.py --evidence   # crease evidence along label and trace
    .venv/bin/python benchmarks/line_lab.py --ceiling    # lines placed under any one of SWEEPS

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
from types import ModuleType
from typing import Any

import cv2
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
EVIDENCE_REACH_PX = 2  # raster pixels (about 0.5 % of palm length)
EVIDENCE_GAP = 0.10  # a label's crease this much weaker than the traced one counts as weaker
# --ceiling: each constant set to each of these values in turn, around what the code uses
SWEEPS: dict[str, list[Any]] = {
    "lines.PRIOR_WEIGHT": [0.05, 0.10, 0.25],
    "lines.HEAD_PRIOR_WEIGHT": [0.03, 0.06, 0.15, 0.25],
    "lines.LIFE_RADIUS": [0.46, 0.49, 0.55, 0.58],
    "lines.LIFE_SPREAD": [0.05, 0.10, 0.14],
    "lines.TOLL": [{"principal": 0.10, "minor": 0.30}, {"principal": 0.22, "minor": 0.30}],
    "lines.FAINT_SHARE": [0.35, 0.65],
    "lines.LIFE_START": [(-100.0, -62.0), (-88.0, -70.0)],
    "lines.LIFE_NO_CURL_FROM": [-20.0, 20.0],
    "lines.HEAD_BEFORE_LIFE_UNITS": [0.0, 0.08],
    "lines.HEAD_JOIN_UNITS": [0.0, 0.08],
    "lines.END_EXTEND_UNITS": [0.10, 0.30],
    "lines.LIFE_EXTEND_UNITS": [0.0, 0.25],
}
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


@dataclass(frozen=True)
class Placement:
    """One labelled line of one palm against what the tracer reported for it."""

    part: str
    stem: str
    line: str
    on: float  # share of the trace within tau of the label (0 where nothing was reported)
    cover: float  # share of the label within tau of the trace
    label_evidence: float
    traced_evidence: float | None  # None where nothing was reported

    @property
    def placed(self) -> bool:
        return self.on >= 0.8 and self.cover >= 0.8


def evidence_along(p: Palm, units: F64) -> float:
    """Mean crease evidence along a polyline, each point taking the strongest evidence within
    EVIDENCE_REACH_PX of it (labels are traced by eye, a few pixels off their crease)."""
    reach = 2 * EVIDENCE_REACH_PX + 1
    near = cv2.dilate(p.maps.strength, np.ones((reach, reach), np.uint8))
    r = p.frame.raster_from_units(_resample(units, 0.005)).astype(np.float32)
    v = cv2.remap(near, r[:, 0].reshape(1, -1), r[:, 1].reshape(1, -1), cv2.INTER_LINEAR)
    return float(np.mean(v))


def placements(palms: list[Palm]) -> list[Placement]:
    out = []
    for p in palms:
        traced = E.trace_all(p.maps, p.frame)
        for n in PRINCIPAL:
            truth = p.labels[n]
            if truth is None:
                continue
            t = traced[LineName(n)][0]
            on = cover = 0.0
            traced_evidence = None
            if t.units is not None and (
                    L.polyline_length(t.units) >= L.MIN_LENGTH_UNITS[LineName(n)]):
                on = _share_within(_resample(t.units, p.tau / 3), truth, p.tau)
                cover = _share_within(_resample(truth, p.tau / 3), t.units, p.tau)
                traced_evidence = evidence_along(p, t.units)
            out.append(Placement(p.part, p.stem, n, on, cover, evidence_along(p, truth),
                                 traced_evidence))
    return out


def score(palms: list[Palm], verbose: bool = False) -> dict[str, dict[str, list[int]]]:
    out = {part: {n: [0, 0] for n in PRINCIPAL} for part in ("tune", "held_out")}
    for r in placements(palms):
        out[r.part][r.line][1] += 1
        out[r.part][r.line][0] += r.placed
        if verbose and not r.placed:
            print(f"  {r.part:8s} {r.stem:22s} {r.line:5s} on {r.on:4.0%} cover {r.cover:4.0%}")
    return out


def evidence_report(palms: list[Palm]) -> None:
    """Is a miss the search's fault or the evidence's? Per line missed, the mean crease
    evidence along the label and along the trace: where the label's crease is much weaker
    than the one traced, no path search that follows the evidence will choose it."""
    rows = placements(palms)
    print("missed lines: crease evidence along the label and along the trace")
    bound = 0
    for r in sorted((r for r in rows if not r.placed), key=lambda r: (r.line, r.part, r.stem)):
        te = "-" if r.traced_evidence is None else f"{r.traced_evidence:.2f}"
        weaker = r.traced_evidence is not None and (
            r.label_evidence <= r.traced_evidence - EVIDENCE_GAP)
        bound += weaker
        print(f"  {r.part:8s} {r.stem:22s} {r.line:5s} label {r.label_evidence:.2f}"
              f"  trace {te:4s}{'  label weaker' if weaker else ''}")
    placed = [r.label_evidence for r in rows if r.placed]
    missed = [r.label_evidence for r in rows if not r.placed]
    print(f"label's crease weaker than the traced one by >= {EVIDENCE_GAP}: {bound}"
          f"/{len(missed)} missed lines")
    print(f"evidence along the label, median: placed {np.median(placed):.2f}"
          f" ({len(placed)} lines), missed {np.median(missed):.2f} ({len(missed)} lines)")


def ceiling(palms: list[Palm]) -> None:
    """How far would retuning the tracer's constants go? Each constant of SWEEPS is set to
    each of its values in turn (the others as the code stands), and a line counts as within
    reach if any of these settings places it: an upper bound for tuning one constant at a
    time, and on the tuning part a bound no honest choice of a single setting reaches."""
    base = {(r.part, r.stem, r.line): r.placed for r in placements(palms)}
    reach = dict(base)
    for setting, values in SWEEPS.items():
        mod, name = _constant(setting)
        kept = getattr(mod, name)
        for v in values:
            setattr(mod, name, v)
            for r in placements(palms):
                key = (r.part, r.stem, r.line)
                if r.placed and not base[key]:
                    print(f"  {setting}={v!r}: {r.part} {r.stem} {r.line} placed")
                reach[key] = reach[key] or r.placed
        setattr(mod, name, kept)
    for part in ("tune", "held_out"):
        cells = []
        for n in PRINCIPAL:
            keys = [k for k in base if k[0] == part and k[2] == n]
            cells.append(f"{n} {sum(base[k] for k in keys)} -> {sum(reach[k] for k in keys)}"
                         f"/{len(keys)}")
        print(f"{part:8s} " + "  ".join(cells))
    runs = sum(len(v) for v in SWEEPS.values())
    print(f"(current -> placed under at least one of {runs} settings)")


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


def _constant(target: str) -> tuple[ModuleType, str]:
    """The module of rekha.reading.vision and the name that `module.NAME` points at."""
    module, name = target.rsplit(".", 1)
    mod = importlib.import_module(f"rekha.reading.vision.{module}")
    if not hasattr(mod, name):
        raise SystemExit(f"{target}: no such constant")
    return mod, name


def _apply(setting: str) -> None:
    target, value = setting.split("=", 1)
    mod, name = _constant(target)
    parsed: Any = ast.literal_eval(value)
    setattr(mod, name, parsed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("settings", nargs="*", help="module.NAME=value")
    ap.add_argument("--rebuild", action="store_true", help="recompute the cached crease maps")
    ap.add_argument("--verbose", action="store_true", help="list the lines not placed")
    ap.add_argument("--invariance", action="store_true",
                    help="also count the fixture copies that give the same lines")
    ap.add_argument("--evidence", action="store_true",
                    help="crease evidence along the label and the trace of each line missed")
    ap.add_argument("--ceiling", action="store_true",
                    help="lines placed under at least one setting of SWEEPS (one at a time)")
    args = ap.parse_args()
    for s in args.settings:
        _apply(s)
    t0 = time.perf_counter()
    palms = load(args.rebuild)
    res = score(palms, args.verbose)
    for part, per in res.items():
        cells = "  ".join(f"{n} {v[0]}/{v[1]}" for n, v in per.items())
        print(f"{part:8s} {cells}")
    if args.evidence:
        evidence_report(palms)
    if args.ceiling:
        ceiling(palms)
    if args.invariance:
        same, total = invariance(load_variants(args.rebuild), args.verbose)
        print(f"invariance {same}/{total} (lines of the rotated, scaled and re-saved copies)")
    print(f"({len(palms)} palms, {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
