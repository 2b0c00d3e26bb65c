"""Response shapes of the analyses API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from rekha.analyses.models import Analysis, AnalysisImage, AnalysisStatus

API_PREFIX = "/api/v1"
PAGE_SIZE = 5

Hand = Literal["left", "right"]
Focus = Literal["general", "life", "love", "career", "health"]
FOCUS_VALUES: tuple[str, ...] = ("general", "life", "love", "career", "health")
HAND_VALUES: tuple[str, ...] = ("left", "right")
ImageKindParam = Literal["original", "thumbnail", "overlay"]


def analysis_url(analysis_id: str, suffix: str = "") -> str:
    return f"{API_PREFIX}/analyses/{analysis_id}{suffix}"


def image_url(analysis_id: str, hand: str, kind: str) -> str:
    return analysis_url(analysis_id, f"/images/{hand}?kind={kind}")


class AnalysisErrorOut(BaseModel):
    code: str | None
    message: str


class ImageOut(BaseModel):
    hand: Hand
    width: int
    height: int
    bytes: int
    mime: str
    original_url: str
    thumbnail_url: str | None = Field(description="Null until the thumbnail job has run.")
    overlay_url: str | None = Field(description="Null until the reading has drawn its overlay.")

    @classmethod
    def of(cls, analysis_id: str, image: AnalysisImage) -> ImageOut:
        return cls(
            hand=image.hand,  # type: ignore[arg-type]
            width=image.width,
            height=image.height,
            bytes=image.bytes,
            mime=image.mime,
            original_url=image_url(analysis_id, image.hand, "original"),
            thumbnail_url=(
                image_url(analysis_id, image.hand, "thumbnail") if image.thumbnail_path else None
            ),
            overlay_url=(
                image_url(analysis_id, image.hand, "overlay") if image.overlay_path else None
            ),
        )


def _error_of(analysis: Analysis) -> AnalysisErrorOut | None:
    if analysis.status != AnalysisStatus.failed or not analysis.error_message:
        return None
    return AnalysisErrorOut(code=analysis.error_code, message=analysis.error_message)


def _hands(analysis: Analysis) -> list[Hand]:
    return [image.hand for image in analysis.images]  # type: ignore[misc]


class UploadAccepted(BaseModel):
    """The analysis is stored and queued; follow `status_url` for progress."""

    id: str
    status: str
    stage: str
    progress: int
    focus: str
    dominant_hand: str | None
    hands: list[Hand]
    images: list[ImageOut]
    status_url: str
    events_url: str
    summary_url: str
    report_url: str
    created_at: datetime

    @classmethod
    def of(cls, analysis: Analysis) -> UploadAccepted:
        return cls(
            id=analysis.id,
            status=analysis.status,
            stage=analysis.stage,
            progress=analysis.progress,
            focus=analysis.focus,
            dominant_hand=analysis.dominant_hand,
            hands=_hands(analysis),
            images=[ImageOut.of(analysis.id, image) for image in analysis.images],
            status_url=analysis_url(analysis.id, "/status"),
            events_url=analysis_url(analysis.id, "/events"),
            summary_url=analysis_url(analysis.id, "/summary"),
            report_url=analysis_url(analysis.id),
            created_at=analysis.created_at,
        )


class AnalysisListItem(BaseModel):
    id: str
    status: str
    stage: str
    progress: int
    focus: str
    hands: list[Hand]
    thumbnail_url: str | None = Field(
        description="The first hand's thumbnail; null until the thumbnail job has run."
    )
    error: AnalysisErrorOut | None
    created_at: datetime

    @classmethod
    def of(cls, analysis: Analysis) -> AnalysisListItem:
        thumbnail = next((i for i in analysis.images if i.thumbnail_path), None)
        return cls(
            id=analysis.id,
            status=analysis.status,
            stage=analysis.stage,
            progress=analysis.progress,
            focus=analysis.focus,
            hands=_hands(analysis),
            thumbnail_url=(
                image_url(analysis.id, thumbnail.hand, "thumbnail") if thumbnail else None
            ),
            error=_error_of(analysis),
            created_at=analysis.created_at,
        )


class AnalysisPage(BaseModel):
    items: list[AnalysisListItem]
    page: int
    page_size: int
    total: int


class AnalysisSummaryOut(BaseModel):
    """What anyone with the id may see: no photos, no full report."""

    id: str
    status: str
    stage: str
    progress: int
    focus: str
    hands: list[Hand]
    summary: dict[str, Any] | None = Field(description="Present once the reading is completed.")
    overlay_url: str | None = Field(
        description="The annotated palm, once completed; served to the owner or uploader only."
    )
    error: AnalysisErrorOut | None
    report_url: str
    created_at: datetime

    @classmethod
    def of(cls, analysis: Analysis) -> AnalysisSummaryOut:
        completed = analysis.status == AnalysisStatus.completed
        overlay = next((i for i in analysis.images if i.overlay_path), None)
        return cls(
            id=analysis.id,
            status=analysis.status,
            stage=analysis.stage,
            progress=analysis.progress,
            focus=analysis.focus,
            hands=_hands(analysis),
            summary=analysis.summary if completed else None,
            overlay_url=(
                image_url(analysis.id, overlay.hand, "overlay") if completed and overlay else None
            ),
            error=_error_of(analysis),
            report_url=analysis_url(analysis.id),
            created_at=analysis.created_at,
        )


class AnalysisReportOut(BaseModel):
    """The full analysis, for its owner."""

    id: str
    status: str
    stage: str
    progress: int
    focus: str
    dominant_hand: str | None
    provider: str | None
    hands: list[Hand]
    images: list[ImageOut]
    summary: dict[str, Any] | None
    report: dict[str, Any] | None
    error: AnalysisErrorOut | None
    status_url: str
    created_at: datetime
    updated_at: datetime
    processing_started_at: datetime | None
    processing_finished_at: datetime | None

    @classmethod
    def of(cls, analysis: Analysis) -> AnalysisReportOut:
        return cls(
            id=analysis.id,
            status=analysis.status,
            stage=analysis.stage,
            progress=analysis.progress,
            focus=analysis.focus,
            dominant_hand=analysis.dominant_hand,
            provider=analysis.provider,
            hands=_hands(analysis),
            images=[ImageOut.of(analysis.id, image) for image in analysis.images],
            summary=analysis.summary,
            report=analysis.report,
            error=_error_of(analysis),
            status_url=analysis_url(analysis.id, "/status"),
            created_at=analysis.created_at,
            updated_at=analysis.updated_at,
            processing_started_at=analysis.processing_started_at,
            processing_finished_at=analysis.processing_finished_at,
        )
