"""What runners reported, as rows: answers, triage outcomes, and the record (check-ins, runs, milestone
tests, questionnaire scores), appended and never rewritten."""

from __future__ import annotations

import json
from datetime import datetime

from bot.store.postgres.connection import Connection, PostgresConnection
from bot.store.record_rows import COLUMNS, record_of
from bot.store.rows import AnswerRow, OutcomeRow
from flows.record import CheckIn, Fact, MilestoneResult, Record, Score
from flows.running_guard import RunLog


async def append_fact(conn: Connection, user_id: int, fact: Fact, now: datetime) -> None:
    """One fact in its table, within the caller's transaction."""
    match fact:
        case CheckIn():
            await conn.execute(
                "INSERT INTO checkins (user_id, day, done, pain_during, pain_morning, phase, decision, run_minutes, "
                "run_step, checks, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                user_id,
                fact.day,
                fact.done,
                fact.pain_during,
                fact.pain_morning,
                fact.phase,
                fact.decision.value,
                fact.run_minutes,
                fact.run_step,
                json.dumps(fact.checks),
                now,
            )
        case RunLog():
            await conn.execute(
                "INSERT INTO runs (user_id, day, km, minutes, recorded_at) VALUES ($1, $2, $3, $4, $5)",
                user_id,
                fact.day,
                fact.km,
                fact.minutes,
                now,
            )
        case MilestoneResult():
            await conn.execute(
                "INSERT INTO milestones (user_id, day, phase, milestone, answer, passed, recorded_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                user_id,
                fact.day,
                fact.phase,
                fact.milestone,
                fact.answer,
                fact.passed,
                now,
            )
        case Score():
            await conn.execute(
                "INSERT INTO scores (user_id, day, measure, score, answers, recorded_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                user_id,
                fact.day,
                fact.measure,
                fact.score,
                json.dumps(fact.answers),
                now,
            )


async def _record(conn: Connection, user_id: int) -> Record:
    tables = [
        await conn.fetch(f"SELECT {columns} FROM {table} WHERE user_id = $1 ORDER BY day, id", user_id)
        for table, columns in COLUMNS.items()
    ]
    return record_of(*tables)


class PostgresFacts(PostgresConnection):
    async def answers(self, user_id: int) -> list[AnswerRow]:
        rows = await self._rows("SELECT session, question, value FROM answers WHERE user_id = $1 ORDER BY id", user_id)
        return [AnswerRow(int(s), q, v) for s, q, v in rows]

    async def outcomes(self, user_id: int) -> list[OutcomeRow]:
        rows = await self._rows(
            "SELECT urgency, pattern, red_flag FROM outcomes WHERE user_id = $1 ORDER BY id", user_id
        )
        return [OutcomeRow(u, p, r) for u, p, r in rows]

    async def record(self, user_id: int) -> Record:
        return await self._read(lambda conn: _record(conn, user_id))
