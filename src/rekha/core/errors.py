"""Domain errors and the one place they become HTTP responses.

Services raise these; routers never build error responses by hand. Every error leaves the API
in one JSON shape: {"error": {"code", "message", "details"}}.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class RekhaError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class BadRequest(RekhaError):
    pass


class Unauthorized(RekhaError):
    status_code = 401
    code = "not_authenticated"
    message = "Please sign in."


class LoginRequired(Unauthorized):
    code = "login_required"
    message = "Sign in or create an account to read the full report."


class Forbidden(RekhaError):
    status_code = 403
    code = "forbidden"
    message = "You are not allowed to do that."


class NotFound(RekhaError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(RekhaError):
    status_code = 409
    code = "conflict"
    message = "That conflicts with the current state."


class PayloadTooLarge(RekhaError):
    status_code = 413
    code = "file_too_large"
    message = "That file is too large."


class UnprocessableEntity(RekhaError):
    status_code = 422
    code = "validation_error"
    message = "Some fields are not valid."


class TooManyRequests(RekhaError):
    status_code = 429
    code = "rate_limited"
    message = "Too many requests. Please wait a moment and try again."

    def __init__(self, message: str | None = None, *, retry_after: int, code: str | None = None):
        super().__init__(
            message,
            code=code,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(RekhaError):
    status_code = 503
    code = "service_unavailable"
    message = "A part of Rekha is not available right now. Please try again shortly."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_media",
    422: "validation_error",
    429: "rate_limited",
}


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(RekhaError)
    async def _rekha(_: Request, exc: RekhaError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"field": "", "message": "invalid"}
        message = f"{first['field'] or 'request'}: {first['message']}"
        return JSONResponse(error_body("validation_error", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        return JSONResponse(
            error_body(code, message),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side. Please try again."),
            status_code=500,
        )
