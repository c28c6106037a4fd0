"""/reload on one process of the bot reaches every process on the same database."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import yaml

from bot.app import health_problem
from bot.services import App, installed
from content import DEFAULT_DIR, load_content
from flows.markup import plain
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi, message_update
from tests.postgres_server import Server

ADMIN, RUNNER = 4242, 7
CONTENT = load_content()


class Process:
    """One process of the bot: its own content files, the shared database."""

    def __init__(self, app: App, api: FakeBotApi, content_dir: Path) -> None:
        self.app, self.api, self.content_dir = app, api, content_dir

    async def say(self, user: int, text: str) -> str:
        before = len(self.api.sent(user))
        await self.app.process_update(message_update(self.app.bot, user, text))
        return "\n".join(plain(s.text) for s in self.api.sent(user)[before:])

    def write_hint(self, hint: str) -> None:
        """Edit this process's strings.yaml: the hint a runner sees after typing at the idle menu."""
        strings_file = self.content_dir / "strings.yaml"
        strings = yaml.safe_load(strings_file.read_text(encoding="utf-8"))
        strings["typed_hint"] = hint
        strings_file.write_text(yaml.safe_dump(strings, allow_unicode=True), encoding="utf-8")

    async def hint_seen(self) -> str:
        await self.say(RUNNER, "/cancel")
        return await self.say(RUNNER, "hello")

    async def check_content(self) -> None:
        """One turn of the content version loop, as it runs every few seconds."""
        await installed(self.app).content.follow(asyncio.Event())

    async def health(self) -> str | None:
        found = installed(self.app)
        return await health_problem(found.store, [found.content], None)


class Bot:
    """Processes started on one PostgreSQL database, each with a copy of the content files."""

    def __init__(self, url: str, tmp: Path, stack: AsyncExitStack) -> None:
        self.url, self.tmp, self.stack = url, tmp, stack

    async def start(self, name: str, like: Process | None = None) -> Process:
        content_dir = self.tmp / name
        shutil.copytree(like.content_dir if like else DEFAULT_DIR, content_dir)
        app, api = await self.stack.enter_async_context(
            running_bot(
                self.tmp / f"{name}.unused.sqlite3",
                load_content(content_dir),  # as run_bot loads it at start
                run_scheduler=False,  # the tests turn the loops by hand
                admin_ids=frozenset({ADMIN}),
                content_dir=content_dir,
                send_rate_per_second=0,
                database_url=self.url,
            )
        )
        return Process(app, api, content_dir)


@pytest.fixture
async def bot(postgres: Server, tmp_path: Path) -> AsyncIterator[Bot]:
    url = postgres.fresh_database()
    async with AsyncExitStack() as stack:
        yield Bot(url, tmp_path, stack)
    postgres.drop_database(url)


async def test_a_reload_on_one_process_reaches_the_other(bot: Bot) -> None:
    first, second = await bot.start("first"), await bot.start("second")
    await first.say(RUNNER, "/start")
    await first.say(RUNNER, "yes")
    for process in (first, second):  # a new release of the content files, on every machine
        process.write_hint("Fresh words from the reloaded content.")
    reply = await first.say(ADMIN, "/reload")
    assert "Content reloaded" in reply and "Every instance" in reply

    assert "Fresh words" not in await second.hint_seen(), "not before the other process checks"
    await second.check_content()
    assert "Fresh words from the reloaded content." in await second.hint_seen()
    assert "Fresh words from the reloaded content." in await first.hint_seen()
    assert await second.health() == "content version loop not running", "only what the test left off"


async def test_a_process_whose_files_differ_keeps_its_content_and_says_so(bot: Bot) -> None:
    first, second = await bot.start("first"), await bot.start("second")
    await first.say(RUNNER, "/start")
    await first.say(RUNNER, "yes")
    first.write_hint("Words only the first machine has.")
    await first.say(ADMIN, "/reload")

    await second.check_content()
    assert CONTENT.strings.typed_hint in await second.hint_seen(), "still serving what it served"
    health = await second.health()
    assert health is not None and "content version 1 not served here: its content files differ" in health
    assert await first.health() == "content version loop not running"

    # a process started now, with the files of neither, says so at once; one with the first's files
    # takes them
    assert "content version 1 not served here" in (await (await bot.start("third")).health() or "")
    assert await (await bot.start("fourth", like=first)).health() == "content version loop not running"

    second.write_hint("Words only the first machine has.")  # the files fixed, /reload again
    await first.say(ADMIN, "/reload")
    await second.check_content()
    assert await second.health() == "content version loop not running"
    assert "Words only the first machine has." in await second.hint_seen()
