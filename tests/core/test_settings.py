"""Every setting is documented where users look for it."""

from __future__ import annotations

from pathlib import Path

from rekha.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_env_example_and_readme() -> None:
    example = (REPO_ROOT / ".env.example").read_text()
    readme = (REPO_ROOT / "README.md").read_text()
    names = [name.upper() for name in Settings.model_fields]
    missing_example = [n for n in names if f"\n{n}=" not in example]
    missing_readme = [n for n in names if n not in readme]
    assert not missing_example, f"add to .env.example: {missing_example}"
    assert not missing_readme, f"add to the README's configuration table: {missing_readme}"


def test_origins_accept_a_comma_separated_list() -> None:
    settings = Settings(allowed_origins="http://a.test, http://b.test")  # type: ignore[arg-type]
    assert settings.allowed_origins == ["http://a.test", "http://b.test"]


def test_sync_url_follows_the_async_one() -> None:
    assert Settings(database_url="sqlite+aiosqlite:///x.db").sync_database_url == "sqlite:///x.db"
    pg = Settings(database_url="postgresql+asyncpg://u@h/db").sync_database_url
    assert pg == "postgresql+psycopg2://u@h/db"
