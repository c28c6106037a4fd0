"""Today's session: which exercises are due, today's run under the single-run rule, and the how-to cards.

Schedules count days from the start of the plan. The run climbs its ladder one step after each run day
that went well (done, within the pain rules); after the last step a continuous run grows, but never more
than the single-run rule allows over the longest session of the last 30 days (logged runs and the plan's
own runs alike), so the plan and /log follow the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import floor

from content import Content
from content.schema import Every, Phase, PhaseExercise, RunningRules, RunStep
from flows.events import ShowExercise
from flows.evolve import evolve
from flows.markup import bold, fill, fill_markup, rich
from flows.replies import Button, Reply
from flows.running_guard import RunLog

BUTTONS_PER_ROW = 2


def is_due(every: Every, day_index: int, run_every: Every | None = None) -> bool:
    """Whether something on this schedule is due on day `day_index` of the plan (0 = the first day)."""
    match every:
        case Every.TWICE_DAILY | Every.DAY:
            return True
        case Every.OTHER_DAY:
            return day_index % 2 == 0
        case Every.THIRD_DAY:
            return day_index % 3 == 0
        case Every.TWICE_WEEK:
            return day_index % 7 in (0, 3)
        case Every.ONCE_WEEK:
            return day_index % 7 == 0
        case Every.RUN_DAY:
            return run_every is not None and is_due(run_every, day_index)


@dataclass(frozen=True)
class RunDay:
    """A run the plan has before it on one day (the fields the check-in records)."""

    day: date
    minutes: int
    step: int
    done: bool
    went_well: bool


@dataclass(frozen=True)
class PlannedRun:
    """Today's run: a ladder step (walk-run or continuous), or the runner's own training."""

    step: int
    session: RunStep | None
    # the session's minutes, walking included; None for own training
    minutes: int | None
    # the longest session of the last 30 days, when it kept today's run shorter
    capped_by: int | None
    extras: tuple[PhaseExercise, ...]


def longest_recent(rules: RunningRules, runs: Sequence[RunLog], run_days: Sequence[RunDay], today: date) -> int:
    """The longest session (minutes) of the lookback window before today: logged runs and plan runs done."""
    first = today - timedelta(days=rules.lookback_days)
    logged = [r.minutes for r in runs if first <= r.day < today]
    planned = [r.minutes for r in run_days if r.done and first <= r.day < today]
    return max([*logged, *planned], default=0)


def ceiling(rules: RunningRules, longest: int) -> int | None:
    """The longest session the single-run rule allows after `longest` (None: nothing to compare with)."""
    return floor(longest * (1 + rules.single_run_increase_max_percent / 100)) if longest else None


def _fit(session: RunStep, limit: int) -> RunStep:
    """The session cut down to `limit` minutes: fewer walk-run repeats, or a shorter continuous run."""
    if session.minutes <= limit:
        return session
    if session.continuous is not None:
        return RunStep(continuous=max(1, limit))
    assert session.run is not None and session.walk is not None
    return evolve(session, repeats=max(1, limit // (session.run + session.walk)))


def planned_run(
    content: Content,
    phase: Phase,
    day_index: int,
    today: date,
    runs: Sequence[RunLog],
    run_days: Sequence[RunDay],
    phase_since: date,
) -> PlannedRun | None:
    """Today's run in `phase` (entered on `phase_since`), or None when it has no run or none is due today.
    `run_days` are the plan's earlier run days, oldest first."""
    run = phase.run
    if run is None or not is_due(run.every, day_index):
        return None
    extras = tuple(e for e in run.extras if is_due(e.every, day_index, run.every))
    if run.own_training:
        return PlannedRun(0, None, None, None, extras)
    in_phase = [r for r in run_days if r.day >= phase_since]
    last = in_phase[-1] if in_phase else None
    moved_up = last is not None and last.done and last.went_well
    ladder = run.steps
    # past the last step (len(ladder)) the continuous run grows towards grow_to
    top = len(ladder) if run.grow_to is not None else len(ladder) - 1
    step = min((last.step + 1 if moved_up else last.step) if last is not None else 0, top)
    session = RunStep(continuous=run.grow_to) if step == len(ladder) else ladder[step]
    rules = content.plans.running
    longest = longest_recent(rules, runs, run_days, today)
    rule_limit = ceiling(rules, longest)
    # after a run day that did not go well: no longer than that run
    hold_limit = last.minutes if last is not None and not moved_up else None
    limits = [x for x in (rule_limit, hold_limit) if x is not None]
    fitted = _fit(session, min(limits)) if limits else session
    by_rule = rule_limit is not None and (hold_limit is None or rule_limit <= hold_limit)
    capped = longest if by_rule and fitted.minutes < session.minutes else None
    return PlannedRun(step, fitted, fitted.minutes, capped, extras)


def _run_text(content: Content, phase: Phase, run: PlannedRun) -> str:
    strings = content.strings
    assert phase.run is not None
    schedule = strings.schedules[phase.run.every]
    session = run.session
    if session is None:
        text = rich(strings.run_own)
    elif session.continuous is not None:
        text = fill(strings.run_continuous, minutes=session.continuous, schedule=schedule)
    else:
        text = fill(
            strings.run_intervals,
            repeats=session.repeats,
            run=session.run,
            walk=session.walk,
            minutes=session.minutes,
            schedule=schedule,
        )
    for extra in run.extras:
        card = content.exercise_by_id[extra.exercise]
        text += ", " + fill(strings.run_then, name=card.name, dose=extra.dose or card.dose)
    if run.capped_by is not None and run.minutes is not None:
        text += "\n" + fill(strings.run_capped, minutes=run.minutes, longest=run.capped_by)
    return f"{bold(strings.run_heading)}: {text}"


def session_reply(
    content: Content, phase: Phase, day_index: int, run: PlannedRun | None, heading: str | None = None
) -> Reply:
    """Today's session as a compact list, with a how-to button per exercise (named like the exercise)."""
    strings = content.strings
    run_every = phase.run.every if phase.run else None
    items = [i for i in phase.exercises if is_due(i.every, day_index, run_every)]
    lines = [bold(heading or strings.today_heading)]
    cards: list[str] = []
    for item in items:
        card = content.exercise_by_id[item.exercise]
        schedule = strings.schedules[item.every]
        lines.append(fill(strings.session_line, name=card.name, dose=item.dose or card.dose, schedule=schedule))
        cards.append(card.id)
    if run is not None:
        lines.append(_run_text(content, phase, run))
        if run.session is not None:
            run_cards = content.plans.run_cards
            cards.append(run_cards.continuous if run.session.continuous is not None else run_cards.walk_run)
        cards += [e.exercise for e in run.extras]
    elif phase.run is None:
        lines.append(f"{bold(strings.run_heading)}: {rich(strings.no_running)}")
    if not cards:
        lines.append(rich(strings.rest_day))
    parts = ["\n".join(lines), rich(phase.notes)]
    buttons = [Button(content.exercise_by_id[c].name, ShowExercise(c)) for c in dict.fromkeys(cards)]
    rows = tuple(tuple(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW))
    return Reply("\n\n".join(parts), rows)


def exercise_reply(content: Content, exercise_id: str) -> Reply:
    """The how-to card of one exercise: steps, dose, load and tempo, feel, when to stop, easier, harder."""
    card = content.exercise_by_id.get(exercise_id)
    if card is None:
        return Reply(rich(content.strings.exercise_unknown))
    steps = "\n".join(f"{n}. {rich(step)}" for n, step in enumerate(card.steps, start=1))
    values = {
        field: rich(getattr(card, field)) for field in ("name", "dose", "tempo", "feel", "stop_if", "easier", "harder")
    }
    return Reply(fill_markup(content.strings.exercise_card, steps=steps, **values))
