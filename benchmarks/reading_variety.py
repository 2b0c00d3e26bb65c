"""How different are the readings of different palms? (issue 6: "two different palms share
under half of their sentences").

Measures every palm photo in the fixture set once with the vision engine, reads each hand on
its own (general focus), splits the reading (summary + section texts; not the fixed
convention and disclaimer) into sentences, and for every pair of different photos reports the
share of sentences they have in common: |A ∩ B| / min(|A|, |B|). Duplicate photos of one
source image (the EXIF-rotated copy) are counted once.

    .venv/bin/python benchmarks/reading_variety.py [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import statistics
import sys
from pathlib import Path

from rekha.reading.interpret import interpret
from rekha.reading.types import Focus, Hand, MeasurementRefused, Reading
from rekha.reading.vision import ENGINE_VERSION, measure_image

DEFAULT_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "palms"


def sentences(reading: Reading) -> set[str]:
    text = " ".join([reading.summary, *(s.text for s in reading.sections)])
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = ap.parse_args()
    rows = list(csv.DictReader((args.fixtures / "MANIFEST.csv").open(newline="")))
    seen_sources: set[tuple[str, str]] = set()
    readings: dict[str, set[str]] = {}
    refused = 0
    for row in rows:
        if row["kind"] != "palm":
            continue
        source = (row["source_repo"], row["source_path"])
        if source in seen_sources:
            continue
        seen_sources.add(source)
        try:
            m = measure_image((args.fixtures / row["file"]).read_bytes())
        except MeasurementRefused:
            refused += 1
            continue
        readings[row["file"]] = sentences(interpret({Hand(m.hand): m}, focus=Focus.general))

    shares: list[tuple[float, str, str]] = []
    jaccards: list[float] = []
    for a, b in itertools.combinations(sorted(readings), 2):
        sa, sb = readings[a], readings[b]
        common = len(sa & sb)
        shares.append((common / min(len(sa), len(sb)), a, b))
        jaccards.append(common / len(sa | sb))
    if not shares:
        print("fewer than two palms were read", file=sys.stderr)
        return 1
    values = [s for s, _, _ in shares]
    worst = max(shares)
    under = sum(v < 0.5 for v in values)
    per_reading = [len(s) for s in readings.values()]
    print(f"vision engine {ENGINE_VERSION}; palms read {len(readings)} (refused {refused}); "
          f"pairs {len(shares)}; sentences per reading median {statistics.median(per_reading)}")
    print("| measure | value |")
    print("|---|---|")
    print(f"| shared sentences, mean over pairs | {statistics.mean(values):.3f} |")
    print(f"| shared sentences, median | {statistics.median(values):.3f} |")
    print(f"| shared sentences, worst pair | {worst[0]:.3f} ({worst[1]} vs {worst[2]}) |")
    print(f"| pairs sharing under half | {under}/{len(values)} ({100 * under / len(values):.0f}%) |")
    print(f"| Jaccard, mean | {statistics.mean(jaccards):.3f} |")
    return 0 if under == len(values) else 2


if __name__ == "__main__":
    raise SystemExit(main())
