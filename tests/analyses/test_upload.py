"""Accepted uploads: what is stored, how it is cleaned, what is enqueued."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from PIL import Image, ImageOps

from rekha.analyses.storage import absolute_path
from rekha.settings import Settings
from tests.analyses.helpers import (
    ANALYSES,
    broker_messages,
    load_analysis,
    noise_jpeg,
    upload,
)

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to the first scan."""
    markers, i = [], 2
    while i < len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def assert_no_metadata(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "icc_profile", "xmp", "comment", "photoshop", "XML:com.adobe.xmp"):
        assert key not in image.info, key
    assert b"Exif\x00\x00" not in data
    if data.startswith(b"\xff\xd8"):
        # No APP1..APP13/APP15 (EXIF, XMP, ICC, IPTC, ...) and no comment segments.
        leftovers = [m for m in jpeg_segments(data) if 0xE1 <= m <= 0xEF and m != 0xEE]
        assert leftovers == [] and 0xFE not in jpeg_segments(data)


async def fetch_original(client: httpx.AsyncClient, analysis_id: str, hand: str) -> bytes:
    response = await client.get(f"{ANALYSES}/{analysis_id}/images/{hand}?kind=original")
    assert response.status_code == 200, response.text
    return response.content


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    small = (160, 160)
    x = np.asarray(a.convert("L").resize(small), dtype=np.float32)
    y = np.asarray(b.convert("L").resize(small), dtype=np.float32)
    return float(np.abs(x - y).mean())


async def test_upload_of_two_palms_is_stored_and_queued(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, palm: Callable[[str], bytes]
) -> None:
    response = await upload(
        client,
        left=("my left palm.jpg", palm("left_02.jpg"), "image/jpeg"),
        right=("../../etc/passwd", palm("right_01.jpg"), "text/plain"),
        data={"focus": "career", "dominant_hand": "right"},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    analysis_id = body["id"]
    assert body["status"] == "queued" and body["progress"] == 0
    assert body["focus"] == "career" and body["dominant_hand"] == "right"
    assert body["hands"] == ["left", "right"]
    assert body["status_url"] == f"{ANALYSES}/{analysis_id}/status"
    assert body["summary_url"] == f"{ANALYSES}/{analysis_id}/summary"
    assert len(analysis_id) >= 20  # opaque, unguessable

    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None and analysis.user_id is None and analysis.claim_token_hash
    assert analysis.job_id
    for image in analysis.images:
        # Named by a random UUID under anon/{id}/, never by what the client sent.
        owner, folder, name = image.path.split("/")
        assert (owner, folder) == ("anon", analysis_id)
        assert "palm" not in name and "passwd" not in name and name.endswith(".jpg")
        stored = absolute_path(settings, image.path).read_bytes()
        assert image.bytes == len(stored) and image.mime == "image/jpeg"
        import hashlib

        assert image.sha256 == hashlib.sha256(stored).hexdigest()
        width, height = Image.open(io.BytesIO(stored)).size
        assert (image.width, image.height) == (width, height)
    # The folder holds exactly the two photos: no temporary leftovers.
    folder_files = sorted(p.name for p in absolute_path(settings, image.path).parent.iterdir())
    assert folder_files == sorted(i.path.rsplit("/", 1)[1] for i in analysis.images)


async def test_jobs_are_enqueued_after_the_commit(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, palm: Callable[[str], bytes]
) -> None:
    """Each job is published once, to its queue, only when its row and files are already
    visible to another connection (a worker never looks for something not there yet)."""
    from celery import signals
    from sqlalchemy import select

    from rekha.analyses.models import Analysis
    from rekha.core.db import SyncDatabase

    published: list[dict[str, Any]] = []
    observer = SyncDatabase(settings)

    def on_publish(
        sender: str | None = None,
        body: Any = None,
        headers: dict[str, Any] | None = None,
        routing_key: str | None = None,
        **_: Any,
    ) -> None:
        # Runs in the publishing thread just before the message goes to the broker; what it
        # sees through its own connection is what a worker would see.
        args, _kwargs, _embed = body
        with observer.session() as session:
            row = session.execute(
                select(Analysis).where(Analysis.id == args[0])
            ).scalar_one_or_none()
            files = [absolute_path(settings, i.path).is_file() for i in row.images] if row else []
        published.append(
            {
                "task": sender,
                "id": (headers or {}).get("id"),
                "queue": routing_key,
                "row": row is not None,
                "files": files,
            }
        )

    signals.before_task_publish.connect(on_publish)
    try:
        response = await upload(client, right=palm("right_02.jpg"))
    finally:
        signals.before_task_publish.disconnect(on_publish)
        observer.engine.dispose()
    assert response.status_code == 202, response.text
    analysis = await load_analysis(app, response.json()["id"])
    assert analysis is not None
    assert published == [
        {"task": "rekha.analyses.process_palm_analysis", "id": analysis.job_id,
         "queue": "analysis", "row": True, "files": [True]},
        {"task": "rekha.analyses.make_thumbnails", "id": published[1]["id"],
         "queue": "images", "row": True, "files": [True]},
    ]  # fmt: skip
    from rekha.worker import celery_app

    if not celery_app.control.ping(timeout=0.5):
        # No worker consuming (the usual case for this file): the messages are in Redis.
        queued = [
            m["headers"]["id"]
            for queue in ("analysis", "images")
            for m in broker_messages(settings, queue)
        ]
        assert analysis.job_id in queued and published[1]["id"] in queued


async def test_exif_gps_and_camera_are_gone_and_orientation_applied(
    client: httpx.AsyncClient, palm: Callable[[str], bytes]
) -> None:
    for name in ("right_exif_gps_rotated.jpg", "right_08.jpg", "left_15.jpg"):
        sent = palm(name)
        original = Image.open(io.BytesIO(sent))
        exif = original.getexif()
        assert exif.get(ORIENTATION) == 6  # the fixture really is stored sideways
        make = exif.get(MAKE)
        response = await upload(client, right=(name, sent, "image/jpeg"))
        assert response.status_code == 202, response.text
        stored = await fetch_original(client, response.json()["id"], "right")
        assert_no_metadata(stored)
        if name == "right_exif_gps_rotated.jpg":
            assert exif.get_ifd(GPS_IFD)  # there was a GPS position to remove
        if make:
            assert str(make).strip("\x00").encode() not in stored
        upright = Image.open(io.BytesIO(stored))
        # Orientation 6 swaps width and height, and the pixels match the upright photo...
        assert upright.size == (original.height, original.width)
        expected = ImageOps.exif_transpose(original)
        wrong = original.rotate(90, expand=True)  # ...and not the other way round
        assert mean_difference(upright, expected) < 4
        assert mean_difference(upright, wrong) > 4 * mean_difference(upright, expected)


async def test_upright_jpeg_metadata_is_stripped_without_touching_pixels(
    client: httpx.AsyncClient,
) -> None:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[0x0132] = "2026:01:02 03:04:05"
    exif.get_ifd(GPS_IFD)[2] = (12.0, 34.0, 56.0)  # GPSLatitude
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    sent = noise_jpeg(
        seed=7, exif=exif.tobytes(), icc_profile=srgb, comment=b"secret note", quality=90
    )
    assert b"PhoneMaker" in sent and b"secret note" in sent
    response = await upload(client, left=sent)
    assert response.status_code == 202, response.text
    stored = await fetch_original(client, response.json()["id"], "left")
    assert_no_metadata(stored)
    assert b"PhoneMaker" not in stored and b"secret note" not in stored
    pixels_sent = np.asarray(Image.open(io.BytesIO(sent)))
    pixels_stored = np.asarray(Image.open(io.BytesIO(stored)))
    assert np.array_equal(pixels_sent, pixels_stored)  # lossless: not re-encoded


async def test_data_after_the_end_of_the_image_is_dropped(client: httpx.AsyncClient) -> None:
    # Cameras append extra pictures (MPF) or vendor blobs after the JPEG's end marker.
    sent = noise_jpeg(seed=8) + b"TRAILING-SECRET" * 100
    response = await upload(client, left=sent)
    assert response.status_code == 202, response.text
    stored = await fetch_original(client, response.json()["id"], "left")
    assert b"TRAILING-SECRET" not in stored and stored.endswith(b"\xff\xd9")


async def test_heic_is_converted_to_jpeg(
    client: httpx.AsyncClient, app: FastAPI, palm: Callable[[str], bytes]
) -> None:
    response = await upload(
        client, right=("IMG_0388.HEIC", palm("right_heic_01.heic"), "image/heic")
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["images"][0]["mime"] == "image/jpeg"
    stored = await fetch_original(client, body["id"], "right")
    assert stored.startswith(b"\xff\xd8\xff")
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert_no_metadata(stored)
    analysis = await load_analysis(app, body["id"])
    assert analysis is not None and analysis.images[0].path.endswith(".jpg")


async def test_webp_is_converted_to_jpeg_and_png_stays_png(
    client: httpx.AsyncClient, palm: Callable[[str], bytes]
) -> None:
    source = Image.open(io.BytesIO(palm("left_06.jpg")))
    exif = Image.Exif()
    exif[MAKE] = "WebPCam"
    webp = io.BytesIO()
    source.save(webp, "WEBP", quality=90, exif=exif.tobytes())
    response = await upload(client, left=("palm.webp", webp.getvalue(), "image/webp"))
    assert response.status_code == 202, response.text
    assert response.json()["images"][0]["mime"] == "image/jpeg"
    stored = await fetch_original(client, response.json()["id"], "left")
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    assert b"WebPCam" not in stored
    assert_no_metadata(stored)

    response = await upload(client, left=("x.png", palm("hard_lowres_01.png"), "image/png"))
    assert response.status_code == 202, response.text
    assert response.json()["images"][0]["mime"] == "image/png"
    stored = await fetch_original(client, response.json()["id"], "left")
    assert Image.open(io.BytesIO(stored)).format == "PNG"
    assert_no_metadata(stored)


async def test_transparent_png_is_flattened_onto_white(client: httpx.AsyncClient) -> None:
    rgba = Image.new("RGBA", (100, 80), (200, 30, 30, 0))
    out = io.BytesIO()
    rgba.save(out, "PNG")
    response = await upload(client, left=("t.png", out.getvalue(), "image/png"))
    assert response.status_code == 202, response.text
    stored = Image.open(io.BytesIO(await fetch_original(client, response.json()["id"], "left")))
    assert stored.mode == "RGB" and stored.getpixel((5, 5)) == (255, 255, 255)


async def test_one_palm_is_enough_and_choices_are_case_insensitive(
    client: httpx.AsyncClient, palm: Callable[[str], bytes]
) -> None:
    response = await upload(client, left=palm("left_01.jpg"), data={"focus": "Love"})
    assert response.status_code == 202, response.text
    assert response.json()["hands"] == ["left"] and response.json()["focus"] == "love"
    assert response.json()["dominant_hand"] is None


async def test_an_empty_file_input_is_ignored_as_browsers_send_it(
    client: httpx.AsyncClient, palm: Callable[[str], bytes]
) -> None:
    # A form with an unused file input sends the field with an empty filename and no bytes.
    response = await upload(
        client, left=palm("left_01.jpg"), right=("", b"", "application/octet-stream")
    )
    assert response.status_code == 202, response.text
    assert response.json()["hands"] == ["left"]


async def test_cmyk_jpeg_is_converted_to_rgb_and_grayscale_is_kept(
    client: httpx.AsyncClient,
) -> None:
    rgb = Image.open(io.BytesIO(noise_jpeg(seed=9)))
    cmyk = io.BytesIO()
    rgb.convert("CMYK").save(cmyk, "JPEG", quality=90)
    response = await upload(client, left=("cmyk.jpg", cmyk.getvalue(), "image/jpeg"))
    assert response.status_code == 202, response.text
    stored = Image.open(io.BytesIO(await fetch_original(client, response.json()["id"], "left")))
    assert stored.mode == "RGB"

    gray = io.BytesIO()
    rgb.convert("L").save(gray, "JPEG", quality=90)
    response = await upload(client, left=("gray.jpg", gray.getvalue(), "image/jpeg"))
    assert response.status_code == 202, response.text
    stored = Image.open(io.BytesIO(await fetch_original(client, response.json()["id"], "left")))
    assert stored.mode == "L" and stored.size == rgb.size


def swapped_primaries_profile() -> bytes:
    """An RGB ICC profile whose red and blue primaries are swapped (sRGB's, rearranged): pure
    red in such a file *is* blue, so applying the profile visibly changes the pixels."""
    import struct

    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", profile[128:132])[0]
    entries = {}
    for k in range(count):
        signature, offset, size = struct.unpack(">4sII", profile[132 + 12 * k : 144 + 12 * k])
        entries[signature] = (k, offset, size)
    (kr, red_offset, red_size), (kb, blue_offset, blue_size) = entries[b"rXYZ"], entries[b"bXYZ"]
    struct.pack_into(">4sII", profile, 132 + 12 * kr, b"rXYZ", blue_offset, blue_size)
    struct.pack_into(">4sII", profile, 132 + 12 * kb, b"bXYZ", red_offset, red_size)
    # Not called sRGB any more, or it would (rightly) be taken for sRGB.
    return bytes(profile).replace("sRGB".encode("utf-16-be"), "Swap".encode("utf-16-be"))


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
async def test_embedded_colour_profile_is_applied_then_dropped(
    client: httpx.AsyncClient, kind: str
) -> None:
    red = Image.new("RGB", (120, 90), (255, 0, 0))
    out = io.BytesIO()
    red.save(out, kind, icc_profile=swapped_primaries_profile())
    response = await upload(client, left=(f"p.{kind.lower()}", out.getvalue(), "image/jpeg"))
    assert response.status_code == 202, response.text
    stored_bytes = await fetch_original(client, response.json()["id"], "left")
    assert_no_metadata(stored_bytes)  # the profile itself is gone: the pixels are sRGB now
    r, g, b = Image.open(io.BytesIO(stored_bytes)).convert("RGB").getpixel((60, 45))  # type: ignore[misc]
    assert b > 200 and r < 60 and g < 60, (r, g, b)


@pytest.mark.parametrize("orientation", [1, 6])
async def test_large_photos_are_stored_scaled_down_upright_and_clean(
    client: httpx.AsyncClient, palm: Callable[[str], bytes], settings: Settings, orientation: int
) -> None:
    # A 12 MP phone photo (4032x3024 sensor, as phones store it), upright or sideways.
    source = Image.open(io.BytesIO(palm("right_01.jpg"))).convert("RGB").resize((4032, 3024))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "BigPhone"
    stored_pixels = source.rotate(90, expand=True) if orientation == 6 else source
    out = io.BytesIO()
    stored_pixels.save(out, "JPEG", quality=90, exif=exif.tobytes())
    response = await upload(client, left=out.getvalue())
    assert response.status_code == 202, response.text
    stored = await fetch_original(client, response.json()["id"], "left")
    assert_no_metadata(stored)
    assert b"BigPhone" not in stored
    image = Image.open(io.BytesIO(stored))
    cap = settings.max_stored_image_side
    assert cap // 2 <= max(image.size) <= cap
    # Upright either way: landscape 4:3 as the photo was taken, and the same picture.
    assert image.width > image.height
    assert abs(image.width / image.height - 4032 / 3024) < 0.01
    assert mean_difference(image, source.resize(image.size)) < 4
