"""The replies a runner is owed: rendered and stored in the same transaction as the state that
produced them, sent after the commit, and removed one by one as each goes out.

A crash between the commit and the send loses nothing: what is still owed goes out at start-up,
or, at the latest, before the answer to the runner's next message. The price is at least once:
a message sent in the instant before its removal was committed is sent again.
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import InlineKeyboardMarkup

from bot.delivery import Outcome, attempt
from bot.pictures import Stored
from bot.polling import PollingBot
from bot.rendering import Message, messages
from bot.sending import send
from bot.store import Store
from bot.user_locks import UserLocks
from flows.replies import Reply

log = logging.getLogger(__name__)


def render(replies: list[Reply]) -> tuple[str, ...]:
    """The replies as the messages Telegram will get, in order, each a JSON document. A picture is
    stored as its description (data and words): it is drawn when it is sent."""
    return tuple(
        json.dumps(
            {
                "text": m.text,
                "markup": m.markup.to_dict() if isinstance(m.markup, InlineKeyboardMarkup) else m.markup,
                # a reply with a picture is one message (its caption)
                "picture": reply.picture.model_dump(mode="json") if reply.picture is not None else None,
            },
            ensure_ascii=False,
        )
        for reply in replies
        for m in messages(reply)
    )


def _read(body: str) -> Message:
    """The message as stored; the keyboard stays in the JSON form Telegram takes (no PTB objects built to be
    taken apart again)."""
    message = json.loads(body)
    picture = message.get("picture")  # rows from before pictures have none
    return Message(message["text"], message["markup"], Stored(picture["kind"], picture) if picture else None)


class Outbox:
    def __init__(self, store: Store, bot: PollingBot) -> None:
        self.store = store
        self.bot = bot
        # one sender per runner at a time, so their messages keep their order and none goes twice
        self._sending = UserLocks()

    async def flush(self, user_id: int) -> bool:
        """Send everything the runner is owed, oldest first, removing each as it goes out.
        False if some of it has to wait (Telegram could not be reached, or the bot is stopping).

        What a concurrent update of the same runner adds meanwhile is sent by that update's own
        flush, which waits for this one: one read of what is owed per flush is enough."""
        async with self._sending.hold(user_id):
            marks: list[asyncio.Task[None]] = []
            try:
                for message in await self.store.unsent(user_id):
                    outcome = await attempt(self.store, user_id, send(self.bot, user_id, _read(message.body)))
                    if outcome is Outcome.BLOCKED:  # marking them inactive dropped the rest of what was owed
                        return True
                    if not outcome.final:  # kept: sent at the runner's next message or at start-up
                        return False
                    # sent, or refused for good: marked at once; the next message need not wait for the
                    # commit (it joins a group commit)
                    marks.append(asyncio.create_task(self.store.mark_sent(message.id)))
            finally:  # each mark was queued the moment its message went out
                await asyncio.gather(*marks)
        return True

    async def flush_everyone(self) -> None:
        """At start-up: everything owed from before (a crash, a network failure), oldest first."""
        while owed := await self.store.unsent(limit=1000):
            for user_id in dict.fromkeys(m.user_id for m in owed):
                if not await self.flush(user_id):
                    log.warning("Telegram unreachable: owed messages wait for each runner's next message")
                    return
