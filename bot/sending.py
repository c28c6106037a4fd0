"""Sending replies to a runner; a runner who blocked the bot is marked inactive, not retried."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden
from telegram.ext import ExtBot

from bot.rendering import messages
from bot.send_limiter import Lane
from bot.store import Store
from flows.replies import Reply

log = logging.getLogger(__name__)


async def send_text(
    bot: ExtBot[Any], chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, lane: Lane = Lane.REPLY
) -> None:
    """One HTML message, in its lane of the bot's send limiter (a bot without one sends at once)."""
    # PTB refuses limiter arguments when there is no limiter (a local server: SEND_RATE_PER_SECOND=0)
    lane_args = lane if bot.rate_limiter else None
    await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, rate_limit_args=lane_args)


async def deliver(bot: ExtBot[Any], chat_id: int, replies: Iterable[Reply], lane: Lane = Lane.REPLY) -> None:
    """Send every reply in order, as HTML messages within Telegram's limits."""
    for reply in replies:
        for text, markup in messages(reply):
            await send_text(bot, chat_id, text, markup, lane)


async def send_replies(bot: ExtBot[Any], store: Store, chat_id: int, replies: Iterable[Reply]) -> bool:
    """Send every reply in order. False if the user has blocked the bot (now marked inactive)."""
    try:
        await deliver(bot, chat_id, replies)
    except Forbidden:
        log.info("user %s blocked the bot; marked inactive", chat_id)
        await store.set_active(chat_id, False)
        return False
    return True
