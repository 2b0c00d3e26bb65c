"""analyze_command with the provider faked: output formats, overlays, refusals, usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rekha.reading.providers as providers
from rekha.reading.interpret.cli import analyze_command
from rekha.reading.providers.local import LocalReader
from rekha.reading.types import Focus, Hand

from .test_local_reader import BY_NAME


@pytest.fixture()
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    # The photo's bytes name the hand it shows ("left"/"right"); "coffee" is refused.
    monkeypatch.setattr(providers, "get_reader", lambda *a, **k: LocalReader(**BY_NAME))


def photo(tmp_path: Path, name: str, content: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content)
    return p


def test_text_output_and_overlays(tmp_path: Path, fake_reader: None,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    rc = analyze_command(photo(tmp_path, "l.jpg", b"left"), photo(tmp_path, "r.jpg", b"right"),
                         Focus.general, False, out)
    assert rc == 0
    text = capsys.readouterr().out
    assert "Hriday Rekha" in text and "Left and right hands" in text
    assert (out / "overlay_left.png").read_bytes() == b"PNGleft"
    assert json.loads((out / "overlay_right.json").read_text())["hand"] == "right"


def test_json_output(tmp_path: Path, fake_reader: None,
                     capsys: pytest.CaptureFixture[str]) -> None:
    rc = analyze_command(None, photo(tmp_path, "r.jpg", b"right"), Focus.career, True, None)
    assert rc == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["provider"] == "local"
    assert data["reading"]["focus"] == "career"
    assert data["reading"]["sections"][1]["key"] == "career"
    assert Hand.right.value in data["measurements"]


def test_refusal_exits_non_zero_with_the_reason(tmp_path: Path, fake_reader: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    rc = analyze_command(None, photo(tmp_path, "c.jpg", b"coffee"), Focus.general, False, None)
    err = capsys.readouterr().err
    assert rc == 3
    assert "no_hand" in err and "could not find a hand" in err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert analyze_command(None, None, Focus.general, False, None) == 2
    assert analyze_command(tmp_path / "nope.jpg", None, Focus.general, False, None) == 2
    assert "cannot read" in capsys.readouterr().err
