"""Fit the principal lines' confidence: a logistic model of "placed where a person traced it"
(score_lines.py's rule), on the tuning part of the labelled fixtures only.

    .venv/bin/python benchmarks/fit_confidence.py            # fit, print constants + figures
    .venv/bin/python benchmarks/fit_confidence.py --write    # ... and write them into lines.py

For every tuning photo the engine's own tracer runs (decode, landmarks, canonical frame, crease
maps, trace_all); each heart, head and life trace that the engine would report is scored against
its label with the shared scorer's functions, and described by the features below. Candidate
feature sets and L2 weights are compared by leave-one-photo-out log-loss; the best is refitted
on every tuning photo and printed as the constants of rekha.reading.vision.lines (PLACED_*,
CALIBRATED_DEPTH_MAX). The held-out part is only scored at the end: how often its lines at or
above CLEAR_CONFIDENCE were placed. With --write the constants and the clear bar
(CLEAR_CONFIDENCE) replace those in src/rekha/reading/vision/lines.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lines import FIXTURES, LABELS, SCORER, manifest, part_of  # noqa: E402

from rekha.reading.types import LineName, MeasurementRefused  # noqa: E402
from rekha.reading.vision import engine as E  # noqa: E402
from rekha.reading.vision import lines as L  # noqa: E402
from rekha.reading.vision.decode import decode_image  # noqa: E402

F64 = npt.NDArray[np.float64]
PRINCIPAL = (LineName.heart, LineName.head, LineName.life)
# Each candidate: the features besides the per-line intercepts (names of Sample fields).
CANDIDATES: tuple[tuple[str, ...], ...] = (
    (), ("offset",), ("depth",), ("offset", "depth"), ("offset", "depth", "length"),
    ("offset", "depth", "strength"), ("offset", "depth", "cut"),
)
L2_WEIGHTS = (0.1, 0.3, 1.0, 3.0)
# A richer model is taken only when it beats the simplest one within this much log-loss: the
# differences below it are noise on a few dozen photos.
LOGLOSS_MARGIN = 0.005
# The bar for "clearly visible" is the lowest at which the lines called clear were placed at
# least this often, judged on leave-one-photo-out confidences of the tuning part.
CLEAR_PRECISION = 0.90
THRESHOLDS = tuple(round(0.40 + 0.05 * i, 2) for i in range(10))


@dataclass(frozen=True)
class Sample:
    stem: str
    part: str
    line: LineName
    placed: bool
    offset: float  # mean distance from the usual course, in spreads (lines.course_offset)
    depth: float  # the photo's crease depth (RidgeMaps.crease_contrast) / DEPTH_UNIT
    length: float  # traced length / the line's usual length, at most 1.5
    strength: float  # mean crease strength along the trace
    cut: float  # share of the first-pass path that faint-end trimming cut off


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_lines", SCORER)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def samples() -> list[Sample]:
    sc = _scorer()
    out: list[Sample] = []
    for row in manifest():
        stem = Path(row["file"]).stem
        label_file = LABELS / f"{stem}.json"
        if row["kind"] != "palm" or not label_file.exists():
            continue
        lab = json.loads(label_file.read_text())
        rgb, _, scale = decode_image((FIXTURES / row["file"]).read_bytes())
        try:
            _, frame = E.locate_palm(rgb)
        except MeasurementRefused:
            continue
        maps = E.crease_maps(rgb, frame)
        traced = E.trace_all(maps, frame)
        (wx, wy), (mx, my) = lab["palm_length"]
        tau = 0.03 * float(np.hypot(mx - wx, my - wy))
        for name in PRINCIPAL:
            truth = (lab.get("lines") or {}).get(name.value)
            if not truth or (lab.get("confidence") or {}).get(name.value) == "guess":
                continue
            t = traced[name][0]
            if t.trace is None or t.units is None or t.trace.gain <= 0 or (
                    L.polyline_length(t.units) < L.MIN_LENGTH_UNITS[name]):
                continue  # not reported: no confidence to calibrate
            # the points the engine reports, in the labels' (displayed photo's) pixels
            mine = [(float(x), float(y)) for x, y in
                    frame.image_from_units(L.simplify(t.units, 0.015)) / scale]
            gold = [(float(x), float(y)) for x, y in truth]
            on = sc.within(sc.resample(mine, tau / 3), gold, tau)
            cover = sc.within(sc.resample(gold, tau / 3), mine, tau)
            f = L.placed_features(name, t, maps.crease_contrast)
            out.append(Sample(stem=stem, part=part_of(row), line=name,
                              placed=on >= 0.8 and cover >= 0.8, **f))
    return out


def design(rows: list[Sample], feats: tuple[str, ...]) -> F64:
    cols = [[float(r.line is n) for n in PRINCIPAL] + [getattr(r, f) for f in feats]
            for r in rows]
    return np.array(cols, dtype=np.float64)


def fit(x: F64, y: F64, l2: float) -> tuple[F64, F64]:
    """L2-penalised logistic regression by Newton's method (the per-line intercepts, the first
    three columns, are penalised only lightly); returns the weights and the inverse Hessian."""
    pen = np.full(x.shape[1], l2)
    pen[: len(PRINCIPAL)] = 1e-3
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + pen * w
        hess = (x.T * (p * (1 - p))) @ x + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    hess = (x.T * (p * (1 - p))) @ x + np.diag(pen)
    return w, np.linalg.inv(hess)


def loo(rows: list[Sample], feats: tuple[str, ...], l2: float) -> tuple[float, F64]:
    """Leave-one-photo-out: the mean log-loss of the fitted probability, and each sample's
    confidence (lower bound, depth factor) from the fit that did not see its photo."""
    stems = sorted({r.stem for r in rows})
    total = 0.0
    conf = np.zeros(len(rows))
    for stem in stems:
        train = [r for r in rows if r.stem != stem]
        idx = [i for i, r in enumerate(rows) if r.stem == stem]
        test = [rows[i] for i in idx]
        w, cov = fit(design(train, feats), np.array([r.placed for r in train], float), l2)
        x = design(test, feats)
        p = np.clip(1.0 / (1.0 + np.exp(-(x @ w))), 1e-4, 1 - 1e-4)
        y = np.array([r.placed for r in test], float)
        total += float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).sum())
        top = max(r.depth for r in train) * L.DEPTH_UNIT
        conf[idx] = lower_bound(x, w, cov) * np.array(
            [L.depth_factor(r.depth * L.DEPTH_UNIT, top) for r in test])
    return total / len(rows), conf


def precision_at(conf: F64, placed: npt.NDArray[np.bool_], bar: float) -> tuple[int, int]:
    clear = conf >= bar
    return int((clear & placed).sum()), int(clear.sum())


def lower_bound(x: F64, w: F64, cov: F64) -> F64:
    spread = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, cov, x), 0.0))
    return np.asarray(1.0 / (1.0 + np.exp(-(x @ w - spread))), dtype=np.float64)


LINES_PY = ROOT / "src" / "rekha" / "reading" / "vision" / "lines.py"


def constants_text(w: F64, cov: F64, feats: tuple[str, ...], depth_max: float) -> dict[str, str]:
    """The fitted constants as the source lines of lines.py, by name."""
    rows = "\n".join("    (" + ", ".join(f"{v:.4f}" for v in r) + ")," for r in cov)
    return {
        "PLACED_INTERCEPT": "PLACED_INTERCEPT = {" + ", ".join(
            f"LineName.{n.value}: {w[i]:.3f}" for i, n in enumerate(PRINCIPAL)) + "}",
        "PLACED_WEIGHTS": "PLACED_WEIGHTS: dict[str, float] = {" + ", ".join(
            f'"{f}": {w[len(PRINCIPAL) + i]:.3f}' for i, f in enumerate(feats)) + "}",
        "PLACED_COVARIANCE": f"PLACED_COVARIANCE = (\n{rows}\n)",
        "CALIBRATED_DEPTH_MAX": f"CALIBRATED_DEPTH_MAX = {depth_max:.3f}",
    }


def write_constants(constants: dict[str, str], bar: float) -> None:
    """Replace each constant's definition in lines.py (each must occur exactly once)."""
    text = LINES_PY.read_text()
    patterns = {
        "PLACED_INTERCEPT": r"^PLACED_INTERCEPT = \{.*\}$",
        "PLACED_WEIGHTS": r"^PLACED_WEIGHTS: dict\[str, float\] = \{.*\}$",
        "PLACED_COVARIANCE": r"^PLACED_COVARIANCE = \(\n(?:    \(.*\),\n)+\)$",
        "CALIBRATED_DEPTH_MAX": r"^CALIBRATED_DEPTH_MAX = [0-9.]+$",
        "CLEAR_CONFIDENCE": r"^CLEAR_CONFIDENCE = [0-9.]+$",
    }
    new = {**constants, "CLEAR_CONFIDENCE": f"CLEAR_CONFIDENCE = {bar}"}
    for name, pattern in patterns.items():
        text, n = re.subn(pattern, lambda _m, v=new[name]: v, text, flags=re.M)
        if n != 1:
            raise SystemExit(f"{name}: found {n} definitions in {LINES_PY}, expected one")
    LINES_PY.write_text(text)


def main() -> None:
    rows = samples()
    tune = [r for r in rows if r.part == "tune"]
    held = [r for r in rows if r.part != "tune"]
    print(f"reported heart/head/life traces: tuning {len(tune)} "
          f"({sum(r.placed for r in tune)} placed), held out {len(held)} "
          f"({sum(r.placed for r in held)} placed)")
    runs = {(f, l2): loo(tune, f, l2) for f in CANDIDATES for l2 in L2_WEIGHTS}
    scores = {k: v[0] for k, v in runs.items()}
    for (f, l2), s in sorted(scores.items(), key=lambda kv: kv[1]):
        print(f"  leave-one-photo-out log-loss {s:.4f}  features {'+'.join(f) or '-'}  l2 {l2}")
    best = min(scores.values())
    # the fewest features within the margin of the best, then the best of those
    feats, l2 = min((k for k in scores if scores[k] <= best + LOGLOSS_MARGIN),
                    key=lambda k: (len(k[0]), scores[k]))
    placed_tune = np.array([r.placed for r in tune])
    loo_conf = runs[(feats, l2)][1]
    print("\nleave-one-photo-out confidence on the tuning part, by bar:")
    bar = None
    for t in THRESHOLDS:
        ok, n = precision_at(loo_conf, placed_tune, t)
        print(f"  >= {t:.2f}: placed {ok}/{n}" + (f" ({ok / n:.0%})" if n else ""))
        if bar is None and n and ok / n >= CLEAR_PRECISION:
            bar = t
    print(f"lowest bar with leave-one-photo-out precision >= {CLEAR_PRECISION:.0%}: {bar}")
    y = np.array([r.placed for r in tune], float)
    w, cov = fit(design(tune, feats), y, l2)
    depth_max = max(r.depth for r in tune) * L.DEPTH_UNIT
    print(f"\nchosen: features {'+'.join(feats) or '-'}, l2 {l2}")
    constants = constants_text(w, cov, feats, depth_max)
    print("\n".join(constants.values()))
    if "--write" in sys.argv[1:]:
        if bar is None:
            raise SystemExit("no bar reaches the precision: lines.py left as it is")
        write_constants(constants, bar)
        print(f"written into {LINES_PY.relative_to(ROOT)} (CLEAR_CONFIDENCE = {bar}); "
              "rerun to see the figures at the new bar")
    for part, part_rows in (("tuning (fitted on it)", tune), ("held out", held)):
        if not part_rows:
            continue
        conf = lower_bound(design(part_rows, feats), w, cov)
        depth = np.array([r.depth * L.DEPTH_UNIT for r in part_rows])
        conf = conf * np.array([L.depth_factor(d, depth_max) for d in depth])
        placed = np.array([r.placed for r in part_rows])
        for t in sorted({L.CLEAR_CONFIDENCE, bar or L.CLEAR_CONFIDENCE}):
            ok, n = precision_at(conf, placed, t)
            lo_ok, lo_n = int(placed.sum()) - ok, len(part_rows) - n
            print(f"{part}: confidence >= {t}: placed {ok}/{n}; below: placed {lo_ok}/{lo_n}")


if __name__ == "__main__":
    main()
