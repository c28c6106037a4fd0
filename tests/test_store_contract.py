"""The store interface, tested once and run against every backend (SQLite today)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.store import AnswerRow, Change, OutcomeRow, SqliteStore, Store, Stored

Backend = Callable[[Path], Store]
BACKENDS: dict[str, Backend] = {"sqlite": lambda tmp: SqliteStore(tmp / "contract.sqlite3")}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    backend = BACKENDS[request.param](tmp_path)
    await backend.open()
    yield backend
    await backend.close()


def writes(data: str, answers: tuple[AnswerRow, ...] = ()) -> Callable[[Stored], tuple[Change, Stored]]:
    def decide(stored: Stored) -> tuple[Change, Stored]:
        return Change(data=data, state="s", consented=True, answers=answers), stored

    return decide


async def test_unknown_user_is_new(store: Store) -> None:
    stored = await store.load(42)
    assert stored.data is None and stored.active


async def test_apply_stores_state_and_answers_together(store: Store) -> None:
    seen = await store.apply(1, 100, writes('{"n": 1}', (AnswerRow(1, "onset", "gradual"),)))
    assert seen is not None and seen.data is None
    stored = await store.load(1)
    assert stored.data == '{"n": 1}'
    assert await store.answers(1) == [AnswerRow(1, "onset", "gradual")]


async def test_same_update_twice_has_one_effect(store: Store) -> None:
    first = await store.apply(1, 7, writes('{"n": 1}', (AnswerRow(1, "onset", "gradual"),)))
    second = await store.apply(1, 7, writes('{"n": 2}', (AnswerRow(1, "onset", "gradual"),)))
    assert first is not None and second is None
    assert (await store.load(1)).data == '{"n": 1}'
    assert len(await store.answers(1)) == 1


async def test_a_failing_decision_changes_nothing(store: Store) -> None:
    await store.apply(1, 1, writes('{"n": 1}'))

    def boom(stored: Stored) -> tuple[Change, None]:
        raise RuntimeError("flow bug")

    with pytest.raises(RuntimeError):
        await store.apply(1, 2, boom)
    assert (await store.load(1)).data == '{"n": 1}'
    # the failed update was not marked handled: a retry is processed
    assert await store.apply(1, 2, writes('{"n": 2}')) is not None


async def test_versions_count_writes(store: Store) -> None:
    for update in range(3):
        await store.apply(5, update, writes(f'{{"n": {update}}}'))
    assert (await store.load(5)).version == 3


async def test_active_flag(store: Store) -> None:
    await store.apply(3, None, writes("{}"))
    await store.set_active(3, False)
    assert not (await store.load(3)).active


async def test_export_then_delete_leaves_nothing(store: Store) -> None:
    def decide(stored: Stored) -> tuple[Change, None]:
        change = Change(
            data='{"k": "v"}',
            state="triage:finished",
            consented=True,
            answers=(AnswerRow(1, "onset", "gradual"),),
            outcomes=(OutcomeRow("self_care", "overuse", None),),
        )
        return change, None

    await store.apply(9, 900, decide)
    await store.apply(10, 1000, decide)
    await store.audit(1, "user_lookup", 9, "looked at user 9")
    exported = await store.export_user(9)
    assert {t for t, rows in exported.items() if rows} >= {"users", "flow_state", "answers", "outcomes", "audit"}
    assert all(row["user_id"] == 9 for rows in exported.values() for row in rows)
    removed = await store.delete_user(9)
    assert removed == sum(len(rows) for rows in exported.values())
    assert not any((await store.export_user(9)).values())
    assert (await store.load(10)).data == '{"k": "v"}', "other users are untouched"


async def test_old_idempotency_records_are_pruned_at_start(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.clock import ManualClock

    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    store = SqliteStore(tmp_path / "prune.sqlite3", clock=clock)
    await store.open()
    await store.apply(1, 11, writes("{}"))
    await store.close()
    clock.advance(timedelta(days=30))
    again = SqliteStore(tmp_path / "prune.sqlite3", clock=clock)
    await again.open()
    assert await again.apply(1, 11, writes('{"n": 2}')) is not None, "a month-old update id is forgotten"
    await again.close()


def owing(data: str, *messages: str) -> Callable[[Stored], tuple[Change, bool]]:
    def decide(stored: Stored) -> tuple[Change, bool]:
        return Change(data=data, state="s", consented=True, outbox=messages), True

    return decide


async def test_owed_messages_are_written_with_the_state_in_order(store: Store) -> None:
    await store.apply(1, 10, owing('{"n": 1}', "first", "second"))
    await store.apply(2, 20, owing('{"n": 1}', "other"))
    await store.apply(1, 11, owing('{"n": 2}', "third"))
    assert [m.body for m in await store.unsent(1)] == ["first", "second", "third"]
    assert [(m.user_id, m.body) for m in await store.unsent()] == [
        (1, "first"),
        (1, "second"),
        (2, "other"),
        (1, "third"),
    ]


async def test_a_sent_message_is_owed_no_more(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "first", "second"))
    first = (await store.unsent(1))[0]
    await store.mark_sent(first.id)
    assert [m.body for m in await store.unsent(1)] == ["second"]


async def test_a_duplicate_or_failed_update_owes_nothing(store: Store) -> None:
    assert await store.apply(1, 10, owing("{}", "once"))
    assert await store.apply(1, 10, owing("{}", "once")) is None

    def boom(stored: Stored) -> tuple[Change, None]:
        raise RuntimeError("flow bug")

    with pytest.raises(RuntimeError):
        await store.apply(1, 11, boom)
    assert [m.body for m in await store.unsent(1)] == ["once"]


async def test_someone_who_blocked_the_bot_is_owed_nothing(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "hello"))
    await store.set_active(1, False)
    assert await store.unsent(1) == []


async def test_owed_messages_are_exported_and_deleted(store: Store) -> None:
    await store.apply(1, 10, owing("{}", "hello"))
    assert [row["body"] for row in (await store.export_user(1))["outbox"]] == ["hello"]
    await store.delete_user(1)
    assert await store.unsent() == []


async def test_an_export_says_an_admin_looked_not_which_one(store: Store) -> None:
    await store.apply(9, 900, writes("{}"))
    await store.audit(4242, "user_lookup", 9, "")
    audit = (await store.export_user(9))["audit"]
    assert [row["actor_id"] for row in audit] == ["an admin"]
    assert "4242" not in repr(await store.export_user(9))
