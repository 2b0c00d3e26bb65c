"""Things other domains do when someone signs in.

The uploads domain, for one, registers a hook that attaches the browser's anonymous analyses
(found through its claim cookie) to the account. Hooks run after every successful login and
registration, inside the request's database transaction and after the new session cookie is
set on `response`; they may read the request's cookies and set or delete cookies on `response`.
A hook that raises fails the sign-in (the transaction rolls back), so expected conditions — no
claim cookie, nothing to claim — must be handled quietly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from rekha.auth.models import User

SignInHook = Callable[[AsyncSession, User, Request, Response], Awaitable[None]]

_sign_in_hooks: list[SignInHook] = []


def register_sign_in_hook(hook: SignInHook) -> SignInHook:
    """Register `hook` (idempotent; usable as a decorator)."""
    if hook not in _sign_in_hooks:
        _sign_in_hooks.append(hook)
    return hook


def unregister_sign_in_hook(hook: SignInHook) -> None:
    """Remove `hook` if registered (for tests)."""
    if hook in _sign_in_hooks:
        _sign_in_hooks.remove(hook)


def sign_in_hooks() -> tuple[SignInHook, ...]:
    return tuple(_sign_in_hooks)


async def run_sign_in_hooks(
    session: AsyncSession, user: User, request: Request, response: Response
) -> None:
    for hook in sign_in_hooks():
        await hook(session, user, request, response)
