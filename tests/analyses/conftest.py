"""Fixtures for the analyses tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rekha.settings import Settings
from tests.analyses.helpers import row_counts, stored_files


@pytest.fixture
def palm(fixtures_dir: Path) -> Callable[[str], bytes]:
    """palm("right_01.jpg") -> the fixture's bytes (read in place, never copied)."""

    def read(name: str) -> bytes:
        return (fixtures_dir / name).read_bytes()

    return read


@pytest.fixture
def browser_for() -> Callable[..., Any]:
    """browser_for(app, client_ip, scheme) -> async context manager yielding an httpx client."""

    @asynccontextmanager
    async def open_browser(
        application: FastAPI, client_ip: str = "127.0.0.1", scheme: str = "http"
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=application, client=(client_ip, 50000))
        base_url = f"{scheme}://testserver"  # https: so Secure cookies are sent back
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as c:
            yield c

    return open_browser


@pytest.fixture
def nothing_left_behind(app: FastAPI, settings: Settings) -> Callable[[], Any]:
    """`async with nothing_left_behind(): <refused upload>` asserts no file and no row remain.

    A request only ever writes inside the new folder of its own analysis, so: no new folder,
    no new file outside the folders that existed (a worker from another test may still be
    adding thumbnails to its own analyses meanwhile), and the same row counts."""

    def folders() -> set[Path]:
        root = settings.file_storage_root
        return {p for p in root.glob("*/*") if p.is_dir()} if root.exists() else set()

    @asynccontextmanager
    async def check() -> AsyncIterator[None]:
        folders_before = folders()
        files_before = set(stored_files(settings))
        rows_before = await row_counts(app)
        yield
        assert folders() == folders_before
        new_files = set(stored_files(settings)) - files_before
        assert all(f.parent in folders_before for f in new_files), new_files
        assert await row_counts(app) == rows_before

    return check


@pytest.fixture(autouse=True)
def reset_upload_quotas(settings: Settings) -> None:
    """Every test starts with fresh daily quotas (a suite uploads far more than 10 times from
    127.0.0.1); the quotas themselves are tested in test_quotas.py with their own low limits."""
    import redis

    from rekha.core.redis import key

    with redis.Redis.from_url(settings.redis_url) as client:
        names = list(client.scan_iter(match=key(settings, "quota", "*"), count=1000))
        if names:
            client.delete(*names)
