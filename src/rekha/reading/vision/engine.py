"""measure_image: photo bytes -> HandMeasurements, or a specific refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np

from rekha.reading.types import (
    Hand,
    HandMeasurements,
    ImageQuality,
    LineMeasurement,
    LineName,
    MeasurementRefused,
    RefusalCode,
)
from rekha.reading.vision import lines as L
from rekha.reading.vision.decode import RGBImage, decode_image, photo_coverage
from rekha.reading.vision.detect import (
    INDEX_MCP,
    LITTLE_MCP,
    Detection,
    FloatArray,
    detect_hands,
    finger_extension,
    hand_from_label,
    palm_length_px,
    palm_normal_sign,
)
from rekha.reading.vision.frame import PalmFrame, apply_affine, palm_frame
from rekha.reading.vision.geometry import hand_geometry, mount_regions
from rekha.reading.vision.ridges import RidgeMaps, _fill, _palm_polygon_units, ridge_maps
from rekha.reading.vision.signs import line_signs, signs_extra

ENGINE_VERSION = "vision-1"
Progress = Callable[[str, int], None]

# Refusal limits. Each is a property of the photo as a person would judge it, not a fit.
MIN_PALM_SHARE = 0.12  # palm length / photo long side: smaller means the hand is far away
MIN_PALM_PX = 90.0  # palm length in pixels below which creases are not resolved at all
MAX_OUTSIDE_SHARE = 0.15  # share of the palm's outline that may lie outside the photo
MIN_FINGER_EXTENSION = 1.3  # median wrist->tip / wrist->knuckle: below, the hand is a fist
MIN_FACE_ON = 0.40  # knuckle span / palm length: below, the palm is seen edge-on
MIN_NORMAL = 0.25  # |palm normal sign|: below, palm or back cannot be told
MIN_BRIGHTNESS = 0.10  # mean lightness inside the palm, 0..1
MIN_SHARPNESS = 0.035  # depth of the sharpest creases (sigma-normalised log-lightness curvature)


def _refuse(code: RefusalCode, message: str) -> MeasurementRefused:
    return MeasurementRefused(code, message)


def _choose_hand(dets: list[Detection]) -> Detection:
    if not dets:
        raise _refuse(RefusalCode.no_hand,
                      "We could not find a hand in this photo. Hold your open palm towards "
                      "the camera so that it fills most of the picture, in good light.")
    if len(dets) > 1:
        a, b = dets[0].landmarks, dets[1].landmarks
        # the detector sometimes reports one hand twice: same wrist, same knuckles
        same = float(np.linalg.norm(a[[0, 5, 17]] - b[[0, 5, 17]], axis=1).max()) < (
            0.25 * palm_length_px(a))
        if not same:
            raise _refuse(RefusalCode.multiple_hands,
                          "We found more than one hand. Please photograph one palm at a time, "
                          "with the other hand out of the picture.")
    return max(dets, key=lambda d: d.score)


def _check_pose(det: Detection, shape: tuple[int, int]) -> Hand:
    """Refuse what cannot be read; return which hand it is."""
    lm = det.landmarks
    h, w = shape
    plen = palm_length_px(lm)
    if plen < MIN_PALM_PX or plen / max(h, w) < MIN_PALM_SHARE:
        raise _refuse(RefusalCode.no_hand,
                      "The hand is too small in this photo to see its lines. Hold your palm "
                      "closer, so that it fills most of the picture.")
    if float(np.median(finger_extension(lm))) < MIN_FINGER_EXTENSION:
        raise _refuse(RefusalCode.no_hand,
                      "We could not see an open palm: the fingers seem closed. Open your hand "
                      "flat, fingers together and pointing up, palm towards the camera.")
    span = float(np.linalg.norm(lm[INDEX_MCP] - lm[LITTLE_MCP]))
    normal = palm_normal_sign(lm)
    if span / plen < MIN_FACE_ON or abs(normal) < MIN_NORMAL:
        raise _refuse(RefusalCode.back_of_hand,
                      "We could not see the palm face-on. Turn your palm flat towards the "
                      "camera, not tilted sideways.")
    # MediaPipe's label (mirrored for rear-camera photos) and the landmark geometry must agree
    # on the side; the back of a hand is the one case where they disagree.
    by_label = hand_from_label(det.label)
    palm_side = Hand.left if normal > 0 else Hand.right
    if by_label is not palm_side:
        raise _refuse(RefusalCode.back_of_hand,
                      "This looks like the back of a hand. Please photograph the inside of "
                      "your hand, the palm, facing the camera.")
    return by_label


def _check_in_frame(frame: PalmFrame, shape: tuple[int, int]) -> None:
    h, w = shape
    outline = frame.image_from_units(L_palm_outline())
    poly = np.round(outline).astype(np.int32)
    x0, y0 = np.minimum(poly.min(axis=0), 0)
    x1, y1 = np.maximum(poly.max(axis=0), [w, h])
    canvas = np.zeros((int(y1 - y0) + 1, int(x1 - x0) + 1), np.uint8)
    cv2.fillPoly(canvas, [np.asarray(poly - [x0, y0], np.int32)], (1,))
    total = int(canvas.sum())
    inside = int(canvas[-y0:-y0 + h, -x0:-x0 + w].sum())
    if total and 1.0 - inside / total > MAX_OUTSIDE_SHARE:
        raise _refuse(RefusalCode.hand_cut_off,
                      "Part of your palm is outside the photo. Step back a little so that the "
                      "whole palm, from the wrist to the base of the fingers, is in the picture.")


def L_palm_outline() -> FloatArray:
    return _palm_polygon_units()


def _quality(maps: RidgeMaps, frame: PalmFrame) -> ImageQuality:
    core = _fill(_palm_polygon_units() * 0.6 + [0.0, -0.2], frame) > 0
    vals = maps.lightness[core]
    brightness = float(vals.mean()) if vals.size else 0.0
    contrast = float(vals.std()) if vals.size else 0.0
    # how deep the sharpest creases read (log-lightness curvature at crease scale): blur
    # flattens them, whatever the exposure
    sharpness = maps.crease_contrast
    return ImageQuality(sharpness=round(sharpness, 4), brightness=round(brightness, 4),
                        contrast=round(contrast, 4))


def _check_quality(q: ImageQuality) -> None:
    if q.brightness < MIN_BRIGHTNESS:
        raise _refuse(RefusalCode.too_dark,
                      "The photo is too dark to see the lines of your palm. Take it again in "
                      "daylight or under a bright lamp, without the light behind your hand.")
    if q.sharpness < MIN_SHARPNESS:
        raise _refuse(RefusalCode.too_blurry,
                      "The photo is too blurry to see the lines of your palm. Hold the phone "
                      "still, let it focus on the palm, and take it again.")


def locate_palm(rgb: RGBImage) -> tuple[Detection, PalmFrame]:
    """The hand to read and its canonical frame, or a refusal (MeasurementRefused)."""
    det = _choose_hand(detect_hands(rgb))
    shape = (rgb.shape[0], rgb.shape[1])
    frame = palm_frame(det.landmarks, _check_pose(det, shape))
    _check_in_frame(frame, shape)
    return det, frame


def crease_maps(rgb: RGBImage, frame: PalmFrame) -> RidgeMaps:
    """The crease evidence on the canonical raster of `frame` (unknown outside the photo)."""
    canon = np.asarray(frame.warp(rgb), dtype=np.uint8)
    return ridge_maps(canon, frame, frame.warp_coverage(photo_coverage(rgb)))


def measure_image(data: bytes, *, progress: Progress | None = None) -> HandMeasurements:
    report = progress or (lambda _stage, _pct: None)
    report("finding_hand", 0)
    rgb, disp_size, scale = decode_image(data)
    det, frame = locate_palm(rgb)
    hand = frame.hand
    report("finding_hand", 100)

    report("tracing_lines", 0)
    maps = crease_maps(rgb, frame)
    quality = _quality(maps, frame)
    _check_quality(quality)
    traced = trace_all(maps, frame)
    report("tracing_lines", 90)

    lm_disp = det.landmarks / scale
    geometry = hand_geometry(lm_disp)
    to_disp = 1.0 / scale
    measured: dict[LineName, LineMeasurement] = {}
    units_by_line: dict[LineName, FloatArray] = {}
    for name in LineName:
        m, units = describe(name, traced, frame, to_disp, geometry.palm_width_px, maps)
        measured[name] = m
        if m.found and units is not None:
            units_by_line[name] = units
    # photo (as displayed) -> canonical units
    disp_to_units = frame.to_units.copy()
    disp_to_units[:, :2] = disp_to_units[:, :2] * scale
    hand_conf = det.score * float(np.clip(abs(palm_normal_sign(det.landmarks)) / 0.5, 0, 1))
    report("tracing_lines", 100)
    return HandMeasurements(
        engine_version=ENGINE_VERSION,
        image_size=disp_size,
        hand=hand,
        hand_confidence=round(hand_conf, 3),
        palm_facing=True,
        landmarks=[(round(float(x), 1), round(float(y), 1)) for x, y in lm_disp],
        quality=quality,
        geometry=geometry,
        lines=measured,
        mounts=mount_regions(_display_frame(frame, scale), units_by_line),
        to_canonical=[[round(float(v), 6) for v in row] for row in disp_to_units],
    )


def _display_frame(frame: PalmFrame, scale: float) -> PalmFrame:
    m = frame.to_units.copy()
    m[:, :2] = m[:, :2] * scale
    return PalmFrame(hand=frame.hand, to_units=m, px_per_unit=frame.px_per_unit, size=frame.size)


def trace_all(maps: RidgeMaps, frame: PalmFrame) -> dict[LineName, list[L.Traced]]:
    p, minor = L.TOLL["principal"], L.TOLL["minor"]
    strip = L.band_strip
    heart = L.run_tracer(maps, frame, LineName.heart, strip(frame, L.HEART), p)
    near_heart = L.forbid_near(frame, heart.trace.raster if heart.trace else None, 0.04)
    life = L.run_tracer(
        maps, frame, LineName.life,
        L.arc_strip(frame, L.LIFE_CENTRE, L.LIFE_ARC[0], L.LIFE_ARC[1], 0.30, 0.72,
                    L.LIFE_START, L.LIFE_END, L.LIFE_RADIUS, L.LIFE_SPREAD),
        p, near_heart,
    )
    # where the arc search entered the line along a fold from the web, begin it at the web
    life = L.start_at_apex(maps, frame, life, p, near_heart)
    head_forbid = L.forbid_inside_life(frame, life.units, L.HEAD_LIFE_MARGIN, near_heart)
    head = L.run_tracer(maps, frame, LineName.head, strip(frame, L.HEAD, L.HEAD_PRIOR_WEIGHT), p,
                        head_forbid)
    head = L.join_life_start(frame, head, life)
    near_life = L.forbid_near(frame, life.trace.raster if life.trace else None, 0.035)
    fate = L.run_tracer(maps, frame, LineName.fate, strip(frame, L.FATE), p, near_life)
    taken = L.forbid_near(frame, fate.trace.raster if fate.trace else None, 0.05, near_life)
    sun = L.run_tracer(maps, frame, LineName.sun, strip(frame, L.SUN), minor, taken)
    mercury = L.run_tracer(maps, frame, LineName.mercury, strip(frame, L.MERCURY), minor, taken)
    sets: dict[LineName, list[L.Traced]] = {}
    # the bracelet lies on the palm outline's lower edge, a cut across the arm: its evidence
    # fades only at the hand's real outline
    wrist_maps = replace(maps, strength=maps.wrist_strength)
    for name, band, most, evidence in ((LineName.marriage, L.MARRIAGE, 3, maps),
                                       (LineName.bracelet, L.BRACELET, 3, wrist_maps)):
        found: list[L.Traced] = []
        block = near_heart.copy()
        for _ in range(most):
            t = L.run_tracer(evidence, frame, name, strip(frame, band), minor, block)
            if t.trace is None or t.units is None or (
                    L.polyline_length(t.units) < L.MIN_LENGTH_UNITS[name]):
                break
            found.append(t)
            block = L.forbid_near(frame, t.trace.raster, 0.03, block)
        sets[name] = found
    return {
        LineName.heart: [heart], LineName.head: [head], LineName.life: [life],
        LineName.fate: [fate], LineName.sun: [sun], LineName.mercury: [mercury], **sets,
    }


def _count_clear(name: LineName, items: list[L.Traced]) -> int:
    """How many of the creases found in a bracelet/marriage band would each be reported on
    their own: the later ones are the band's weaker rivals, often no crease at all."""
    bar = L.REPORT_BAR.get(name, L.REPORT_OFTEN_ABSENT)
    return sum(1 for t in items if t.trace is not None and t.units is not None
               and t.trace.gain > 0 and L.line_confidence(name, t) >= bar)


def describe(name: LineName, traced: dict[LineName, list[L.Traced]], frame: PalmFrame,
             to_disp: float, palm_width_disp: float, maps: RidgeMaps,
             ) -> tuple[LineMeasurement, FloatArray | None]:
    items = [t for t in traced.get(name, []) if t.trace is not None and t.units is not None]
    if not items:
        return LineMeasurement(name=name, found=False, confidence=0.0,
                               count=0 if name in (LineName.marriage, LineName.bracelet)
                               else None), None
    first = items[0]
    assert first.trace is not None and first.units is not None
    units = first.units
    length_units = L.polyline_length(units)
    conf = L.line_confidence(name, first, maps.crease_contrast)
    found = length_units >= L.MIN_LENGTH_UNITS[name] and first.trace.gain > 0
    if name in L.STRICT_LINES:
        found = found and conf >= L.REPORT_BAR.get(name, L.REPORT_OFTEN_ABSENT)
    if not found:
        return LineMeasurement(name=name, found=False, confidence=round(min(conf, 0.3), 3),
                               count=0 if name in (LineName.marriage, LineName.bracelet)
                               else None), None
    img_pts = frame.image_from_units(L.simplify(units, 0.015)) * to_disp
    length_px = L.polyline_length(img_pts)
    start_zone, end_zone = L.zones(name, units, traced)
    signs = line_signs(name, traced, maps, frame, conf)  # islands, chains, forks
    return LineMeasurement(
        name=name,
        found=True,
        confidence=conf,
        clearly_visible=conf >= L.CLEAR_CONFIDENCE,
        points=[(round(float(x), 1), round(float(y), 1)) for x, y in img_pts],
        length_ratio=round(length_px / palm_width_disp, 3),
        start_zone=start_zone,
        end_zone=end_zone,
        curvature=round(L.curvature(units), 3),
        depth=round(float(np.mean(first.trace.evidence)), 3),
        breaks=L.count_breaks(first.trace.evidence, units),
        forks=signs.forks,
        chained=signs.chained,
        islands=signs.islands,
        count=_count_clear(name, items) if name in (LineName.marriage, LineName.bracelet)
        else None,
        extra={"length_palm_units": round(length_units, 3),
               **signs_extra(signs, frame, to_disp)},
    ), units


__all__ = ["ENGINE_VERSION", "apply_affine", "measure_image"]
