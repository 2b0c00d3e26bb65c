"""Fixtures for the conversation tests: real measurements of fixture palms, measured once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rekha.conversations.report import StoredReport, load_report
from rekha.reading.types import Hand, HandMeasurements
from tests.conversations.builders import build_report, measure_fixtures


@pytest.fixture(scope="session")
def measurements(fixtures_dir: Path) -> dict[Hand, HandMeasurements]:
    return measure_fixtures(fixtures_dir)


@pytest.fixture(scope="session")
def report(measurements: dict[Hand, HandMeasurements]) -> dict[str, Any]:
    return build_report(measurements)


@pytest.fixture(scope="session")
def stored(report: dict[str, Any]) -> StoredReport:
    return load_report(report)
