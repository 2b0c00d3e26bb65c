"""Plain typed data crossing the engine's seams (measure -> interpret -> provider -> callers).

Everything here is JSON-serialisable pydantic, so the worker can store it, the API can return
it and the web UI can draw it without knowing how it was produced.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

Point = tuple[float, float]


class Hand(StrEnum):
    left = "left"
    right = "right"


class Focus(StrEnum):
    """Analysis types: a report centred on one area of life."""

    general = "general"
    life = "life"
    love = "love"
    career = "career"
    health = "health"


class RefusalCode(StrEnum):
    """Why the engine will not read a photo. Each has a message a person can act on."""

    unreadable_image = "unreadable_image"
    no_hand = "no_hand"
    back_of_hand = "back_of_hand"
    multiple_hands = "multiple_hands"
    hand_cut_off = "hand_cut_off"
    too_blurry = "too_blurry"
    too_dark = "too_dark"
    wrong_hand = "wrong_hand"


class MeasurementRefused(Exception):
    """The photo cannot be read. Permanent: retrying the same photo gives the same answer."""

    def __init__(self, code: RefusalCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LineName(StrEnum):
    heart = "heart"  # Hriday
    head = "head"  # Mastishka
    life = "life"  # Jeevan
    fate = "fate"  # Bhagya
    sun = "sun"  # Surya
    mercury = "mercury"  # Budh / Swasthya
    marriage = "marriage"  # Vivah
    bracelet = "bracelet"  # Manibandh


class LineMeasurement(BaseModel):
    """One traced crease. `points` are pixels of the photo as displayed (EXIF applied)."""

    name: LineName
    found: bool
    # 0..1; `clearly_visible` is confidence >= the engine's published threshold. Below it the
    # reading must hedge or stay silent, never state the line as fact.
    confidence: float = Field(ge=0.0, le=1.0)
    clearly_visible: bool = False
    points: list[Point] = Field(default_factory=list)
    length_ratio: float | None = None  # traced length / palm width
    start_zone: str | None = None  # e.g. "joined_to_life", "under_index", "percussion_edge"
    end_zone: str | None = None  # e.g. "between_index_and_middle", "under_middle", "wrist"
    curvature: float | None = None  # 0 straight .. 1 strongly curved (sagitta / chord)
    depth: float | None = None  # mean crease contrast along the line, 0..1
    breaks: int = 0
    forks: int = 0
    chained: bool | None = None
    islands: int = 0
    count: int | None = None  # for lines that come in sets (marriage lines, bracelets)
    extra: dict[str, Any] = Field(default_factory=dict)


class FingerLengths(BaseModel):
    """Finger lengths (tip to knuckle) divided by palm length."""

    thumb: float
    index: float
    middle: float
    ring: float
    little: float


class HandShape(StrEnum):
    earth = "earth"  # square palm, short fingers
    air = "air"  # square palm, long fingers
    fire = "fire"  # long palm, short fingers
    water = "water"  # long palm, long fingers


class HandGeometry(BaseModel):
    palm_width_px: float
    palm_length_px: float
    palm_length_to_width: float
    fingers: FingerLengths
    index_to_ring: float
    thumb_set: str  # "low" | "medium" | "high": where the thumb leaves the palm
    thumb_length_ratio: float  # thumb length / palm length
    shape: HandShape
    shape_scores: dict[str, float] = Field(default_factory=dict)  # the numbers behind `shape`
    finger_spread: float | None = None  # mean gap between fingertips / palm width


class MountName(StrEnum):
    guru = "guru"  # Jupiter, under the index
    shani = "shani"  # Saturn, under the middle
    surya = "surya"  # Sun, under the ring
    budh = "budh"  # Mercury, under the little finger
    shukra = "shukra"  # Venus, thumb ball
    chandra = "chandra"  # Moon, lower outer edge
    mangal_inner = "mangal_inner"  # lower Mars, between thumb and index above Venus
    mangal_outer = "mangal_outer"  # upper Mars, outer edge between Mercury and Moon
    rahu = "rahu"  # palm centre
    ketu = "ketu"  # base of the palm between Venus and Moon


class MountRegion(BaseModel):
    """Where a mount lies in the photo. Heights cannot be measured from one photo, so only the
    region (and what lines cross it) is reported."""

    name: MountName
    center: Point
    radius: float
    lines_crossing: list[LineName] = Field(default_factory=list)


class ImageQuality(BaseModel):
    # crease depth: the 97th percentile of the crease response inside the palm (blur lowers
    # it, a deeply creased palm or hard light raises it)
    sharpness: float
    brightness: float  # mean lightness inside the palm, 0..1
    contrast: float


class HandMeasurements(BaseModel):
    """Everything the engine measured on one photo."""

    engine_version: str
    image_size: tuple[int, int]  # width, height as displayed
    hand: Hand
    hand_confidence: float
    palm_facing: bool
    landmarks: list[Point]  # MediaPipe's 21 hand landmarks, photo pixels
    quality: ImageQuality
    geometry: HandGeometry
    lines: dict[LineName, LineMeasurement]
    mounts: list[MountRegion]
    # photo -> canonical palm frame (2x3 affine), so lines can be mapped either way
    to_canonical: list[list[float]] | None = None


class Evidence(BaseModel):
    """One measurement a statement rests on: a dotted path into HandMeasurements."""

    hand: Hand
    field: str  # e.g. "lines.heart.end_zone", "geometry.index_to_ring"
    value: Any
    confidence: float


class ReadingSection(BaseModel):
    key: str
    title: str
    text: str
    evidence: list[Evidence] = Field(default_factory=list)


class Reading(BaseModel):
    summary: str
    sections: list[ReadingSection]
    focus: Focus = Focus.general
    hands: list[Hand]
    convention: str  # which hand is read as what, stated to the user
    disclaimer: str


class OverlaySign(BaseModel):
    """A sign the reading may speak of (an island, a fork), where it lies on its line."""

    line: LineName
    kind: Literal["island", "fork"]
    at: Point


class Overlay(BaseModel):
    """The lines as data, so the web UI can draw toggleable layers over the photo."""

    hand: Hand
    image_size: tuple[int, int]
    lines: dict[LineName, list[Point]]
    mounts: list[MountRegion]
    # lines drawn although not clearly visible: drawn dotted, never as a finding (overlays
    # stored before this field existed lack it)
    not_clear: list[LineName] = Field(default_factory=list)
    signs: list[OverlaySign] = Field(default_factory=list)


class Usage(BaseModel):
    """What a provider call cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class ReadingResult(BaseModel):
    reading: Reading
    measurements: dict[Hand, HandMeasurements]
    overlays: dict[Hand, Overlay]
    overlay_png: dict[Hand, bytes] = Field(default_factory=dict, exclude=True)
    provider: str
    usage: Usage = Field(default_factory=Usage)
