"""Sending replies to a runner; a runner who blocked the bot is marked inactive, not retried."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram.error import Forbidden

from bot.polling import PollingBot
from bot.rendering import messages
from bot.send_limiter import Lane
from bot.store import Store
from flows.replies import Reply

log = logging.getLogger(__name__)


async def deliver(bot: PollingBot, chat_id: int, replies: Iterable[Reply], lane: Lane = Lane.REPLY) -> None:
    """Send every reply in order, as HTML messages within Telegram's limits."""
    for reply in replies:
        for text, markup in messages(reply):
            await bot.send_text(chat_id, text, markup, lane)


async def send_replies(bot: PollingBot, store: Store, chat_id: int, replies: Iterable[Reply]) -> bool:
    """Send every reply in order. False if the user has blocked the bot (now marked inactive)."""
    try:
        await deliver(bot, chat_id, replies)
    except Forbidden:
        log.info("user %s blocked the bot; marked inactive", chat_id)
        await store.set_active(chat_id, False)
        return False
    return True
