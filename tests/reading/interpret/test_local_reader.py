"""LocalReader and the provider registry, with the vision step faked at its boundary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rekha.reading.providers import (
    UnknownProvider,
    available_readers,
    get_reader,
    register_reader,
)
from rekha.reading.providers.base import Reader
from rekha.reading.providers.local import LocalReader
from rekha.reading.types import (
    Focus,
    Hand,
    HandMeasurements,
    MeasurementRefused,
    Overlay,
    RefusalCode,
)
from rekha.settings import Settings

from .builders import make_measurements


def fake_vision(hand_of: Callable[[bytes], Hand]) -> dict[str, Any]:
    def measure(data: bytes, *, progress: Any = None) -> HandMeasurements:
        if progress is not None:
            progress("finding_hand", 0)
            progress("finding_hand", 100)
            progress("tracing_lines", 0)
            progress("tracing_lines", 100)
        if data == b"coffee":
            raise MeasurementRefused(RefusalCode.no_hand, "We could not find a hand.")
        return make_measurements(hand_of(data))

    def overlay(m: HandMeasurements) -> Overlay:
        return Overlay(hand=m.hand, image_size=m.image_size, lines={}, mounts=m.mounts)

    return dict(measure=measure, render=lambda data, m: b"PNG" + data, overlay=overlay)


BY_NAME = fake_vision(lambda data: Hand(data.decode()))


def test_reads_both_hands_with_progress_in_order() -> None:
    seen: list[tuple[str, int]] = []
    reader = LocalReader(**BY_NAME)
    result = reader.read({Hand.left: b"left", Hand.right: b"right"}, focus=Focus.love,
                         progress=lambda s, p: seen.append((s, p)))
    stages = [s for s, _ in seen]
    assert stages[0] == "preparing" and stages[-1] == "interpreting"
    assert {"finding_hand", "tracing_lines"} <= set(stages)
    assert dict(seen)["preparing"] == 10 and dict(seen)["interpreting"] == 85
    assert min(p for s, p in seen if s == "finding_hand") == 30
    assert min(p for s, p in seen if s == "tracing_lines") == 60
    pcts = [p for _, p in seen]
    assert pcts == sorted(pcts) and len(set(pcts)) == len(pcts)
    assert result.provider == "local"
    assert result.reading.focus is Focus.love
    assert set(result.measurements) == {Hand.left, Hand.right}
    assert result.overlay_png[Hand.left] == b"PNGleft"
    assert result.overlays[Hand.right].hand is Hand.right
    assert result.usage.cost_usd == 0
    assert "left_right" in [s.key for s in result.reading.sections]
    # PNG bytes stay out of the JSON the API stores and returns.
    assert "overlay_png" not in result.model_dump(mode="json")


def test_refusal_passes_through() -> None:
    with pytest.raises(MeasurementRefused) as err:
        LocalReader(**BY_NAME).read({Hand.right: b"coffee"})
    assert err.value.code is RefusalCode.no_hand


def test_photo_of_the_other_hand_is_refused_with_a_clear_message() -> None:
    reader = LocalReader(**fake_vision(lambda _d: Hand.right))
    with pytest.raises(MeasurementRefused) as err:
        reader.read({Hand.left: b"x"})
    assert err.value.code is RefusalCode.wrong_hand
    assert "left" in err.value.message and "right" in err.value.message


def test_registry() -> None:
    settings = Settings()
    reader = get_reader("local", settings)
    assert isinstance(reader, LocalReader) and reader.name == "local"
    assert {"local", "openai"} <= set(available_readers())
    with pytest.raises(UnknownProvider):
        get_reader("crystal-ball", settings)

    class Echo:
        name = "echo"

        def __init__(self, _settings: Settings) -> None:
            pass

        read = LocalReader.read

    register_reader("echo", Echo)  # type: ignore[arg-type]
    assert get_reader("echo", settings).name == "echo"


def test_local_reader_satisfies_the_protocol() -> None:
    reader: Reader = LocalReader(**BY_NAME)
    assert reader.name == "local"
