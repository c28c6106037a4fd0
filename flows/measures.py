"""Outcome measures: a questionnaire asked at the first check-in and every few weeks after, scored 0-100."""

from __future__ import annotations

from datetime import date

from content import Content
from content.schema import Measure
from flows.plan import PlanState, plan_of
from flows.record import Score


def due(content: Content, state: PlanState, today: date) -> Measure | None:
    """The plan's measure if it is time to ask it: never asked yet, or last asked `every_days` ago."""
    measure_id = plan_of(content, state).measure
    if measure_id is None:
        return None
    measure = content.measure_by_id[measure_id]
    last = next((s for s in reversed(state.scores) if s.measure == measure.id), None)
    return measure if last is None or (today - last.day).days >= measure.every_days else None


def score(measure: Measure, answers: dict[str, str], today: date) -> Score:
    """The share of the maximum points, 0-100 (higher is better)."""
    got = most = 0
    for item in measure.items:
        points = {a.value: a.points for a in item.answers}
        got += points.get(answers.get(item.id, ""), 0)
        most += max(points.values())
    return Score(day=today, measure=measure.id, score=round(100 * got / most) if most else 0, answers=dict(answers))
