"""Checking and cleaning uploaded photos, in memory, before anything touches the disk.

What comes in: bytes a browser sent. What goes out: a JPEG (or PNG) with the orientation applied,
the colours in sRGB and no metadata at all (EXIF, GPS, XMP, IPTC, ICC, comments, embedded
thumbnails, trailing data). Types are decided by magic bytes, never by a file name or the
client's Content-Type. HEIC/HEIF and WebP, which phones send, are converted to JPEG.

Fast path: most phone JPEGs are already upright and sRGB. For those the metadata segments are
cut out without re-encoding, which loses no quality and costs a few milliseconds instead of a
full decode. Such a file is validated by its structure: Pillow parses the headers (type, size,
colour model) and the segment walk must reach a frame, a scan and the end-of-image marker, so a
cut-off upload is refused. Damage inside the compressed pixels is not looked for here: decoders
conceal it rather than fail (decoding would not catch it either, at ~50-150 ms per 12 MP photo),
and the reading engine refuses a photo it cannot decode with its own message.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from rekha.core.errors import BadRequest

try:  # HEIC/HEIF, as iPhones send them
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass

# Smaller than this cannot show the lines of a palm; refusing early is kinder than a bad reading.
MIN_SIDE = 64
JPEG_QUALITY = 92
_ORIENTATION_TAG = 0x0112
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)


class ImageKind(StrEnum):
    jpeg = "jpeg"
    png = "png"
    webp = "webp"
    heif = "heif"


_PILLOW_FORMATS = {
    ImageKind.jpeg: {"JPEG", "MPO"},  # MPO: a JPEG with extra pictures appended (many cameras)
    ImageKind.png: {"PNG"},
    ImageKind.webp: {"WEBP"},
    ImageKind.heif: {"HEIF"},
}


@dataclass(frozen=True)
class CleanImage:
    """A photo ready to be written: metadata gone, upright, sRGB."""

    data: bytes
    mime: str
    extension: str
    width: int
    height: int
    sha256: str


def sniff(data: bytes) -> ImageKind | None:
    """The image type from its first bytes, or None when it is not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return ImageKind.jpeg
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageKind.png
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageKind.webp
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return ImageKind.heif
    return None


def _hand_label(hand: str) -> str:
    return f"The {hand}-hand photo"


def _refuse(code: str, hand: str, message: str) -> BadRequest:
    return BadRequest(f"{_hand_label(hand)} {message}", code=code, details={"hand": hand})


def clean_image(data: bytes, *, hand: str, max_pixels: int, max_side: int = 2048) -> CleanImage:
    """Validate one uploaded photo and return its stored form; BadRequest with a specific code
    when it cannot be accepted. CPU-bound: call it from a worker thread."""
    kind = sniff(data)
    if kind is None:
        raise _refuse(
            "unsupported_image_type",
            hand,
            "is not a type of photo we can read. Please send a JPEG, PNG, HEIC or WebP image.",
        )
    try:
        with warnings.catch_warnings():
            # Our own pixel cap (below) is lower than Pillow's; its warning must not leak out.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return _clean(data, kind, hand=hand, max_pixels=max_pixels, max_side=max_side)
    except BadRequest:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(hand, max_pixels) from exc
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError) as exc:
        # Pillow's message for a cut-off file; anything else is plain damage.
        if "truncated" in str(exc).lower() or isinstance(exc, EOFError):
            raise _refuse(
                "image_truncated",
                hand,
                "seems to be incomplete (the upload may have been cut off). "
                "Please try sending it again.",
            ) from exc
        raise _refuse(
            "image_corrupt",
            hand,
            "could not be opened: the file looks damaged. Please try another photo.",
        ) from exc


def _too_many_pixels(hand: str, max_pixels: int) -> BadRequest:
    megapixels = max_pixels / 1_000_000
    return _refuse(
        "image_too_many_pixels",
        hand,
        f"has too many pixels (the limit is {megapixels:g} megapixels). "
        "Please send a smaller photo.",
    )


def _clean(
    data: bytes, kind: ImageKind, *, hand: str, max_pixels: int, max_side: int
) -> CleanImage:
    img = Image.open(io.BytesIO(data))
    if img.format not in _PILLOW_FORMATS[kind]:
        raise ValueError(f"magic bytes say {kind}, decoder says {img.format}")
    # The header alone tells the size: refuse decompression bombs before decoding any pixels.
    if img.width * img.height > max_pixels:
        raise _too_many_pixels(hand, max_pixels)
    if min(img.width, img.height) < MIN_SIDE:
        raise _refuse(
            "image_too_small",
            hand,
            f"is too small to read ({img.width}x{img.height} pixels; at least {MIN_SIDE} on each "
            "side). Please send a larger photo.",
        )
    too_large = max(img.width, img.height) > max_side
    if kind is ImageKind.jpeg and not too_large and _jpeg_needs_no_pixel_change(img):
        stripped = strip_jpeg_metadata(data)  # also the structural check (see the docstring)
        return CleanImage(
            data=stripped,
            mime="image/jpeg",
            extension="jpg",
            width=img.width,
            height=img.height,
            sha256=hashlib.sha256(stripped).hexdigest(),
        )
    if too_large and kind is ImageKind.jpeg:
        # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding (DCT scaling): a 12 MP
        # photo decodes in a third of the time. It keeps at least half of max_side.
        scale = max_side / 2 / max(img.width, img.height)
        img.draft(img.mode, (round(img.width * scale), round(img.height * scale)))
    img.load()
    upright = ImageOps.exif_transpose(img)
    if max(upright.width, upright.height) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    rgb = _to_srgb(upright)
    # Pillow's encoders copy comments, ICC profiles and the like from `info`: start from nothing.
    rgb.info = {}
    out = io.BytesIO()
    if kind is ImageKind.png:
        # Level 1: PNG is lossless either way; higher levels cost seconds on a 12 MP photo.
        rgb.save(out, "PNG", compress_level=1)
        mime, extension = "image/png", "png"
    else:
        rgb.save(out, "JPEG", quality=JPEG_QUALITY)
        mime, extension = "image/jpeg", "jpg"
    encoded = out.getvalue()
    return CleanImage(
        data=encoded,
        mime=mime,
        extension=extension,
        width=rgb.width,
        height=rgb.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
    )


def _jpeg_needs_no_pixel_change(img: Image.Image) -> bool:
    """True when the JPEG is already upright, in a plain colour model and in sRGB."""
    if img.mode not in ("RGB", "L"):
        return False  # CMYK and friends are converted
    if img.getexif().get(_ORIENTATION_TAG, 1) not in (1, None):
        return False
    icc = img.info.get("icc_profile")
    return not icc or _is_srgb(icc)


def _is_srgb(icc: bytes) -> bool:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return "srgb" in ImageCms.getProfileDescription(profile).lower()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False


def _to_srgb(img: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, with any embedded ICC profile applied; transparency goes on white."""
    icc = img.info.get("icc_profile")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba).convert("RGB")
    if icc and not _is_srgb(icc):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if img.mode not in ("RGB", "CMYK", "L"):
                img = img.convert("RGB")
            converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the plain conversion below is the best we can do
    return img if img.mode == "RGB" else img.convert("RGB")


# A marker after entropy-coded data: 0xFF followed by anything but a stuffed zero, a restart
# marker or another fill byte.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def strip_jpeg_metadata(data: bytes) -> bytes:
    """Rewrite a JPEG without APPn segments (EXIF, XMP, ICC, IPTC...), comments, or anything
    after the end-of-image marker; the compressed pixels are copied unchanged.

    Kept: a minimal JFIF header (without its thumbnail) and the Adobe APP14 segment, which says
    how the colour channels are encoded and so is needed to show the right colours.
    Raises ValueError for a structure that does not parse.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    i, n = 2, len(data)
    seen_frame = seen_scan = False
    while True:
        if i >= n:
            raise ValueError("JPEG is truncated")
        if data[i] != 0xFF:
            raise ValueError("JPEG marker expected")
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            raise ValueError("JPEG is truncated")
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image: whatever follows (MPF pictures, vendor data) goes
            if not (seen_frame and seen_scan):
                raise ValueError("JPEG has no image data")
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += bytes((0xFF, marker))
            continue
        if i + 2 > n:
            raise ValueError("JPEG is truncated")
        length = int.from_bytes(data[i : i + 2], "big")
        end = i + length
        if length < 2 or end > n:
            raise ValueError("JPEG is truncated")
        payload = data[i + 2 : end]
        if marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 12:
            # version, units, densities; thumbnail size forced to 0x0
            minimal = payload[:12] + b"\x00\x00"
            out += b"\xff\xe0" + (len(minimal) + 2).to_bytes(2, "big") + minimal
        elif marker == 0xEE and payload.startswith(b"Adobe"):
            out += b"\xff\xee" + data[i:end]
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            pass  # application data and comments: metadata, dropped
        else:
            out += bytes((0xFF, marker)) + data[i:end]
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range
        seen_frame = seen_frame or (0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC))
        seen_scan = seen_scan or (marker == 0xDA and seen_frame)
        i = end
        if marker == 0xDA:  # start of scan: copy the entropy-coded data up to the next marker
            found = _NEXT_MARKER.search(data, i)
            if found is None:
                raise ValueError("JPEG is truncated")
            out += data[i : found.start()]
            i = found.start()
