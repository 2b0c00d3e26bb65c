"""FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from rekha import __version__
from rekha.analyses.claims import attach_anonymous_analyses
from rekha.analyses.jobs_router import router as analysis_jobs_router
from rekha.analyses.router import router as analyses_router
from rekha.auth.hooks import register_sign_in_hook
from rekha.auth.router import router as auth_router
from rekha.conversations.router import router as conversations_router
from rekha.core.csrf import CSRFMiddleware
from rekha.core.db import Database
from rekha.core.errors import add_exception_handlers
from rekha.core.health import router as health_router
from rekha.core.logging import configure_logging
from rekha.core.middleware import RequestIdMiddleware
from rekha.core.redis import make_async_redis
from rekha.core.webui import mount_web_ui
from rekha.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    # Stable, readable operation ids for the generated TypeScript client.
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Graceful shutdown: uvicorn has drained requests; now release connections.
        await app.state.redis.aclose()
        await app.state.db.dispose()

    app = FastAPI(
        title="Rekha",
        version=__version__,
        description="Palm reading in the Indian tradition (Hast Rekha Shastra), measured.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.db = Database(settings)
    app.state.redis = make_async_redis(settings)

    add_exception_handlers(app)
    register_sign_in_hook(attach_anonymous_analyses)  # anonymous uploads join the account
    app.include_router(health_router)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(analyses_router, prefix=API_PREFIX)
    app.include_router(analysis_jobs_router, prefix=API_PREFIX)
    app.include_router(conversations_router, prefix=API_PREFIX)
    # Last: the catch-all that serves the web UI must not shadow API routes.
    mount_web_ui(app, settings.web_root)

    app.add_middleware(CSRFMiddleware)  # inside CORS, so refusals still carry CORS headers
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestIdMiddleware)
    return app
