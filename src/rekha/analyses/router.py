"""Upload, list, read, summarise and delete analyses; serve their photos.

(Status, server-sent events and retry live in jobs_router.py.)
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse

from rekha.analyses import progress, service
from rekha.analyses.claims import set_claim_cookie
from rekha.analyses.dependencies import AnyAnalysis, ClaimedOrOwnedAnalysis, OwnedAnalysis
from rekha.analyses.models import Analysis
from rekha.analyses.schemas import (
    AnalysisListItem,
    AnalysisPage,
    AnalysisReportOut,
    AnalysisSummaryOut,
    Hand,
    ImageKindParam,
    UploadAccepted,
)
from rekha.analyses.storage import absolute_path
from rekha.auth.dependencies import CurrentUser, OptionalUser
from rekha.core.deps import RedisDep, SessionDep, SettingsDep
from rekha.core.errors import NotFound
from rekha.core.storage import analysis_dir
from rekha.settings import Settings

router = APIRouter(tags=["analyses"])

# The body is parsed by our own streaming parser, so FastAPI cannot infer its schema.
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "left_image": {"type": "string", "format": "binary"},
                        "right_image": {"type": "string", "format": "binary"},
                        "focus": {
                            "type": "string",
                            "enum": ["general", "life", "love", "career", "health"],
                            "default": "general",
                        },
                        "dominant_hand": {"type": "string", "enum": ["left", "right"]},
                    },
                    "additionalProperties": False,
                }
            }
        },
    }
}


@router.post(
    "/analyses",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_UPLOAD_BODY,
    responses={400: {}, 413: {}, 429: {}},
)
async def create_analysis(
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    user: OptionalUser,
) -> UploadAccepted:
    """Upload one or two palm photos (JPEG, PNG, HEIC or WebP, 15 MB each) and start a reading."""
    result = await service.create_analysis(request, session, redis, settings, user)
    if result.claim_token:
        set_claim_cookie(response, settings, result.claim_token)
    return UploadAccepted.of(result.analysis)


@router.get("/analyses")
async def list_analyses(
    session: SessionDep,
    user: CurrentUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> AnalysisPage:
    """Your analyses, newest first, five to a page."""
    listing = await service.list_analyses(session, user, page)
    return AnalysisPage(
        items=[AnalysisListItem.of(a) for a in listing.items],
        page=listing.page,
        page_size=listing.page_size,
        total=listing.total,
    )


@router.get("/analyses/{analysis_id}")
async def get_analysis(analysis: OwnedAnalysis) -> AnalysisReportOut:
    """The full report (owner only; 401 login_required when signed out)."""
    return AnalysisReportOut.of(analysis)


@router.get("/analyses/{analysis_id}/summary")
async def get_summary(analysis: AnyAnalysis) -> AnalysisSummaryOut:
    """The public summary of an analysis: anyone with its id may read it."""
    return AnalysisSummaryOut.of(analysis)


@router.delete("/analyses/{analysis_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_analysis(
    analysis: ClaimedOrOwnedAnalysis, session: SessionDep, settings: SettingsDep, redis: RedisDep
) -> Response:
    """Delete an analysis, its photos and its conversations (owner or uploading browser)."""
    await service.delete_analysis(session, settings, analysis)
    # The live status would otherwise keep answering for a deleted analysis until it expires.
    await progress.forget_status(redis, settings, analysis.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _image_file(settings: Settings, analysis: Analysis, stored: str) -> Path | None:
    path = absolute_path(settings, stored)
    if path.is_file():
        return path
    # A claim may have just moved the folder (a worker can write a path a moment before):
    # look for the same file in the analysis's current folder.
    current = analysis_dir(settings, analysis.user_id, analysis.id) / path.name
    return current if current.is_file() else None


@router.get("/analyses/{analysis_id}/images/{hand}", response_class=FileResponse)
async def get_image(
    analysis: ClaimedOrOwnedAnalysis,
    hand: Hand,
    settings: SettingsDep,
    kind: ImageKindParam = "original",
) -> FileResponse:
    """A stored photo, its thumbnail, or the annotated overlay (owner or uploading browser)."""
    image = next((i for i in analysis.images if i.hand == hand), None)
    stored = None
    if image is not None:
        stored = {
            "original": image.path,
            "thumbnail": image.thumbnail_path,
            "overlay": image.overlay_path,
        }[kind]
    path = _image_file(settings, analysis, stored) if stored else None
    if path is None:
        raise NotFound(f"There is no {kind} image of the {hand} hand.", code="image_not_found")
    media_type = (image.mime if kind == "original" and image else None) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
