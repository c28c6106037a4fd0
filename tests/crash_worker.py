"""A bot stand-in for the crash test: scripted users answer the triage until all are done.

Each next event is derived from what is stored, as a restarted bot would; each event has an
update id fixed by (user, step), and on start the worker re-delivers every user's last update,
as Telegram does after a crash. Run: python -m tests.crash_worker DB USERS
"""

from __future__ import annotations

import asyncio
import sys

from bot.dispatch import Dispatcher, restore
from bot.store import SqliteStore
from content import Content, load_content
from flows.events import Choose, Consent, Event
from flows.triage import TriageState
from tests.answer_sets import ANSWER_SETS

SCRIPTS = [answers for _, answers in ANSWER_SETS.values()]


def script_for(user_id: int) -> dict[str, str]:
    return SCRIPTS[user_id % len(SCRIPTS)]


def next_event(content: Content, user_id: int, triage: TriageState | None) -> tuple[int, Event] | None:
    """The user's next update (id, event), or None when the user is done."""
    if triage is None:
        return user_id * 1000, Consent(True)
    if triage.status != "asking":
        return None
    step = len(triage.answers) + 1
    return user_id * 1000 + step, Choose(triage.session, triage.question, script_for(user_id)[triage.question])


def previous_event(user_id: int, triage: TriageState | None) -> tuple[int, Event] | None:
    """The update that produced the stored state, to be delivered a second time."""
    if triage is None:
        return None
    if not triage.answers:
        return user_id * 1000, Consent(True)
    question, value = triage.answers[-1]
    return user_id * 1000 + len(triage.answers), Choose(triage.session, question, value)


async def main(db: str, users: int) -> None:
    content = load_content()
    store = SqliteStore(db)
    await store.open()
    dispatcher = Dispatcher(store, content)
    states = {u: restore(await store.load(u)).triage for u in range(1, users + 1)}
    for user_id, triage in states.items():
        again = previous_event(user_id, triage)
        if again is not None:
            assert await dispatcher.dispatch(user_id, again[1], again[0]) is None, "re-delivery must be a no-op"
    print("ready", flush=True)
    pending = set(states)
    while pending:
        for user_id in sorted(pending):
            step = next_event(content, user_id, states[user_id])
            if step is None:
                pending.discard(user_id)
                continue
            result = await dispatcher.dispatch(user_id, step[1], step[0])
            assert result is not None
            states[user_id] = result.state.triage
    await store.close()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
