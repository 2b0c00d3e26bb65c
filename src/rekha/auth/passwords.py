"""Password hashing with bcrypt, off the event loop."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import bcrypt

from rekha.settings import Settings

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt>=5: refuses) anything longer


def bcrypt_rounds(settings: Settings) -> int:
    # The test suite registers hundreds of users on shared CPUs; 4 rounds keeps it fast there.
    # Everywhere else the cost is 12 (~0.25 s per hash).
    return 4 if settings.environment == "test" else 12


def password_problem(password: str) -> tuple[str, str] | None:
    """(code, message) when a new password is not acceptable, else None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return "password_too_short", f"Passwords need at least {MIN_PASSWORD_CHARS} characters."
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return (
            "password_too_long",
            f"Passwords can be at most {MAX_PASSWORD_BYTES} bytes (UTF-8); this one is "
            f"{len(password.encode())}. Accented letters and other scripts take 2–4 bytes each.",
        )
    return None


def _hash(password: bytes, rounds: int) -> str:
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds)).decode()


def _check(password: bytes, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password, hashed.encode())
    except ValueError:  # a malformed stored hash never matches
        return False


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash(b"rekha-dummy-password-for-timing", rounds)


async def hash_password(password: str, settings: Settings) -> str:
    return await asyncio.to_thread(_hash, password.encode(), bcrypt_rounds(settings))


async def verify_password(password: str, hashed: str | None, settings: Settings) -> bool:
    """Check `password` against `hashed`. With no hash (unknown email) or an over-long password,
    still spend one bcrypt comparison against a dummy hash of the same cost, so the answer takes
    as long as a real miss and does not tell whether the account exists."""
    raw = password.encode()
    if hashed is None or len(raw) > MAX_PASSWORD_BYTES:
        await asyncio.to_thread(
            _check, raw[:MAX_PASSWORD_BYTES], _dummy_hash(bcrypt_rounds(settings))
        )
        return False
    return await asyncio.to_thread(_check, raw, hashed)
