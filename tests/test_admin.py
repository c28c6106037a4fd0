"""Admin commands through PTB's dispatching, a real SQLite file and the in-process Bot API."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.broadcaster import Broadcaster
from bot.services import App, installed
from content import DEFAULT_DIR, load_content
from flows.markup import plain
from tests.bot_fixture import running_bot
from tests.fake_bot_api import FakeBotApi, callback_update, message_update

ADMIN, RUNNER = 4242, 7
CONTENT = load_content()


@dataclass
class AdminRig:
    app: App
    api: FakeBotApi
    db: Path
    content_dir: Path

    async def say(self, user: int, text: str) -> str:
        before = len(self.api.sent(user))
        await self.app.process_update(message_update(self.app.bot, user, text))
        return "\n".join(plain(s.text) for s in self.api.sent(user)[before:])

    def audit_actions(self) -> list[str]:
        conn = sqlite3.connect(self.db)
        try:
            return [r[0] for r in conn.execute("SELECT action FROM audit WHERE actor_id = ? ORDER BY id", (ADMIN,))]
        finally:
            conn.close()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[AdminRig]:
    content_dir = tmp_path / "content"
    shutil.copytree(DEFAULT_DIR, content_dir)
    db = tmp_path / "admin.sqlite3"
    async with running_bot(
        db, run_scheduler=False, admin_ids=frozenset({ADMIN}), content_dir=content_dir, send_rate_per_second=0
    ) as (app, api):
        yield AdminRig(app, api, db, content_dir)


@pytest.mark.parametrize(
    "command", ["/stats", "/broadcast hello everyone", "/broadcast cancel", "/user 1", "/reload", "/audit"]
)
async def test_admin_commands_look_unknown_to_others(rig: AdminRig, command: str) -> None:
    await rig.say(RUNNER, "/start")
    reply = await rig.say(RUNNER, command)
    assert reply == CONTENT.strings.unknown_command
    assert reply == await rig.say(RUNNER, "/no_such_command")
    conn = sqlite3.connect(rig.db)
    try:
        assert conn.execute("SELECT count(*) FROM audit WHERE actor_id = ?", (RUNNER,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0
    finally:
        conn.close()


async def test_stats_user_and_audit(rig: AdminRig) -> None:
    await rig.say(RUNNER, "/start")
    await rig.say(RUNNER, "yes")
    await rig.say(RUNNER, "my calf is swollen after a long flight")
    for _ in ("warning_signs", "urgent_signs"):  # the questions that could raise an emergency come first
        await rig.say(RUNNER, "none of these")
    stats = await rig.say(ADMIN, "/stats")
    assert "Users: 1 total, 1 active, 0 blocked" in stats
    assert "dvt: 1" in stats
    lookup = await rig.say(ADMIN, f"/user {RUNNER}")
    assert f"User {RUNNER}" in lookup and "consented: True" in lookup and "dvt" in lookup
    assert "No user 999 is stored" in await rig.say(ADMIN, "/user 999")
    audit = await rig.say(ADMIN, "/audit")
    assert "stats" in audit and "user_lookup" in audit
    assert rig.audit_actions() == ["stats", "user_lookup", "user_lookup", "audit"]


async def test_user_shows_a_quarantined_state_without_its_text(rig: AdminRig) -> None:
    await rig.say(RUNNER, "/start")
    await rig.say(RUNNER, "yes")
    conn = sqlite3.connect(rig.db, isolation_level=None)
    conn.execute("""UPDATE flow_state SET data = '{"awaiting": "my own words"}' WHERE user_id = ?""", (RUNNER,))
    conn.close()
    assert "could not read where we were" in await rig.say(RUNNER, "hello")
    lookup = await rig.say(ADMIN, f"/user {RUNNER}")
    [line] = [line for line in lookup.splitlines() if line.startswith("quarantined: ")]
    assert "set aside at " in line and "awaiting: literal_error" in line
    assert "my own words" not in lookup


async def test_reload_refuses_broken_content_and_takes_good_content(rig: AdminRig) -> None:
    triage_file = rig.content_dir / "triage.yaml"
    good = triage_file.read_text(encoding="utf-8")
    broken = yaml.safe_load(good)
    broken["questions"][0]["answers"][0]["next"] = "nowhere"
    triage_file.write_text(yaml.safe_dump(broken), encoding="utf-8")
    reply = await rig.say(ADMIN, "/reload")
    assert "triage.yaml: questions.0.answers.0.next: unknown question 'nowhere'" in reply
    assert CONTENT.strings.welcome in await rig.say(RUNNER, "/start"), "still serving the old content"

    triage_file.write_text(good, encoding="utf-8")
    strings_file = rig.content_dir / "strings.yaml"
    strings = yaml.safe_load(strings_file.read_text(encoding="utf-8"))
    strings["typed_hint"] = "Fresh words from the reloaded content."
    strings_file.write_text(yaml.safe_dump(strings, allow_unicode=True), encoding="utf-8")
    assert "Content reloaded" in await rig.say(ADMIN, "/reload")
    await rig.say(RUNNER, "yes")
    await rig.say(RUNNER, "/cancel")
    assert "Fresh words from the reloaded content." in await rig.say(RUNNER, "hello")
    assert rig.audit_actions() == ["reload_refused", "reload"]


def add_runners(db: Path, active: int, inactive: int) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (user_id, consented, active, created_at, updated_at) VALUES (?, 1, ?, '', '')",
        [(100_000 + i, 1 if i < active else 0) for i in range(active + inactive)],
    )
    conn.execute("COMMIT")
    conn.close()


async def test_broadcast_to_ten_thousand_survives_a_restart(rig: AdminRig) -> None:
    add_runners(rig.db, active=10_000, inactive=500)
    await rig.say(ADMIN, "/start")
    preview = await rig.say(ADMIN, "/broadcast Long run club is back on Sunday!")
    assert "Send this to 10001 active runners?" in preview  # the admin is a runner too
    confirm = rig.api.sent(ADMIN)[-1]
    found = installed(rig.app)
    found.broadcaster.progress_every = 0.0
    await rig.app.process_update(callback_update(rig.app.bot, ADMIN, confirm, "Send to 10001 runners"))

    # first run, stopped part-way as on shutdown; then a fresh broadcaster carries on
    stop = asyncio.Event()
    first = asyncio.create_task(found.broadcaster.run_one(1, stop))
    while sum(1 for c in rig.api.calls if c.method == "sendMessage" and c.text.startswith("Long run")) < 3000:
        await asyncio.sleep(0.01)
    stop.set()
    await first
    started = time.monotonic()
    again = Broadcaster(found.store, rig.app.bot, found.dispatcher.clock, lambda: CONTENT, progress_every=0.0)
    await again.run_one(1, asyncio.Event())
    elapsed = time.monotonic() - started

    received: dict[int, int] = {}
    for call in rig.api.calls:
        if call.method == "sendMessage" and call.text.startswith("Long run"):
            chat = int(call.params["chat_id"])
            received[chat] = received.get(chat, 0) + 1
    active = {100_000 + i for i in range(10_000)} | {ADMIN}
    assert set(received) == active, "every active runner, and no inactive one"
    assert set(received.values()) == {1}, "nobody twice"
    edits = [c.text for c in rig.api.calls if c.method == "editMessageText" and "Broadcast #1" in c.text]
    assert len(edits) > 3 and edits[-1].endswith("Finished.")
    assert elapsed > 0
    assert "broadcast_started" in rig.audit_actions()


async def test_broadcast_respects_the_send_rate(tmp_path: Path) -> None:
    db = tmp_path / "rate.sqlite3"
    async with running_bot(db, run_scheduler=False, admin_ids=frozenset({ADMIN}), send_rate_per_second=100) as (
        app,
        api,
    ):
        add_runners(db, active=300, inactive=0)
        found = installed(app)
        broadcast_id, _ = await found.store.create_broadcast(ADMIN, "Hi", datetime.now(UTC))
        await found.store.set_broadcast_status(broadcast_id, "running", datetime.now(UTC))
        started = time.monotonic()
        await found.broadcaster.run_one(broadcast_id, asyncio.Event())
        elapsed = time.monotonic() - started
    times = [c.at for c in api.calls if c.method == "sendMessage"]
    assert len(times) == 300
    assert len(times) / elapsed <= 100 * 1.05, f"{len(times) / elapsed:.0f} messages/s over a limit of 100/s"
    # any one second, as the bot made the calls: the rate and its tenth of a second's burst at most
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 100 + 10


@pytest.mark.parametrize("argument", ["²", "--5", "99999999999999999999", "-99999999999999999999", "abc", "1e5", ""])
async def test_user_lookup_refuses_what_is_no_id(rig: AdminRig, argument: str) -> None:
    assert "Usage: /user" in await rig.say(ADMIN, f"/user {argument}")
    assert rig.audit_actions() == []


async def test_forged_broadcast_buttons_do_nothing(rig: AdminRig) -> None:
    await rig.say(ADMIN, "/broadcast Hello")
    preview = rig.api.sent(ADMIN)[-1]
    for data in ("bc|go|abc", "bc|go|", "bc|go|99999999999999999999", "bc|go|-1"):
        forged = type(preview)(preview.method, {**preview.params})
        forged.params["reply_markup"] = {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}
        await rig.app.process_update(callback_update(rig.app.bot, ADMIN, forged, "Go"))
    conn = sqlite3.connect(rig.db)
    try:
        assert conn.execute("SELECT status FROM broadcasts").fetchall() == [("draft",)]
    finally:
        conn.close()


async def test_an_over_long_broadcast_is_refused_and_leaves_no_draft(rig: AdminRig) -> None:
    reply = await rig.say(ADMIN, "/broadcast " + "x" * 4080)
    assert "at most" in reply and "Nothing was drafted" in reply
    conn = sqlite3.connect(rig.db)
    try:
        assert conn.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0
    finally:
        conn.close()
    longest = "y" * int(reply.split("at most ")[1].split(" ")[0])
    assert "Send this to" in await rig.say(ADMIN, f"/broadcast {longest}")
    assert all(c.status == 200 for c in rig.api.calls)


async def test_the_preview_shows_the_admins_text_as_written(rig: AdminRig) -> None:
    preview = await rig.say(ADMIN, "/broadcast Bring {count} friends and {text} <b>too</b>")
    assert "Bring {count} friends and {text} <b>too</b>" in preview


@pytest.mark.parametrize(("label", "status"), [("Send to 1 runners", "done"), ("Cancel", "cancelled")])
async def test_broadcast_buttons_tapped_too_late_for_telegram_still_act(rig: AdminRig, label: str, status: str) -> None:
    rig.api.taps_too_old = True  # after a restart or a slow moment, Telegram refuses to acknowledge the tap
    await rig.say(ADMIN, "/start")
    await rig.say(ADMIN, "/broadcast Hello")
    preview = rig.api.sent(ADMIN)[-1]
    await rig.app.process_update(callback_update(rig.app.bot, ADMIN, preview, label))
    await installed(rig.app).broadcaster.run_one(1, asyncio.Event())
    conn = sqlite3.connect(rig.db)
    try:
        assert conn.execute("SELECT status FROM broadcasts").fetchall() == [(status,)]
    finally:
        conn.close()
    assert [plain(s.text) for s in rig.api.sent(ADMIN)].count("Hello") == (1 if status == "done" else 0)
