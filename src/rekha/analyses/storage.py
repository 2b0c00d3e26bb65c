"""Analysis files on disk, on top of the layout in rekha.core.storage.

Paths are stored in the database relative to FILE_STORAGE_ROOT, with forward slashes:
"{user id or 'anon'}/{analysis id}/{random uuid}.{ext}". Resolve them with `absolute_path`;
never join a stored path to the root by hand (the check against escaping the root lives here).

Writes are staged: files go to hidden temporary names first and are renamed into place only
after the database commit, so a file with a final name always has its row, and a refused or
failed request leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from rekha.core.storage import ANONYMOUS_OWNER, analysis_dir, remove_tree
from rekha.settings import Settings

log = logging.getLogger(__name__)

_TEMP_SUFFIX = ".part"


def owner_name(user_id: str | None) -> str:
    return user_id or ANONYMOUS_OWNER


def relative_path(user_id: str | None, analysis_id: str, filename: str) -> str:
    return f"{owner_name(user_id)}/{analysis_id}/{filename}"


def new_filename(extension: str) -> str:
    """A random name: never one the client sent."""
    return f"{uuid.uuid4()}.{extension}"


def absolute_path(settings: Settings, stored: str) -> Path:
    """The file for a stored relative path; ValueError if it would leave the storage root."""
    root = settings.file_storage_root.resolve()
    relative = PurePosixPath(stored)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"stored path {stored!r} is not inside the storage root")
    path = root.joinpath(*relative.parts)
    if not path.is_relative_to(root):
        raise ValueError(f"stored path {stored!r} is not inside the storage root")
    return path


def rehome_path(stored: str | None, user_id: str | None) -> str | None:
    """The same file's path once its analysis folder belongs to `user_id`."""
    if stored is None:
        return None
    parts = PurePosixPath(stored).parts
    return str(PurePosixPath(owner_name(user_id), *parts[1:]))


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name beside `path`, then rename: readers never see half a file."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TEMP_SUFFIX}")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class StagedAnalysisFiles:
    """The files of one new analysis: staged under temporary names, published after commit."""

    def __init__(self, settings: Settings, user_id: str | None, analysis_id: str) -> None:
        self.directory = analysis_dir(settings, user_id, analysis_id)
        self._staged: list[tuple[Path, Path]] = []

    def stage(self, filename: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / filename
        temp = self.directory / f".{filename}{_TEMP_SUFFIX}"
        self._staged.append((temp, final))
        temp.write_bytes(data)

    def publish(self) -> None:
        for temp, final in self._staged:
            os.replace(temp, final)

    def discard(self) -> None:
        # The folder is new and belongs to this request alone: removing it removes everything.
        remove_tree(self.directory)


def move_analysis_folder(
    settings: Settings, analysis_id: str, from_user: str | None, to_user: str | None
) -> None:
    source = analysis_dir(settings, from_user, analysis_id)
    target = analysis_dir(settings, to_user, analysis_id)
    if not source.is_dir():
        log.warning("analysis folder to move is missing", extra={"analysis_id": analysis_id})
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def remove_analysis_folder(settings: Settings, user_id: str | None, analysis_id: str) -> None:
    remove_tree(analysis_dir(settings, user_id, analysis_id))


# ------------------------------------------------------------------ after-commit callbacks

_PENDING_KEY = "rekha_after_commit"


def _run_pending(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.pop(_PENDING_KEY, [])
    for callback in pending:
        try:
            callback()
        except Exception:
            # The commit has happened; a file step failing must not turn it into an error.
            log.exception("after-commit file step failed")


def _drop_pending(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING_KEY, None)


def call_after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction commits; drop it if it rolls back.

    For file moves and removals that must follow the database: doing them before the commit
    would leave files out of step with rows whenever the transaction fails.
    """
    sync_session = session.sync_session
    if not event.contains(sync_session, "after_commit", _run_pending):
        event.listen(sync_session, "after_commit", _run_pending)
        event.listen(sync_session, "after_rollback", _drop_pending)
    sync_session.info.setdefault(_PENDING_KEY, []).append(callback)
