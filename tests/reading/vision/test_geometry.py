"""Geometry, hand side, determinism, overlay on real fixture photos."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from rekha.reading.types import HandMeasurements, LineName, MeasurementRefused, MountName
from rekha.reading.vision import (
    CLEAR_CONFIDENCE,
    measure_image,
    overlay_data,
    render_overlay,
)

pytestmark = pytest.mark.fixtures

Get = Callable[[str], HandMeasurements | MeasurementRefused]
SAMPLE = ["left_01.jpg", "left_03.jpg", "left_15.jpg", "right_01.jpg", "right_07.jpg",
          "right_10.jpg", "right_heic_01.heic"]


def _read(measured: Get, name: str) -> HandMeasurements:
    m = measured(name)
    assert isinstance(m, HandMeasurements), f"{name} refused: {m}"
    return m


@pytest.mark.parametrize("name", SAMPLE)
def test_hand_side_matches_manifest(measured: Get, manifest: list[dict[str, str]],
                                    name: str) -> None:
    row = next(r for r in manifest if r["file"] == name)
    assert _read(measured, name).hand.value == row["hand"]


@pytest.mark.parametrize("name", SAMPLE)
def test_geometry_is_anatomically_sane(measured: Get, name: str) -> None:
    m = _read(measured, name)
    g = m.geometry
    assert 0.8 < g.palm_length_to_width < 1.6
    assert 0.5 < g.fingers.middle < 1.3
    assert g.fingers.middle > g.fingers.little
    assert 0.8 < g.index_to_ring < 1.2
    assert g.thumb_set in ("low", "medium", "high")
    assert len(m.landmarks) == 21
    w, h = m.image_size
    assert all(-0.1 * w < x < 1.1 * w and -0.1 * h < y < 1.1 * h for x, y in m.landmarks)
    assert {mt.name for mt in m.mounts} == set(MountName)


@pytest.mark.parametrize("name", SAMPLE)
def test_mounts_sit_where_the_tradition_puts_them(measured: Get, name: str) -> None:
    m = _read(measured, name)
    at = {mt.name: mt.center for mt in m.mounts}
    lm = m.landmarks

    def d(p: tuple[float, float], q: tuple[float, float]) -> float:
        return float(((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) ** 0.5)

    # Jupiter is nearer the index knuckle than the little one; Mercury the other way round
    assert d(at[MountName.guru], lm[5]) < d(at[MountName.guru], lm[17])
    assert d(at[MountName.budh], lm[17]) < d(at[MountName.budh], lm[5])
    # Venus is the thumb's ball: nearer the thumb's base than the little finger's knuckle
    assert d(at[MountName.shukra], lm[1]) < d(at[MountName.shukra], lm[17])


def test_same_file_twice_is_identical(fixtures_dir: Path) -> None:
    data = (fixtures_dir / "left_04.jpg").read_bytes()
    assert measure_image(data).model_dump_json() == measure_image(data).model_dump_json()


def test_confidence_flag_follows_threshold(measured: Get) -> None:
    for name in SAMPLE:
        for line in _read(measured, name).lines.values():
            assert line.clearly_visible == (line.found and line.confidence >= CLEAR_CONFIDENCE)
            if not line.found:
                assert line.points == []


def test_principal_lines_found_and_in_the_palm(measured: Get) -> None:
    for name in SAMPLE:
        m = _read(measured, name)
        for n in (LineName.heart, LineName.head, LineName.life):
            line = m.lines[n]
            assert line.found, f"{name}: {n} not found"
            assert line.length_ratio is not None and 0.3 < line.length_ratio < 2.5


def test_json_round_trip_and_overlay(measured: Get, fixtures_dir: Path) -> None:
    m = _read(measured, "right_07.jpg")
    again = HandMeasurements.model_validate_json(m.model_dump_json())
    assert again == m
    ov = overlay_data(m)
    assert set(ov.lines) == {n for n, ln in m.lines.items() if ln.found}
    png = render_overlay((fixtures_dir / "right_07.jpg").read_bytes(), m)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and max(img.size) <= 1200
    json.dumps(ov.model_dump(mode="json"))
