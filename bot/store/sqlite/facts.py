"""What runners reported, as rows: answers, triage outcomes, and the record (check-ins, runs, milestone
tests, questionnaire scores), appended and never rewritten."""

from __future__ import annotations

import json
import sqlite3

from bot.store.record_rows import COLUMNS, record_of
from bot.store.rows import AnswerRow, OutcomeRow
from bot.store.sqlite.connection import SqliteConnection
from flows.record import CheckIn, Fact, MilestoneResult, Record, Score
from flows.running_guard import RunLog


def append_fact(conn: sqlite3.Connection, user_id: int, fact: Fact, now: str) -> None:
    """One fact in its table, within the caller's transaction."""
    match fact:
        case CheckIn():
            conn.execute(
                "INSERT INTO checkins (user_id, day, done, pain_during, pain_morning, phase, decision, run_minutes, "
                "run_step, checks, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    fact.day.isoformat(),
                    fact.done,
                    fact.pain_during,
                    fact.pain_morning,
                    fact.phase,
                    fact.decision.value,
                    fact.run_minutes,
                    fact.run_step,
                    json.dumps(fact.checks),
                    now,
                ),
            )
        case RunLog():
            conn.execute(
                "INSERT INTO runs (user_id, day, km, minutes, recorded_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, fact.day.isoformat(), fact.km, fact.minutes, now),
            )
        case MilestoneResult():
            conn.execute(
                "INSERT INTO milestones (user_id, day, phase, milestone, answer, passed, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, fact.day.isoformat(), fact.phase, fact.milestone, fact.answer, int(fact.passed), now),
            )
        case Score():
            conn.execute(
                "INSERT INTO scores (user_id, day, measure, score, answers, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, fact.day.isoformat(), fact.measure, fact.score, json.dumps(fact.answers), now),
            )


def _record(conn: sqlite3.Connection, user_id: int) -> Record:
    tables = (
        conn.execute(f"SELECT {columns} FROM {table} WHERE user_id = ? ORDER BY day, id", (user_id,)).fetchall()
        for table, columns in COLUMNS.items()
    )
    return record_of(*tables)


class SqliteFacts(SqliteConnection):
    async def answers(self, user_id: int) -> list[AnswerRow]:
        rows = await self._rows("SELECT session, question, value FROM answers WHERE user_id = ? ORDER BY id", user_id)
        return [AnswerRow(int(s), q, v) for s, q, v in rows]

    async def outcomes(self, user_id: int) -> list[OutcomeRow]:
        rows = await self._rows(
            "SELECT urgency, pattern, red_flag FROM outcomes WHERE user_id = ? ORDER BY id", user_id
        )
        return [OutcomeRow(*row) for row in rows]

    async def record(self, user_id: int) -> Record:
        return await self._run(lambda conn: _record(conn, user_id))
