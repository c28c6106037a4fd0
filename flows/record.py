"""A runner's record during plans: every check-in, run, milestone test and questionnaire score, as
append-only facts. The store keeps the whole record in tables; the plan state keeps only the recent facts
its rules look back on (`PlanState`, flows/plan.py), so a year of history costs an update nothing.
/history and /report read the whole record, which the shell loads when a flow asks for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel

from flows.progression import Decision
from flows.running_guard import RunLog


class CheckIn(BaseModel):
    day: date
    done: Literal["done", "partly", "skipped"]
    pain_during: int
    pain_morning: int
    phase: str
    decision: Decision
    # the run the plan had that day: the whole session in minutes and its ladder step
    run_minutes: int | None = None
    run_step: int | None = None
    # answers to the plan's own check-in questions: question id -> answer value
    checks: dict[str, str] = {}

    @property
    def worst(self) -> int:
        return max(self.pain_during, self.pain_morning)


class MilestoneResult(BaseModel):
    day: date
    phase: str
    milestone: str
    answer: str
    passed: bool


class Score(BaseModel):
    """An outcome measure: its score 0-100 and the answers it came from."""

    day: date
    measure: str
    score: int
    answers: dict[str, str]


Fact = CheckIn | RunLog | MilestoneResult | Score


@dataclass(frozen=True)
class Record:
    """Facts oldest first, each kind in its own list."""

    checkins: tuple[CheckIn, ...] = ()
    runs: tuple[RunLog, ...] = ()
    milestones: tuple[MilestoneResult, ...] = ()
    scores: tuple[Score, ...] = ()

    @property
    def facts(self) -> tuple[Fact, ...]:
        return (*self.checkins, *self.runs, *self.milestones, *self.scores)

    def since(self, first: date) -> Record:
        """The facts of one plan: those from the day it started."""
        return Record(
            tuple(c for c in self.checkins if c.day >= first),
            tuple(r for r in self.runs if r.day >= first),
            tuple(m for m in self.milestones if m.day >= first),
            tuple(s for s in self.scores if s.day >= first),
        )


@dataclass(frozen=True)
class Recorded:
    """Effect: a fact to append to the runner's record (never rewritten)."""

    fact: Fact


@dataclass(frozen=True)
class RecordNeeded:
    """Effect: the answer draws on the whole record; the shell decides the event again with it."""

    what: Literal["history", "report"]
