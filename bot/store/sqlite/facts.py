"""What runners reported, as rows: answers, triage outcomes, check-ins."""

from __future__ import annotations

from bot.store.rows import AnswerRow, CheckinRow, OutcomeRow
from bot.store.sqlite.connection import SqliteConnection


class SqliteFacts(SqliteConnection):
    async def answers(self, user_id: int) -> list[AnswerRow]:
        rows = await self._rows("SELECT session, question, value FROM answers WHERE user_id = ? ORDER BY id", user_id)
        return [AnswerRow(int(s), q, v) for s, q, v in rows]

    async def outcomes(self, user_id: int) -> list[OutcomeRow]:
        rows = await self._rows(
            "SELECT urgency, pattern, red_flag FROM outcomes WHERE user_id = ? ORDER BY id", user_id
        )
        return [OutcomeRow(*row) for row in rows]

    async def checkins(self, user_id: int) -> list[CheckinRow]:
        rows = await self._rows(
            "SELECT day, done, pain_during, pain_morning, phase, decision FROM checkins WHERE user_id = ? ORDER BY id",
            user_id,
        )
        return [
            CheckinRow(day, done, int(during), int(morning), phase, decision)
            for day, done, during, morning, phase, decision in rows
        ]
