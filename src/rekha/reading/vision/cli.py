"""`rekha measure FILE... [--json] [--out DIR]`: measure photos in one process."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rekha.reading.types import HandMeasurements, MeasurementRefused


def result_record(file: Path, m: HandMeasurements | None,
                  refusal: MeasurementRefused | None) -> dict[str, Any]:
    """One JSON line: what score_lines.py reads (file, ok, lines.{name}.found/points) plus the
    rest of the measurements."""
    if m is None:
        assert refusal is not None
        return {"file": str(file), "ok": False, "hand": None,
                "error": {"code": refusal.code.value, "message": refusal.message},
                "lines": {}}
    dumped = m.model_dump(mode="json")
    return {
        "file": str(file),
        "ok": True,
        "hand": m.hand.value,
        "error": None,
        "lines": dumped.pop("lines"),
        **{k: v for k, v in dumped.items() if k != "hand"},
    }


def measure_command(files: list[Path], as_json: bool, out_dir: Path | None) -> int:
    """Returns 0 when every file was read, 1 when any was refused, 2 when one could not be
    opened at all."""
    from rekha.reading.vision import measure_image, render_overlay

    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    bar: Any = None
    if sys.stderr.isatty() and len(files) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(files), file=sys.stderr, unit="photo")
    status = 0
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            print(f"{file}: {exc}", file=sys.stderr)
            status = 2
            continue
        m: HandMeasurements | None = None
        refusal: MeasurementRefused | None = None
        try:
            m = measure_image(data)
        except MeasurementRefused as exc:
            refusal = exc
            status = max(status, 1)
        if as_json:
            print(json.dumps(result_record(file, m, refusal), ensure_ascii=False), flush=True)
        elif m is not None:
            found = [n.value for n, line in m.lines.items() if line.found]
            print(f"{file}: {m.hand.value} hand; lines: {', '.join(found) or 'none'}")
        else:
            assert refusal is not None
            print(f"{file}: refused ({refusal.code.value}): {refusal.message}")
        if out_dir is not None and m is not None:
            (out_dir / f"{file.stem}.overlay.png").write_bytes(render_overlay(data, m))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return status
