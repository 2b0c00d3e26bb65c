"""Where the life line begins: at the thumb-index web's apex when the traced start hooks up out
of the web (lines.start_at_apex), where it was traced otherwise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from rekha.reading.vision import lines as L


def _arc(first_climb: float) -> np.ndarray:
    """A life-line-like arc around LIFE_CENTRE, begun `first_climb` palm lengths below its
    top and climbing to it first (0: it only descends)."""
    th = np.radians(np.linspace(-85.0, 30.0, 120))
    arc = np.stack([L.LIFE_CENTRE[0] + L.LIFE_RADIUS * np.cos(th),
                    L.LIFE_CENTRE[1] + L.LIFE_RADIUS * np.sin(th)], axis=1)
    if first_climb <= 0:
        return arc
    rise = np.stack([np.full(20, arc[0, 0] - 0.02), np.linspace(arc[0, 1] + first_climb,
                                                                arc[0, 1], 20)], axis=1)
    return np.concatenate([rise, arc])


def test_a_start_that_climbs_out_of_the_web_is_a_hook() -> None:
    assert not L.hooks_at_start(_arc(0.0))
    assert not L.hooks_at_start(_arc(0.02))  # a crease's own wobble
    assert L.hooks_at_start(_arc(0.09))


@pytest.mark.fixtures
@pytest.mark.parametrize("name", ["left_02.jpg", "right_01.jpg"])
def test_life_line_begins_at_the_web_where_the_label_does(
        start_gap: Callable[[str, str], float], name: str) -> None:
    """Labelled from the web's apex: the start now lies 0.04-0.05 palm lengths from the
    label's (the apex is found on the outline, the label's start by eye); the arc search
    alone began 0.14 (left_02) and 0.21 (right_01) away, higher up at the radial edge."""
    assert start_gap(name, "life") <= 0.06


@pytest.mark.fixtures
@pytest.mark.parametrize("name", ["right_02.jpg", "left_03.jpg", "right_07.jpg"])
def test_life_line_keeps_its_start_where_it_begins_higher(
        start_gap: Callable[[str, str], float], name: str) -> None:
    """Palms with a strong fold from the web too, whose line begins at the radial edge
    (0.01-0.03 palm lengths from the label's start)."""
    assert start_gap(name, "life") <= 0.05
