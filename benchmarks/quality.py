"""Issue 5's quality figures on the fixture photos.

    .venv/bin/python benchmarks/quality.py
Prints: palms read, hand side, negatives refused (with codes), determinism, invariance to a
12 degree rotation / 70 % scale / JPEG quality 50. Writes an overlay contact sheet to
benchmarks/out/overlays.jpg.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rekha.reading.types import HandMeasurements, MeasurementRefused  # noqa: E402
from rekha.reading.vision import measure_image, render_overlay  # noqa: E402
from rekha.reading.vision.decode import decode_image  # noqa: E402

FIXTURES = Path(os.environ.get("REKHA_FIXTURES_DIR", ROOT.parent / "shared" / "fixtures" / "palms"))
OUT = ROOT / "benchmarks" / "out"


def measure(data: bytes) -> HandMeasurements | MeasurementRefused:
    try:
        return measure_image(data)
    except MeasurementRefused as exc:
        return exc


def variants(data: bytes) -> dict[str, bytes]:
    rgb, (w, h), _ = decode_image(data)
    img = Image.fromarray(rgb).resize((w, h))
    out = {}
    for name, im, q in (
        ("rotated_12", img.rotate(12, resample=Image.Resampling.BICUBIC, expand=True,
                                  fillcolor=(0, 0, 0)), 92),
        ("scaled_70", img.resize((round(w * 0.7), round(h * 0.7)), Image.Resampling.LANCZOS), 92),
        ("jpeg_q50", img, 50),
    ):
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=q)
        out[name] = buf.getvalue()
    return out


def found_lengths(m: HandMeasurements) -> dict[str, float]:
    """The lines reported on a photo, with their length_ratio."""
    return {str(n): ln.length_ratio or 0.0 for n, ln in m.lines.items() if ln.found}


def lines_differ(a: Mapping[str, float], b: Mapping[str, float]) -> str:
    """Why two photos' found lines (name -> length_ratio) do not read the same: another set
    of lines, or a length off by more than 15 %; "" when they do. In a fixed order, so the
    failure named for a copy is the same each run."""
    if set(a) != set(b):
        return f"lines {sorted(set(a) ^ set(b))}"
    for n in sorted(a):
        if abs(a[n] - b[n]) > 0.15 * max(a[n], 1e-6):
            return f"{n} length {a[n]:.2f} vs {b[n]:.2f}"
    return ""


def same_reading(a: HandMeasurements, b: HandMeasurements) -> tuple[bool, str]:
    if a.hand != b.hand:
        return False, "hand side"
    why = lines_differ(found_lengths(a), found_lengths(b))
    return not why, why


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (FIXTURES / "MANIFEST.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    palms = read = side_known = side_right = negs = refused = 0
    codes: Counter[str] = Counter()
    deterministic = checked = 0
    inv_pass = inv_total = 0
    inv_fail: Counter[str] = Counter()
    overlays: list[Image.Image] = []
    for r in rows:
        data = (FIXTURES / r["file"]).read_bytes()
        res = measure(data)
        if r["kind"] == "negative":
            negs += 1
            if isinstance(res, MeasurementRefused):
                refused += 1
                codes[res.code.value] += 1
                print(f"  negative {r['file']:30s} refused: {res.code.value}")
            else:
                print(f"  negative {r['file']:30s} READ as a {res.hand.value} palm")
            continue
        palms += 1
        if isinstance(res, MeasurementRefused):
            print(f"  palm     {r['file']:30s} refused: {res.code.value}")
            continue
        read += 1
        if r["hand"] in ("left", "right"):
            side_known += 1
            side_right += res.hand.value == r["hand"]
        again = measure(data)
        checked += 1
        deterministic += isinstance(again, HandMeasurements) and (
            again.model_dump_json() == res.model_dump_json())
        for name, vdata in variants(data).items():
            v = measure(vdata)
            inv_total += 1
            if isinstance(v, MeasurementRefused):
                inv_fail[f"{name}: refused"] += 1
                continue
            ok, why = same_reading(res, v)
            inv_pass += ok
            if not ok:
                inv_fail[f"{name}: {why.split(' ')[0]}"] += 1
        png = Image.open(io.BytesIO(render_overlay(data, res)))
        png.thumbnail((400, 400))
        overlays.append(png.convert("RGB"))

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({a / b:.0%})" if b else "-"

    print()
    print(f"palms read              {pct(read, palms)}")
    print(f"hand side right         {pct(side_right, side_known)} (where the manifest knows it)")
    print(f"negatives refused       {pct(refused, negs)}  codes: {dict(codes)}")
    print(f"same file twice equal   {pct(deterministic, checked)}")
    print(f"invariance              {pct(inv_pass, inv_total)} variants (rotate 12, scale 70%, "
          f"JPEG q50)")
    print(f"invariance failures     {dict(inv_fail)}")
    cols = 6
    sheet = Image.new("RGB", (cols * 400, ((len(overlays) + cols - 1) // cols) * 400))
    for i, im in enumerate(overlays):
        sheet.paste(im, ((i % cols) * 400, (i // cols) * 400))
    sheet.save(OUT / "overlays.jpg", quality=85)
    print(f"overlay contact sheet   {OUT / 'overlays.jpg'}")


if __name__ == "__main__":
    main()
