"""Alembic environment: runs synchronously against rekha's configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from rekha.core.db import make_sync_engine
from rekha.models import Base
from rekha.settings import Settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.attributes.get("database_url")
    settings = Settings(database_url=url) if url else Settings()
    engine = make_sync_engine(settings)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations()
