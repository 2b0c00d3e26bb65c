"""The one migration history must build the models' schema on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from rekha.cli import alembic_config
from rekha.core.db import make_sync_engine
from rekha.models import Base
from rekha.settings import Settings

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        psycopg2.connect(
            PG_URL.replace("postgresql+asyncpg", "postgresql"), connect_timeout=2
        ).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    if not _pg_available():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but does not answer at {PG_URL}")
        pytest.skip(f"PostgreSQL does not answer at {PG_URL}")
    name = f"rekha_m_{secrets.token_hex(5)}"
    admin = psycopg2.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    head, _, _ = PG_URL.rpartition("/")
    yield f"{head}/{name}"
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_upgrade_matches_models_and_downgrade_empties(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")  # type: ignore[arg-type]

    engine = make_sync_engine(Settings(database_url=empty_database))
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
        assert diff == [], f"models and migrations differ: {diff}"
        fks = inspect(conn).get_foreign_keys("analysis_images")
        assert fks and all(fk["options"].get("ondelete") == "CASCADE" for fk in fks)
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("analyses")}
        assert {"ix_analyses_user_id", "ix_analyses_created_at"} <= indexes

    command.downgrade(config, "base")  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
