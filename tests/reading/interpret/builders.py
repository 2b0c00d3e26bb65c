"""Builders for HandMeasurements in interpreter tests: a typical palm, changed by dotted paths."""

from __future__ import annotations

import copy
from typing import Any

from rekha.reading.types import Hand, HandMeasurements, LineName, MountName

_LINE_DEFAULTS: dict[str, dict[str, Any]] = {
    "heart": dict(length_ratio=0.88, start_zone="percussion_edge",
                  end_zone="between_index_and_middle", curvature=0.14, depth=0.5),
    "head": dict(length_ratio=0.8, start_zone="joined_to_life", end_zone="percussion_edge",
                 curvature=0.1, depth=0.5),
    "life": dict(length_ratio=0.95, start_zone="between_thumb_and_index", end_zone="wrist",
                 curvature=0.15, depth=0.5),
    "fate": dict(length_ratio=0.6, start_zone="wrist", end_zone="head", curvature=0.05,
                 depth=0.4),
    "sun": dict(found=False, confidence=0.1, clearly_visible=False),
    "mercury": dict(found=False, confidence=0.1, clearly_visible=False),
    "marriage": dict(length_ratio=0.15, count=1, depth=0.4),
    "bracelet": dict(length_ratio=0.7, count=2, depth=0.4),
}

_CROSSING = {
    "guru": ["heart"],
    "shani": ["fate"],
    "surya": [],
    "budh": [],
    "shukra": [],
    "chandra": [],
    "mangal_inner": ["life"],
    "mangal_outer": ["heart"],
    "rahu": ["fate", "head"],
    "ketu": [],
}


def base_dict(hand: Hand = Hand.right) -> dict[str, Any]:
    lines: dict[str, Any] = {}
    for name, extra in _LINE_DEFAULTS.items():
        line: dict[str, Any] = dict(name=name, found=True, confidence=0.8, clearly_visible=True,
                                    points=[(100.0, 100.0), (200.0, 120.0)])
        line.update(extra)
        lines[name] = line
    mounts = [dict(name=n, center=(300.0 + 10 * i, 400.0), radius=40.0,
                   lines_crossing=list(_CROSSING[n]))
              for i, n in enumerate(m.value for m in MountName)]
    return dict(
        engine_version="test",
        image_size=(960, 720),
        hand=hand.value,
        hand_confidence=0.95,
        palm_facing=True,
        landmarks=[(float(i), float(i)) for i in range(21)],
        # crease depth of a typical, not deeply creased, palm photo
        quality=dict(sharpness=0.12, brightness=0.5, contrast=0.4),
        geometry=dict(
            palm_width_px=400.0, palm_length_px=440.0, palm_length_to_width=1.1,
            fingers=dict(thumb=0.62, index=0.7, middle=0.78, ring=0.72, little=0.56),
            index_to_ring=0.99, thumb_set="medium", thumb_length_ratio=0.62, shape="earth",
            shape_scores={"palm_length_to_width": 1.1, "middle_to_palm": 0.78},
            finger_spread=0.18,
        ),
        lines=lines,
        mounts=mounts,
    )


def set_path(d: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in a measurements dict (mounts addressed by name, as in conditions)."""
    parts = path.split(".")
    obj: Any = d
    for i, part in enumerate(parts[:-1]):
        if isinstance(obj, list):
            obj = next(x for x in obj if x["name"] == part)
        else:
            if part not in obj:
                if parts[0] == "lines" and i == 1:
                    obj[part] = dict(name=part, found=True, confidence=0.8, clearly_visible=True)
                else:
                    obj[part] = {}
            obj = obj[part]
    last = parts[-1]
    if isinstance(obj, list):
        raise ValueError(f"cannot set a whole list item at {path}")
    obj[last] = value


def make_measurements(hand: Hand = Hand.right, changes: dict[str, Any] | None = None,
                      base: dict[str, Any] | None = None) -> HandMeasurements:
    d = copy.deepcopy(base) if base is not None else base_dict(hand)
    for path, value in (changes or {}).items():
        set_path(d, path, value)
    return HandMeasurements.model_validate(d)


def faint(line: str) -> dict[str, Any]:
    """Changes that make one line found but not clearly visible."""
    return {f"lines.{line}.confidence": 0.3, f"lines.{line}.clearly_visible": False}


def missing(line: str) -> dict[str, Any]:
    return {f"lines.{line}.found": False, f"lines.{line}.confidence": 0.05,
            f"lines.{line}.clearly_visible": False}


__all__ = ["LineName", "base_dict", "faint", "make_measurements", "missing", "set_path"]
