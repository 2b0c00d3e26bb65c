"""The knowledge base: schema, coverage, safety, and that every entry can be reached."""

from __future__ import annotations

import copy
import re

import pytest
from pydantic import ValidationError

from rekha.reading.interpret import compose
from rekha.reading.knowledge import (
    PLACEHOLDER,
    Condition,
    Entry,
    Topic,
    evaluate,
    field_type,
    load_knowledge,
)
from rekha.reading.types import Hand, HandMeasurements, LineName, MountName

from .builders import make_measurements
from .solver import quiet_base, satisfy

KB = load_knowledge()

# What Rekha never says (TRADITION.md, "Leave out"). Checked over every phrasing.
FORBIDDEN = re.compile(
    r"\b(death|die|dies|dying|lifespan|life span|short life|early grave|disease|illness|"
    r"cancer|infertil\w*|barren|sterile|crime|criminal|addict\w*|widow\w*)\b",
    re.IGNORECASE,
)
# Negated mentions are how Rekha says what it will not read ("never a measure of years").
ALLOWED_NEGATIONS = ("not a prediction of illness", "vitality, not illness")


def all_text() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for e in KB.entries:
        out += [(e.id, t) for t in [e.reading, *e.all_texts()]]
    for key, pool in KB.phrases.items():
        if isinstance(pool, str):
            out.append((key, pool))
        elif isinstance(pool, list):
            out += [(key, t) for t in pool]
        else:
            out += [(key, t) for texts in pool.values() for t in texts]
    return out


def test_loads_and_every_entry_has_names_and_phrasings() -> None:
    assert len(KB.entries) >= 80
    for e in KB.entries:
        names = KB.names_of(e)
        assert names.sanskrit and names.english
        assert re.search(r"[\u0900-\u097F]", names.hindi), f"{e.id}: Hindi name not Devanagari"
        assert len(e.text) >= 2, e.id
        assert e.reading.endswith("."), e.id


def test_every_line_and_mount_is_covered() -> None:
    for line in LineName:
        subject = KB.line_subject(line)
        assert KB.by_subject(subject.id), f"no entries for {line}"
    for mount in MountName:
        subject = KB.mount_subject(mount)
        assert KB.by_subject(subject.id), f"no entries for {mount}"
    for topic in Topic:
        assert KB.by_topic(topic), f"no entries of topic {topic}"
    for shape in ("earth", "air", "fire", "water"):
        assert any(e.when.in_ == [shape] or e.when.equals == shape for e in KB.by_subject("shape"))


def test_condition_paths_and_placeholders_name_real_fields() -> None:
    for e in KB.entries:
        for path in e.when.fields():
            assert field_type(path) is not None, f"{e.id}: {path}"
        for text in e.all_texts():
            for path, _fmt in PLACEHOLDER.findall(text):
                assert field_type(path) is not None, f"{e.id}: {path}"


def test_schema_rejects_unknown_fields_and_bad_paths() -> None:
    good = KB.entries[0].model_dump(by_alias=True)
    bad_path = copy.deepcopy(good)
    bad_path["when"] = {"field": "lines.heart.colour", "equals": "red"}
    with pytest.raises(ValidationError):
        Entry.model_validate(bad_path)
    bad_line = copy.deepcopy(good)
    bad_line["when"] = {"field": "lines.lucky.found", "equals": True}
    with pytest.raises(ValidationError):
        Entry.model_validate(bad_line)
    with pytest.raises(ValidationError):
        Condition.model_validate({"field": "geometry.index_to_ring", "gt": 1, "equals": 2})
    extra = copy.deepcopy(good)
    extra["colour"] = "red"
    with pytest.raises(ValidationError):
        Entry.model_validate(extra)


def test_condition_language() -> None:
    m = make_measurements(changes={"geometry.index_to_ring": 1.05,
                                   "lines.head.end_zone": "under_ring_straight_across"})
    c = Condition.model_validate
    assert evaluate(c({"field": "geometry.index_to_ring", "gt": 1.0}), m)
    assert not evaluate(c({"field": "geometry.index_to_ring", "lt": 1.0}), m)
    assert evaluate(c({"field": "geometry.index_to_ring", "gte": 1.0, "lt": 1.1}), m)
    assert evaluate(c({"field": "lines.head.end_zone", "ends_with": "straight_across"}), m)
    assert evaluate(c({"field": "mounts.guru.lines_crossing", "contains": "heart"}), m)
    assert evaluate(c({"all": [{"field": "lines.sun.found", "equals": False},
                               {"field": "geometry.shape", "in": ["earth", "air"]}]}), m)
    assert evaluate(c({"any": [{"field": "lines.sun.found", "equals": True},
                               {"field": "geometry.thumb_set", "equals": "medium"}]}), m)
    assert evaluate(c({"not": {"field": "lines.sun.found", "equals": True}}), m)
    # A missing value never satisfies a test (the sun line has no length when not found).
    assert not evaluate(c({"field": "lines.sun.length_ratio", "lt": 5.0}), m)


def test_no_forbidden_predictions_anywhere() -> None:
    for where, text in all_text():
        cleaned = text
        for ok in ALLOWED_NEGATIONS:
            cleaned = cleaned.replace(ok, "")
        hit = FORBIDDEN.search(cleaned)
        assert hit is None, f"{where}: {hit.group(0)!r} in {text!r}"


def test_health_texts_point_to_a_doctor() -> None:
    pointers = KB.phrases["health_pointer"]
    assert pointers and all("doctor" in p for p in pointers)


@pytest.mark.parametrize("entry", KB.entries, ids=lambda e: e.id)
def test_every_entry_is_reachable_by_some_measurement(entry: Entry) -> None:
    d = quiet_base()
    satisfy(entry.when, d)
    m = HandMeasurements.model_validate(d)  # the witness values are valid measurements
    assert entry.matches(m)
    _reading, trace = compose({Hand.right: m})
    assert entry.id in trace.entries, f"{entry.id} matched but the reading did not use it"
