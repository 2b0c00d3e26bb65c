"""Serves the Next.js static export at `/`, same origin as the API (cookies and CSRF stay simple)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from rekha.core.errors import error_body


def mount_web_ui(app: FastAPI, root: Path) -> None:
    root = root.resolve()

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web_ui(path: str, request: Request) -> Response:
        if path.startswith("api/"):
            return JSONResponse(error_body("not_found", "No such API route."), status_code=404)
        if not root.is_dir():
            return JSONResponse(
                error_body(
                    "web_ui_not_built",
                    "The web UI is not built. Run the run command, or see the API docs at /docs.",
                ),
                status_code=404,
            )
        for candidate in (
            path,
            f"{path}.html",
            f"{path}/index.html",
            "index.html" if not path else "",
        ):
            if not candidate:
                continue
            file = (root / candidate).resolve()
            # Never serve anything outside the export folder.
            if file.is_file() and file.is_relative_to(root):
                return FileResponse(file)
        not_found = root / "404.html"
        if not_found.is_file():
            return FileResponse(not_found, status_code=404)
        return JSONResponse(error_body("not_found", "Not found."), status_code=404)
