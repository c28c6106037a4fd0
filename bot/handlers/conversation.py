"""The runner's conversation: commands, typed messages, button taps, anything else sent."""

from __future__ import annotations

import logging

import tzfpy
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.callback_data import decode
from bot.commands import command_event
from bot.handlers.taps import acknowledge, private_tap
from bot.polling import PollingBot
from bot.rendering import answered
from bot.sending import send_replies
from bot.services import Context, services
from flows.events import Choose, Event, SetZone, ShowExercise, Text, Unsupported
from flows.markup import rich
from flows.replies import Reply

log = logging.getLogger(__name__)

# a button whose data this version cannot read is treated like any other stale button
UNREADABLE_BUTTON = Choose(session=-1, question="", value="")


async def _run(update: Update, context: Context, event: Event) -> None:
    """Dispatch the event (state and the replies it owes are stored together), then send what is
    owed: anything left from before first, then these replies."""
    user = update.effective_user
    assert user is not None
    found = services(context)
    if await found.dispatcher.dispatch(user.id, event, update.update_id) is None:
        log.info("update %s already handled", update.update_id)
    await found.outbox.flush(user.id)


async def on_command(update: Update, context: Context) -> None:
    """/start, /triage, /cancel, /plan, /checkin, /log, /history: the flow decides what the runner sees."""
    message = update.effective_message
    assert message is not None and message.text is not None
    _, event = command_event(message.text)
    assert event is not None, "registered for the runner's commands only"
    await _run(update, context, event)


async def on_help(update: Update, context: Context) -> None:
    """/help: what the bot can do."""
    chat = update.effective_chat
    assert chat is not None
    found = services(context)
    await found.outbox.flush(chat.id)
    await send_replies(found.outbox.bot, found.store, chat.id, [Reply(rich(found.dispatcher.content.strings.help))])


async def on_unknown_command(update: Update, context: Context) -> None:
    """Any other /command: a pointer to /help (admin commands look exactly like this to others)."""
    chat = update.effective_chat
    assert chat is not None
    found = services(context)
    await found.outbox.flush(chat.id)
    text = rich(found.dispatcher.content.strings.unknown_command)
    await send_replies(found.outbox.bot, found.store, chat.id, [Reply(text)])


async def on_text(update: Update, context: Context) -> None:
    """Typed text: read for warning signs first, then as an answer."""
    message = update.effective_message
    assert message is not None
    await _run(update, context, Text(message.text or ""))


async def on_other_message(update: Update, context: Context) -> None:
    """A shared location sets the time zone (looked up offline); a caption is read like text;
    stickers, photos, voice and the like get a polite pointer."""
    message = update.effective_message
    assert message is not None
    if message.location is not None:
        zone = tzfpy.get_tz(message.location.longitude, message.location.latitude)
        await _run(update, context, SetZone(zone) if zone else Unsupported())
        return
    await _run(update, context, Text(message.caption) if message.caption else Unsupported())


def _tapped_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    return next((b.text for row in markup.inline_keyboard for b in row if b.callback_data == data), None)


async def show_choice(bot: PollingBot, message: Message, data: str, stale: bool) -> None:
    """Edit the tapped message so the chat reads as a record: the choice shown, the buttons gone."""
    label = _tapped_label(message, data)
    try:
        if stale or label is None or not message.text:
            await bot.edit_text(message.chat_id, message.message_id)
        else:
            await bot.edit_text(message.chat_id, message.message_id, answered(message.text_html, label))
    except TelegramError as exc:  # too old to edit, already edited by a double tap: the turn goes on
        log.debug("could not edit tapped message: %s", exc)


async def on_button(update: Update, context: Context) -> None:
    """A tapped inline button: answer it, record the choice in the chat, then reply."""
    query, user = private_tap(update), update.effective_user
    if query is None or user is None:
        return
    event = decode(query.data) or UNREADABLE_BUTTON
    found = services(context)
    result = await found.dispatcher.dispatch(user.id, event, update.update_id)
    try:
        await acknowledge(query)
        # a how-to button leaves the session list as it is, so every exercise stays one tap away
        tapped = query.message
        if result is not None and isinstance(tapped, Message) and query.data and not isinstance(event, ShowExercise):
            await show_choice(found.outbox.bot, tapped, query.data, result.stale)
    finally:  # what the turn owes goes out whatever became of the tapped message
        await found.outbox.flush(user.id)
