"""Photo bytes -> RGB array as displayed (EXIF orientation applied)."""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from rekha.reading.types import MeasurementRefused, RefusalCode

try:  # HEIC/HEIF, as iPhones send them
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

RGBImage = npt.NDArray[np.uint8]

# Work on at most this long side: creases of a palm filling a 12 MP photo are far wider than a
# pixel at this size, and decoding is then 2x faster thanks to JPEG draft mode.
WORK_LONG_SIDE = 1600
# Refuse decompression bombs before they eat the worker's memory.
MAX_PIXELS = 60_000_000


def _unreadable(detail: str) -> MeasurementRefused:
    return MeasurementRefused(
        RefusalCode.unreadable_image,
        "We could not open this file as a photo (" + detail + "). Please send a JPEG, PNG, "
        "WebP or HEIC photo of your palm.",
    )


# A pixel this dark in every channel, connected to the photo's border, is padding (the
# corners of a rotated photo, letterboxing), not a scene: no skin, no crease is seen there.
PADDING_MAX_LEVEL = 12


def photo_coverage(rgb: RGBImage) -> npt.NDArray[np.bool_]:
    """True where the pixels show the scene; False on black padding reaching the border."""
    h, w = rgb.shape[:2]
    # every channel at most the padding level (cv2.inRange: numpy's max over the channel
    # axis took ~50 ms on a 12 MP photo)
    low = np.zeros(3, np.uint8)
    high = np.full(3, PADDING_MAX_LEVEL, np.uint8)
    dark = (cv2.inRange(np.ascontiguousarray(rgb), low, high) > 0).astype(np.uint8)
    border = np.zeros_like(dark)
    border[0, :] = border[-1, :] = 1
    border[:, 0] = border[:, -1] = 1
    n, labels = cv2.connectedComponents(dark)
    if n < 2:
        return np.ones((h, w), bool)
    touching = np.unique(labels[(border > 0) & (dark > 0)])
    return np.asarray(~np.isin(labels, touching[touching > 0]))


def decode_image(data: bytes) -> tuple[RGBImage, tuple[int, int], float]:
    """Decode to RGB. Returns (pixels, displayed size (w, h), scale): pixels are the displayed
    photo scaled by `scale` (<= 1) so that coordinates map back by dividing by it."""
    if not data:
        raise _unreadable("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise _unreadable("the photo is too large")
            orientation = img.getexif().get(0x0112, 1)
            swapped = orientation in (5, 6, 7, 8)
            disp_w, disp_h = (img.height, img.width) if swapped else (img.width, img.height)
            long_side = max(disp_w, disp_h)
            if img.format == "JPEG" and long_side > 2 * WORK_LONG_SIDE:
                # draft() decodes at 1/2, 1/4 or 1/8 scale, never below the requested size
                img.draft("RGB", (img.width * WORK_LONG_SIDE * 2 // long_side,
                                  img.height * WORK_LONG_SIDE * 2 // long_side))
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
    except MeasurementRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _unreadable(type(exc).__name__) from exc
    if min(img.size) < 64:
        raise _unreadable("the photo is too small")
    if max(img.size) > WORK_LONG_SIDE:
        factor = WORK_LONG_SIDE / max(img.size)
        img = img.resize(
            (max(1, round(img.width * factor)), max(1, round(img.height * factor))),
            Image.Resampling.BILINEAR,
            reducing_gap=2.0,
        )
    scale = img.width / disp_w
    return np.asarray(img, dtype=np.uint8), (disp_w, disp_h), scale
