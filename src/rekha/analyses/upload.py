"""Streaming multipart parser for the photo upload.

The body is read chunk by chunk from the ASGI stream and fed to python-multipart's push parser,
with a byte counter per part: a file over the limit is refused the moment its bytes pass the
limit, without reading the rest of the body, so a huge upload never sits in memory. Only the
two photo fields and a few short text fields are accepted; anything else is refused as soon as
its part headers arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from rekha.core.errors import BadRequest, PayloadTooLarge

# Form field -> hand.
IMAGE_FIELDS = {"left_image": "left", "right_image": "right"}
TEXT_FIELDS = frozenset({"focus", "dominant_hand"})
MAX_TEXT_FIELD_BYTES = 64
# Headroom over the two files for boundaries, part headers and text fields.
BODY_OVERHEAD_BYTES = 64 * 1024


@dataclass
class ParsedUpload:
    images: dict[str, bytes] = field(default_factory=dict)  # hand -> raw bytes as sent
    fields: dict[str, str] = field(default_factory=dict)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


class _PartCollector:
    """python-multipart callbacks that build a ParsedUpload and enforce the limits as bytes
    arrive. Exceptions raised here propagate out of MultipartParser.write()."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.result = ParsedUpload()
        self.finished = False
        self._files_seen = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._buffer = bytearray()
        self._limit = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._name = ""
        self._filename = None
        self._buffer = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise BadRequest(
                "The upload is not a well-formed form (a part has no field name).",
                code="malformed_multipart",
            )
        self._name = options[b"name"].decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._filename = filename.decode("utf-8", "replace") if filename is not None else None
        if self._filename or self._name in IMAGE_FIELDS:
            self._files_seen += 1
            if self._files_seen > len(IMAGE_FIELDS):
                raise BadRequest(
                    "Please send at most two photos: one of the left palm and one of the right.",
                    code="too_many_files",
                )
        if self._name in IMAGE_FIELDS:
            if IMAGE_FIELDS[self._name] in self.result.images:
                raise BadRequest(
                    f"The field {self._name} was sent twice; send one photo per hand.",
                    code="duplicate_field",
                    details={"field": self._name},
                )
            self._limit = self.max_file_bytes
        elif self._name in TEXT_FIELDS:
            if self._name in self.result.fields:
                raise BadRequest(
                    f"The field {self._name} was sent twice.",
                    code="duplicate_field",
                    details={"field": self._name},
                )
            self._limit = MAX_TEXT_FIELD_BYTES
        else:
            allowed = ", ".join([*IMAGE_FIELDS, *sorted(TEXT_FIELDS)])
            raise BadRequest(
                f"Unknown field {self._name!r}. The fields are: {allowed}.",
                code="unknown_field",
                details={"field": self._name},
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if len(self._buffer) + (end - start) > self._limit:
            if self._name in IMAGE_FIELDS:
                hand = IMAGE_FIELDS[self._name]
                raise PayloadTooLarge(
                    f"The {hand}-hand photo is larger than {_mb(self.max_file_bytes)}. "
                    "Please send a smaller photo (your phone's normal camera setting is fine).",
                    code="file_too_large",
                    details={"hand": hand, "limit_bytes": self.max_file_bytes},
                )
            raise BadRequest(
                f"The field {self._name} is too long.",
                code="field_too_long",
                details={"field": self._name},
            )
        self._buffer += data[start:end]

    def on_part_end(self) -> None:
        if self._name in IMAGE_FIELDS:
            hand = IMAGE_FIELDS[self._name]
            if not self._buffer:
                if not self._filename:
                    # A browser sends an empty part for a file input left empty: not an error.
                    self._files_seen -= 1
                    return
                raise BadRequest(
                    f"The {hand}-hand photo is empty (0 bytes). Please choose the photo again.",
                    code="empty_file",
                    details={"hand": hand},
                )
            self.result.images[hand] = bytes(self._buffer)
        else:
            try:
                self.result.fields[self._name] = self._buffer.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise BadRequest(
                    f"The field {self._name} is not valid text.",
                    code="invalid_field",
                    details={"field": self._name},
                ) from exc
        self._buffer = bytearray()

    def on_end(self) -> None:
        self.finished = True


def _malformed(reason: str) -> BadRequest:
    return BadRequest(
        f"The upload is not a well-formed multipart form ({reason}). "
        "Send the photos as multipart/form-data fields left_image and/or right_image.",
        code="malformed_multipart",
    )


async def parse_upload(request: Request, *, max_file_bytes: int) -> ParsedUpload:
    """Read the request body as the upload form, enforcing every limit while streaming."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadRequest(
            "Send the photos as multipart/form-data (fields left_image and/or right_image).",
            code="not_multipart",
        )
    max_body = len(IMAGE_FIELDS) * max_file_bytes + BODY_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        # Refuse before reading a byte: the body cannot hold two photos within the limit.
        raise PayloadTooLarge(
            f"The upload is larger than two photos of {_mb(max_file_bytes)} each. "
            "Please send smaller photos.",
            code="upload_too_large",
            details={"limit_bytes": max_file_bytes},
        )
    collector = _PartCollector(max_file_bytes)
    try:
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    except MultipartParseError as exc:
        raise _malformed("bad boundary") from exc
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_body:
                # Without Content-Length (chunked), the body total is the backstop.
                raise PayloadTooLarge(
                    f"The upload is larger than two photos of {_mb(max_file_bytes)} each.",
                    code="upload_too_large",
                    details={"limit_bytes": max_file_bytes},
                )
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise _malformed("could not parse the body") from exc
    except ClientDisconnect as exc:
        raise BadRequest("The upload was interrupted.", code="upload_interrupted") from exc
    if not collector.finished:
        raise _malformed("the body ended early")
    return collector.result
