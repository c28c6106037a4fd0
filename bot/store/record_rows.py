"""The record's tables as every backend reads them: the same columns in the same order, turned into the
flow's facts in one place, whatever the driver hands back (ISO text or dates, 0/1 or booleans)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from flows.record import CheckIn, MilestoneResult, Record, Score
from flows.running_guard import RunLog

# each table's columns, for `SELECT {columns} FROM {table} WHERE user_id = … ORDER BY day, id`
COLUMNS = {
    "checkins": "day, done, pain_during, pain_morning, phase, decision, run_minutes, run_step, checks",
    "runs": "day, km, minutes",
    "milestones": "day, phase, milestone, answer, passed",
    "scores": "day, measure, score, answers",
}

Rows = Iterable[Sequence[Any]]


def record_of(checkins: Rows, runs: Rows, milestones: Rows, scores: Rows) -> Record:
    """The record from each table's rows, oldest first, in the order of COLUMNS."""
    return Record(
        checkins=tuple(
            CheckIn(
                day=day,
                done=done,
                pain_during=during,
                pain_morning=morning,
                phase=phase,
                decision=decision,
                run_minutes=minutes,
                run_step=step,
                checks=json.loads(checks),
            )
            for day, done, during, morning, phase, decision, minutes, step, checks in checkins
        ),
        runs=tuple(RunLog(day=day, km=km, minutes=minutes) for day, km, minutes in runs),
        milestones=tuple(
            MilestoneResult(day=day, phase=phase, milestone=milestone, answer=answer, passed=bool(passed))
            for day, phase, milestone, answer, passed in milestones
        ),
        scores=tuple(
            Score(day=day, measure=measure, score=score, answers=json.loads(answers))
            for day, measure, score, answers in scores
        ),
    )
