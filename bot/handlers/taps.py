"""Button taps: only a runner's own, in their private chat with the bot, and acknowledged best effort."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

log = logging.getLogger(__name__)


def private_tap(update: Update) -> CallbackQuery | None:
    """The tap, if it is a runner's in their private chat with the bot. A button pressed in a group
    or a channel (forged: the bot sends buttons to private chats only) does nothing there."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None or chat.type != ChatType.PRIVATE or chat.id != user.id:
        return None
    return query


async def acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner, if Telegram still lets us: a tap answered late (after a restart,
    a slow moment) is refused as too old, and the turn goes on all the same."""
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("button tap not acknowledged: %s", exc)
