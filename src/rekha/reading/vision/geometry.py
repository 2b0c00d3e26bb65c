"""Hand geometry and mount regions from the 21 landmarks."""

from __future__ import annotations

import numpy as np

from rekha.reading.types import (
    FingerLengths,
    HandGeometry,
    HandShape,
    LineName,
    MountName,
    MountRegion,
)
from rekha.reading.vision.detect import (
    INDEX_MCP,
    LITTLE_MCP,
    MIDDLE_MCP,
    THUMB_MCP,
    WRIST,
    FloatArray,
)
from rekha.reading.vision.frame import PalmFrame

# The knuckle landmarks sit at the joints' centres, inside the palm's edges: the palm's width
# across is about this much more than the index-to-little knuckle distance (hand anatomy).
KNUCKLE_TO_PALM_WIDTH = 1.25
# Tradition (TRADITION.md): a middle finger about three quarters of the palm's length is
# "normal"; a palm longer than wide is "long".
LONG_FINGER_RATIO = 0.75
LONG_PALM_RATIO = 1.10

_FINGERS = {
    "thumb": (2, 3, 4),
    "index": (5, 6, 7, 8),
    "middle": (9, 10, 11, 12),
    "ring": (13, 14, 15, 16),
    "little": (17, 18, 19, 20),
}

# Mount centres in canonical palm units (frame.py), after the tradition's "under the finger"
# and "thumb ball" descriptions; radius in palm lengths.
_MOUNTS: dict[MountName, tuple[float, float, float]] = {
    MountName.guru: (-0.28, -0.84, 0.10),
    MountName.shani: (0.00, -0.90, 0.09),
    MountName.surya: (0.22, -0.86, 0.09),
    MountName.budh: (0.42, -0.76, 0.09),
    MountName.shukra: (-0.36, -0.36, 0.16),
    MountName.chandra: (0.38, -0.26, 0.14),
    MountName.mangal_inner: (-0.46, -0.62, 0.08),
    MountName.mangal_outer: (0.48, -0.52, 0.08),
    MountName.rahu: (0.05, -0.50, 0.09),
    MountName.ketu: (0.02, -0.12, 0.08),
}


def _chain_length(lm: FloatArray, idx: tuple[int, ...]) -> float:
    pts = lm[list(idx)]
    return float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())


def hand_geometry(lm: FloatArray) -> HandGeometry:
    palm_len = float(np.linalg.norm(lm[MIDDLE_MCP] - lm[WRIST]))
    palm_w = float(np.linalg.norm(lm[LITTLE_MCP] - lm[INDEX_MCP])) * KNUCKLE_TO_PALM_WIDTH
    lengths = {k: _chain_length(lm, v) / palm_len for k, v in _FINGERS.items()}
    axis = (lm[MIDDLE_MCP] - lm[WRIST]) / palm_len
    # how far up the palm the thumb's knuckle leaves it, as a share of palm length
    thumb_height = float((lm[THUMB_MCP] - lm[WRIST]) @ axis) / palm_len
    thumb_set = "low" if thumb_height < 0.30 else "high" if thumb_height > 0.42 else "medium"
    elongation = palm_len / palm_w
    finger_ratio = lengths["middle"]
    long_palm = elongation > LONG_PALM_RATIO
    long_fingers = finger_ratio >= LONG_FINGER_RATIO
    shape = {
        (False, False): HandShape.earth,
        (False, True): HandShape.air,
        (True, False): HandShape.fire,
        (True, True): HandShape.water,
    }[(long_palm, long_fingers)]
    tips = lm[[4, 8, 12, 16, 20]]
    spread = float(np.linalg.norm(np.diff(tips[1:], axis=0), axis=1).mean()) / palm_w
    return HandGeometry(
        palm_width_px=round(palm_w, 1),
        palm_length_px=round(palm_len, 1),
        palm_length_to_width=round(elongation, 3),
        fingers=FingerLengths(**{k: round(v, 3) for k, v in lengths.items()}),
        index_to_ring=round(lengths["index"] / lengths["ring"], 3),
        thumb_set=thumb_set,
        thumb_length_ratio=round(lengths["thumb"], 3),
        shape=shape,
        shape_scores={
            "palm_length_to_width": round(elongation, 3),
            "long_palm_above": LONG_PALM_RATIO,
            "middle_finger_to_palm": round(finger_ratio, 3),
            "long_fingers_from": LONG_FINGER_RATIO,
            "thumb_height": round(thumb_height, 3),
        },
        finger_spread=round(spread, 3),
    )


def mount_regions(frame: PalmFrame, lines_units: dict[LineName, FloatArray]) -> list[MountRegion]:
    scale = 1.0 / float(np.sqrt(abs(np.linalg.det(frame.to_units[:, :2]))))  # px per unit
    out = []
    for name, (cx, cy, r) in _MOUNTS.items():
        centre = frame.image_from_units(np.array([[cx, cy]]))[0]
        crossing = [
            ln for ln, pts in lines_units.items()
            if len(pts) and float(np.min(np.hypot(pts[:, 0] - cx, pts[:, 1] - cy))) <= r
        ]
        out.append(MountRegion(name=name, center=(round(float(centre[0]), 1),
                                                  round(float(centre[1]), 1)),
                               radius=round(r * scale, 1), lines_crossing=crossing))
    return out
