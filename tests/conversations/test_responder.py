"""The local responder on real measurements of fixture palms (right_07 and left_07)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from rekha.conversations.report import StoredReport
from rekha.conversations.responder import Answer, LocalResponder, ResponderContext
from rekha.reading.types import Hand, HandMeasurements, LineName
from tests.conversations.builders import with_line

pytestmark = pytest.mark.fixtures


@pytest.fixture(scope="module")
def responder() -> LocalResponder:
    return LocalResponder()


def ask(
    responder: LocalResponder,
    stored: StoredReport,
    question: str,
    state: dict[str, Any] | None = None,
    dominant: Hand | None = None,
) -> Answer:
    return responder.answer(
        ResponderContext(
            analysis_id="a-test",
            question=question,
            report=stored,
            state=state or {},
            dominant_hand=dominant,
        )
    )


# question -> a measurement the answer must cite, and a name the answer must use for it
CITATIONS = [
    ("What about marriage?", "lines.heart", "Hriday rekha"),
    ("What about marriage?", "lines.marriage", "Vivah rekha"),
    ("Will I find love?", "lines.heart", "heart line"),
    ("मेरी शादी कब होगी?", "lines.marriage", "Vivah rekha"),
    ("My career?", "lines.fate", "Bhagya rekha"),
    ("My career?", "lines.head", "Mastishka rekha"),
    ("Should I change jobs?", "lines.fate", "fate line"),
    ("Will I be rich?", "lines.head", "Mastishka rekha"),
    ("Will I be rich?", "lines.sun", "Surya rekha"),
    ("How is my health?", "lines.life", "Jeevan rekha"),
    ("Will I travel abroad?", "mounts.chandra", "Chandra parvat"),
    ("What about my family?", "lines.life", "Jeevan rekha"),
    ("What does my Jeevan rekha say?", "lines.life", "life line"),
    ("Tell me about my Hriday rekha", "lines.heart", "heart line"),
    ("What does the Mastishka show?", "lines.head", "head line"),
    ("Is my Bhagya rekha strong?", "lines.fate", "fate line"),
    ("What about Surya?", "lines.sun", "sun line"),
    ("What does Budh rekha mean?", "lines.mercury", "Mercury"),
    ("Do I have Vivah lines?", "lines.marriage", "marriage lines"),
    ("What do my Manibandh say?", "lines.bracelet", "bracelet"),
    ("What does Guru parvat mean?", "mounts.guru", "mount of Jupiter"),
    ("And Shani?", "mounts.shani", "mount of Saturn"),
    ("Tell me about Shukra", "mounts.shukra", "mount of Venus"),
    ("What does Chandra mean for me?", "mounts.chandra", "mount of the Moon"),
    ("What does Mangal say?", "mounts.mangal_inner", "Mangal parvat"),
    ("What does Mangal say?", "mounts.mangal_outer", "Mangal parvat"),
    ("What is Rahu on my palm?", "mounts.rahu", "Rahu parvat"),
    ("And Ketu?", "mounts.ketu", "Ketu parvat"),
    ("What does my thumb say?", "geometry.thumb", "thumb"),
    ("What is my hand shape?", "geometry.shape", "hand"),
]


@pytest.mark.parametrize(("question", "cited", "name"), CITATIONS)
def test_answers_cite_the_line_or_mount_the_question_is_about(
    responder: LocalResponder, stored: StoredReport, question: str, cited: str, name: str
) -> None:
    answer = ask(responder, stored, question)
    assert answer.refused is None
    assert cited in answer.cited, answer.cited
    assert name.lower() in answer.text.lower(), answer.text


REFUSALS = [
    ("When will I die?", "death"),
    ("How long will I live?", "death"),
    ("What is my lifespan according to my life line?", "death"),
    ("मेरी मृत्यु कब होगी?", "death"),
    ("Do I have cancer?", "diagnosis"),
    ("Can you diagnose my illness from my palm?", "diagnosis"),
    ("Will I get pregnant this year?", "pregnancy"),
    ("How many children will I have?", "pregnancy"),
    ("Give me my lucky lottery numbers", "lottery"),
    ("Will I win my court case?", "legal"),
    ("Should I invest my savings in bitcoin?", "financial"),
    ("Should I take the loan for a flat?", "financial"),
]


@pytest.mark.parametrize(("question", "kind"), REFUSALS)
def test_refuses_what_palmistry_cannot_answer_and_points_to_the_reading(
    responder: LocalResponder, stored: StoredReport, question: str, kind: str
) -> None:
    answer = ask(responder, stored, question)
    assert answer.refused == kind
    first = answer.text.split("\n\n")[0]
    assert re.search(r"cannot|can't|won't|not things a palm", first), first
    # ...and it points to what the reading does say, from this palm's lines.
    assert answer.cited, answer.text
    assert "clearly traced" in answer.text or "not clearly visible" in answer.text
    # Never a number of years, an age or a date.
    assert not re.search(r"\b\d+\s*(years?|yrs)\b|\bage \d+|\b(19|20)\d\d\b", answer.text)


def test_death_refusal_reads_the_life_line_for_vitality_only(
    responder: LocalResponder, stored: StoredReport
) -> None:
    answer = ask(responder, stored, "When will I die?")
    assert answer.cited[0] == "lines.life"
    assert "never for lifespan" in answer.text


def test_context_carries_across_turns(responder: LocalResponder, stored: StoredReport) -> None:
    first = ask(responder, stored, "What about marriage?")
    assert first.topics[0] == "love"
    assert first.state["hand"] == "right"  # the dominant hand by default (assumed right)
    assert re.search(r"right (palm|hand)", first.text)

    second = ask(responder, stored, "and my left hand?", state=first.state)
    assert second.topics[0] == "love"
    assert second.state["hand"] == "left"
    assert "lines.heart" in second.cited and "lines.marriage" in second.cited
    assert re.search(r"left (palm|hand)", second.text)
    assert not re.search(r"right (palm|hand)", second.text)

    third = ask(responder, stored, "and the other hand?", state=second.state)
    assert third.topics[0] == "love" and third.state["hand"] == "right"

    # A new topic starts fresh: career, on the dominant hand again.
    fourth = ask(responder, stored, "What about my career?", state=third.state)
    assert fourth.topics[0] == "career" and "lines.fate" in fourth.cited


def test_a_named_line_carries_to_the_follow_up(
    responder: LocalResponder, stored: StoredReport
) -> None:
    first = ask(responder, stored, "What does my Jeevan rekha say?")
    second = ask(responder, stored, "what about the left one?", state=first.state)
    assert second.cited[0] == "lines.life"
    assert re.search(r"left (palm|hand)", second.text)


def test_left_versus_right_compares_both_hands_with_the_convention(
    responder: LocalResponder, stored: StoredReport
) -> None:
    answer = ask(responder, stored, "How do my left and right hands compare?")
    assert "left palm" in answer.text and "right palm" in answer.text
    assert "born with" in answer.text
    assert {"lines.heart", "lines.head", "lines.life"} <= set(answer.cited)


def test_a_line_not_clearly_visible_is_said_so_and_not_read(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    faint = with_line(
        measurements[Hand.right], LineName.fate,
        found=True, clearly_visible=False, confidence=0.31, end_zone="under_ring",
        length_ratio=1.9,
    )
    stored = StoredReport(reading=None, measurements={Hand.right: faint})
    answer = ask(responder, stored, "What does my Bhagya rekha say?")
    assert "not clearly visible on your photo" in answer.text
    # Nothing measured on the faint line is stated: not where it ends, not how long it is.
    assert "under the ring finger" not in answer.text
    assert "1.90" not in answer.text and "palm-widths" not in answer.text


def test_an_unclear_line_on_a_deeply_creased_palm_is_not_called_faint(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    unclear = with_line(
        measurements[Hand.right], LineName.head,
        found=True, clearly_visible=False, confidence=0.31,
    )
    for sharpness, says in ((0.33, "many strong creases"), (0.12, "faint trace")):
        m = unclear.model_copy(
            update={"quality": unclear.quality.model_copy(update={"sharpness": sharpness})})
        stored = StoredReport(reading=None, measurements={Hand.right: m})
        answer = ask(responder, stored, "What does the Mastishka show?")
        assert "not clearly visible on your photo" in answer.text
        assert says in answer.text, (sharpness, answer.text)


def test_a_line_not_found_is_never_invented(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    missing = with_line(
        measurements[Hand.right], LineName.marriage,
        found=False, clearly_visible=False, confidence=0.0, count=0,
    )
    stored = StoredReport(reading=None, measurements={Hand.right: missing})
    answer = ask(responder, stored, "Do I have Vivah lines?")
    assert "not clearly visible on your photo" in answer.text
    assert "clearly traced" not in answer.text.split("\n\n")[0]


def test_only_one_hand_given_says_so(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    stored = StoredReport(reading=None, measurements={Hand.right: measurements[Hand.right]})
    answer = ask(responder, stored, "and my left hand?", state={"topic": "love"})
    assert answer.text.startswith("Only your right hand was photographed")
    assert "lines.heart" in answer.cited


def test_dominant_hand_leads(responder: LocalResponder, stored: StoredReport) -> None:
    answer = ask(responder, stored, "What about my career?", dominant=Hand.left)
    assert answer.state["hand"] == "left"


def test_the_same_question_gets_the_same_answer(
    responder: LocalResponder, stored: StoredReport
) -> None:
    assert ask(responder, stored, "Will I be rich?") == ask(responder, stored, "Will I be rich?")


def test_answers_are_specific_to_the_palm(
    responder: LocalResponder, stored: StoredReport, measurements: dict[Hand, HandMeasurements]
) -> None:
    # The left hand's measurements are not the right hand's, so the answers differ.
    left_only = StoredReport(reading=None, measurements={Hand.left: measurements[Hand.left]})
    right_only = StoredReport(reading=None, measurements={Hand.right: measurements[Hand.right]})
    assert ask(responder, left_only, "What about love?").text != ask(
        responder, right_only, "What about love?"
    ).text


def test_greeting_keeps_the_context(responder: LocalResponder, stored: StoredReport) -> None:
    answer = ask(responder, stored, "thank you!", state={"topic": "love", "hand": "left"})
    assert answer.cited == []
    assert answer.state == {"topic": "love", "hand": "left"}


def test_what_a_sign_means_and_where_this_palm_shows_one(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    m = measurements[Hand.right]
    for line in m.lines:
        m = with_line(m, line, islands=0)
    m = with_line(m, LineName.heart, found=True, clearly_visible=True, confidence=0.9, islands=1)
    m = with_line(m, LineName.life, found=True, clearly_visible=False, confidence=0.2, islands=2)
    stored = StoredReport(reading=None, measurements={Hand.right: m})
    answer = ask(responder, stored, "What does an island mean?")
    assert "dvipa" in answer.text and "never an illness" in answer.text
    # Only where a clearly traced line shows one: the heart line, not the faint life line.
    assert answer.cited == ["lines.heart"]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("Do I have a simian line?", "single crease"),
        ("Is there a fish sign on my palm?", "Matsya"),
        ("What does a star on my sun line mean?", "on a mount as recognition"),
    ],
)
def test_a_mark_rekha_does_not_look_for_is_said_so_not_replaced_by_a_reading(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements], question: str,
    says: str,
) -> None:
    stored = StoredReport(reading=None, measurements=measurements)
    answer = ask(responder, stored, question)
    assert says in answer.text
    assert "Rekha does not look for this on a photo" in answer.text
    assert answer.cited == []  # nothing measured is put forward in its place
    assert "clearly traced" not in answer.text


def test_a_mark_in_a_forbidden_question_is_still_refused(
    responder: LocalResponder, measurements: dict[Hand, HandMeasurements]
) -> None:
    stored = StoredReport(reading=None, measurements=measurements)
    answer = ask(responder, stored, "Does a star on my life line mean I will die young?")
    assert answer.refused == "death"
