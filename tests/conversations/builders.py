"""Builders for the conversation tests.

A user is made by really registering through the API; a completed analysis is inserted
straight into the database with a report built as the worker builds it: the real vision engine
measures fixture palms and the real interpreter reads them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from rekha.analyses.models import Analysis, AnalysisStatus
from rekha.core.types import new_public_id
from rekha.reading.interpret import interpret
from rekha.reading.types import Hand, HandMeasurements, LineName
from rekha.reading.vision import measure_image
from tests.auth.helpers import csrf_headers, register

# The same person's two hands (see MANIFEST.csv).
RIGHT_PALM = "right_07.jpg"
LEFT_PALM = "left_07.jpg"
API = "/api/v1"


@lru_cache(maxsize=8)
def _measured(path: str) -> HandMeasurements:
    return measure_image(Path(path).read_bytes())


def measure_fixtures(fixtures_dir: Path, *names: str) -> dict[Hand, HandMeasurements]:
    """Measure fixture palms (once per test run: the vision engine takes seconds)."""
    out: dict[Hand, HandMeasurements] = {}
    for name in names or (RIGHT_PALM, LEFT_PALM):
        m = _measured(str(fixtures_dir / name))
        out[m.hand] = m
    return out


def build_report(measurements: dict[Hand, HandMeasurements]) -> dict[str, Any]:
    """The JSON the analysis job stores in Analysis.report."""
    reading = interpret(measurements)
    return {
        "reading": reading.model_dump(mode="json"),
        "measurements": {h.value: m.model_dump(mode="json") for h, m in measurements.items()},
        "provider": "local",
    }


def with_line(m: HandMeasurements, line: LineName, **changes: Any) -> HandMeasurements:
    """A copy of `m` with one line's measurement changed (e.g. made faint)."""
    lines = dict(m.lines)
    lines[line] = m.lines[line].model_copy(update=changes)
    return m.model_copy(update={"lines": lines})


async def make_user(make_client: Any) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    """A new browser, signed in to a newly registered account."""
    client: httpx.AsyncClient = make_client()
    user = await register(client)
    return client, user


async def make_analysis(
    app: FastAPI,
    user_id: str,
    report: dict[str, Any] | None,
    status: AnalysisStatus = AnalysisStatus.completed,
    dominant_hand: str | None = None,
) -> str:
    analysis = Analysis(
        id=new_public_id(),
        user_id=user_id,
        status=status.value,
        stage="done" if status is AnalysisStatus.completed else "queued",
        progress=100 if status is AnalysisStatus.completed else 0,
        provider="local",
        dominant_hand=dominant_hand,
        report=report if status is AnalysisStatus.completed else None,
        summary={"text": report["reading"]["summary"]} if report else None,
    )
    async with app.state.db.sessionmaker() as session:
        session.add(analysis)
        await session.commit()
    return analysis.id


def conversations_url(analysis_id: str, suffix: str = "") -> str:
    return f"{API}/analyses/{analysis_id}/conversations{suffix}"


async def create_conversation(
    client: httpx.AsyncClient, analysis_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        conversations_url(analysis_id), json=body, headers=csrf_headers(client)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def talk(
    client: httpx.AsyncClient, analysis_id: str, conversation_id: str, message: str
) -> httpx.Response:
    return await client.post(
        conversations_url(analysis_id, f"/{conversation_id}/talk"),
        json={"message": message},
        headers=csrf_headers(client),
    )
