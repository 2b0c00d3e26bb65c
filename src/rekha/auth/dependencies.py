"""The one way a route learns who is signed in.

@router.get("/mine")
async def mine(user: CurrentUser) -> ...      # 401 not_authenticated when signed out
async def maybe(user: OptionalUser) -> ...    # None when signed out
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from rekha.auth import sessions
from rekha.auth.models import User
from rekha.core.deps import RedisDep, SessionDep, SettingsDep
from rekha.core.errors import Unauthorized


async def optional_user(
    request: Request,
    response: Response,
    db: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> User | None:
    """The signed-in user, or None. Renews the session (sliding TTL) as a side effect."""
    token = request.cookies.get(sessions.SESSION_COOKIE)
    if not token:
        return None
    info = await sessions.resolve_session(redis, settings, token)
    if info is None:
        return None
    user = await db.get(User, info.user_id)
    if user is None:
        # No such account (yet, or any more). Account deletion ends its sessions itself; the
        # session is not deleted here, because a request racing a registration whose row is not
        # committed yet would otherwise sign that browser straight out again.
        return None
    request.state.session_hash = info.token_hash
    if info.renewed:
        # Slide the cookie's lifetime along with the Redis TTL.
        sessions.set_session_cookie(response, settings, token, info.ttl)
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; 401 not_authenticated otherwise."""
    if user is None:
        raise Unauthorized()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
