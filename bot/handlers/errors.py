"""The one error handler: log once with the update id, tell the runner politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.services import Context
from flows.markup import rich

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Their place is safe: state is only ever written whole, before any reply."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    found = context.bot_data.services  # None: the error came before post_init had built them
    if not isinstance(update, Update) or update.effective_chat is None or found is None:
        return
    try:
        text = rich(found.dispatcher.content.strings.error)
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)
