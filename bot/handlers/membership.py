"""Runners who block the bot are marked inactive, and active again when they come back."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.services import Context, services


async def on_my_chat_member(update: Update, context: Context) -> None:
    """The bot was blocked or unblocked in a private chat."""
    change = update.my_chat_member
    if change is None:
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    await services(context).store.set_active(change.chat.id, not blocked)
