"""Crease evidence on the canonical palm raster: where the skin folds into a dark valley, how
strongly, and which way the valley runs."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from rekha.reading.vision.frame import PalmFrame, apply_affine

F32 = npt.NDArray[np.float32]

# Crease widths in palm lengths: principal lines are roughly 0.7-1.6 % of the palm's length.
SIGMAS_UNITS = (0.010, 0.015, 0.022)
EDGE_CLEAR_UNITS = 0.015
EDGE_FADE_UNITS = 0.05
MIN_SATURATION_SHARE = 0.4


@dataclass(frozen=True)
class RidgeMaps:
    strength: F32  # 0..1, crease evidence normalised inside the palm
    along_x: F32  # unit vector along the crease
    along_y: F32
    mask: npt.NDArray[np.bool_]  # inside the palm, away from its outline
    lightness: F32  # 0..1 lightness of the canonical raster (for quality measures)
    crease_contrast: float  # 97th percentile of the raw crease response inside the palm
    # as `strength`, but faded only at the hand's real outline around the wrist (for the
    # bracelet), not at the palm outline's lower edge, which is a cut across the arm
    wrist_strength: F32


def _palm_polygon_units() -> npt.NDArray[np.float64]:
    """The palm's outline in canonical units, generous: from the wrist round the thumb's ball,
    along the finger bases, down the little-finger edge (which lies beyond the little
    finger's knuckle, so it is pushed outwards)."""
    return np.array(
        [[-0.22, 0.10], [-0.50, -0.10], [-0.66, -0.40], [-0.62, -0.75], [-0.42, -1.02],
         [-0.05, -1.10], [0.30, -1.05], [0.58, -0.90], [0.66, -0.60], [0.58, -0.20],
         [0.30, 0.08]],
        dtype=np.float64,
    )


def _wrist_polygon_units() -> npt.NDArray[np.float64]:
    """The wrist below the palm's outline: the outline's lower edge is a cut drawn across the
    arm, not the hand's edge, so the evidence must not fade there (the bracelet creases lie
    right on it, and their strength then moved with every small shift of the landmarks)."""
    return np.array(
        [[-0.30, 0.00], [-0.34, 0.25], [0.38, 0.25], [0.36, 0.00]],
        dtype=np.float64,
    )


def _core_polygon_units() -> npt.NDArray[np.float64]:
    """Surely inside the palm: used to learn this hand's own skin colour."""
    return np.array(
        [[-0.25, -0.20], [-0.30, -0.60], [0.00, -0.80], [0.30, -0.70], [0.35, -0.30],
         [0.05, -0.12]],
        dtype=np.float64,
    )


def _fill(poly_units: npt.NDArray[np.float64], frame: PalmFrame) -> npt.NDArray[np.uint8]:
    w, h = frame.size
    mask = np.zeros((h, w), np.uint8)
    pts = apply_affine(frame.units_to_raster, poly_units)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], (255,))
    return mask


def skin_masks(lab: npt.NDArray[np.uint8], frame: PalmFrame) -> tuple[
        npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The hand's skin, by this hand's own colour (learnt from the palm's centre), so no fixed
    skin-colour range is assumed: limited to the generous palm outline, and to that outline
    with the wrist below it. The colour test is shared; only the outlines differ."""
    core = _fill(_core_polygon_units(), frame) > 0
    colour = _skin_colour(lab, core)
    palm = _fill(_palm_polygon_units(), frame) > 0
    wrist = palm | (_fill(_wrist_polygon_units(), frame) > 0)
    return _skin_region(colour, core, palm, frame), _skin_region(colour, core, wrist, frame)


def _skin_colour(lab: npt.NDArray[np.uint8], core: npt.NDArray[np.bool_]) -> (
        npt.NDArray[np.bool_]):
    chroma = lab[..., 1:].astype(np.float32)
    sample = chroma[core]
    centre = np.median(sample, axis=0)
    spread = np.median(np.abs(sample - centre), axis=0) * 1.4826 + 2.0
    dist = np.sqrt((((chroma - centre) / spread) ** 2).sum(axis=2))
    # Pale skin against a white or grey wall: the chroma distance alone lets the wall in, and
    # the hand's outline then reads as a crease. Skin is coloured; a wall is (nearly) neutral:
    # keep only what carries a fair share of this palm's own saturation, along its own hue.
    tint = centre - 128.0
    tint_norm = float(np.linalg.norm(tint))
    if tint_norm > 1e-3:
        saturation = ((chroma - 128.0) @ (tint / tint_norm)).astype(np.float32)
        skin_sat = float(np.median(saturation[core]))
        tinted = saturation >= MIN_SATURATION_SHARE * skin_sat
    else:
        tinted = np.ones(dist.shape, bool)
    return np.asarray((dist < 4.5) & tinted)


def _skin_region(colour: npt.NDArray[np.bool_], core: npt.NDArray[np.bool_],
                 outline: npt.NDArray[np.bool_], frame: PalmFrame) -> npt.NDArray[np.bool_]:
    skin = colour & outline
    # keep the part connected to the palm's centre and close small holes (creases are darker,
    # but not of another hue; holes come from glare)
    skin_u8 = skin.astype(np.uint8)
    k = max(3, int(frame.px_per_unit * 0.02) | 1)
    skin_u8 = np.asarray(cv2.morphologyEx(skin_u8, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)),
                         dtype=np.uint8)
    n, labels = cv2.connectedComponents(skin_u8)
    if n > 2:
        counts = np.bincount(labels[core], minlength=n)
        counts[0] = 0
        skin_u8 = (labels == int(np.argmax(counts))).astype(np.uint8)
    # glare and pale patches inside the palm are holes, not background: only what reaches
    # the outline's outside is background
    other = (skin_u8 == 0).astype(np.uint8)
    n, labels = cv2.connectedComponents(other)
    if n > 2:
        reaches_out = np.unique(labels[~outline & (other > 0)])
        holes = (other > 0) & ~np.isin(labels, reaches_out)
        skin_u8[holes] = 1
    return np.asarray(skin_u8 > 0)


def ridge_maps(canon_rgb: npt.NDArray[np.uint8], frame: PalmFrame,
               in_photo: npt.NDArray[np.bool_] | None = None) -> RidgeMaps:
    """`in_photo`: canonical pixels that show the photo (see PalmFrame.warp_coverage);
    elsewhere nothing is known, so no skin and no crease is counted there."""
    lab = np.asarray(cv2.cvtColor(canon_rgb, cv2.COLOR_RGB2LAB), dtype=np.uint8)
    light = lab[..., 0].astype(np.float32) / 255.0
    # log lightness: a crease's depth then reads the same in shadow and in light
    log_l = np.log(light + 0.04)
    best = np.zeros_like(log_l)
    across_angle = np.zeros_like(log_l)
    for s_units in SIGMAS_UNITS:
        sigma = s_units * frame.px_per_unit
        g = cv2.GaussianBlur(log_l, (0, 0), sigma)
        dxx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3)
        dyy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3)
        dxy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3)
        half_diff = (dxx - dyy) * 0.5
        root = np.sqrt(half_diff * half_diff + dxy * dxy)
        mean = (dxx + dyy) * 0.5
        lam1, lam2 = mean + root, mean - root  # lam1 >= lam2
        # a dark valley curves up strongly across it and little along it
        resp = (sigma * sigma) * np.maximum(lam1, 0) * (1.0 - np.clip(np.abs(lam2) /
                                                                        (lam1 + 1e-9), 0, 1))
        better = resp > best
        best = np.where(better, resp, best)
        across_angle = np.where(better, 0.5 * np.arctan2(2 * dxy, dxx - dyy), across_angle)
    skin, skin_wrist = skin_masks(lab, frame)
    if in_photo is not None:
        skin &= in_photo
        skin_wrist &= in_photo
    # The hand's own outline darkens as the skin turns away from the camera: a valley as
    # strong as any crease. Fade the evidence out over the last few percent of palm length
    # inside the outline.
    fade = _edge_fade(skin, frame)
    inner = fade > 0
    inside = best[fade >= 1.0]
    scale = float(np.quantile(inside, 0.97)) if inside.size > 100 else float(best.max() or 1.0)
    normalised = np.clip(best / (scale or 1.0), 0.0, 1.0)
    strength = (normalised * fade).astype(np.float32)
    wrist_strength = (normalised * _edge_fade(skin_wrist, frame)).astype(np.float32)
    along = across_angle + np.float32(np.pi / 2)
    return RidgeMaps(
        strength=strength,
        along_x=np.cos(along).astype(np.float32),
        along_y=np.sin(along).astype(np.float32),
        mask=inner,
        lightness=light,
        crease_contrast=scale,
        wrist_strength=wrist_strength,
    )


def _edge_fade(skin: npt.NDArray[np.bool_], frame: PalmFrame) -> F32:
    dist = cv2.distanceTransform(skin.astype(np.uint8), cv2.DIST_L2, 5) / frame.px_per_unit
    return np.clip((dist - EDGE_CLEAR_UNITS) / EDGE_FADE_UNITS, 0.0, 1.0).astype(np.float32)
