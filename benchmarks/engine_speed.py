"""Speed and peak memory of measure_image, one process, after start-up.

    .venv/bin/python benchmarks/engine_speed.py [ROUNDS]
Start-up (imports + first call, which builds the MediaPipe graph) is reported apart; then every
fixture palm is measured ROUNDS times (default 2) and the median and 90th percentile per photo
are printed with the process's peak resident memory.
"""

from __future__ import annotations

import contextlib
import csv
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
FIXTURES = Path(os.environ.get("REKHA_FIXTURES_DIR", ROOT.parent / "shared" / "fixtures" / "palms"))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    t0 = time.perf_counter()
    from rekha.reading.types import MeasurementRefused
    from rekha.reading.vision import measure_image

    with (FIXTURES / "MANIFEST.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    blobs = [(FIXTURES / r["file"]).read_bytes() for r in rows]
    with contextlib.suppress(MeasurementRefused):
        measure_image(blobs[0])
    startup = time.perf_counter() - t0
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(rounds):
        for data in blobs:
            t = time.perf_counter()
            with contextlib.suppress(MeasurementRefused):
                measure_image(data)
            times.append(time.perf_counter() - t)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"photos {len(blobs)} x {rounds} rounds; start-up {startup:.2f} s "
          f"(peak RSS then {rss_start:.0f} MB)")
    print(f"median {statistics.median(times):.3f} s, p90 {times[int(0.9 * len(times))]:.3f} s, "
          f"max {times[-1]:.3f} s per photo")
    print(f"peak RSS {peak:.0f} MB (whole process, including start-up)")


if __name__ == "__main__":
    main()
