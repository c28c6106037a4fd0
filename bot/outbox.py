"""The replies a runner is owed: rendered and stored in the same transaction as the state that
produced them, sent after the commit, and removed once sent (in the same write as the next claim).

Several bot processes may share the database: a process claims a runner's owed messages for a lease
before sending them (bot/store/claims.py), so each goes out once and in order. A crash between the
commit and the send loses nothing: what is still owed goes out at start-up, at the runner's next
message, or at the outbox loop's next sweep, once the dead process's lease has ended. The price is
at least once: a message sent in the instant before its removal was committed is sent again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from bot.delivery import Outcome, attempt
from bot.loops import Loop
from bot.pictures import Stored
from bot.polling import PollingBot
from bot.rendering import Message, messages
from bot.sending import send
from bot.store import OwedMessage, Store
from bot.store.claims import OWED_AT_ONCE
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
                "markup": m.markup,
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


# runners the sweep takes at a time
SWEEP = 100


class Outbox:
    def __init__(
        self, store: Store, bot: PollingBot, sweep_seconds: float = 5.0, idle: timedelta = timedelta(seconds=10)
    ) -> None:
        self.store = store
        self.bot = bot
        # one sender per runner at a time in this process; the store's claims make it one across processes
        self._sending = UserLocks()
        # owed messages nobody has sent for `idle` (their flush gave up, or their process died) are swept
        self.idle = idle
        self.loop = Loop("outbox", self.step, sweep_seconds)

    async def flush(self, user_id: int) -> bool:
        """Send everything the runner is owed, oldest first, removing what went out.
        False if some of it has to wait (Telegram could not be reached, or the bot is stopping): this
        process's claim is released, for the next flush or sweep of any process.

        When another process holds the runner's messages, nothing is sent here: that process sends them,
        and what this one's turn added too. It claims again after sending all it claimed, and its sent
        messages are deleted before that claim: either the claim sees the message this turn committed
        (and that process sends it), or the message was committed after that claim, when that process
        held nothing of the runner's any more, and this flush, which comes after the commit, claims it.
        The same argument covers a turn of this process committed while its own flush was sending."""
        async with self._sending.hold(user_id):
            sent: tuple[int, ...] = ()
            while claimed := await self.store.claim_owed(user_id, OWED_AT_ONCE, sent):
                outcome, sent = await self._send(user_id, claimed)
                if outcome is None:  # blocked: marking them inactive dropped the rest of what was owed
                    return True
                if not outcome:  # kept: sent by a later flush or sweep
                    await self.store.release_owed(user_id)
                    return False
        return True

    async def _send(self, user_id: int, claimed: list[OwedMessage]) -> tuple[bool | None, tuple[int, ...]]:
        """Send the claimed messages in order. True once each is sent (or refused for good), with their ids,
        removed by the next claim in the same trip: one write for the lot, where a write per message made a
        reply of five messages wait for five commits (a crash before that write sends them again, as a crash
        before any removal is committed does). False when one has to wait, None when the runner blocked the
        bot (which removed all they were owed); then, and on any error, what went out is removed at once."""
        sent: list[int] = []
        settled = False
        try:
            for message in claimed:
                outcome = await attempt(self.store, user_id, send(self.bot, user_id, _read(message.body)))
                if outcome is Outcome.BLOCKED:
                    settled = True
                    return None, ()
                if not outcome.final:
                    return False, ()
                sent.append(message.id)
            settled = True
            return True, tuple(sent)
        finally:
            if not settled:  # queued together: one group commit
                await asyncio.gather(*(self.store.mark_sent(message_id) for message_id in sent))

    async def _flush_all(self, owed: list[OwedMessage]) -> bool:
        """Flush every runner the sweep claimed; False (their claims released) when Telegram is unreachable."""
        runners = list(dict.fromkeys(m.user_id for m in owed))
        for done, user_id in enumerate(runners):
            if not await self.flush(user_id):
                for waiting in runners[done + 1 :]:
                    await self.store.release_owed(waiting)
                return False
        return True

    async def step(self, stop: asyncio.Event) -> bool:
        """The outbox loop's round: what nobody has sent for a while. True: a full batch, more waiting."""
        owed = await self.store.sweep_owed(SWEEP, OWED_AT_ONCE, self.idle)
        return await self._flush_all(owed) and len({m.user_id for m in owed}) >= SWEEP

    async def flush_everyone(self) -> None:
        """At start-up: everything owed that no live process holds (from before a crash, a network failure)."""
        while owed := await self.store.sweep_owed(SWEEP, OWED_AT_ONCE, timedelta(0)):
            if not await self._flush_all(owed):
                log.warning("Telegram unreachable: owed messages wait for each runner's next message")
                return
