"""Accounts: registration, sign-in, sign-out, profile. Services flush; the request commits."""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from rekha.auth import passwords, sessions
from rekha.auth.hooks import run_sign_in_hooks
from rekha.auth.models import User
from rekha.auth.schemas import LoginIn, ProfileIn, RegisterIn
from rekha.core import ratelimit
from rekha.core.csrf import new_csrf_token, set_csrf_cookie
from rekha.core.errors import Conflict, Forbidden, Unauthorized, UnprocessableEntity
from rekha.core.net import client_ip
from rekha.core.redis import key
from rekha.settings import Settings

INVALID_CREDENTIALS = "The email or password is not right."


def email_digest(email: str) -> str:
    # Rate-limit keys name the address by hash: Redis never holds a list of who tried to sign in.
    return hashlib.sha256(email.encode()).hexdigest()


def login_email_limit_key(settings: Settings, email: str) -> str:
    return key(settings, "ratelimit", "login-email", email_digest(email))


async def get_user_by_email(db: AsyncSession, email: str) -> User | None:
    result = await db.execute(select(User).where(User.email == email))
    return result.scalar_one_or_none()


def _check_new_password(password: str) -> None:
    problem = passwords.password_problem(password)
    if problem:
        code, message = problem
        raise UnprocessableEntity(
            message, code=code, details=[{"field": "password", "message": message}]
        )


async def sign_in(
    db: AsyncSession,
    redis: aioredis.Redis,
    settings: Settings,
    user: User,
    request: Request,
    response: Response,
) -> None:
    """Start a fresh session for `user`: a new token always (the browser's previous session, if
    any, is ended, so a token planted before sign-in is worthless), a new CSRF token, then the
    other domains' sign-in hooks."""
    old = request.cookies.get(sessions.SESSION_COOKIE)
    if old:
        await sessions.delete_session(redis, settings, old)
    token = await sessions.create_session(redis, settings, user.id)
    sessions.set_session_cookie(response, settings, token, settings.session_ttl_seconds)
    set_csrf_cookie(response, settings, new_csrf_token())
    await run_sign_in_hooks(db, user, request, response)


async def register(
    db: AsyncSession,
    redis: aioredis.Redis,
    settings: Settings,
    data: RegisterIn,
    request: Request,
    response: Response,
) -> User:
    await ratelimit.enforce(
        redis,
        key(settings, "ratelimit", "register-ip", client_ip(request, settings)),
        settings.register_rate_limit_per_ip,
        message="Too many accounts were created from your network. Please try again later.",
    )
    _check_new_password(data.password)
    if await get_user_by_email(db, data.email) is not None:
        raise Conflict("An account with this email already exists.", code="email_taken")
    user = User(
        email=data.email,
        password_hash=await passwords.hash_password(data.password, settings),
        name=data.name,
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError as exc:
        # Two registrations of one address raced past the check above; the unique index won.
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    await sign_in(db, redis, settings, user, request, response)
    return user


async def login(
    db: AsyncSession,
    redis: aioredis.Redis,
    settings: Settings,
    data: LoginIn,
    request: Request,
    response: Response,
) -> User:
    message = "Too many sign-in attempts. Please wait and try again."
    await ratelimit.enforce(
        redis,
        key(settings, "ratelimit", "login-ip", client_ip(request, settings)),
        settings.login_rate_limit_per_ip,
        message=message,
    )
    await ratelimit.enforce(
        redis,
        login_email_limit_key(settings, data.email),
        settings.login_rate_limit_per_email,
        message=message,
    )
    user = await get_user_by_email(db, data.email)
    ok = await passwords.verify_password(
        data.password, user.password_hash if user else None, settings
    )
    if user is None or not ok:
        raise Unauthorized(INVALID_CREDENTIALS, code="invalid_credentials")
    await sign_in(db, redis, settings, user, request, response)
    return user


async def confirm_password(
    redis: aioredis.Redis, settings: Settings, user: User, password: str
) -> None:
    """For destructive actions: the password again, under the same limit as sign-in (a stolen
    session must not become a way to guess the password)."""
    await ratelimit.enforce(
        redis,
        login_email_limit_key(settings, user.email),
        settings.login_rate_limit_per_email,
        message="Too many password attempts. Please wait and try again.",
    )
    if not await passwords.verify_password(password, user.password_hash, settings):
        raise Forbidden("That password is not right.", code="wrong_password")


async def logout(
    redis: aioredis.Redis, settings: Settings, request: Request, response: Response
) -> None:
    token = request.cookies.get(sessions.SESSION_COOKIE)
    if token:
        await sessions.delete_session(redis, settings, token)
    logout_cookies(response, settings)


async def logout_all(
    redis: aioredis.Redis, settings: Settings, user: User, response: Response
) -> int:
    ended = await sessions.delete_user_sessions(redis, settings, user.id)
    logout_cookies(response, settings)
    return ended


def logout_cookies(response: Response, settings: Settings) -> None:
    """Drop the session cookie and start a new CSRF token (a signed-out browser starts afresh)."""
    sessions.clear_session_cookie(response, settings)
    set_csrf_cookie(response, settings, new_csrf_token())


async def update_profile(db: AsyncSession, user: User, data: ProfileIn) -> User:
    changes = data.model_dump(include=data.model_fields_set)
    if "name" in changes:
        user.name = changes["name"]
    if "picture" in changes:
        user.picture = str(data.picture) if data.picture is not None else None
    if "dominant_hand" in changes:
        user.dominant_hand = changes["dominant_hand"]
    await db.flush()
    return user
