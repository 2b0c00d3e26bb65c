"""Suggested first questions. A template seeds a conversation's title and first question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    question: str
    topic: str


TEMPLATES: tuple[Template, ...] = (
    Template("life_path", "My path in life", "What does my palm say about my path in life?", "life"),
    Template("love", "Love and marriage", "What does my palm say about love and marriage?", "love"),
    Template("career", "Career and work", "What does my palm say about my career?", "career"),
    Template(
        "health", "Health and vitality", "What does my palm say about my health and vitality?",
        "health",
    ),
    Template("wealth", "Money and security", "What does my palm say about money?", "money"),
    Template("left_right", "Left and right hands", "How do my left and right hands compare?", "general"),
)
BY_ID = {t.id: t for t in TEMPLATES}
