"""Shared test plumbing. Domain-specific builders live beside their tests."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The fixture palms have no licence for redistribution, so they stay in ../shared; this setting
# says where. CI always has them; only where they are absent do the tests that need them skip.
FIXTURES_DIR = Path(
    os.environ.get("REKHA_FIXTURES_DIR", str(REPO_ROOT.parent / "shared" / "fixtures" / "palms"))
).resolve()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not (FIXTURES_DIR / "MANIFEST.csv").is_file():
        pytest.skip(f"fixture palms not found at {FIXTURES_DIR} (set REKHA_FIXTURES_DIR)")
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def manifest(fixtures_dir: Path) -> list[dict[str, str]]:
    with (fixtures_dir / "MANIFEST.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))
