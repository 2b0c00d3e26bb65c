"""Readings of real fixture palms, kept as text snapshots.

Two layers, so a change in the vision engine and a change in the interpreter are told apart:
- `*.measurements.json` holds what the vision engine measured on the fixture photo (numbers
  only, never the photo). The interpreter's snapshot test reads it back and compares the
  reading with `*.txt` word for word: it runs without the fixture photos.
- the live test measures the photos again, checks the reading is grounded, and refreshes both
  files when REKHA_UPDATE_SNAPSHOTS=1 (do that after a deliberate change, and read the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rekha.reading.interpret import interpret
from rekha.reading.interpret.text import format_reading
from rekha.reading.types import Focus, Hand, HandMeasurements

from .test_interpret import assert_evidence_is_real

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("REKHA_UPDATE_SNAPSHOTS") == "1"

# case -> (photos by hand, focus)
CASES: dict[str, tuple[dict[Hand, str], Focus]] = {
    "left_01": ({Hand.left: "left_01.jpg"}, Focus.general),
    "right_03": ({Hand.right: "right_03.jpg"}, Focus.general),
    "right_04": ({Hand.right: "right_04.jpg"}, Focus.general),
    "pair_07": ({Hand.left: "left_07.jpg", Hand.right: "right_07.jpg"}, Focus.general),
    "right_05_love": ({Hand.right: "right_05.jpg"}, Focus.love),
}


def load_case(case: str) -> dict[Hand, HandMeasurements]:
    raw = json.loads((SNAPSHOTS / f"{case}.measurements.json").read_text(encoding="utf-8"))
    return {Hand(h): HandMeasurements.model_validate(m) for h, m in raw.items()}


def render(ms: dict[Hand, HandMeasurements], focus: Focus) -> str:
    return format_reading(interpret(ms, focus=focus), markdown=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reading_matches_snapshot(case: str) -> None:
    path = SNAPSHOTS / f"{case}.txt"
    if not path.exists():
        pytest.skip(f"no snapshot for {case}; run the live test with REKHA_UPDATE_SNAPSHOTS=1")
    ms = load_case(case)
    text = render(ms, CASES[case][1])
    assert text == path.read_text(encoding="utf-8"), (
        f"reading for {case} changed; if intended, regenerate with REKHA_UPDATE_SNAPSHOTS=1"
    )
    assert_evidence_is_real(interpret(ms, focus=CASES[case][1]), ms)


@pytest.mark.fixtures
@pytest.mark.parametrize("case", sorted(CASES))
def test_live_fixture_reading(case: str, fixtures_dir: Path) -> None:
    from rekha.reading.vision import measure_image

    photos, focus = CASES[case]
    ms = {h: measure_image((fixtures_dir / f).read_bytes()) for h, f in photos.items()}
    reading = interpret(ms, focus=focus)
    assert_evidence_is_real(reading, ms)
    assert reading.hands == sorted(ms, key=lambda h: h.value)
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        data = {h.value: m.model_dump(mode="json") for h, m in ms.items()}
        (SNAPSHOTS / f"{case}.measurements.json").write_text(
            json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (SNAPSHOTS / f"{case}.txt").write_text(render(ms, focus), encoding="utf-8")
    else:
        # The snapshot test above reads stored measurements, so it cannot see the engine
        # change; this one does (the engine is deterministic: the same photo, the same text).
        path = SNAPSHOTS / f"{case}.txt"
        if path.exists():
            assert render(ms, focus) == path.read_text(encoding="utf-8"), (
                f"the vision engine now measures {case} differently, so its reading changed: "
                "read the diff, then regenerate with REKHA_UPDATE_SNAPSHOTS=1"
            )
