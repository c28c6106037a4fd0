"""Broadcasts to every active runner, tracked per recipient in the database.

Each round claims a batch of runners who have not had the broadcast (a row per runner), sends
through the bot's one limiter, and marks each delivery sent, blocked or failed as soon as it
completes. The admin's progress message is edited every few seconds. After a restart the broadcast
carries on; a runner already marked is never sent a second copy. Several bot processes may carry
one broadcast at once: each claim is held for a lease (bot/store/claims.py), a dead process's
claims are taken over when theirs ends, and the broadcast is done only when no delivery is left
claimed. A graceful stop lets every send already on the wire finish and be marked, whatever the
shutdown timeout; sends still waiting for their turn are not made. Only a hard kill in the instant
between one send and its mark can leave that one delivery unresolved: it is sent again after the
lease (at least once rather than lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.error import BadRequest

from bot.clock import Clock
from bot.delivery import Outcome, attempt
from bot.loops import InFlight, Loop, rest
from bot.metrics import BROADCAST_SENT
from bot.polling import PollingBot
from bot.send_limiter import Lane
from bot.store import Store
from content import Content
from content.schema import AdminStrings
from flows.markup import fill, rich

log = logging.getLogger(__name__)

RETRY = "claimed"  # a delivery released unsettled is sent again in a later round


def progress_text(texts: AdminStrings, broadcast_id: int, counts: dict[str, int], total: int, status: str) -> str:
    line = fill(texts.broadcast_progress, id=broadcast_id, sent=counts.get("sent", 0), total=total)
    problems = [f"{counts[k]} {k}" for k in ("blocked", "failed") if counts.get(k)]
    if problems:
        line += " " + fill(texts.broadcast_problems, problems=", ".join(problems))
    if status == "done":
        line += "\n" + rich(texts.broadcast_finished)
    elif status == "cancelled":
        line += "\n" + rich(texts.broadcast_stopped)
    return line


@dataclass
class Broadcaster:
    store: Store
    bot: PollingBot
    clock: Clock
    content: Callable[[], Content]
    batch: int = 50
    progress_every: float = 3.0
    poll_seconds: float = 2.0
    _last_progress: dict[int, float] = field(default_factory=dict)
    sends: InFlight = field(default_factory=InFlight)

    def __post_init__(self) -> None:
        self.loop = Loop("broadcast", self.step, self.poll_seconds)
        self.wake = self.loop.wake  # set by the admin's confirmation: start at once

    async def _deliver(self, broadcast_id: int, user_id: int, text: str) -> str:
        """Send to one runner and settle that delivery at once."""
        status = await self._send(user_id, text)
        BROADCAST_SENT.labels(status).inc()
        if status == RETRY:
            await self.store.release_delivery(broadcast_id, user_id)
        else:
            await self.store.mark_delivery(broadcast_id, user_id, status)
        return status

    async def _send(self, user_id: int, text: str) -> str:
        sending = self.bot.send_text(user_id, html.escape(text, quote=False), lane=Lane.BACKGROUND)
        outcome = await attempt(self.store, user_id, sending, "broadcast")
        if not outcome.final:  # nothing said no: stays claimed and is tried again
            return RETRY
        return {Outcome.SENT: "sent", Outcome.BLOCKED: "blocked"}.get(outcome, "failed")

    async def _report(self, broadcast_id: int, force: bool = False) -> None:
        moment = time.monotonic()
        if not force and moment - self._last_progress.get(broadcast_id, 0.0) < self.progress_every:
            return
        self._last_progress[broadcast_id] = moment
        found = await self.store.broadcast(broadcast_id)
        if found is None or found.progress is None:
            return
        counts = await self.store.broadcast_progress(broadcast_id)
        text = progress_text(self.content().admin, broadcast_id, counts, found.total, found.status)
        with contextlib.suppress(BadRequest):  # "message is not modified" when nothing moved
            await self.bot.edit_message_text(text, found.progress.chat_id, found.progress.message_id)

    async def run_one(self, broadcast_id: int, stop: asyncio.Event) -> None:
        """Send broadcast `broadcast_id` to everyone still due, until done, cancelled or stopped."""
        found = await self.store.broadcast(broadcast_id)
        if found is None:
            return
        while not stop.is_set():
            current = await self.store.broadcast(broadcast_id)
            if current is None or current.status != "running":
                break
            # first deliveries left unsettled (a network error, a dead process's after its lease), then new runners
            pending = await self.store.reclaim_deliveries(broadcast_id)
            if not pending:
                pending = await self.store.claim_recipients(broadcast_id, self.batch)
            if not pending:
                # done unless another process still has sends in flight: this loop comes back later
                if await self.store.finish_broadcast(broadcast_id, self.clock.now()):
                    await self.store.audit(None, "broadcast_finished", None, f"#{broadcast_id}")
                break
            statuses = await self.sends.all(self._deliver(broadcast_id, user, found.text) for user in pending)
            await self._report(broadcast_id)
            if RETRY in statuses:
                await rest(1, stop)  # the network is struggling: do not spin
        await self._report(broadcast_id, force=True)

    async def step(self, stop: asyncio.Event) -> bool:
        """Carry every running broadcast on; False: nothing more to do until woken."""
        running = await self.store.broadcasts_with_status("running")
        for broadcast_id in running:
            await self.run_one(broadcast_id, stop)
        return False
