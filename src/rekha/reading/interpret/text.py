"""A reading as readable text (the CLI's default output, and the example in the docs)."""

from __future__ import annotations

import textwrap

from rekha.reading.types import Reading


def format_reading(reading: Reading, *, markdown: bool = False, width: int = 92) -> str:
    def para(text: str) -> str:
        return text if markdown else textwrap.fill(text, width=width)

    def heading(text: str, level: int) -> str:
        if markdown:
            return f"{'#' * level} {text}"
        return f"{text}\n{('=' if level == 1 else '-') * len(text)}"

    hands = " and ".join(h.value for h in reading.hands)
    title = f"Rekha reading ({hands} hand{'s' if len(reading.hands) > 1 else ''}"
    title += f", focus: {reading.focus.value})" if reading.focus.value != "general" else ")"
    out = [heading(title, 1), "", para(reading.summary), "", para(reading.convention), ""]
    for s in reading.sections:
        out += [heading(s.title, 2), "", para(s.text), ""]
        if markdown and s.evidence:
            fields = ", ".join(
                f"`{e.hand.value}:{e.field}` = {e.value!r} ({e.confidence:.2f})"
                for e in s.evidence
            )
            out += [f"<sub>Evidence: {fields}</sub>", ""]
    out += [para(f"({reading.disclaimer})"), ""]
    return "\n".join(out)
