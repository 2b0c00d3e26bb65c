"""The knowledge base: what Hast Rekha Shastra reads in each measurable feature of a hand.

Data lives in YAML beside this module (package data), validated here with pydantic:

- `subjects.yaml`: each line, mount, the hand's shape, thumb, fingers, signs; names in
  romanised Sanskrit/Hindi, Devanagari and English, and the words people use for them.
- `lines.yaml`, `mounts.yaml`, `hand.yaml`, `signs.yaml`: entries. Each has a condition on
  `HandMeasurements` (see `conditions.py`), what the tradition reads, and several phrasings.
- `phrases.yaml`: the interpreter's connecting prose.

Query helpers (`by_subject`, `by_area`, `find_subjects`) are here for the conversation
responder, which answers questions from the same base.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rekha.reading.knowledge.conditions import (
    MISSING,
    Condition,
    evaluate,
    field_type,
    line_of,
    lines_in,
    resolve,
)
from rekha.reading.types import HandMeasurements, LineName, MountName

ENTRY_FILES = ("lines.yaml", "mounts.yaml", "hand.yaml", "signs.yaml")

# {=dotted.path:format} in a phrasing inserts a measured value.
PLACEHOLDER = re.compile(r"\{=([a-z_.]+)(?::([^}]*))?\}")


class Topic(StrEnum):
    line = "line"
    mount = "mount"
    shape = "shape"
    thumb = "thumb"
    finger = "finger"
    sign = "sign"


class Area(StrEnum):
    career = "career"
    love = "love"
    health = "health"
    wealth = "wealth"
    life = "life"


class Names(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sanskrit: str  # romanised, as Hindi speakers write it
    hindi: str  # Devanagari
    english: str


class Subject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    topic: Topic
    names: Names
    aliases: list[str] = Field(min_length=1)
    where: str
    governs: str
    areas: list[Area]
    line: LineName | None = None
    mount: MountName | None = None


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    subject: str
    label: str  # the feature in plain English
    names: Names | None = None  # its own names, where it has them (a sign); else the subject's
    when: Condition
    reading: str  # what the tradition reads, one sentence in our words
    text: list[str] = Field(min_length=2)
    areas: dict[Area, list[str]] = Field(default_factory=dict)
    advice: list[str] = Field(default_factory=list)
    weight: int = Field(default=1, ge=1, le=3)
    # True when the entry reads a line's absence (`found: false`): it may be said even though
    # the line was not seen, because its phrasings say exactly that.
    absence: bool = False

    @field_validator("areas")
    @classmethod
    def _areas_have_text(cls, v: dict[Area, list[str]]) -> dict[Area, list[str]]:
        for area, texts in v.items():
            if not texts:
                raise ValueError(f"area {area} has no phrasings")
        return v

    @model_validator(mode="after")
    def _paths_are_real(self) -> Entry:
        for path in self.when.fields():
            if field_type(path) is None:
                raise ValueError(f"{self.id}: {path!r} is not a HandMeasurements field")
        for text in self.all_texts():
            for path, _ in PLACEHOLDER.findall(text):
                if field_type(path) is None:
                    raise ValueError(f"{self.id}: placeholder {path!r} is not a field")
        return self

    def all_texts(self) -> list[str]:
        out = list(self.text) + list(self.advice)
        for texts in self.areas.values():
            out.extend(texts)
        return out

    def lines(self) -> list[LineName]:
        return lines_in(self.when)

    def matches(self, m: HandMeasurements) -> bool:
        return evaluate(self.when, m)


class KnowledgeBase(BaseModel):
    subjects: dict[str, Subject]
    entries: list[Entry]
    phrases: dict[str, Any]

    @model_validator(mode="after")
    def _consistent(self) -> KnowledgeBase:
        ids = [e.id for e in self.entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate entry ids: {dupes}")
        for e in self.entries:
            if e.subject not in self.subjects:
                raise ValueError(f"{e.id}: unknown subject {e.subject!r}")
        return self

    def names_of(self, entry: Entry) -> Names:
        return entry.names or self.subjects[entry.subject].names

    def by_subject(self, subject: str) -> list[Entry]:
        return [e for e in self.entries if e.subject == subject]

    def by_area(self, area: Area | str) -> list[Entry]:
        return [e for e in self.entries if Area(area) in e.areas]

    def by_topic(self, topic: Topic | str) -> list[Entry]:
        return [e for e in self.entries if self.subjects[e.subject].topic == Topic(topic)]

    def for_line(self, line: LineName | str) -> list[Entry]:
        """Entries about one line, including signs on it and mounts it runs into."""
        return [e for e in self.entries if LineName(line) in e.lines()]

    def line_subject(self, line: LineName | str) -> Subject:
        return next(s for s in self.subjects.values() if s.line == LineName(line))

    def mount_subject(self, mount: MountName | str) -> Subject:
        return next(s for s in self.subjects.values() if s.mount == MountName(mount))

    def find_subjects(self, text: str) -> list[Subject]:
        """Subjects a piece of text mentions, by name or alias, longest match first."""
        low = f" {re.sub(r'[^a-z0-9 ]+', ' ', text.lower())} "
        hits: list[tuple[int, Subject]] = []
        for s in self.subjects.values():
            words = [*s.aliases, s.names.english.lower(), s.names.sanskrit.lower()]
            best = max(
                (len(w) for w in words if f" {re.sub(r'[^a-z0-9 ]+', ' ', w.lower())} " in low),
                default=0,
            )
            if best:
                hits.append((best, s))
        return [s for _, s in sorted(hits, key=lambda h: -h[0])]

    def matching(self, m: HandMeasurements) -> list[Entry]:
        return [e for e in self.entries if e.matches(m)]


def _read_yaml(name: str) -> Any:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """Load and validate every knowledge file (cached: the files are package data)."""
    subjects = [Subject.model_validate(s) for s in _read_yaml("subjects.yaml")]
    entries: list[Entry] = []
    for fname in ENTRY_FILES:
        for raw in _read_yaml(fname):
            entries.append(Entry.model_validate(raw))
    return KnowledgeBase(
        subjects={s.id: s for s in subjects},
        entries=entries,
        phrases=_read_yaml("phrases.yaml"),
    )


__all__ = [
    "ENTRY_FILES",
    "MISSING",
    "PLACEHOLDER",
    "Area",
    "Condition",
    "Entry",
    "KnowledgeBase",
    "Names",
    "Subject",
    "Topic",
    "evaluate",
    "field_type",
    "line_of",
    "lines_in",
    "load_knowledge",
    "resolve",
]
