"""Sending replies to a runner; what a failure means is bot/delivery.py's to say."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardMarkup, InputFile

from bot.delivery import Outcome, attempt
from bot.pictures import FILE_NAMES, drawn
from bot.polling import PollingBot
from bot.rendering import Message, messages
from bot.send_limiter import Lane
from bot.store import Store
from flows.replies import Reply


async def send(bot: PollingBot, chat_id: int, message: Message, lane: Lane = Lane.REPLY) -> None:
    """One message in its lane of the send limiter: text, a chart as a photo, a report as a PDF document
    (drawn now, off the event loop)."""
    if message.picture is None:
        await bot.send_text(chat_id, message.text, message.markup, lane)
        return
    data = InputFile(await drawn(message.picture), filename=FILE_NAMES[message.picture.kind])
    markup = InlineKeyboardMarkup.de_json(message.markup, None) if message.markup is not None else None
    limits = lane if bot.rate_limiter else None  # PTB refuses limiter arguments when there is no limiter
    if message.picture.kind == "chart":
        await bot.send_photo(chat_id, data, caption=message.text, reply_markup=markup, rate_limit_args=limits)
    else:
        await bot.send_document(chat_id, data, caption=message.text, reply_markup=markup, rate_limit_args=limits)


async def deliver(bot: PollingBot, chat_id: int, replies: Iterable[Reply], lane: Lane = Lane.REPLY) -> None:
    """Send every reply in order, as messages within Telegram's limits."""
    for reply in replies:
        for message in messages(reply):
            await send(bot, chat_id, message, lane)


async def send_replies(bot: PollingBot, store: Store, chat_id: int, replies: Iterable[Reply]) -> bool:
    """Send every reply in order (a reply that is not owed: nothing keeps it for a later try).
    False if the user has blocked the bot (now marked inactive)."""
    return await attempt(store, chat_id, deliver(bot, chat_id, replies), "reply") is not Outcome.BLOCKED
