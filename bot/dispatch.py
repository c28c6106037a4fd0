"""Runs one event of one user through the flows, under the user's lock, in one store transaction."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from bot.clock import Clock, SystemClock
from bot.metrics import UPDATE_SECONDS, UPDATES
from bot.store import AnswerRow, Change, OutcomeRow, ReminderRow, Store, Stored
from bot.store.base import Decide
from bot.store.rows import PlanPosition, SetAside
from content import Content
from flows.conversation import Conversation, handle, may_need_record
from flows.events import Event, LogRun, Text
from flows.markup import rich
from flows.plan import PlanState, current_phase
from flows.record import Record, Recorded, RecordNeeded
from flows.replies import AnswerRecorded, CameBack, RedFlagRaised, Reply, Rescheduled, Result, TriageCompleted
from flows.stored_state import Unreadable
from flows.stored_state import dump as dump_state
from flows.stored_state import load as load_state

log = logging.getLogger(__name__)


def loaded(stored: Stored) -> tuple[Conversation, SetAside | None]:
    """The stored conversation, or a fresh one: for someone new, or when what is stored cannot be
    read, which is then set aside whole, with why, to be kept in quarantine."""
    if stored.data is None:
        return Conversation(), None
    try:
        return load_state(stored.data), None
    except Unreadable as exc:
        return Conversation(), SetAside(stored.data, exc.reason)


def restore(stored: Stored) -> Conversation:
    """The stored conversation, or a fresh one if nothing readable is stored."""
    return loaded(stored)[0]


def position(content: Content, plan: PlanState) -> PlanPosition:
    return PlanPosition(plan.pattern, current_phase(content, plan).id, plan.status)


def where(state: Conversation) -> str:
    """A short label of where the user is, stored beside the state for queries and statistics."""
    if state.triage is None:
        return "idle"
    return f"triage:{state.triage.status}"


# the replies as the messages owed to the runner (see bot/outbox.py); None: the caller shows them
Render = Callable[[list[Reply]], tuple[str, ...]]


class Dispatcher:
    def __init__(
        self,
        store: Store,
        content: Content,
        clock: Clock | None = None,
        render: Render | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        # replaced whole by /reload; each event reads it once, so it never sees half of two versions
        self.content = content
        # one runner's events apart, as the backend does it (in-process, or across processes too)
        self.isolation = store.isolation()
        self.render = render

    async def export(self, user_id: int) -> str:
        """/export: every row stored about the runner, as a JSON document."""
        async with self.isolation.hold(user_id):
            tables = await self.store.export_user(user_id)
        return json.dumps({"user_id": user_id, "tables": tables}, indent=2, ensure_ascii=False, default=str)

    async def delete(self, user_id: int) -> int:
        """/delete, confirmed: every row about the runner removed; how many."""
        async with self.isolation.hold(user_id):
            removed = await self.store.delete_user(user_id)
        log.info("user data deleted on request (%s rows)", removed)
        return removed

    async def dispatch(self, user_id: int, event: Event, update_id: int | None = None) -> Result[Conversation] | None:
        """Handle the event; None if this update was already handled before."""
        content = self.content
        now = self.clock.now()

        def decide(stored: Stored, record: Record | None = None) -> tuple[Change, Result[Conversation]]:
            before, set_aside = loaded(stored)
            result = handle(content, before, event, now, record)
            if set_aside is not None:
                # the reason names fields and kinds of error, never what the runner wrote
                log.warning("user %s: stored state set aside, starting fresh: %s", user_id, set_aside.reason)
                # and the runner is told plainly, before anything else
                notice = Reply(rich(content.strings.state_set_aside))
                result = replace(result, replies=[notice, *result.replies])
            state, effects = result.state, result.effects
            rescheduled = next((e.reminders for e in effects if isinstance(e, Rescheduled)), None)
            if set_aside is not None:  # a fresh start: none of the reminders of the state set aside
                rescheduled = rescheduled or ()
            change = Change(
                data=dump_state(state),
                state=where(state),
                consented=state.consented,
                active=True if any(isinstance(e, CameBack) for e in effects) else None,
                answers=tuple(
                    AnswerRow(e.session, e.question, e.value) for e in effects if isinstance(e, AnswerRecorded)
                ),
                outcomes=tuple(
                    OutcomeRow(e.urgency, e.pattern, e.red_flag) for e in effects if isinstance(e, TriageCompleted)
                ),
                facts=tuple(e.fact for e in effects if isinstance(e, Recorded)),
                plan=position(content, state.plan) if state.plan is not None else None,
                reminders=None
                if rescheduled is None
                else tuple(ReminderRow(r.kind, r.local_time, int(r.due.timestamp())) for r in rescheduled),
                outbox=self.render(result.replies) if self.render is not None else (),
                set_aside=set_aside,
            )
            return change, result

        started = time.perf_counter()
        outcome = "error"
        try:
            async with self.isolation.hold(user_id):
                ahead = may_need_record(event) or (isinstance(event, Text | LogRun) and bool(event.text))
                decided = await _decided_beforehand(self.store, user_id, decide) if ahead else decide
                result = await self.store.apply(user_id, update_id, decided)
            outcome = _outcome(result)
            return result
        finally:
            elapsed = time.perf_counter() - started
            UPDATES.labels(outcome).inc()
            UPDATE_SECONDS.observe(elapsed)
            # one line per update: who and what happened, never what they wrote
            log.info(
                "update %s user %s %s: %s",
                update_id,
                user_id,
                type(event).__name__,
                outcome,
                extra={
                    "update_id": update_id,
                    "user_id": user_id,
                    "event": type(event).__name__,
                    "outcome": outcome,
                    "ms": round(elapsed * 1000, 2),
                },
            )


# decides an event from the stored state and, when the flow asked for it, the runner's whole record
DecideWithRecord = Callable[[Stored, Record | None], tuple[Change, Result[Conversation]]]


async def _decided_beforehand(store: Store, user_id: int, decide: DecideWithRecord) -> Decide[Result[Conversation]]:
    """Reading typed text takes time (every warning sign is looked for), and /history and /report
    read the runner's whole record: do both before the event joins the store's writer, in a worker
    thread, so nobody else waits for them. Under the user's lock their state and record cannot change
    in between; if the state did anyway, the event is decided again."""
    before = await store.load(user_id)
    early = await asyncio.to_thread(decide, before, None)
    record = None
    if any(isinstance(e, RecordNeeded) for e in early[1].effects):
        record = await store.record(user_id)
        early = await asyncio.to_thread(decide, before, record)
    return lambda stored: early if stored == before else decide(stored, record)


def _outcome(result: Result[Conversation] | None) -> str:
    if result is None:
        return "duplicate"
    if any(isinstance(e, RedFlagRaised) for e in result.effects):
        return "red_flag"
    return "stale" if result.stale else "ok"
