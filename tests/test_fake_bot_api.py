"""The in-process Bot API the benchmarks compare bots with: as a network, a call lets other work in, and
what it keeps of thousands of runners stays small."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardMarkup

from bot.polling import PollingBot
from tests.fake_bot_api import FakeBotApi


@pytest.mark.parametrize("network", [True, False])
async def test_a_call_over_the_network_lets_other_tasks_run_before_it_is_answered(network: bool) -> None:
    api = FakeBotApi(network=network)
    order: list[str] = []

    async def other() -> None:
        order.append("other task")

    async with PollingBot(token="1:test", request=api, get_updates_request=api) as bot:
        waiting = asyncio.create_task(other())
        await bot.send_text(5, "hello")
        order.append("answered")
        await waiting
    assert order == (["other task", "answered"] if network else ["answered", "other task"])


async def test_without_kept_calls_the_last_message_to_each_chat_still_shows_its_text_and_buttons() -> None:
    api = FakeBotApi(keep_calls=False)
    bot = Bot(token="1:test", request=api)
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}], [{"text": "No", "callback_data": "n"}]]}
    async with bot:
        await bot.send_message(5, "Ready?", reply_markup=InlineKeyboardMarkup.de_json(keyboard, bot))
    last = api.last_sent[5]
    assert api.calls == [] and last.text == "Ready?"
    assert [b["text"] for b in last.buttons] == ["Yes", "No"]
