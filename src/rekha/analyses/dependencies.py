"""Who may touch an analysis, written once. Routes take the analysis through these aliases
(path parameter `analysis_id`):

    async def report(analysis: OwnedAnalysis) -> ...            # the signed-in owner only
    async def delete(analysis: ClaimedOrOwnedAnalysis) -> ...   # the owner, or the browser that
                                                                # uploaded it while anonymous
    async def summary(analysis: AnyAnalysis) -> ...             # anyone with the id

OwnedAnalysis: unknown id -> 404; not signed in -> 401 `login_required` (the UI's login gate);
signed in as someone else -> 404 (no hint that the analysis exists for another account).
ClaimedOrOwnedAnalysis: unknown id, or neither owner nor claim holder -> 404.
The analysis comes with its images loaded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from rekha.analyses import repository
from rekha.analyses.claims import holds_claim
from rekha.analyses.models import Analysis
from rekha.auth.dependencies import OptionalUser
from rekha.core.deps import SessionDep
from rekha.core.errors import LoginRequired, NotFound


def analysis_not_found() -> NotFound:
    return NotFound("We could not find that reading.", code="analysis_not_found")


async def get_analysis(
    session: SessionDep,
    analysis_id: Annotated[str, Path(min_length=1, max_length=32)],
) -> Analysis:
    analysis = await repository.get_with_images(session, analysis_id)
    if analysis is None:
        raise analysis_not_found()
    return analysis


AnyAnalysis = Annotated[Analysis, Depends(get_analysis)]


async def get_owned_analysis(analysis: AnyAnalysis, user: OptionalUser) -> Analysis:
    if user is None:
        raise LoginRequired()
    if analysis.user_id != user.id:
        raise analysis_not_found()
    return analysis


async def get_claimed_or_owned_analysis(
    analysis: AnyAnalysis, user: OptionalUser, request: Request
) -> Analysis:
    if user is not None and analysis.user_id == user.id:
        return analysis
    if holds_claim(request, analysis):
        return analysis
    raise analysis_not_found()


OwnedAnalysis = Annotated[Analysis, Depends(get_owned_analysis)]
ClaimedOrOwnedAnalysis = Annotated[Analysis, Depends(get_claimed_or_owned_analysis)]
# The name the jobs router imports.
AnalysisOwnerOrClaim = ClaimedOrOwnedAnalysis
