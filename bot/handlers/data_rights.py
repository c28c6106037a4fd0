"""/export and /delete: a runner's data, given back or removed."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.handlers.taps import acknowledge, private_tap
from bot.services import Context, services
from flows.markup import rich

log = logging.getLogger(__name__)

CONFIRM, KEEP = "del|yes", "del|no"


async def on_export(update: Update, context: Context) -> None:
    """/export: a JSON file with every row stored about the runner."""
    user = update.effective_user
    assert user is not None
    found = services(context)
    document = await found.dispatcher.export(user.id)
    await context.bot.send_document(
        user.id,
        document.encode(),
        filename=f"thigh-coach-data-{user.id}.json",
        caption=rich(found.dispatcher.content.strings.export_caption),
    )


async def on_delete(update: Update, context: Context) -> None:
    """/delete: asks for confirmation first."""
    chat = update.effective_chat
    assert chat is not None
    strings = services(context).dispatcher.content.strings
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(strings.delete_yes, callback_data=CONFIRM)],
            [InlineKeyboardButton(strings.delete_no, callback_data=KEEP)],
        ]
    )
    await context.bot.send_message(chat.id, rich(strings.delete_confirm), reply_markup=buttons)


async def on_delete_answer(update: Update, context: Context) -> None:
    """The confirmation buttons of /delete."""
    query, user = private_tap(update), update.effective_user
    if query is None or user is None:
        return
    found = services(context)
    strings = found.dispatcher.content.strings
    await acknowledge(query)
    if query.data == CONFIRM:
        await found.dispatcher.delete(user.id)
        text = strings.deleted
    else:
        text = strings.delete_kept
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(rich(text), reply_markup=None)
        except BadRequest as exc:  # a double tap: the message already says so
            log.debug("could not edit the confirmation: %s", exc)
