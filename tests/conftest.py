"""Shared test plumbing: real Redis, real databases (SQLite, and PostgreSQL when asked), real
Celery workers. Domain-specific builders live beside their tests.

Isolation: each run leases its own Redis database numbers on the shared server (so parallel runs
on one machine never see each other's keys) and its own SQLite file or PostgreSQL database.
The backend is chosen with TEST_DATABASE_BACKEND=sqlite|postgres (scripts/test runs both).
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# The fixture palms have no licence for redistribution, so they stay in ../shared; this setting
# says where. CI always has them; only where they are absent do the tests that need them skip.
FIXTURES_DIR = Path(
    os.environ.get("REKHA_FIXTURES_DIR", str(REPO_ROOT.parent / "shared" / "fixtures" / "palms"))
).resolve()

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
TEST_PG_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKEND = os.environ.get("TEST_DATABASE_BACKEND", "sqlite")

_RUN_DIR = Path(tempfile.mkdtemp(prefix="rekha-test-"))
_LEASED_DBS: list[int] = []
_PG_DB_NAME: str | None = None


def _lease_redis_dbs(count: int) -> list[int]:
    """Take `count` free database numbers (1..13) on the shared Redis, held by a TTL'd lock."""
    import redis

    client = redis.Redis.from_url(f"{TEST_REDIS_URL}/0")
    leased: list[int] = []
    owner = f"{os.getpid()}-{secrets.token_hex(4)}"
    deadline = time.monotonic() + 120
    while len(leased) < count:
        for n in range(1, 14):  # 14 and 15 are the web e2e run's
            if n not in leased and client.set(f"rekha-test-lease:{n}", owner, nx=True, ex=7200):
                leased.append(n)
                if len(leased) == count:
                    break
        if len(leased) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("no free Redis database numbers for the test run")
            time.sleep(1)
    for n in leased:
        redis.Redis.from_url(f"{TEST_REDIS_URL}/{n}").flushdb()
    return leased


def _create_pg_database() -> str:
    import psycopg2

    name = f"rekha_t_{secrets.token_hex(6)}"
    base = TEST_PG_URL.replace("postgresql+asyncpg", "postgresql")
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def _pg_url_for(name: str) -> str:
    head, _, _ = TEST_PG_URL.rpartition("/")
    return f"{head}/{name}"


def pytest_configure(config: pytest.Config) -> None:
    global _PG_DB_NAME
    # Settings are read from the environment by every process (API in-process, workers as
    # subprocesses), so configure them before anything imports rekha.
    dbs = _lease_redis_dbs(2)
    _LEASED_DBS.extend(dbs)
    os.environ["REDIS_URL"] = f"{TEST_REDIS_URL}/{dbs[0]}"
    os.environ["CELERY_BROKER_URL"] = f"{TEST_REDIS_URL}/{dbs[1]}"
    os.environ["CELERY_RESULT_BACKEND"] = f"{TEST_REDIS_URL}/{dbs[1]}"
    os.environ["REDIS_KEY_PREFIX"] = f"rekha-test-{secrets.token_hex(3)}:"
    os.environ["FILE_STORAGE_ROOT"] = str(_RUN_DIR / "files")
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    os.environ["ENVIRONMENT"] = "test"
    os.environ["LOG_JSON"] = "true"
    os.environ["READING_PROVIDER"] = os.environ.get("TEST_READING_PROVIDER", "local")
    os.environ["WEB_ROOT"] = str(_RUN_DIR / "no-web-ui")
    # Every test browser comes from 127.0.0.1: per-address limits would make tests depend on
    # each other. The rate-limit tests set their own limits.
    os.environ["REGISTER_RATE_LIMIT_PER_IP"] = "100000/3600"
    os.environ["LOGIN_RATE_LIMIT_PER_IP"] = "100000/900"
    os.environ["ANALYSES_PER_IP_PER_DAY"] = os.environ.get("ANALYSES_PER_IP_PER_DAY", "100000")
    if BACKEND == "postgres":
        _PG_DB_NAME = _create_pg_database()
        os.environ["DATABASE_URL"] = _pg_url_for(_PG_DB_NAME)
    else:
        os.environ["DATABASE_URL"] = f"sqlite+aiosqlite:///{_RUN_DIR / 'rekha.db'}"
    # Migrate once per run with the real migrations, as production does.
    from alembic import command

    from rekha.cli import alembic_config

    command.upgrade(alembic_config(os.environ["DATABASE_URL"]), "head")  # type: ignore[arg-type]


def pytest_unconfigure(config: pytest.Config) -> None:
    import redis

    for n in _LEASED_DBS:
        try:
            redis.Redis.from_url(f"{TEST_REDIS_URL}/{n}").flushdb()
            redis.Redis.from_url(f"{TEST_REDIS_URL}/0").delete(f"rekha-test-lease:{n}")
        except redis.RedisError:
            pass
    if _PG_DB_NAME:
        import psycopg2

        conn = psycopg2.connect(TEST_PG_URL.replace("postgresql+asyncpg", "postgresql"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{_PG_DB_NAME}" WITH (FORCE)')
        conn.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Anything that touches the database runs on both backends: mark it so the PostgreSQL leg
    # of scripts/test can select exactly those tests.
    db_fixtures = {"app", "client", "settings", "worker", "make_client", "make_app"}
    for item in items:
        if db_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not (FIXTURES_DIR / "MANIFEST.csv").is_file():
        pytest.skip(f"fixture palms not found at {FIXTURES_DIR} (set REKHA_FIXTURES_DIR)")
    return FIXTURES_DIR


@pytest.fixture(scope="session")
def manifest(fixtures_dir: Path) -> list[dict[str, str]]:
    with (fixtures_dir / "MANIFEST.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def settings():  # type: ignore[no-untyped-def]
    from rekha.settings import Settings

    return Settings()


@pytest.fixture(scope="session")
async def app(settings):  # type: ignore[no-untyped-def]
    from rekha.app import create_app

    application = create_app(settings)
    yield application
    await application.state.redis.aclose()
    await application.state.db.dispose()


@pytest.fixture
async def make_app(settings):  # type: ignore[no-untyped-def]
    """make_app(**settings_overrides) -> a fresh app with its own settings (low limits, or as
    after an API restart); closed at the end of the test."""
    from rekha.app import create_app

    apps = []

    def make(**overrides):  # type: ignore[no-untyped-def]
        application = create_app(settings.model_copy(update=overrides))
        apps.append(application)
        return application

    yield make
    for application in apps:
        await application.state.redis.aclose()
        await application.state.db.dispose()


@pytest.fixture
async def make_client(app):  # type: ignore[no-untyped-def]
    """Makes independent browsers (each with its own cookie jar) against the app."""
    import httpx

    clients: list[httpx.AsyncClient] = []

    def make(client_ip: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
        c = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


@pytest.fixture
async def client(make_client) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    yield make_client()


def start_worker(name: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a real Celery worker process on the test Redis and database."""
    env = {**os.environ, **(extra_env or {})}
    log_path = _RUN_DIR / f"worker-{name}.log"
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [str(VENV_BIN / "rekha"), "worker", "--concurrency", "1", "--hostname", f"{name}@%h"],
            env=env,
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    from rekha.worker import celery_app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"worker exited early; see {log_path}:\n{log_path.read_text()[-3000:]}"
            )
        replies = celery_app.control.ping(timeout=0.5)
        if any(name in next(iter(r)) for r in replies):
            return proc
    stop_worker(proc)
    raise RuntimeError(f"worker did not answer a ping in 60 s; see {log_path}")


def stop_worker(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def worker() -> Iterator[subprocess.Popen[bytes]]:
    """One real worker for the whole run, shared by tests that need jobs to run."""
    proc = start_worker(f"w{secrets.token_hex(3)}")
    yield proc
    stop_worker(proc)
