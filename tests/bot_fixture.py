"""A real PTB application on a real SQLite file, talking to the in-process fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import build_application
from bot.config import Settings
from bot.services import App
from content import Content, load_content
from tests.fake_bot_api import FakeBotApi


def test_settings(database: Path, **overrides: Any) -> Settings:
    token = SecretStr("1:test")
    values: dict[str, Any] = {"health_port": 0, **overrides}  # no HTTP port unless a test asks for one
    return Settings(_env_file=None, telegram_bot_token=token, database_path=database, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(
    database: Path,
    content: Content | None = None,
    run_scheduler: bool = True,
    api: FakeBotApi | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[App, FakeBotApi]]:
    api = api or FakeBotApi()
    settings = test_settings(database, **overrides)
    app = build_application(settings, content or load_content(), request=api, run_scheduler=run_scheduler)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield app, api
    finally:
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()
