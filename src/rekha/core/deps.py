"""Typed FastAPI dependencies shared by every domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

import redis.asyncio as aioredis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from rekha.core.db import Database
from rekha.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    db = cast(Database, request.app.state.db)
    # Commit in one place: services only flush; the request commits on success. (A context
    # manager, not `async for` over a generator: an error must reach the rollback at once.)
    async with db.session() as session:
        yield session


def get_redis(request: Request) -> aioredis.Redis:
    return cast(aioredis.Redis, request.app.state.redis)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": commit before the response is sent, so a 2xx means the data is saved.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]
