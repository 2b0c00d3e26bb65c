"""One settings class. Every knob has a safe local default and is documented in .env.example."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./data/rekha.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    celery_broker_url: str = "redis://127.0.0.1:6379/1"
    celery_result_backend: str = "redis://127.0.0.1:6379/1"
    # Prefix for every key Rekha writes to Redis, so several deployments (or test runs) can share
    # one server without seeing each other's data.
    redis_key_prefix: str = "rekha:"
    file_storage_root: Path = Path("./data/files")
    web_root: Path = Path("./web/out")
    session_cookie_secure: bool = True
    session_ttl_seconds: int = 7 * 24 * 3600
    allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True

    # rate limits: "attempts/seconds"
    login_rate_limit_per_email: str = "10/900"
    login_rate_limit_per_ip: str = "30/900"
    register_rate_limit_per_ip: str = "10/3600"

    # uploads and quotas
    max_upload_bytes: int = 15 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    # Photos are stored at most this many pixels on their long side: far more than a reading
    # needs (the engine works on a 512-pixel palm), less to keep, and quick to clean on arrival.
    max_stored_image_side: int = 2048
    analyses_per_user_per_day: int = 20
    analyses_per_ip_per_day: int = 10
    storage_bytes_per_user: int = 500 * 1024 * 1024
    trust_forwarded_for: bool = False

    # jobs
    analysis_stuck_after_seconds: int = 900
    broker_visibility_timeout_seconds: int = 3600
    beat_schedule_file: Path = Path("./data/celerybeat-schedule")
    analysis_lease_seconds: int = 30  # a worker's hold on a running job; renewed while alive
    analysis_retry_backoff_seconds: float = 5.0  # first retry's delay; doubles, with jitter
    analysis_stage_delay_seconds: float = 0.0  # tests/demos only: pause at each job stage

    # reading provider
    reading_provider: Literal["local", "openai"] = "local"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4.1-mini"
    openai_timeout_seconds: float = 60.0
    openai_requests_per_minute: int = 500
    openai_tokens_per_minute: int = 200_000

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Accept "a,b" as well as a JSON list from the environment.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @property
    def sync_database_url(self) -> str:
        """The same database for synchronous callers (Celery workers, Alembic)."""
        return self.database_url.replace("sqlite+aiosqlite", "sqlite").replace(
            "postgresql+asyncpg", "postgresql+psycopg2"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
