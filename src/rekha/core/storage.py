"""Where files live on disk. One layout: FILE_STORAGE_ROOT/{user id or "anon"}/{analysis id}/.

Keeping every file of a user under their folder makes "delete my account" a single tree removal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rekha.settings import Settings

ANONYMOUS_OWNER = "anon"


def owner_dir(settings: Settings, user_id: str | None) -> Path:
    return settings.file_storage_root / (user_id or ANONYMOUS_OWNER)


def analysis_dir(settings: Settings, user_id: str | None, analysis_id: str) -> Path:
    return owner_dir(settings, user_id) / analysis_id


def remove_tree(path: Path) -> None:
    """Remove a folder and everything in it; a folder that is already gone is fine."""
    shutil.rmtree(path, ignore_errors=True)
