"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.services.text_input import ascii_digits

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/hromada-bot.sqlite3"
PUBLIC_API_URL = "https://api.telegram.org"
_TOKEN_RE = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,}$")
# Telegram's alphabet for a webhook's secret token; 32 characters and more are guessed by no one.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
SECRET_EXPECTED = (
    "32 to 256 characters of A-Z a-z 0-9 _ - (make one with: "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
)


class Settings(BaseSettings):
    """Every setting of the bot; names match PRODUCT.md."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    telegram_api_url: str = PUBLIC_API_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    timezone: str = "Europe/Kyiv"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    # /healthz, /readyz and /metrics on a port of their own (in polling mode the only place;
    # in webhook mode they are on the webhook server as well). Unset: no such server. The
    # host defaults to this machine only, so metrics are not published by accident.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # "text" (one readable line per record) or "json" (one JSON object per line, for a log
    # collector); neither carries what members wrote.
    log_format: Literal["text", "json"] = "text"
    # Announcements: messages per second overall (Telegram allows about 30), and how long a
    # dead process's hold on the sender lasts before another process takes over.
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000)
    broadcast_lease_seconds: float = Field(default=30.0, ge=3, le=600)
    # Retention in days, applied by the daily job (bot/services/retention.py): unfinished
    # registrations, untouched report drafts, dialog state of inactive members, delivery rows of
    # finished announcements, personal values in old audit entries.
    retention_unfinished_days: int = Field(default=30, ge=1, le=365)
    retention_draft_days: int = Field(default=90, ge=1, le=3650)
    retention_dialog_days: int = Field(default=180, ge=7, le=3650)
    retention_delivery_days: int = Field(default=365, ge=1, le=3650)
    retention_audit_days: int = Field(default=1095, ge=30, le=3650)
    # Reports and questions to the experts one member may send in a rolling 24 hours, and the
    # lower limits while their membership is not confirmed (bot/services/filing_limits.py).
    report_limit_per_day: int = Field(default=5, ge=1, le=1000)
    report_limit_pending_per_day: int = Field(default=2, ge=1, le=1000)
    question_limit_per_day: int = Field(default=10, ge=1, le=1000)
    question_limit_pending_per_day: int = Field(default=3, ge=1, le=1000)
    # On start, import the КАТОТТГ codifier that ships with the bot while no unit is in the
    # database (a new deployment's first start). Off: registration takes the hromada as free
    # text until `hromada-bot hromadas import`.
    codifier_import_on_start: bool = True

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
            for item in items:
                if not ascii_digits(item):
                    raise ValueError(
                        f"ADMIN_IDS must be comma-separated Telegram user ids; {item!r} is not one"
                    )
            return frozenset(int(item) for item in items)
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_token(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and not _TOKEN_RE.match(value):
                raise ValueError(
                    "BOT_TOKEN does not look like a token from @BotFather (digits, a colon, "
                    "then letters, digits, '_' or '-')"
                )
        return value

    @field_validator("redis_url", "webhook_url", "webhook_secret", "metrics_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must be an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"TIMEZONE {value!r} is not an IANA time zone name") from error
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.match(value.get_secret_value()):
            # The value itself is never repeated: it is a secret even when it is a bad one.
            raise ValueError(f"WEBHOOK_SECRET must be {SECRET_EXPECTED}")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.webhook_url is not None:
            if not self.webhook_url.startswith("https://"):
                raise ValueError("WEBHOOK_URL must be an https:// address")
            if self.webhook_secret is None:
                raise ValueError(f"WEBHOOK_SECRET is required with WEBHOOK_URL: {SECRET_EXPECTED}")
        return self

    @model_validator(mode="after")
    def _check_filing_limits(self) -> Settings:
        for kind in ("report", "question"):
            verified = getattr(self, f"{kind}_limit_per_day")
            pending = getattr(self, f"{kind}_limit_pending_per_day")
            if pending > verified:
                name = kind.upper()
                raise ValueError(
                    f"{name}_LIMIT_PENDING_PER_DAY ({pending}) must not exceed "
                    f"{name}_LIMIT_PER_DAY ({verified}): members not yet verified get less"
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sqlite_path(self) -> Path | None:
        """The SQLite database file, when the database is SQLite on disk."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix) :]
            if path and path != ":memory:":
                return Path(path)
        return None
