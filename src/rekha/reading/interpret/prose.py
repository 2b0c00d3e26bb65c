"""Deterministic choice of wording, and filling phrasings with measured values.

Choices are seeded from a hash of the measurements, never from a random source: the same palm
always reads the same, and two palms almost never pick the same wording everywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import Enum
from typing import Any

from rekha.reading.knowledge import MISSING, PLACEHOLDER, resolve
from rekha.reading.types import HandMeasurements


def seed_of(measurements: Sequence[HandMeasurements]) -> bytes:
    h = hashlib.sha256()
    for m in sorted(measurements, key=lambda x: x.hand.value):
        h.update(m.model_dump_json().encode())
    return h.digest()


class Chooser:
    def __init__(self, seed: bytes) -> None:
        self._seed = seed

    def index(self, key: str, n: int) -> int:
        digest = hashlib.sha256(self._seed + key.encode()).digest()
        return int.from_bytes(digest[:8], "big") % n

    def pick(self, key: str, options: Sequence[str]) -> str:
        if not options:
            raise ValueError(f"no options for {key!r}")
        return options[self.index(key, len(options))]

    def order(self, key: str, items: Sequence[str]) -> list[str]:
        """A stable per-palm shuffle, used to vary which of several equal items come first."""
        return sorted(items, key=lambda s: hashlib.sha256(self._seed + (key + s).encode()).digest())


def plain(value: Any) -> Any:
    """A JSON-friendly version of a measured value (enums to their strings)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def fmt_number(value: Any, spec: str = ".2f") -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(value, spec)
    return str(plain(value))


def fill(text: str, m: HandMeasurements) -> tuple[str, list[str]] | None:
    """Insert {=path:fmt} values; None when a value is missing (pick another phrasing)."""
    used: list[str] = []
    out: list[str] = []
    pos = 0
    for match in PLACEHOLDER.finditer(text):
        path, spec = match.group(1), match.group(2)
        value = resolve(m, path)
        if value is MISSING or value is None:
            return None
        out.append(text[pos : match.start()])
        out.append(fmt_number(value, spec or ".2f") if isinstance(value, float) else
                   fmt_number(value))
        used.append(path)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out), used


def join_names(names: Sequence[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def capitalise(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s
