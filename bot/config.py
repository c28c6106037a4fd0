"""Settings from the environment and an optional `.env` file, validated once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.store.url import parse as parse_database_url
from bot.store.url import sqlite_url

TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class ConfigError(Exception):
    """A bad setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    telegram_bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # where the data lives; DATABASE_PATH, the older setting, names an SQLite file (used when this is unset)
    database_url: str | None = None
    database_path: Path = Path("thigh-coach.sqlite3")
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    content_dir: Path | None = None
    bot_api_base_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = "https://api.telegram.org/bot"
    bot_api_file_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = "https://api.telegram.org/file/bot"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Telegram allows about 30 messages/s across chats; more, or 0 (no limiter), only for a local Bot API server
    send_rate_per_second: Annotated[float, Field(ge=0, le=1000)] = 25.0
    # one chat: about one message a second, with short bursts (a triage outcome is a few messages)
    per_chat_rate_per_second: Annotated[float, Field(gt=0, le=1000)] = 1.0
    per_chat_burst: Annotated[int, Field(ge=1, le=100)] = 5
    # a reminder due while the bot was down is still sent if at most this late, else skipped and logged
    reminder_max_late_hours: Annotated[float, Field(ge=0, le=48)] = 2.0
    scheduler_poll_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    # how long a process's claim on an owed reply, a reminder or a broadcast delivery lasts unrenewed (a living
    # process renews its claims three times a lease): another process takes over a dead one's after this
    claim_lease_seconds: Annotated[float, Field(ge=1, le=3600)] = 60.0
    # webhook mode: set WEBHOOK_URL (the public https address Telegram posts to) and a secret
    webhook_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    webhook_secret: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,256}$")] | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443
    webhook_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_/-]*$")] = "telegram"
    # /healthz and /metrics; 0 turns the port off
    health_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    health_listen: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"
    # on SIGTERM/SIGINT: how long background work may take to finish its batch
    shutdown_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 20.0
    # for tests only: read "now" from this file (ISO 8601) instead of the system clock
    test_clock_file: Path | None = None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits, a colon, then letters)")
        return value

    @field_validator("database_path", "test_clock_file", "content_dir", mode="before")
    @classmethod
    def _file_path(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must be a file path, not empty")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is not None:
            parse_database_url(value)
        return value

    @property
    def database(self) -> str:
        """DATABASE_URL, or the SQLite file DATABASE_PATH names."""
        return self.database_url or sqlite_url(self.database_path)

    @field_validator("content_dir")
    @classmethod
    def _existing_directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set (16-256 letters, digits, _ or -)")
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        return value


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a rule across settings names its variable in the message
            raise ConfigError(str(first["msg"]).removeprefix("Value error, ")) from None
        raise ConfigError(f"{str(first['loc'][0]).upper()}: {first['msg']}") from None
