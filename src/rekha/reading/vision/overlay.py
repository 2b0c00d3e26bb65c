"""The overlay: the photo with each found line in its own colour, mounts labelled, a legend;
and the same as plain data for the web UI's toggleable layers."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont, ImageOps

from rekha.reading.types import HandMeasurements, LineName, Overlay, OverlaySign
from rekha.reading.vision.decode import decode_image
from rekha.reading.vision.signs import SIGN_EXTRA_KEYS

OVERLAY_LONG_SIDE = 1200

LINE_COLOURS: dict[LineName, tuple[int, int, int]] = {
    LineName.heart: (230, 40, 60),
    LineName.head: (40, 170, 70),
    LineName.life: (40, 110, 240),
    LineName.fate: (200, 60, 210),
    LineName.sun: (250, 190, 20),
    LineName.mercury: (20, 200, 210),
    LineName.marriage: (255, 130, 30),
    LineName.bracelet: (150, 150, 150),
}
LINE_LABELS: dict[LineName, str] = {
    LineName.heart: "Heart (Hriday)",
    LineName.head: "Head (Mastishka)",
    LineName.life: "Life (Jeevan)",
    LineName.fate: "Fate (Bhagya)",
    LineName.sun: "Sun (Surya)",
    LineName.mercury: "Mercury (Budh)",
    LineName.marriage: "Marriage (Vivah)",
    LineName.bracelet: "Bracelet (Manibandh)",
}


def overlay_data(m: HandMeasurements) -> Overlay:
    """Found lines as polylines in photo pixels (as displayed), which of them are not clearly
    visible, the signs on them, and the mount regions."""
    drawn = {name: line for name, line in m.lines.items() if line.found and line.points}
    signs = [
        OverlaySign(line=name, kind=kind, at=(float(x), float(y)))
        for name, line in drawn.items()
        for key, kind in SIGN_EXTRA_KEYS.items()
        for x, y in line.extra.get(key) or []
    ]
    return Overlay(
        hand=m.hand, image_size=m.image_size,
        lines={name: list(line.points) for name, line in drawn.items()},
        mounts=list(m.mounts),
        not_clear=[name for name, line in drawn.items() if not line.clearly_visible],
        signs=signs,
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def _dotted(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]],
            colour: tuple[int, int, int], width: int) -> None:
    for i, p in enumerate(pts[:-1]):
        if i % 2 == 0:
            draw.line([p, pts[i + 1]], fill=colour, width=width)


def render_overlay(data: bytes, m: HandMeasurements) -> bytes:
    """PNG of the photo (long side at most 1200 px) with lines, mounts and a legend. Lines below
    the clear-confidence threshold are drawn dotted and marked "not clearly visible"."""
    rgb, (w, h), _ = decode_image(data)
    img = Image.fromarray(rgb).resize((w, h)) if rgb.shape[1] != w else Image.fromarray(rgb)
    f = min(1.0, OVERLAY_LONG_SIDE / max(w, h))
    if f < 1.0:
        img = img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.LANCZOS)
    img = ImageOps.autocontrast(img.convert("RGB"), cutoff=1)
    draw = ImageDraw.Draw(img, "RGBA")
    width = max(2, round(max(img.size) / 300))
    font_px = max(11, round(max(img.size) / 70))
    small = _font(font_px)
    for mount in m.mounts:
        cx, cy, r = mount.center[0] * f, mount.center[1] * f, mount.radius * f
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255, 110), width=1)
        draw.text((cx, cy), mount.name.value.replace("_", " "), fill=(255, 255, 255, 200),
                  font=small, anchor="mm", stroke_width=1, stroke_fill=(0, 0, 0, 160))
    legend: list[tuple[str, tuple[int, int, int]]] = []
    for name, line in m.lines.items():
        if not line.found or len(line.points) < 2:
            continue
        pts = [(x * f, y * f) for x, y in line.points]
        colour = LINE_COLOURS[name]
        label = LINE_LABELS[name]
        if line.clearly_visible:
            draw.line(pts, fill=colour, width=width, joint="curve")
        else:
            _dotted(draw, pts, colour, max(1, width - 1))
            label += " - not clearly visible"
        if line.count and line.count > 1:
            label += f" x{line.count}"
        legend.append((label, colour))
        # the signs a reading may speak of, where signs.py found them: a ring and a word
        for key, word in SIGN_EXTRA_KEYS.items():
            for x, y in line.extra.get(key) or []:
                cx, cy, r = x * f, y * f, width * 4
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=width)
                draw.text((cx + r + 2, cy), word, fill=colour, font=small, anchor="lm",
                          stroke_width=1, stroke_fill=(0, 0, 0, 160))
    pad = width * 3
    y = pad
    box_w = max((draw.textlength(t, font=small) for t, _ in legend), default=0) + 5 * pad
    title = f"{m.hand.value} hand"
    draw.rectangle([0, 0, box_w, pad * 2 + (len(legend) + 1) * font_px * 1.4],
                   fill=(0, 0, 0, 150))
    draw.text((pad, y), title, fill=(255, 255, 255), font=small)
    for text, colour in legend:
        y += round(font_px * 1.4)
        draw.line([(pad, y + font_px / 2), (pad * 3, y + font_px / 2)], fill=colour,
                  width=width)
        draw.text((pad * 4, y), text, fill=(255, 255, 255), font=small)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
