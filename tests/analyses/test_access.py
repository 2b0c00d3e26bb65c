"""Who may see and do what, route by route; listing; deletion."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import FastAPI

from rekha.analyses.storage import absolute_path
from rekha.core.storage import analysis_dir
from rekha.settings import Settings
from tests.analyses.helpers import (
    ANALYSES,
    assert_error,
    load_analysis,
    noise_jpeg,
    row_counts,
    upload,
)
from tests.auth.helpers import ensure_csrf, register


async def owned_upload(client: httpx.AsyncClient, seed: int) -> str:
    response = await upload(client, left=noise_jpeg(seed=seed), right=noise_jpeg(seed=seed + 1))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_owner_checks_on_every_route(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    owner, other_user, anonymous = make_client(), make_client(), make_client()
    await register(owner)
    await register(other_user)
    analysis_id = await owned_upload(owner, 600)
    base = f"{ANALYSES}/{analysis_id}"

    # The owner: everything.
    report = await owner.get(base)
    assert report.status_code == 200, report.text
    assert report.json()["id"] == analysis_id and report.json()["status"] == "queued"
    assert [i["hand"] for i in report.json()["images"]] == ["left", "right"]
    for hand in ("left", "right"):
        image = await owner.get(f"{base}/images/{hand}")
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert image.headers["cache-control"].startswith("private")

    # Another account: not found, everywhere but the public summary.
    assert_error(await other_user.get(base), 404, "analysis_not_found")
    assert_error(await other_user.get(f"{base}/images/left"), 404, "analysis_not_found")
    assert_error(
        await other_user.get(f"{base}/images/left?kind=thumbnail"), 404, "analysis_not_found"
    )
    assert_error(
        await other_user.delete(base, headers=await ensure_csrf(other_user)),
        404,
        "analysis_not_found",
    )
    assert analysis_id not in {i["id"] for i in (await other_user.get(ANALYSES)).json()["items"]}

    # Signed out: the login gate for the report, nothing else.
    assert_error(await anonymous.get(base), 401, "login_required")
    assert_error(await anonymous.get(f"{base}/images/right"), 404, "analysis_not_found")
    assert_error(await anonymous.get(ANALYSES), 401, "not_authenticated")
    assert_error(
        await anonymous.delete(base, headers=await ensure_csrf(anonymous)),
        404,
        "analysis_not_found",
    )

    # The summary is public by id, and says nothing private.
    for client in (owner, other_user, anonymous):
        summary = await client.get(f"{base}/summary")
        assert summary.status_code == 200, summary.text
        body = summary.json()
        assert body["id"] == analysis_id and body["status"] == "queued"
        assert body["hands"] == ["left", "right"] and body["summary"] is None
        assert "images" not in body and "report" not in body

    # The analysis survived every refused delete.
    assert (await owner.get(base)).status_code == 200


async def test_unknown_ids_and_images(make_client: Callable[..., httpx.AsyncClient]) -> None:
    owner = make_client()
    await register(owner)
    for path in ("", "/summary", "/images/left"):
        assert_error(
            await owner.get(f"{ANALYSES}/no-such-analysis{path}"), 404, "analysis_not_found"
        )
    response = await upload(owner, left=noise_jpeg(seed=650))
    base = f"{ANALYSES}/{response.json()['id']}"
    # No right hand uploaded; no thumbnail or overlay made yet.
    assert_error(await owner.get(f"{base}/images/right"), 404, "image_not_found")
    assert_error(await owner.get(f"{base}/images/left?kind=overlay"), 404, "image_not_found")
    assert_error(await owner.get(f"{base}/images/left?kind=thumbnail"), 404, "image_not_found")
    assert (await owner.get(f"{base}/images/middle")).status_code == 422
    assert (await owner.get(f"{base}/images/left?kind=raw")).status_code == 422


async def test_listing_is_newest_first_five_to_a_page(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    browser = make_client()
    await register(browser)
    ids = [(await upload(browser, left=noise_jpeg(seed=700 + n))).json()["id"] for n in range(7)]
    first = (await browser.get(ANALYSES)).json()
    assert first["page"] == 1 and first["page_size"] == 5 and first["total"] == 7
    assert [i["id"] for i in first["items"]] == ids[::-1][:5]
    item = first["items"][0]
    assert item["status"] == "queued" and item["hands"] == ["left"]
    assert "thumbnail_url" in item  # null until the thumbnail job runs (test_thumbnails.py)
    second = (await browser.get(ANALYSES, params={"page": 2})).json()
    assert [i["id"] for i in second["items"]] == ids[::-1][5:]
    beyond = (await browser.get(ANALYSES, params={"page": 3})).json()
    assert beyond["items"] == [] and beyond["total"] == 7
    assert (await browser.get(ANALYSES, params={"page": 0})).status_code == 422


async def test_delete_removes_rows_and_files(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI, settings: Settings
) -> None:
    owner = make_client()
    await register(owner)
    analysis_id = await owned_upload(owner, 800)
    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None
    files = [absolute_path(settings, i.path) for i in analysis.images]
    assert all(f.is_file() for f in files)
    analyses_before, images_before = await row_counts(app)

    response = await owner.delete(f"{ANALYSES}/{analysis_id}", headers=await ensure_csrf(owner))
    assert response.status_code == 204, response.text
    assert await row_counts(app) == (analyses_before - 1, images_before - 2)
    assert not any(f.exists() for f in files)
    assert not analysis_dir(settings, analysis.user_id, analysis_id).exists()
    assert_error(await owner.get(f"{ANALYSES}/{analysis_id}"), 404, "analysis_not_found")
    assert (await owner.get(f"{ANALYSES}/{analysis_id}/status")).status_code == 404
    assert_error(
        await owner.delete(f"{ANALYSES}/{analysis_id}", headers=await ensure_csrf(owner)),
        404,
        "analysis_not_found",
    )


async def test_the_uploading_browser_may_delete_before_signing_in(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI, settings: Settings
) -> None:
    browser = make_client()
    response = await upload(browser, left=noise_jpeg(seed=850))
    analysis_id = response.json()["id"]
    deleted = await browser.delete(f"{ANALYSES}/{analysis_id}", headers=await ensure_csrf(browser))
    assert deleted.status_code == 204, deleted.text
    assert await load_analysis(app, analysis_id) is None
    assert not analysis_dir(settings, None, analysis_id).exists()


async def complete_with_overlay(app: FastAPI, settings: Settings, analysis_id: str) -> None:
    """Stand in for the reading job: a summary, a report and an overlay file for the left hand."""
    from sqlalchemy import select

    from rekha.analyses.models import Analysis, AnalysisImage, AnalysisStatus

    async with app.state.db.sessionmaker() as session:
        analysis = await session.get(Analysis, analysis_id)
        assert analysis is not None
        analysis.status = AnalysisStatus.completed
        analysis.stage, analysis.progress = "done", 100
        analysis.summary = {"text": "A long, deep life line."}
        analysis.report = {"sections": ["private detail"]}
        image = (
            await session.execute(
                select(AnalysisImage).where(
                    AnalysisImage.analysis_id == analysis_id, AnalysisImage.hand == "left"
                )
            )
        ).scalar_one()
        overlay = image.path.rsplit("/", 1)[0] + "/overlay-left.png"
        absolute_path(settings, overlay).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        image.overlay_path = overlay
        await session.commit()


async def test_completed_summary_is_public_and_its_overlay_private(
    make_client: Callable[..., httpx.AsyncClient], app: FastAPI, settings: Settings
) -> None:
    owner, stranger = make_client(), make_client()
    await register(owner)
    analysis_id = await owned_upload(owner, 870)
    await complete_with_overlay(app, settings, analysis_id)

    summary = (await stranger.get(f"{ANALYSES}/{analysis_id}/summary")).json()
    assert summary["status"] == "completed" and summary["summary"] == {
        "text": "A long, deep life line."
    }
    overlay_url = f"{ANALYSES}/{analysis_id}/images/left?kind=overlay"
    assert summary["overlay_url"] == overlay_url
    assert "report" not in summary  # the full report stays behind the login
    assert (await stranger.get(overlay_url)).status_code == 404
    served = await owner.get(overlay_url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    report = (await owner.get(f"{ANALYSES}/{analysis_id}")).json()
    assert report["report"] == {"sections": ["private detail"]}
    assert report["images"][0]["overlay_url"] == overlay_url
