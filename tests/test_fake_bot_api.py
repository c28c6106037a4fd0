"""The in-process Bot API the benchmarks compare bots with: as a network, a call lets other work in."""

from __future__ import annotations

import asyncio

import pytest

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
