"""The thumbnail task: made from the stored photo, idempotent, tolerant of deletion."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from rekha.analyses.image_tasks import THUMBNAIL_LONG_SIDE, make_thumbnails_for
from rekha.analyses.storage import absolute_path
from rekha.core.db import SyncDatabase
from rekha.settings import Settings
from tests.analyses.helpers import ANALYSES, load_analysis, upload
from tests.auth.helpers import ensure_csrf, register


@pytest.fixture
def sync_db(settings: Settings) -> Iterator[SyncDatabase]:
    db = SyncDatabase(settings)
    yield db
    db.engine.dispose()


async def test_thumbnails_are_made_once_and_served_to_the_owner(
    make_client: Callable[..., httpx.AsyncClient],
    app: FastAPI,
    settings: Settings,
    sync_db: SyncDatabase,
    palm: Callable[[str], bytes],
) -> None:
    owner, stranger = make_client(), make_client()
    await register(owner)
    response = await upload(owner, left=palm("left_02.jpg"), right=palm("right_02.jpg"))
    analysis_id = response.json()["id"]

    assert make_thumbnails_for(settings, sync_db, analysis_id) == 2
    assert make_thumbnails_for(settings, sync_db, analysis_id) == 0  # idempotent
    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None
    folder = absolute_path(settings, analysis.images[0].path).parent
    assert len(list(folder.iterdir())) == 4  # two photos, two thumbnails, nothing else

    for image in analysis.images:
        assert image.thumbnail_path is not None
        served = await owner.get(f"{ANALYSES}/{analysis_id}/images/{image.hand}?kind=thumbnail")
        assert served.status_code == 200
        thumb = Image.open(io.BytesIO(served.content))
        assert thumb.format == "JPEG" and max(thumb.size) == THUMBNAIL_LONG_SIDE
        # Same shape as the photo (portrait stays portrait).
        assert (thumb.width > thumb.height) == (image.width > image.height)
        denied = await stranger.get(f"{ANALYSES}/{analysis_id}/images/{image.hand}?kind=thumbnail")
        assert denied.status_code == 404

    listing = (await owner.get(ANALYSES)).json()
    item = next(i for i in listing["items"] if i["id"] == analysis_id)
    assert item["thumbnail_url"] == f"{ANALYSES}/{analysis_id}/images/left?kind=thumbnail"


async def test_a_deleted_analysis_is_not_an_error(
    make_client: Callable[..., httpx.AsyncClient],
    settings: Settings,
    sync_db: SyncDatabase,
    palm: Callable[[str], bytes],
) -> None:
    browser = make_client()
    response = await upload(browser, left=palm("left_01.jpg"))
    analysis_id = response.json()["id"]
    deleted = await browser.delete(f"{ANALYSES}/{analysis_id}", headers=await ensure_csrf(browser))
    assert deleted.status_code == 204
    assert make_thumbnails_for(settings, sync_db, analysis_id) == 0
    assert make_thumbnails_for(settings, sync_db, "never-existed") == 0
    from rekha.core.storage import analysis_dir

    assert not analysis_dir(settings, None, analysis_id).exists()  # not recreated


async def test_thumbnails_follow_a_claim(
    make_client: Callable[..., httpx.AsyncClient],
    app: FastAPI,
    settings: Settings,
    sync_db: SyncDatabase,
    palm: Callable[[str], bytes],
) -> None:
    browser = make_client()
    response = await upload(browser, left=palm("left_03.jpg"))
    analysis_id = response.json()["id"]
    assert make_thumbnails_for(settings, sync_db, analysis_id) == 1
    user = await register(browser)
    analysis = await load_analysis(app, analysis_id)
    assert analysis is not None and analysis.images[0].thumbnail_path is not None
    assert analysis.images[0].thumbnail_path.startswith(f"{user['id']}/")
    assert absolute_path(settings, analysis.images[0].thumbnail_path).is_file()
    served = await browser.get(f"{ANALYSES}/{analysis_id}/images/left?kind=thumbnail")
    assert served.status_code == 200


@pytest.mark.slow
async def test_a_real_worker_makes_the_thumbnails_from_the_images_queue(
    worker: object,
    make_client: Callable[..., httpx.AsyncClient],
    app: FastAPI,
    palm: Callable[[str], bytes],
) -> None:
    import asyncio
    import time

    browser = make_client()
    response = await upload(browser, left=palm("left_04.jpg"), right=palm("right_04.jpg"))
    assert response.status_code == 202, response.text
    analysis_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while True:
        analysis = await load_analysis(app, analysis_id)
        assert analysis is not None
        if all(image.thumbnail_path for image in analysis.images):
            break
        assert time.monotonic() < deadline, "no thumbnails after 60 s"
        await asyncio.sleep(0.2)
    served = await browser.get(f"{ANALYSES}/{analysis_id}/images/right?kind=thumbnail")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
