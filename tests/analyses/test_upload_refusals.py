"""Every refusal of the upload: a specific code, a kind message, and nothing left behind."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.analyses.helpers import ANALYSES, assert_error, noise_jpeg, upload
from tests.auth.helpers import ensure_csrf

MB = 1024 * 1024


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG with its frame header rewritten to claim width x height."""
    data = bytearray(noise_jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def headers_only_jpeg() -> bytes:
    """A JPEG's header segments followed straight by end-of-image: no compressed pixels."""
    data = noise_jpeg(64, 64)
    return data[: data.index(b"\xff\xda")] + b"\xff\xd9"


Refusal = tuple[str, int, str, dict[str, Any]]
REFUSAL_COUNT = 20


def refusals(palm: Callable[[str], bytes]) -> list[Refusal]:
    good = palm("left_01.jpg")
    gif = io.BytesIO()
    Image.new("RGB", (100, 100)).save(gif, "GIF")
    return [
        ("text named .jpg", 400, "unsupported_image_type",
         {"left": ("palm.jpg", b"hello, I am not a photo at all", "image/jpeg")}),
        ("GIF sent as JPEG", 400, "unsupported_image_type",
         {"left": ("palm.jpg", gif.getvalue(), "image/jpeg")}),
        ("truncated JPEG", 400, "image_truncated",
         {"right": ("cut.jpg", palm("right_01.jpg")[: 60_000], "image/jpeg")}),
        ("corrupt JPEG", 400, "image_corrupt",
         {"left": ("bad.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37" * 5000, "image/jpeg")}),
        ("PNG bomb 48 MP", 400, "image_too_many_pixels",
         {"left": ("bomb.png", png_claiming(8000, 6000), "image/png")}),
        ("PNG bomb 400 MP", 400, "image_too_many_pixels",
         {"left": ("bomb.png", png_claiming(20000, 20000), "image/png")}),
        ("JPEG bomb", 400, "image_too_many_pixels",
         {"left": ("bomb.jpg", jpeg_claiming(9000, 9000), "image/jpeg")}),
        ("JPEG headers without a scan", 400, "image_corrupt",
         {"left": ("noscan.jpg", headers_only_jpeg(), "image/jpeg")}),
        ("tiny image", 400, "image_too_small",
         {"left": ("tiny.jpg", noise_jpeg(20, 20), "image/jpeg")}),
        ("empty file", 400, "empty_file", {"left": ("palm.jpg", b"", "image/jpeg")}),
        ("no image", 400, "no_image",
         {"extra_files": [("focus", (None, b"love", "text/plain"))]}),
        ("same image twice", 400, "same_image", {"left": good, "right": good}),
        ("bad focus", 400, "invalid_focus", {"left": good, "data": {"focus": "money"}}),
        ("bad hand", 400, "invalid_dominant_hand",
         {"left": good, "data": {"dominant_hand": "both"}}),
        ("unknown field", 400, "unknown_field", {"left": good, "data": {"name": "Asha"}}),
        ("unknown file field", 400, "unknown_field",
         {"left": good, "extra_files": [("photo", ("p.jpg", good, "image/jpeg"))]}),
        ("three files", 400, "too_many_files",
         {"left": good, "right": palm("right_01.jpg"),
          "extra_files": [("third", ("p.jpg", palm("left_02.jpg"), "image/jpeg"))]}),
        ("same field twice", 400, "duplicate_field",
         {"left": good, "extra_files": [("left_image", ("p.jpg", palm("left_02.jpg"), "image/jpeg"))]}),
        ("good left, broken right", 400, "image_truncated",
         {"left": good, "right": ("cut.jpg", palm("right_02.jpg")[:50_000], "image/jpeg")}),
        ("over 15 MB", 413, "file_too_large",
         {"left": ("big.jpg", b"\xff\xd8\xff" + b"\x00" * (15 * MB), "image/jpeg")}),
    ]  # fmt: skip


@pytest.mark.parametrize("index", range(REFUSAL_COUNT))
async def test_refusal(
    index: int,
    client: httpx.AsyncClient,
    palm: Callable[[str], bytes],
    nothing_left_behind: Callable[[], Any],
) -> None:
    cases = refusals(palm)
    assert len(cases) == REFUSAL_COUNT
    _, status, code, request = cases[index]
    async with nothing_left_behind():
        response = await upload(client, **request)
        assert_error(response, status, code)


async def test_refusals_name_the_hand(client: httpx.AsyncClient) -> None:
    response = await upload(client, right=("x.jpg", b"not an image, plainly", "image/jpeg"))
    body = assert_error(response, 400, "unsupported_image_type")
    assert "right-hand photo" in body["message"] and "JPEG, PNG, HEIC or WebP" in body["message"]
    assert body["details"] == {"hand": "right"}


async def test_not_multipart_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ANALYSES, json={"left_image": "aGVsbG8="}, headers=await ensure_csrf(client)
    )
    assert_error(response, 400, "not_multipart")


async def test_a_body_cut_short_is_refused(
    client: httpx.AsyncClient, nothing_left_behind: Callable[[], Any]
) -> None:
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="left_image"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + noise_jpeg()  # no closing boundary
    )
    headers = {
        **await ensure_csrf(client),
        "content-type": "multipart/form-data; boundary=b0undary",
    }
    async with nothing_left_behind():
        response = await client.post(ANALYSES, content=body, headers=headers)
    assert_error(response, 400, "malformed_multipart")


class CountingBody:
    """A request body produced lazily, counting how much of it the server pulled."""

    def __init__(self, boundary: str, file_bytes: int, chunk: int = MB) -> None:
        self.boundary = boundary
        self.file_bytes = file_bytes
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="left_image"; '
            'filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        parts = [head, b"\xff\xd8\xff" + b"\x00" * (self.chunk - 3)]
        parts += [b"\x00" * self.chunk] * (self.file_bytes // self.chunk - 1)
        parts.append(f"\r\n--{self.boundary}--\r\n".encode())
        for part in parts:
            self.pulled += len(part)
            yield part


async def test_size_limit_is_enforced_while_streaming(
    client: httpx.AsyncClient, nothing_left_behind: Callable[[], Any]
) -> None:
    """A 200 MB upload without Content-Length is cut off just past 15 MB, not read whole."""
    body = CountingBody("streamb0undary", 200 * MB)
    headers = {
        **await ensure_csrf(client),
        "content-type": "multipart/form-data; boundary=streamb0undary",
    }
    async with nothing_left_behind():
        response = await client.post(ANALYSES, content=body, headers=headers)
    error = assert_error(response, 413, "file_too_large")
    assert error["details"]["hand"] == "left" and "15 MB" in error["message"]
    assert body.pulled <= 15 * MB + 2 * MB


async def test_declared_length_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient,
) -> None:
    body = CountingBody("lenb0undary", 40 * MB)
    headers = {
        **await ensure_csrf(client),
        "content-type": "multipart/form-data; boundary=lenb0undary",
        "content-length": str(40 * MB + 200),
    }
    response = await client.post(ANALYSES, content=body, headers=headers)
    assert_error(response, 413, "upload_too_large")
    assert body.pulled == 0


async def test_text_fields_are_short(
    client: httpx.AsyncClient, palm: Callable[[str], bytes]
) -> None:
    response = await upload(client, left=palm("left_01.jpg"), data={"focus": "x" * 5000})
    assert_error(response, 400, "field_too_long")


async def test_failure_after_the_commit_leaves_nothing(
    client: httpx.AsyncClient,
    palm: Callable[[str], bytes],
    nothing_left_behind: Callable[[], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The broker refusing the job (after rows and files were committed) undoes everything."""
    from rekha.analyses import service

    def broker_down(analysis_id: str, job_id: str) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(service, "_send_jobs", broker_down)
    async with nothing_left_behind():
        response = await upload(client, left=palm("left_01.jpg"), right=palm("right_01.jpg"))
        assert_error(response, 503, "enqueue_failed")
