"""`rekha analyze`: read one or two palm photos from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rekha.reading.interpret.text import format_reading
from rekha.reading.types import Focus, Hand, MeasurementRefused

EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_UNAVAILABLE = 4


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def analyze_command(
    left: Path | None,
    right: Path | None,
    focus: Focus,
    as_json: bool,
    out_dir: Path | None,
) -> int:
    """Print the reading for the given photos; write overlays to `out_dir`. Returns the exit code."""
    from rekha.reading.providers import UnknownProvider, get_reader
    from rekha.reading.providers.base import ProviderUnavailable

    paths = {h: p for h, p in ((Hand.left, left), (Hand.right, right)) if p is not None}
    if not paths:
        _err("rekha analyze: give at least one photo (--left PATH and/or --right PATH)")
        return EXIT_USAGE
    images: dict[Hand, bytes] = {}
    for hand, path in paths.items():
        try:
            images[hand] = path.read_bytes()
        except OSError as exc:
            _err(f"rekha analyze: cannot read the {hand.value} photo {path}: {exc.strerror}")
            return EXIT_USAGE

    def progress(stage: str, pct: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{pct:3d}% {stage:<16}", end="", file=sys.stderr, flush=True)

    try:
        reader = get_reader()
        result = reader.read(images, focus=focus, progress=progress)
    except MeasurementRefused as exc:
        _err(f"\nRekha cannot read this photo ({exc.code.value}): {exc.message}")
        return EXIT_REFUSED
    except ProviderUnavailable as exc:
        _err(f"\nThe reading provider is unavailable right now, try again later: {exc}")
        return EXIT_UNAVAILABLE
    except UnknownProvider as exc:
        _err(f"rekha analyze: {exc}")
        return EXIT_USAGE
    if sys.stderr.isatty():
        print("\r" + " " * 22 + "\r", end="", file=sys.stderr)

    written: list[str] = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for hand, png in result.overlay_png.items():
            target = out_dir / f"overlay_{hand.value}.png"
            target.write_bytes(png)
            written.append(str(target))
        for hand, ov in result.overlays.items():
            data_file = out_dir / f"overlay_{hand.value}.json"
            data_file.write_text(ov.model_dump_json(indent=2), encoding="utf-8")
            written.append(str(data_file))

    if as_json:
        payload = result.model_dump(mode="json")
        payload["overlay_files"] = written
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(format_reading(result.reading))
        for name in written:
            print(f"wrote {name}")
    return 0
