"""Fuzzing: more than 10,000 random and hostile updates through the real handlers, with no error.

Updates come from every kind of chat (private, group, supergroup, channel), with and without a
sender; buttons are the bot's own, forged, or garbage, tapped in any chat; admins type the edge
cases that once crashed /user and /broadcast. Every update goes through PTB's dispatching and a
real SQLite file, against the in-process Bot API (which refuses what Telegram would refuse).
"""

from __future__ import annotations

import itertools
import logging
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.services import Context, installed
from content import Content
from flows.markup import plain
from tests.bot_fixture import running_bot
from tests.fake_bot_api import BOT_USER, STICKER, FakeBotApi

FUZZED = 10_500
ADMIN = 4242
USERS = [*range(1, 25), ADMIN]
CHAT_TYPES = ["private"] * 6 + ["group", "supergroup", "channel"]

TEXTS = [
    "/start",
    "/triage",
    "/plan",
    "/checkin",
    "/log 5 km in 32 min",
    "/log",
    "/history",
    "/remind",
    "/settings",
    "/cancel",
    "/help",
    "/export",
    "/delete",
    "/frobnicate",
    "/start@ThighCoachTestBot",
    "/user ²",
    "/user --5",
    "/user 99999999999999999999",
    "/user -99999999999999999999",
    "/user 1",
    "/user",
    "/stats",
    "/audit",
    "/reload",
    "/broadcast",
    "/broadcast cancel",
    "/broadcast " + "x" * 4080,
    "/broadcast Your {count} and {text} stay yours <b>not bold</b> & co",
    "yes",
    "no",
    "7",
    "tg://user?id=1",
    "5 km in 32 min",
    "22:00 - 07:00",
    "right/UTC",
    "localtime",
    "Berlin",
    "19:00",
    "my calf is swollen after the flight",
    "I can't feel my saddle area",
    " " * 4000 + "x",
    "\x1f" * 1200 + "x",
    "1" * 4000,
    "🦵😭🔥" * 300,
    "<b>bold?</b> &amp; <script>",
    "\u202e\u200bzero width\u0000",
]
GARBAGE_BUTTONS = [
    "bc|go|abc",
    "bc|go|999999",
    "bc|no|",
    "bc|go|-1",
    "del|yes",
    "del|no",
    "del|maybe",
    "z|right/UTC",
    "z|localtime",
    "tm|25:99",
    "rc|day:99",
    "ra|explode",
    "c|99999999999999999999|onset|x",
    "c|1|onset|sudden_sprint",
    "b|1|nowhere",
    "w|x|y",
    "i|1|done|maybe",
    "p|nonsense",
    "zz|old",
    "🙂",
    "|||",
]


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"Runner {user_id}"}


def _chat(rng: random.Random, user_id: int) -> dict[str, Any]:
    kind = rng.choice(CHAT_TYPES)
    if kind == "private":
        return {"id": user_id, "type": "private"}
    return {"id": -1000 - rng.randrange(50), "type": kind, "title": "Club"}


class Fuzzer:
    def __init__(self, api: FakeBotApi, seed: int) -> None:
        self.api, self.rng = api, random.Random(seed)
        self.ids = itertools.count(1)

    def message(self, user_id: int) -> dict[str, Any]:
        rng = self.rng
        message: dict[str, Any] = {"message_id": next(self.ids), "date": int(time.time()), "chat": _chat(rng, user_id)}
        if rng.random() < 0.9:  # channel posts and some odd messages have no sender
            message["from"] = _user(user_id)
        roll = rng.random()
        if roll < 0.75:
            text = rng.choice(TEXTS)
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        elif roll < 0.85:
            message["location"] = {"latitude": rng.uniform(-90, 90), "longitude": rng.uniform(-180, 180)}
        elif roll < 0.92:
            message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            if rng.random() < 0.5:
                message["caption"] = rng.choice(TEXTS)
        else:
            message["sticker"] = STICKER
        return message

    def tap(self, user_id: int) -> dict[str, Any]:
        rng = self.rng
        own = [c for c in self.api.last_sent.values() if c.buttons]
        if own and rng.random() < 0.7:
            sent = rng.choice(own)
            button = rng.choice(sent.buttons)
            data, text, buttons = button["callback_data"], sent.text, sent.buttons
        else:
            data, text, buttons = rng.choice(GARBAGE_BUTTONS), "old", [{"text": "x", "callback_data": "x"}]
        query: dict[str, Any] = {
            "id": str(next(self.ids)),
            "from": _user(user_id),
            "chat_instance": "ci",
            "data": data,
        }
        if rng.random() < 0.05:
            query["inline_message_id"] = "inline"
        else:
            query["message"] = {
                "message_id": next(self.ids),
                "date": int(time.time()),
                "chat": _chat(rng, user_id),
                "from": BOT_USER,
                "text": plain(text) or "old",
                "reply_markup": {"inline_keyboard": [[b] for b in buttons]},
            }
        return query

    def member(self, user_id: int) -> dict[str, Any]:
        rng = self.rng

        def member(status: str) -> dict[str, Any]:
            return {"status": status, "user": BOT_USER, **({"until_date": 0} if status == "kicked" else {})}

        return {
            "chat": _chat(rng, user_id),
            "from": _user(user_id),
            "date": int(time.time()),
            "old_chat_member": member(rng.choice(["member", "kicked", "left"])),
            "new_chat_member": member(rng.choice(["member", "kicked", "left"])),
        }

    def update(self) -> dict[str, Any]:
        rng = self.rng
        user_id = rng.choice(USERS)
        kind = rng.choices(
            ["message", "callback_query", "edited_message", "channel_post", "my_chat_member"], [55, 35, 4, 3, 3]
        )[0]
        if kind == "callback_query":
            body = self.tap(user_id)
        elif kind == "my_chat_member":
            body = self.member(user_id)
        else:
            body = self.message(user_id)
        return {"update_id": next(self.ids), kind: body}


async def test_ten_thousand_fuzzed_updates_through_the_handlers_raise_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[str] = []

    async def record(update: object, context: Context) -> None:
        error = context.error
        assert error is not None
        where = error.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f"{where.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{where.tb_lineno}" if where else "?"
        errors.append(f"{type(error).__name__} at {place}: {str(error)[:100]}")

    async with running_bot(
        tmp_path / "fuzz.sqlite3", run_scheduler=False, admin_ids=frozenset({ADMIN}), send_rate_per_second=0
    ) as (app, api):
        app.add_error_handler(record)
        fuzzer = Fuzzer(api, seed=20261125)
        caplog.set_level(logging.ERROR)
        for _ in range(FUZZED):
            await app.process_update(Update.de_json(fuzzer.update(), app.bot))
        refused = [(c.method, c.text[:80]) for c in api.calls if c.status != 200]
    print(f"{FUZZED} fuzzed updates: {len(errors)} errors, {len(caplog.records)} error log lines")
    assert sorted(set(errors)) == [], "\n".join(sorted(set(errors)))
    assert [r.getMessage() for r in caplog.records] == []
    assert refused == [], "every message the bot sent is one Telegram would take"


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_buttons_pressed_in_groups_and_channels_do_nothing_and_store_nothing(
    tmp_path: Path, content: Content, chat_type: str
) -> None:
    db = tmp_path / "groups.sqlite3"
    async with running_bot(db, run_scheduler=False, admin_ids=frozenset({ADMIN})) as (app, api):
        store = installed(app).store
        for data in ("y", "t", "del|yes", "c|1|onset|gradual", "bc|go|1", "z|Europe/Berlin"):
            query = {
                "id": "1",
                "from": _user(ADMIN),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": 5,
                    "date": int(time.time()),
                    "chat": {"id": -100, "type": chat_type, "title": "Club"},
                    "from": BOT_USER,
                    "text": "Anything",
                    "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
                },
            }
            await app.process_update(Update.de_json({"update_id": 100 + len(data), "callback_query": query}, app.bot))
        assert [c.method for c in api.calls if c.method not in ("getMe", "setMyCommands", "answerCallbackQuery")] == []
        assert (await store.load(ADMIN)).data is None
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()
    assert {t: n for t, n in stored.items() if n} == {}, "nothing stored"
