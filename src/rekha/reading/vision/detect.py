"""MediaPipe Hands, loaded once per process, and what the landmarks say about the hand."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rekha.reading.types import Hand

FloatArray = npt.NDArray[np.float64]

WRIST, THUMB_CMC, THUMB_MCP, THUMB_IP, THUMB_TIP = 0, 1, 2, 3, 4
INDEX_MCP, INDEX_TIP = 5, 8
MIDDLE_MCP, MIDDLE_TIP = 9, 12
RING_MCP, RING_TIP = 13, 16
LITTLE_MCP, LITTLE_TIP = 17, 20
PALM_LANDMARKS = (WRIST, THUMB_CMC, INDEX_MCP, MIDDLE_MCP, RING_MCP, LITTLE_MCP)


@dataclass(frozen=True)
class Detection:
    landmarks: FloatArray  # (21, 2) pixels of the image given to detect_hands
    depth: FloatArray  # (21,) MediaPipe's relative z, same unit as x
    label: str  # MediaPipe's handedness label, as it names it ("Left"/"Right")
    score: float


_lock = threading.Lock()
_hands: Any = None


def _model() -> Any:
    """The landmark model, built on first use in each process (so a Celery prefork worker
    builds it in the child, after the fork) and reused afterwards."""
    global _hands
    if _hands is None:
        import mediapipe as mp  # heavy import: only where the engine actually runs

        _hands = mp.solutions.hands.Hands(
            static_image_mode=True,
            max_num_hands=2,
            model_complexity=1,
            min_detection_confidence=0.5,
        )
    return _hands


def _run(rgb: npt.NDArray[np.uint8]) -> list[Detection]:
    h, w = rgb.shape[:2]
    with _lock:  # the MediaPipe graph is not re-entrant
        res = _model().process(np.ascontiguousarray(rgb))
    found: list[Detection] = []
    for lms, handed in zip(res.multi_hand_landmarks or [], res.multi_handedness or [],
                           strict=False):
        pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lms.landmark], dtype=np.float64)
        cls = handed.classification[0]
        found.append(Detection(pts[:, :2], pts[:, 2], str(cls.label), float(cls.score)))
    return found


def detect_hands(rgb: npt.NDArray[np.uint8]) -> list[Detection]:
    """Hands in the photo. MediaPipe's palm detector misses a palm that fills the frame, so
    when it finds none the photo is tried again inside a dark border (a quarter of its long
    side) and the landmarks are mapped back."""
    found = _run(rgb)
    if found:
        return found
    pad = max(rgb.shape[:2]) // 4
    framed = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)))
    return [
        Detection(d.landmarks - float(pad), d.depth, d.label, d.score) for d in _run(framed)
    ]


def palm_normal_sign(lm: FloatArray) -> float:
    """z of (wrist->index knuckle) x (wrist->little knuckle), normalised: > 0 when the photo
    shows a left palm or the back of a right hand, < 0 for a right palm or a left back."""
    a = lm[INDEX_MCP] - lm[WRIST]
    b = lm[LITTLE_MCP] - lm[WRIST]
    den = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    return float(a[0] * b[1] - a[1] * b[0]) / den


def hand_from_label(label: str) -> Hand:
    """MediaPipe names hands as in a mirrored selfie; a rear-camera photo of a palm is not
    mirrored, so its label comes out swapped."""
    return Hand.left if label == "Right" else Hand.right


def finger_extension(lm: FloatArray) -> FloatArray:
    """Per finger (index..little): wrist->tip over wrist->knuckle. About 1.8-2 when the finger
    is straight, near 1 when curled into a fist."""
    out: list[float] = []
    for mcp, tip in ((INDEX_MCP, INDEX_TIP), (MIDDLE_MCP, MIDDLE_TIP), (RING_MCP, RING_TIP),
                     (LITTLE_MCP, LITTLE_TIP)):
        knuckle = max(float(np.linalg.norm(lm[mcp] - lm[WRIST])), 1e-6)
        out.append(float(np.linalg.norm(lm[tip] - lm[WRIST])) / knuckle)
    return np.array(out, dtype=np.float64)


def palm_length_px(lm: FloatArray) -> float:
    return float(np.linalg.norm(lm[MIDDLE_MCP] - lm[WRIST]))


def palm_width_px(lm: FloatArray) -> float:
    return float(np.linalg.norm(lm[LITTLE_MCP] - lm[INDEX_MCP]))
