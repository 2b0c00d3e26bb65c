"""The canonical palm frame: every palm rotated, scaled and (for right hands) mirrored into one
layout, so that where a line may run can be said once, in palm units.

Canonical units: the wrist landmark at (0, 0), the middle finger's knuckle about (0, -1), so
one unit is one palm length; x grows towards the little finger (a left palm, palm side, seen
fingers up: thumb to the left).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from rekha.reading.types import Hand
from rekha.reading.vision.detect import PALM_LANDMARKS, FloatArray

# Where the six palm landmarks sit on an average adult palm (wrist, thumb base, knuckles of
# index, middle, ring and little finger), in palm lengths. Anatomical proportions, not fitted
# to any photo; the least-squares affine absorbs each hand's own width and slant.
TEMPLATE = np.array(
    [
        [0.00, 0.00],  # wrist
        [-0.30, -0.17],  # thumb carpometacarpal joint
        [-0.32, -0.93],  # index knuckle
        [0.00, -1.00],  # middle knuckle
        [0.22, -0.95],  # ring knuckle
        [0.40, -0.83],  # little knuckle
    ],
    dtype=np.float64,
)

# The canonical raster spans this box (palm units) and has this many pixels per palm length
# at most; small palms are not upsampled beyond their own resolution by more than 1.5x.
X_RANGE = (-0.85, 0.80)
Y_RANGE = (-1.20, 0.25)
MAX_PX_PER_UNIT = 320.0
MIN_PX_PER_UNIT = 200.0


def fit_affine(src: FloatArray, dst: FloatArray) -> FloatArray:
    """Least-squares 2x3 affine taking src points onto dst points."""
    ones = np.ones((src.shape[0], 1))
    a = np.hstack([src, ones])
    sol, *_ = np.linalg.lstsq(a, dst, rcond=None)
    return np.asarray(sol.T, dtype=np.float64)


def apply_affine(m: FloatArray, pts: FloatArray) -> FloatArray:
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    return np.asarray(pts @ m[:, :2].T + m[:, 2], dtype=np.float64)


def invert_affine(m: FloatArray) -> FloatArray:
    full = np.vstack([m, [0.0, 0.0, 1.0]])
    return np.asarray(np.linalg.inv(full)[:2], dtype=np.float64)


@dataclass(frozen=True)
class PalmFrame:
    hand: Hand
    to_units: FloatArray  # 2x3, image pixels -> canonical units
    px_per_unit: float  # canonical raster resolution
    size: tuple[int, int]  # canonical raster (w, h)

    @property
    def units_to_raster(self) -> FloatArray:
        s = self.px_per_unit
        return np.array([[s, 0.0, -X_RANGE[0] * s], [0.0, s, -Y_RANGE[0] * s]])

    @property
    def to_raster(self) -> FloatArray:
        """2x3, image pixels -> canonical raster pixels."""
        u = np.vstack([self.to_units, [0.0, 0.0, 1.0]])
        r = np.vstack([self.units_to_raster, [0.0, 0.0, 1.0]])
        return np.asarray((r @ u)[:2], dtype=np.float64)

    def units(self, pts_image: FloatArray) -> FloatArray:
        return apply_affine(self.to_units, pts_image)

    def image_from_units(self, pts_units: FloatArray) -> FloatArray:
        return apply_affine(invert_affine(self.to_units), pts_units)

    def raster_from_units(self, pts_units: FloatArray) -> FloatArray:
        return apply_affine(self.units_to_raster, pts_units)

    def units_from_raster(self, pts_raster: FloatArray) -> FloatArray:
        return apply_affine(invert_affine(self.units_to_raster), pts_raster)

    def warp(self, img: npt.NDArray[np.uint8], interpolation: int = cv2.INTER_LINEAR) -> (
        npt.NDArray[np.uint8]
    ):
        return np.asarray(
            cv2.warpAffine(img, self.to_raster, self.size, flags=interpolation,
                           borderMode=cv2.BORDER_REPLICATE),
            dtype=np.uint8,
        )

    def warp_coverage(self, in_photo: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Which canonical raster pixels show the photo itself: outside it (and outside
        `in_photo`, e.g. a rotated photo's black corners) nothing is known about the skin."""
        return np.asarray(
            cv2.warpAffine(in_photo.astype(np.uint8), self.to_raster, self.size,
                           flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=(0,)) > 0
        )


def palm_frame(landmarks: FloatArray, hand: Hand) -> PalmFrame:
    src = landmarks[list(PALM_LANDMARKS)]
    # A right palm seen from the palm side is the mirror image of a left one: fitting it to the
    # mirrored template and flipping x puts both into the same layout.
    mirror = np.array([-1.0, 1.0]) if hand is Hand.right else np.array([1.0, 1.0])
    m = fit_affine(src, TEMPLATE * mirror)
    m = m * mirror[:, None]
    palm_len_px = float(np.linalg.norm(landmarks[9] - landmarks[0]))
    s = float(np.clip(palm_len_px * 1.5, MIN_PX_PER_UNIT, MAX_PX_PER_UNIT))
    size = (round((X_RANGE[1] - X_RANGE[0]) * s), round((Y_RANGE[1] - Y_RANGE[0]) * s))
    return PalmFrame(hand=hand, to_units=m, px_per_unit=s, size=size)
