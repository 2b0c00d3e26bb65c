"""Out-of-photo pixels (a rotated photo's black corners) are unknown, not dark skin."""

from __future__ import annotations

import numpy as np
from PIL import Image

from rekha.reading.vision.decode import photo_coverage


def test_black_corners_of_a_rotated_photo_are_not_part_of_the_photo() -> None:
    scene = np.full((200, 300, 3), (190, 140, 120), np.uint8)
    scene[90:110, 140:160] = 0  # a dark spot inside the scene is still the scene
    rotated = np.asarray(Image.fromarray(scene).rotate(12, expand=True, fillcolor=(0, 0, 0)))
    cov = photo_coverage(rotated)
    h, w = cov.shape
    assert not cov[0, 0] and not cov[h - 1, w - 1]
    assert cov[h // 2, w // 2 - 30]
    assert cov[h // 2, w // 2]  # the enclosed dark spot is not padding
    assert 0.1 < 1.0 - cov.mean() < 0.4


def test_a_photo_without_padding_is_covered_everywhere() -> None:
    scene = np.full((120, 160, 3), (180, 150, 130), np.uint8)
    assert photo_coverage(scene).all()
