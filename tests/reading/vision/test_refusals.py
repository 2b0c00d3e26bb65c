"""Every refusal on real photos, and palms that must be read."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from rekha.reading.types import HandMeasurements, MeasurementRefused, RefusalCode
from rekha.reading.vision import measure_image

pytestmark = pytest.mark.fixtures

Get = Callable[[str], HandMeasurements | MeasurementRefused]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("neg_coffee.jpg", RefusalCode.no_hand),
        ("neg_chelsea.jpg", RefusalCode.no_hand),
        ("neg_palmistry_diagram_01.jpg", RefusalCode.no_hand),
        ("neg_thumbs_up_01.jpg", RefusalCode.no_hand),
        ("neg_back_of_hand_01.jpg", RefusalCode.back_of_hand),
    ],
)
def test_negative_refused_with_code(measured: Get, name: str, code: RefusalCode) -> None:
    res = measured(name)
    assert isinstance(res, MeasurementRefused)
    assert res.code is code
    assert len(res.message) > 20


@pytest.mark.parametrize("name", ["neg_face_01.jpg", "neg_hand_side_view_01.jpg"])
def test_no_open_palm_is_never_read(measured: Get, name: str) -> None:
    assert isinstance(measured(name), MeasurementRefused)


def test_unreadable_bytes() -> None:
    with pytest.raises(MeasurementRefused) as exc:
        measure_image(b"this is not a photo")
    assert exc.value.code is RefusalCode.unreadable_image


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def test_too_dark(fixtures_dir: object) -> None:
    from pathlib import Path

    assert isinstance(fixtures_dir, Path)
    img = Image.open(fixtures_dir / "right_07.jpg").convert("RGB")
    dark = img.point(lambda v: v // 14)
    with pytest.raises(MeasurementRefused) as exc:
        measure_image(_jpeg(dark))
    assert exc.value.code in (RefusalCode.too_dark, RefusalCode.no_hand)


def test_cut_off(fixtures_dir: object) -> None:
    from pathlib import Path

    assert isinstance(fixtures_dir, Path)
    img = Image.open(fixtures_dir / "right_07.jpg").convert("RGB")
    w, h = img.size
    # keep the top 72 %: fingers and upper palm in frame, wrist and palm base cut away
    with pytest.raises(MeasurementRefused) as exc:
        measure_image(_jpeg(img.crop((0, 0, w, int(h * 0.72)))))
    assert exc.value.code in (RefusalCode.hand_cut_off, RefusalCode.no_hand)


def test_multiple_hands(fixtures_dir: object) -> None:
    from pathlib import Path

    assert isinstance(fixtures_dir, Path)
    a = Image.open(fixtures_dir / "right_07.jpg").convert("RGB")
    b = Image.open(fixtures_dir / "left_07.jpg").convert("RGB").resize(a.size)
    both = Image.new("RGB", (a.width * 2, a.height))
    both.paste(a, (0, 0))
    both.paste(b, (a.width, 0))
    with pytest.raises(MeasurementRefused) as exc:
        measure_image(_jpeg(both))
    assert exc.value.code is RefusalCode.multiple_hands


def test_blurred_palm_not_read(fixtures_dir: object) -> None:
    from pathlib import Path

    from PIL import ImageFilter

    assert isinstance(fixtures_dir, Path)
    img = Image.open(fixtures_dir / "right_07.jpg").convert("RGB")
    blurred = img.filter(ImageFilter.GaussianBlur(radius=max(img.size) / 60))
    with pytest.raises(MeasurementRefused) as exc:
        measure_image(_jpeg(blurred))
    assert exc.value.code in (RefusalCode.too_blurry, RefusalCode.no_hand)


@pytest.mark.parametrize("name", ["left_03.jpg", "right_07.jpg", "right_heic_01.heic",
                                  "right_exif_gps_rotated.jpg", "hard_fingers_down_01.jpg"])
def test_palms_are_read(measured: Get, name: str) -> None:
    assert isinstance(measured(name), HandMeasurements)
