"""Sending replies to a runner; a runner who blocked the bot is marked inactive, not retried."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.pictures import FILE_NAMES, drawn
from bot.rendering import Message, messages
from bot.store import Store
from flows.replies import Reply

log = logging.getLogger(__name__)


async def send(bot: Bot, chat_id: int, message: Message) -> None:
    """One message: text, a chart as a photo, a report as a PDF document (drawn now, off the event loop)."""
    if message.picture is None:
        await bot.send_message(chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup)
        return
    data = InputFile(await drawn(message.picture), filename=FILE_NAMES[message.picture.kind])
    if message.picture.kind == "chart":
        await bot.send_photo(
            chat_id, data, caption=message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup
        )
    else:
        await bot.send_document(
            chat_id, data, caption=message.text, parse_mode=ParseMode.HTML, reply_markup=message.markup
        )


async def deliver(bot: Bot, chat_id: int, replies: Iterable[Reply]) -> None:
    """Send every reply in order, as messages within Telegram's limits."""
    for reply in replies:
        for message in messages(reply):
            await send(bot, chat_id, message)


async def send_replies(bot: Bot, store: Store, chat_id: int, replies: Iterable[Reply]) -> bool:
    """Send every reply in order. False if the user has blocked the bot (now marked inactive)."""
    try:
        await deliver(bot, chat_id, replies)
    except Forbidden:
        log.info("user %s blocked the bot; marked inactive", chat_id)
        await store.set_active(chat_id, False)
        return False
    return True
