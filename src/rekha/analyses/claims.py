"""Anonymous uploads and the claim that attaches them to an account.

A browser that uploads without an account gets one claim token (random, 256 bits) in an
HttpOnly cookie; only its sha256 is stored on the analyses it uploads. The same token is reused
for that browser's later uploads. When the browser registers or signs in, the sign-in hook below
attaches every still-anonymous analysis carrying that hash to the account and moves its files
from anon/{id}/ to {user id}/{id}/. No other browser can present the token, so none can claim.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from functools import partial
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from rekha.analyses import repository
from rekha.analyses.models import Analysis
from rekha.analyses.storage import call_after_commit, move_analysis_folder, rehome_path
from rekha.auth.models import User
from rekha.settings import Settings

log = logging.getLogger(__name__)

CLAIM_COOKIE = "rekha_claim"
CLAIM_COOKIE_MAX_AGE = 30 * 24 * 3600
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def new_claim_token() -> str:
    return secrets.token_urlsafe(32)


def hash_claim_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def claim_token_from(request: HTTPConnection) -> str | None:
    """The browser's claim token, if it sent a well-formed one."""
    token = request.cookies.get(CLAIM_COOKIE)
    return token if token and _TOKEN_SHAPE.match(token) else None


def claim_hash_from(request: HTTPConnection) -> str | None:
    token = claim_token_from(request)
    return hash_claim_token(token) if token else None


def holds_claim(request: HTTPConnection, analysis: Analysis) -> bool:
    """True when this browser uploaded `analysis` anonymously and it is still unclaimed."""
    presented = claim_hash_from(request)
    stored = analysis.claim_token_hash
    if analysis.user_id is not None or not presented or not stored:
        return False
    return hmac.compare_digest(presented, stored)


def set_claim_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        CLAIM_COOKIE,
        token,
        max_age=CLAIM_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )


def clear_claim_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        CLAIM_COOKIE, path="/", httponly=True, secure=settings.session_cookie_secure, samesite="lax"
    )


async def attach_anonymous_analyses(
    session: AsyncSession, user: User, request: Request, response: Response
) -> None:
    """Sign-in hook: give the browser's anonymous analyses to the account it signed into."""
    claim_hash = claim_hash_from(request)
    if claim_hash is None:
        return
    settings = cast(Settings, request.app.state.settings)
    analyses = await repository.claimable(session, claim_hash)
    for analysis in analyses:
        analysis.user_id = user.id
        analysis.claim_token_hash = None
        for image in analysis.images:
            image.path = rehome_path(image.path, user.id) or image.path
            image.thumbnail_path = rehome_path(image.thumbnail_path, user.id)
            image.overlay_path = rehome_path(image.overlay_path, user.id)
        # Files follow the rows only once the ownership change is committed.
        call_after_commit(
            session, partial(move_analysis_folder, settings, analysis.id, None, user.id)
        )
    await session.flush()
    if analyses:
        log.info("claimed anonymous analyses", extra={"user_id": user.id, "count": len(analyses)})
    # The token has done its work; a later anonymous upload from this browser gets a new one.
    clear_claim_cookie(response, settings)
