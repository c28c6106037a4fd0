"""The reminder scheduler, driven by the database: no reminder lives only in memory.

Each tick claims the due rows in one transaction (deciding, logging once per user, kind and local
day, and moving each row to its next occurrence), then sends the claimed reminders through the
bot's limiter and marks each sent, failed or blocked. Several bot processes may tick at once: each
claim is held for a lease (bot/store/claims.py). A reminder claimed but not marked (its process
stopped between the two) is reclaimed by any process's tick once the lease has ended, and sent if
still on time (REMINDER_MAX_LATE_HOURS), logged as missed otherwise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.delivery import Outcome, attempt
from bot.dispatch import restore
from bot.loops import InFlight, Loop
from bot.metrics import REMINDERS
from bot.polling import PollingBot
from bot.send_limiter import Lane
from bot.sending import deliver
from bot.store import Store
from bot.store.rows import ClaimedReminder, DueReminder, ReminderDecision, Stored
from content import Content
from flows.conversation import Conversation
from flows.events import StartCheckIn
from flows.markup import rich
from flows.plan import todays_session
from flows.reminder_settings import reminder_buttons
from flows.reminders import MORNING, Due, decide_due, local_now
from flows.replies import Button, Reply

log = logging.getLogger(__name__)

BATCH = 500  # reminders claimed per tick: 20 s of sending at 25 a second


def _restore(data: str | None, user_id: int) -> Conversation:
    return restore(Stored(user_id, data, 0, True))


def decide(due: DueReminder, now: datetime, max_late: timedelta) -> ReminderDecision:
    """What to do with one due reminder (runs inside the claiming transaction): the stored state read,
    flows.reminders.decide_due asked, the answer counted and turned into the store's row."""
    state = _restore(due.data, due.user_id)
    plan = state.plan
    decision = decide_due(
        state.reminders,
        Due(due.kind, due.local_time, datetime.fromtimestamp(due.due, UTC)),
        now,
        max_late,
        active=due.active,
        plan_active=plan is not None and plan.status == "active",
        checked_in=lambda day: plan is not None and any(c.day == day for c in plan.checkins),
    )
    if decision.status != "send":
        REMINDERS.labels(decision.status).inc()
    elif decision.late:
        REMINDERS.labels("late").inc()
    follow = int(decision.follow.timestamp()) if decision.follow is not None else None
    return ReminderDecision(decision.log_key, decision.status, follow)


def message(content: Content, claimed: ClaimedReminder, now: datetime) -> list[Reply]:
    """The reminder itself: today's session with Done / Snooze / Skip / Pause, or the morning nudge."""
    state = _restore(claimed.data, claimed.user_id)
    strings = content.strings
    if claimed.kind == MORNING or state.plan is None:
        return [Reply(rich(strings.morning_nudge), ((Button(strings.checkin_button, StartCheckIn()),),))]
    session = todays_session(content, state.plan, local_now(state.reminders, now).date())
    return [Reply(f"{rich(strings.reminder_message)}\n\n{session.text}", reminder_buttons(content))]


@dataclass
class Scheduler:
    store: Store
    bot: PollingBot
    content: Callable[[], Content]
    clock: Clock
    max_late: timedelta = timedelta(hours=2)
    batch: int = BATCH
    poll_seconds: float = 5.0
    sends: InFlight = field(default_factory=InFlight)

    def __post_init__(self) -> None:
        self.loop = Loop("reminder", self.step, self.poll_seconds)

    async def tick(self) -> int:
        """Claim and send everything due now; returns how many were claimed."""
        now = self.clock.now()
        claimed = await self.store.claim_reminders(
            int(now.timestamp()), self.batch, lambda due: decide(due, now, self.max_late)
        )
        await self.sends.all(self._send(c, now) for c in claimed)
        return len(claimed)

    async def reclaim(self) -> None:
        """Reminders a dead process (or this one's previous life) claimed and never marked, once the
        lease has ended: sent if still on time, else missed."""
        now = self.clock.now()
        late: list[ClaimedReminder] = []
        on_time: list[ClaimedReminder] = []
        for claimed in await self.store.reclaim_reminders():
            too_late = now - datetime.fromtimestamp(claimed.due, UTC) > self.max_late
            (late if too_late else on_time).append(claimed)
        for claimed in late:
            await self.store.finish_reminder(claimed.log_id, "missed")
            REMINDERS.labels("missed").inc()
        await self.sends.all(self._send(c, now) for c in on_time)

    async def step(self, stop: asyncio.Event) -> bool:
        """What a dead process left unsent, then what is due. True: a full batch, more due."""
        await self.reclaim()
        return await self.tick() >= self.batch

    async def _send(self, claimed: ClaimedReminder, now: datetime) -> None:
        sending = deliver(self.bot, claimed.user_id, message(self.content(), claimed, now), Lane.BACKGROUND)
        outcome = await attempt(self.store, claimed.user_id, sending, f"reminder {claimed.log_id}")
        if outcome is Outcome.STOPPED:  # stays claimed: reclaimed after the lease if still on time
            return
        # a reminder is not tried again when Telegram is unreachable or refuses it: its moment passes
        status = {Outcome.SENT: "sent", Outcome.BLOCKED: "blocked"}.get(outcome, "failed")
        await self.store.finish_reminder(claimed.log_id, status)
        REMINDERS.labels(status).inc()
