"""What a failed send means: one policy for every sender (replies, owed replies, reminders, broadcasts).

- **Blocked** (`Forbidden`: the runner blocked the bot or left Telegram). The runner is marked inactive at
  once, which also drops whatever was still owed to them; nothing more is sent to them and nothing is
  tried again. Their next message (or unblocking the bot) makes them active again.
- **Refused** (`BadRequest`: chat not found, a message Telegram will never take). Final for this one
  message: it is dropped, and what comes after it for the same runner is not held back.
- **Stopped** (`SendingStopped`: the bot is shutting down and the message was still waiting for its turn).
  Not sent now; the sender keeps it for after the restart.
- **Unreachable** (any other `TelegramError`: the network, a timeout, flood control beyond the limiter's
  retries, the Bot API down). Nothing said no: a sender that can try again later does (an owed reply at
  the runner's next message or at start-up, a broadcast delivery in a later round). A reminder cannot: its
  moment passes, so it is logged as failed.

`BadRequest` and `SendingStopped` are `NetworkError`s in PTB's hierarchy; they are told apart first.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.send_limiter import SendingStopped
from bot.store import Store

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # final: the runner is now inactive and owed nothing
    REFUSED = "refused"  # final for this message
    STOPPED = "stopped"  # not sent: kept for after the restart
    UNREACHABLE = "unreachable"  # not sent: tried again later where the sender can

    @property
    def final(self) -> bool:
        """True when this message is settled (sent or never to be sent); False when it may be tried again."""
        return self in (Outcome.SENT, Outcome.BLOCKED, Outcome.REFUSED)


async def attempt(store: Store, user_id: int, sending: Awaitable[object], what: str = "message") -> Outcome:
    """Await one send to `user_id` and say what became of it; a runner who blocked the bot is marked
    inactive here, and only here."""
    try:
        await sending
    except Forbidden:
        log.info("user %s blocked the bot; marked inactive", user_id)
        await store.set_active(user_id, False)
        return Outcome.BLOCKED
    except BadRequest as exc:
        log.warning("%s to user %s refused, dropped: %s", what, user_id, exc)
        return Outcome.REFUSED
    except SendingStopped:
        return Outcome.STOPPED
    except TelegramError as exc:
        log.warning("%s to user %s not sent yet: %s", what, user_id, exc)
        return Outcome.UNREACHABLE
    return Outcome.SENT
