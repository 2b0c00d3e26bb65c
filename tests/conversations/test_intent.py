"""What a question is about: topics, named lines and mounts, hands, refusals, follow-ups."""

from __future__ import annotations

import pytest

from rekha.conversations.intent import Refusal, Topic, detect, find_subjects, normalise
from rekha.reading.types import Hand


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What about marriage?", Topic.love),
        ("Will my husband be kind?", Topic.love),
        ("shaadi kab hogi", Topic.love),
        ("Should I change jobs?", Topic.career),
        ("Will I be rich?", Topic.money),
        ("dhan ke baare mein batao", Topic.money),
        ("How is my health?", Topic.health),
        ("Will I settle abroad?", Topic.travel),
        ("What about my parents?", Topic.family),
        ("What is my life path?", Topic.life),
        ("What does my Jeevan rekha say?", Topic.health),
    ],
)
def test_topics(question: str, topic: Topic) -> None:
    assert detect(question).topic is topic


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("shani rekha", ("lines.fate",)),  # the fate line's old name, not the mount
        ("shani parvat", ("mounts.shani",)),
        ("surya parvat and surya rekha", ("mounts.surya", "lines.sun")),
        ("Hriday and Mastishka", ("lines.heart", "lines.head")),
        ("हृदय रेखा", ("lines.heart",)),
        ("mangal", ("mounts.mangal_inner", "mounts.mangal_outer")),
        ("will i be rich", ()),  # "will" is not the thumb
    ],
)
def test_subjects(text: str, subjects: tuple[str, ...]) -> None:
    assert find_subjects(normalise(text)) == subjects


@pytest.mark.parametrize(
    ("question", "hand"),
    [
        ("and my left hand?", Hand.left),
        ("what about the right palm", Hand.right),
        ("and the left?", Hand.left),
        ("mera baayan haath", Hand.left),
        ("Is that right?", None),
        ("I left my job last year, what about career?", None),
        ("Is this the right job for me?", None),
    ],
)
def test_hands(question: str, hand: Hand | None) -> None:
    assert detect(question).hand is hand


def test_left_versus_right_is_a_comparison() -> None:
    intent = detect("left vs right hand?")
    assert intent.compare and intent.hand is None


@pytest.mark.parametrize(
    ("question", "refusal"),
    [
        ("when will i die", Refusal.death),
        ("What does my Ayu rekha say?", None),  # the heart line's old name, not lifespan
        ("Do I have diabetes?", Refusal.diagnosis),
        ("am I pregnant", Refusal.pregnancy),
        ("lucky number for the lottery", Refusal.lottery),
        ("will I win the case in court", Refusal.legal),
        ("which stocks should I buy", Refusal.financial),
        ("Will I be rich?", None),
        ("What about my heart line?", None),
    ],
)
def test_refusals(question: str, refusal: Refusal | None) -> None:
    assert detect(question).refusal is refusal


def test_follow_up_inherits_topic_and_hand() -> None:
    first = detect("What about love?")
    follow = detect("and my left hand?", first.state())
    assert follow.follow_up and follow.topic is Topic.love and follow.hand is Hand.left
    more = detect("tell me more", {**follow.state()})
    assert more.topic is Topic.love and more.hand is Hand.left
    other = detect("and the other hand?", follow.state())
    assert other.hand is Hand.right


def test_a_long_unrelated_question_does_not_inherit() -> None:
    question = "I am wondering what you can see in general in this photograph of my palm today"
    assert detect(question, {"topic": "love"}).topic is Topic.general


@pytest.mark.parametrize(
    ("question", "mark"),
    [
        ("Do I have a simian line?", "simian"),
        ("Is there a fish sign on my palm?", "matsya"),
        ("matsya rekha hai kya", "matsya"),
        ("Do I have a trishul?", "trishul"),
        ("What does a star on my sun line mean?", "star"),
        ("Do I have the mystic cross?", "cross"),
        ("Is there a girdle of Venus?", "girdle"),
        ("ring of solomon", "ring_solomon"),
    ],
)
def test_marks_the_engine_does_not_look_for(question: str, mark: str) -> None:
    assert detect(question).unmeasured == mark


@pytest.mark.parametrize(
    "question",
    [
        "Does my head line cross my life line?",  # "cross" here is no mark
        "Do I have a square palm?",  # the earth hand, not the square sign
        "What is my star sign?",
        "What does my Jeevan rekha say?",
    ],
)
def test_ordinary_questions_are_not_taken_for_marks(question: str) -> None:
    assert detect(question).unmeasured is None


def test_palm_shapes_by_name_ask_about_the_hand_shape() -> None:
    for question in ("Do I have a square palm?", "Is mine an Agni hasta?", "what type of hand is this"):
        assert detect(question).subjects == ("geometry.shape",), question
