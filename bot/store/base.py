"""The store interface, split by concern: small protocols that every backend implements.

Each method takes and returns plain values and the frozen rows of `bot.store.rows`; nothing of a
backend's driver (connections, cursors, SQL) crosses it. `Store` is all of them together.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from bot.store.rows import (
    AnswerRow,
    AuditEntry,
    Broadcast,
    Change,
    ClaimedReminder,
    ContentVersion,
    DueReminder,
    OutcomeRow,
    OwedMessage,
    ProgressMessage,
    Quarantined,
    ReminderDecision,
    Row,
    Stats,
    Stored,
    UserSummary,
)
from flows.record import Record

T = TypeVar("T")


class StoreError(Exception):
    """A problem with the database that an operator must fix; the message is one line."""


# runs inside the write transaction: must be pure and quick
Decide = Callable[[Stored], tuple[Change, T]]


class Health(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def problem(self) -> str | None:
        """Why the store cannot be trusted now (for /healthz); None when it reads and writes."""
        ...


class EventIsolation(Protocol):
    """Keeps one runner's events apart, in the shape of aiogram's `BaseEventIsolation`: an event is read,
    decided and written while it holds its runner. Events of different runners never wait for each other."""

    def hold(self, user_id: int) -> AbstractAsyncContextManager[None]: ...


class Turns(Protocol):
    """One runner's conversation: each event read, decided and written whole."""

    def isolation(self) -> EventIsolation:
        """What keeps one runner's events apart on this backend, for everyone who reads and then writes."""
        ...

    async def apply(self, user_id: int, update_id: int | None, decide: Decide[T]) -> T | None:
        """Load the user's state, let `decide` compute the change, write it; all or nothing.

        Returns None, and changes nothing, when `update_id` was handled before.
        """
        ...

    async def load(self, user_id: int) -> Stored: ...

    async def set_active(self, user_id: int, active: bool) -> None:
        """Someone inactive (they blocked the bot) is owed no message and has no reminders."""
        ...


class Facts(Protocol):
    """What runners reported, appended by `Turns.apply` and never rewritten."""

    async def answers(self, user_id: int) -> list[AnswerRow]: ...

    async def outcomes(self, user_id: int) -> list[OutcomeRow]: ...

    async def record(self, user_id: int) -> Record:
        """Every check-in, run, milestone test and score of the runner, oldest first."""
        ...


class OwedReplies(Protocol):
    """Claims with leases (bot/store/claims.py): a claim is live until its lease ends; one ended, or
    released, is free for any process to take. One runner's messages are claimed together, by one
    process at a time, so they go out once and in order."""

    async def unsent(self, user_id: int | None = None, limit: int = 100) -> list[OwedMessage]:
        """Messages owed and not yet sent, oldest first: one user's, or everyone's (claimed or not)."""
        ...

    async def claim_owed(self, user_id: int, limit: int, sent: tuple[int, ...] = ()) -> list[OwedMessage]:
        """The runner's first `limit` owed messages, oldest first, claimed for this store's process with a
        new lease; nothing when another process holds a live claim on any of the runner's messages (it
        sends them). Serialized per runner with their turns. The runner's messages `sent` are removed first,
        in the same write: a flush marks its last message and claims again in one trip. A backend may read
        the runner's messages in the turn that wrote them and answer the first claim after it (nothing
        `sent`, `limit` OWED_AT_ONCE) from that, if nothing touched them in between (SQLite does)."""
        ...

    async def sweep_owed(self, runners: int, limit: int, idle: timedelta) -> list[OwedMessage]:
        """What `claim_owed` claims, for up to `runners` runners, oldest first, among those no other
        process holds: each with a message whose claim has expired, or unclaimed and written at least
        `idle` ago (left behind by a process that died, or by a flush that gave up)."""
        ...

    async def release_owed(self, user_id: int) -> None:
        """This process's claims on the runner's messages end now (not sent: Telegram is unreachable, or
        the bot stops): any process's next flush or sweep takes them."""
        ...

    async def mark_sent(self, message_id: int) -> None:
        """The message went out (or never can): it is owed no more."""
        ...


class ReminderQueue(Protocol):
    async def claim_reminders(
        self, now: int, limit: int, decide: Callable[[DueReminder], ReminderDecision]
    ) -> list[ClaimedReminder]:
        """In one transaction: decide every due reminder, log it once per user, kind and local day,
        move it to its next occurrence; returns the ones to send now, claimed with a lease."""
        ...

    async def reclaim_reminders(self) -> list[ClaimedReminder]:
        """Reminders claimed but never finished whose lease has ended (their process died, or this one's
        previous life did), claimed again for this store's process with a new lease, in one transaction.
        A live claim of another process is never returned."""
        ...

    async def finish_reminder(self, log_id: int, status: str) -> None: ...


class BroadcastQueue(Protocol):
    async def create_broadcast(self, admin_id: int, text: str, now: datetime) -> tuple[int, int]:
        """A draft broadcast: its id and the number of runners it would reach now."""
        ...

    async def broadcast(self, broadcast_id: int) -> Broadcast | None: ...

    async def broadcasts_with_status(self, status: str) -> list[int]: ...

    async def set_broadcast_status(
        self, broadcast_id: int, status: str, now: datetime, progress: ProgressMessage | None = None
    ) -> None:
        """A finished (done or cancelled) broadcast records `now`; `progress` names the admin's message."""
        ...

    async def claim_recipients(self, broadcast_id: int, limit: int) -> list[int]:
        """The next active runners who have not had this broadcast, claimed with a lease."""
        ...

    async def reclaim_deliveries(self, broadcast_id: int) -> list[int]:
        """Runners claimed for this broadcast, not settled, whose claim has ended (its process died) or was
        released, claimed again with a new lease. A live claim of another process is never returned."""
        ...

    async def release_delivery(self, broadcast_id: int, user_id: int) -> None:
        """This process's claim on one delivery ends now (not sent: it is tried again, by any process)."""
        ...

    async def finish_broadcast(self, broadcast_id: int, now: datetime) -> bool:
        """Set a running broadcast done at `now`, only when nothing is left: no active runner unclaimed and no
        delivery still claimed (another process's sends in flight). False: not yet, or not running."""
        ...

    async def mark_delivery(self, broadcast_id: int, user_id: int, status: str) -> None:
        """One broadcast delivery is settled (sent, blocked, failed): never sent again."""
        ...

    async def broadcast_progress(self, broadcast_id: int) -> dict[str, int]:
        """How many deliveries have each status."""
        ...


class Leases(Protocol):
    async def renew_claims(self) -> int:
        """Every live claim of this store's process (owed replies, reminders, broadcast deliveries) gets a
        new lease from now: a process that lives keeps what it claimed however long its sends take; one
        that died renews nothing, and its claims end with their lease. A claim already ended is left as it
        is (another process may have taken it). Returns how many were renewed."""
        ...

    async def release_claims(self) -> None:
        """Every claim of this store's process ends now (a graceful stop, its sends settled): what it did
        not send, another process takes at once instead of after the lease."""
        ...


class AdminQueries(Protocol):
    async def stats(self, now: datetime) -> Stats: ...

    async def user_summary(self, user_id: int) -> UserSummary | None: ...

    async def active_users(self) -> int: ...

    async def audit(self, actor_id: int | None, action: str, user_id: int | None, detail: str = "") -> None: ...

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        """The latest audit entries, newest first."""
        ...


class DataRights(Protocol):
    async def export_user(self, user_id: int) -> dict[str, list[Row]]:
        """Every stored row about one user, by table."""
        ...

    async def delete_user(self, user_id: int) -> int:
        """Remove every row about one user; returns how many rows went."""
        ...


class SendPace(Protocol):
    """One send rate for the whole bot, however many processes send (Telegram counts per bot)."""

    async def reserve_send(self, interval: float, burst: int) -> float:
        """Take the next send slot of a pace `interval` seconds apart, bursts of up to `burst`
        (GCRA); returns how long to wait before using it (a pause counted in)."""
        ...

    async def pause_sends(self, seconds: float) -> None:
        """Telegram answered 429: no slot is free for anyone for `seconds` from now."""
        ...


class ContentVersions(Protocol):
    """Which content every instance serves: /reload publishes it, each instance's loop follows."""

    async def content_version(self) -> ContentVersion:
        """The latest version published; version 0, no digest, before the first."""
        ...

    async def publish_content(self, digest: str, admin_id: int | None) -> int:
        """A new version of the content with this digest; returns its number."""
        ...


class Store(
    Health,
    Turns,
    Facts,
    OwedReplies,
    ReminderQueue,
    BroadcastQueue,
    Leases,
    AdminQueries,
    DataRights,
    SendPace,
    ContentVersions,
    Protocol,
):
    """Everything the bot keeps, whatever the backend."""


class Maintenance(Protocol):
    """What `thigh-coach db` does, beside a running bot (it takes no instance lock)."""

    def migrate(self) -> int:
        """Apply pending schema migrations; returns the schema version now."""
        ...

    def backup(self, target: Path) -> None:
        """A consistent copy at `target`, safe while the bot runs."""
        ...

    def problems(self) -> list[str]:
        """What an integrity check finds wrong; empty when all is well."""
        ...

    def quarantined(self) -> list[Quarantined]:
        """Every conversation state set aside because it could not be read, oldest first."""
        ...
