"""/api/v1/auth: accounts, sessions, CSRF token, the user's own data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from rekha.auth import service
from rekha.auth.deletion import delete_account
from rekha.auth.dependencies import CurrentUser
from rekha.auth.export import export_user
from rekha.auth.schemas import (
    CsrfTokenOut,
    DeleteAccountIn,
    ExportOut,
    LoginIn,
    ProfileIn,
    RegisterIn,
    UserOut,
)
from rekha.core.csrf import CSRF_COOKIE, new_csrf_token, set_csrf_cookie, valid_shape
from rekha.core.deps import RedisDep, SessionDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


def _private(response: Response) -> None:
    # Account data must never sit in a shared cache.
    response.headers["Cache-Control"] = "no-store"


@router.get("/csrf-token")
async def csrf_token(request: Request, response: Response, settings: SettingsDep) -> CsrfTokenOut:
    """The CSRF token to send as X-CSRF-Token; also set (or refreshed) as the rekha_csrf cookie."""
    current = request.cookies.get(CSRF_COOKIE)
    token = current if current and valid_shape(current) else new_csrf_token()
    set_csrf_cookie(response, settings, token)
    _private(response)
    return CsrfTokenOut(csrf_token=token)


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    data: RegisterIn,
    request: Request,
    response: Response,
    db: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> UserOut:
    """Create an account and sign in to it."""
    user = await service.register(db, redis, settings, data, request, response)
    _private(response)
    return UserOut.model_validate(user)


@router.post("/login")
async def login(
    data: LoginIn,
    request: Request,
    response: Response,
    db: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> UserOut:
    """Sign in. A new session token every time; the browser's previous one stops working."""
    user = await service.login(db, redis, settings, data, request, response)
    _private(response)
    return UserOut.model_validate(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request, response: Response, redis: RedisDep, settings: SettingsDep
) -> None:
    """End this browser's session (fine when not signed in)."""
    await service.logout(redis, settings, request, response)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    user: CurrentUser, response: Response, redis: RedisDep, settings: SettingsDep
) -> None:
    """End every session of the signed-in user, on every device, this one included."""
    await service.logout_all(redis, settings, user, response)


@router.get("/me")
async def me(user: CurrentUser, response: Response) -> UserOut:
    """The signed-in user; 401 not_authenticated otherwise."""
    _private(response)
    return UserOut.model_validate(user)


@router.patch("/profile")
async def update_profile(
    data: ProfileIn, user: CurrentUser, response: Response, db: SessionDep
) -> UserOut:
    """Change name, picture (an http(s) URL) or dominant hand; send null to clear one."""
    await service.update_profile(db, user, data)
    _private(response)
    return UserOut.model_validate(user)


@router.get("/me/export")
async def export(user: CurrentUser, response: Response, db: SessionDep) -> ExportOut:
    """Everything Rekha holds about you: profile, analyses with readings, conversations."""
    _private(response)
    response.headers["Content-Disposition"] = 'attachment; filename="rekha-export.json"'
    return await export_user(db, user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    data: DeleteAccountIn,
    user: CurrentUser,
    response: Response,
    db: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> None:
    """Delete the account for good (password required): analyses, photos, conversations,
    messages and every session."""
    await service.confirm_password(redis, settings, user, data.password)
    await delete_account(db, redis, settings, user)
    service.logout_cookies(response, settings)
