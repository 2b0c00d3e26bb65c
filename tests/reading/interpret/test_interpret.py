"""The interpreter on built measurements: grounding, hedging, focus, determinism, variety."""

from __future__ import annotations

import re

from rekha.reading.interpret import compose, interpret
from rekha.reading.interpret.engine import DEEPLY_CREASED_DEPTH
from rekha.reading.knowledge import MISSING, field_type, load_knowledge, resolve
from rekha.reading.types import Focus, Hand, HandMeasurements, Reading

from .builders import faint, make_measurements, missing

KB = load_knowledge()
LINE_SECTIONS = ["heart_line", "head_line", "life_line", "fate_line", "sun_line",
                 "mercury_line", "marriage_lines", "bracelets"]


def sentences(reading: Reading) -> list[str]:
    text = " ".join([reading.summary, *(s.text for s in reading.sections)])
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def section(reading: Reading, key: str) -> str:
    return next(s.text for s in reading.sections if s.key == key)


def assert_evidence_is_real(reading: Reading, ms: dict[Hand, HandMeasurements]) -> None:
    for s in reading.sections:
        assert s.evidence or s.key == "guidance", f"{s.key} has no evidence"
        for ev in s.evidence:
            assert ev.hand in ms, ev
            assert field_type(ev.field) is not None, f"{s.key}: {ev.field} is not a field"
            value = resolve(ms[ev.hand], ev.field)
            assert value is not MISSING, f"{s.key}: {ev.field} does not resolve"
            assert 0.0 <= ev.confidence <= 1.0


def test_structure_of_a_general_reading() -> None:
    m = make_measurements()
    r = interpret({Hand.right: m})
    keys = [s.key for s in r.sections]
    assert keys[0] == "overview"
    assert keys[1:9] == LINE_SECTIONS
    assert keys[9:] == ["mounts_fingers", "career", "love", "health", "wealth", "guidance"]
    assert r.hands == [Hand.right] and r.focus is Focus.general
    assert "dominant" in r.convention and "born with" in r.convention
    assert "entertainment" in r.disclaimer and "medical" in r.disclaimer
    assert "doctor" in section(r, "health")
    assert_evidence_is_real(r, {Hand.right: m})


def test_evidence_carries_the_measured_value_and_line_confidence() -> None:
    m = make_measurements(changes={"lines.heart.end_zone": "under_middle",
                                   "lines.heart.confidence": 0.83})
    r = interpret({Hand.right: m})
    ev = next(e for s in r.sections if s.key == "heart_line" for e in s.evidence
              if e.field == "lines.heart.end_zone")
    assert ev.value == "under_middle" and ev.confidence == 0.83


def test_summary_teases_without_giving_the_report_away() -> None:
    m = make_measurements()
    r = interpret({Hand.right: m})
    summary = sentences(Reading(summary=r.summary, sections=[], hands=r.hands,
                                convention="", disclaimer=""))
    assert 2 <= len(summary) <= 4
    body = " ".join(s.text for s in r.sections)
    for sent in summary:
        assert sent not in body
    # No entry's reading or phrasing (what the full report says) appears in the summary.
    for e in KB.entries:
        for t in [e.reading, *e.all_texts()]:
            assert t[:40] not in r.summary


def test_faint_line_is_hedged_never_stated() -> None:
    m = make_measurements(changes={**faint("heart"), "lines.heart.end_zone": "under_middle"})
    r, _trace = compose({Hand.right: m})
    heart = section(r, "heart_line")
    assert "not clearly visible" in heart
    stated = [t for e in KB.for_line("heart") for t in e.text]
    for t in stated:
        assert t.split("{=")[0][:50] not in heart, f"stated a faint line: {t[:50]}"
    # Outside its own section a faint line is left out entirely.
    others = " ".join(s.text for s in r.sections if s.key != "heart_line")
    for e in KB.for_line("heart"):
        for texts in e.areas.values():
            for t in texts:
                assert t.split("{=")[0][:50] not in others
    ev = {e.field: e for s in r.sections if s.key == "heart_line" for e in s.evidence}
    assert ev["lines.heart.clearly_visible"].value is False
    assert ev["lines.heart.confidence"].confidence < 0.5


def test_missing_line_says_so_and_reads_nothing_into_it() -> None:
    m = make_measurements(changes=missing("head"))
    r = interpret({Hand.right: m})
    head = section(r, "head_line")
    assert "could not" in head or "could not find" in head
    assert "Mastishka" in head
    assert_evidence_is_real(r, {Hand.right: m})


def test_absent_fate_line_is_normal() -> None:
    r = interpret({Hand.right: make_measurements(changes=missing("fate"))})
    fate = section(r, "fate_line")
    assert any(w in fate for w in ("common", "normal", "ordinary", "Many hands"))


def test_focus_centres_the_report() -> None:
    m = make_measurements()
    general = interpret({Hand.right: m})
    for focus, key, lead in [(Focus.love, "love", "heart_line"),
                             (Focus.career, "career", "fate_line"),
                             (Focus.health, "health", "life_line"),
                             (Focus.life, "life_path", "life_line")]:
        r = interpret({Hand.right: m}, focus=focus)
        keys = [s.key for s in r.sections]
        assert r.focus is focus
        assert keys[:3] == ["overview", key, lead], keys
        # The other life areas give way to the one asked for.
        assert len([k for k in keys if k in {"career", "love", "health", "wealth"}]) <= 1
        assert r.summary != general.summary
        assert section(r, key) != ""
        assert_evidence_is_real(r, {Hand.right: m})
    health = interpret({Hand.right: m}, focus=Focus.health)
    assert "doctor" in section(health, "health")


def test_focused_area_says_more_than_the_general_one() -> None:
    m = make_measurements()
    general = section(interpret({Hand.right: m}), "love")
    focused = section(interpret({Hand.right: m}, focus=Focus.love), "love")
    assert len(focused) > len(general)


def test_same_palm_same_words() -> None:
    m = make_measurements()
    again = HandMeasurements.model_validate_json(m.model_dump_json())
    assert interpret({Hand.right: m}) == interpret({Hand.right: again})


def test_different_palms_read_differently() -> None:
    a = make_measurements()
    b = make_measurements(changes={
        "geometry.shape": "fire", "geometry.index_to_ring": 1.06,
        "lines.heart.end_zone": "under_middle", "lines.heart.length_ratio": 1.25,
        "lines.head.start_zone": "apart_from_life", "lines.life.curvature": 0.9,
        "lines.fate.length_ratio": 1.3, "geometry.thumb_length_ratio": 0.66,
    })
    sa, sb = set(sentences(interpret({Hand.right: a}))), set(sentences(interpret({Hand.right: b})))
    shared = len(sa & sb) / min(len(sa), len(sb))
    assert shared < 0.5, f"{shared:.2f} of sentences shared"


def test_small_change_changes_wording_but_not_substance() -> None:
    a = make_measurements()
    b = make_measurements(changes={"lines.heart.length_ratio": 0.9})
    ra, rb = interpret({Hand.right: a}), interpret({Hand.right: b})
    assert [s.key for s in ra.sections] == [s.key for s in rb.sections]


def test_two_hands_compare_with_the_convention_stated() -> None:
    left = make_measurements(Hand.left, changes={"lines.head.length_ratio": 0.75})
    right = make_measurements(Hand.right, changes={"lines.head.length_ratio": 1.1,
                                                   "geometry.shape": "air"})
    ms = {Hand.left: left, Hand.right: right}
    r = interpret(ms)
    lr = section(r, "left_right")
    assert "left" in lr and "right" in lr
    assert "born with" in r.convention and "assumed right-handed" in r.convention
    assert "1.10" in lr and "0.75" in lr  # the head line comparison is grounded in numbers
    assert r.hands == [Hand.left, Hand.right]
    assert_evidence_is_real(r, ms)
    # The dominant hand leads: the overview reads the right hand's shape.
    assert "air" in section(r, "overview").lower()
    lefty = interpret(ms, dominant=Hand.left)
    assert "assumed" not in lefty.convention
    assert "earth" in section(lefty, "overview").lower()
    assert lefty != r


def test_only_left_hand_given() -> None:
    m = make_measurements(Hand.left)
    r = interpret({Hand.left: m})
    assert r.hands == [Hand.left]
    assert "born with" in r.convention
    assert "left_right" not in [s.key for s in r.sections]
    assert_evidence_is_real(r, {Hand.left: m})


def _all_unclear(sharpness: float) -> HandMeasurements:
    changes: dict[str, object] = {"quality.sharpness": sharpness}
    for line in ["heart", "head", "life", "fate", "marriage", "bracelet"]:
        changes.update(faint(line))
    return make_measurements(changes=changes)


def test_unclear_lines_on_a_deeply_creased_palm_are_not_called_faint() -> None:
    """There the lines are not faint: the engine cannot tell which of many strong creases is
    which line, and the reading says that, resting it on the photo's crease depth."""
    for sharpness in (DEEPLY_CREASED_DEPTH, 0.38):
        m = _all_unclear(sharpness)
        r = interpret({Hand.right: m})
        text = " ".join([r.summary, *(s.text for s in r.sections)])
        assert "faint" not in text.lower()
        assert "crease" in r.summary
        assert "crease" in section(r, "overview")
        for key in ["heart_line", "head_line", "life_line"]:
            assert "not clearly visible" in section(r, key)
            assert "crease" in section(r, key)
            fields = [e.field for e in next(s for s in r.sections if s.key == key).evidence]
            assert "quality.sharpness" in fields
        assert_evidence_is_real(r, {Hand.right: m})


def test_unclear_lines_on_a_shallow_photo_are_called_faint() -> None:
    m = _all_unclear(DEEPLY_CREASED_DEPTH - 0.01)
    r = interpret({Hand.right: m})
    assert "faint" in r.summary or "Few lines" in r.summary
    assert "many strong creases" not in " ".join(s.text for s in r.sections)
    assert "quality.sharpness" not in [e.field for s in r.sections for e in s.evidence]


def test_a_deeply_creased_palm_with_clear_lines_reads_them_plainly() -> None:
    m = make_measurements(changes={"quality.sharpness": 0.3})
    r = interpret({Hand.right: m})
    assert "not clearly visible" not in section(r, "heart_line")
    assert "creases" not in r.summary


def test_one_clear_line_is_counted_in_the_singular() -> None:
    changes: dict[str, object] = {}
    for line in ["heart", "head", "life", "fate", "marriage"]:
        changes.update(faint(line))
    m = make_measurements(changes={**changes, "lines.bracelet.count": 1})
    r = interpret({Hand.right: m})
    text = " ".join([r.summary, *(s.text for s in r.sections)])
    assert "bracelets" in section(r, "overview")
    assert "one" in section(r, "overview")
    assert not re.search(r"\b1 (\w+ )?lines?\b", text), re.search(r"\b1 (\w+ )?lines?\b", text)
    assert "(s)" not in text


def test_no_clear_lines_at_all_still_reads_the_shape_honestly() -> None:
    changes: dict[str, object] = {}
    for line in ["heart", "head", "life", "fate", "marriage", "bracelet"]:
        changes.update(faint(line))
    m = make_measurements(changes=changes)
    r = interpret({Hand.right: m})
    for key in ["heart_line", "head_line", "life_line", "fate_line"]:
        assert "not clearly visible" in section(r, key)
    assert "earth" in section(r, "overview").lower()
    assert "faint" in r.summary or "Few lines" in r.summary
    assert_evidence_is_real(r, {Hand.right: m})
