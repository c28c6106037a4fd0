"""The recovery plan: which phase the runner is in, today's session, and how a check-in moves it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from content import Content
from content.schema import Every, Phase, Plan
from flows.events import ResumePlan, StartCheckIn
from flows.markup import bold, fill, fill_markup, rich
from flows.progression import Decision
from flows.replies import Button, Reply
from flows.running_guard import LongPlannedRun, RunLog, planned_run_warning


class CheckIn(BaseModel):
    day: date
    done: Literal["done", "partly", "skipped"]
    pain_during: int
    pain_morning: int
    phase: str
    decision: Decision

    @property
    def worst(self) -> int:
        return max(self.pain_during, self.pain_morning)


class PlanState(BaseModel):
    pattern: str
    phase: int = 0
    started_on: date
    good_days: int = 0
    status: Literal["active", "paused"] = "active"
    # started without the clinician check the outcome asked for
    caution: bool = False
    # the day the phase last moved: it moves at most one step a day
    moved_on: date | None = None
    checkins: list[CheckIn] = []
    runs: list[RunLog] = []


def plan_of(content: Content, state: PlanState) -> Plan:
    return content.plan_by_pattern[state.pattern]


def current_phase(content: Content, state: PlanState) -> Phase:
    plan = plan_of(content, state)
    return content.phase_by_id[plan.phases[min(state.phase, len(plan.phases) - 1)]]


def label(content: Content, state: PlanState) -> str:
    """A short label for statistics: pattern, phase and status."""
    return f"{state.pattern}:{current_phase(content, state).id}:{state.status}"


def start(content: Content, pattern: str, today: date, caution: bool) -> PlanState:
    return PlanState(pattern=pattern, started_on=today, caution=caution)


def apply_checkin(content: Content, state: PlanState, checkin: CheckIn) -> PlanState:
    """Record a check-in and move the plan as its decision says (at most one step a day)."""
    plan = plan_of(content, state)
    moved = state.moved_on == checkin.day
    phase, good_days, status, moved_on = state.phase, state.good_days, state.status, state.moved_on
    match checkin.decision:
        case Decision.ESCALATE:
            status = "paused"
        case Decision.ADVANCE if not moved and phase < len(plan.phases) - 1:
            phase, good_days, moved_on = phase + 1, 0, checkin.day
        case Decision.STEP_BACK if not moved:
            phase, good_days, moved_on = max(phase - 1, 0), 0, checkin.day
        case Decision.GOOD | Decision.ADVANCE:
            good_days += 1
        case Decision.HOLD | Decision.STEP_BACK:
            good_days = 0
        case _:
            pass
    return state.model_copy(
        update={
            "phase": phase,
            "good_days": good_days,
            "status": status,
            "moved_on": moved_on,
            "checkins": [*state.checkins, checkin],
        }
    )


def decision_reply(content: Content, before: PlanState, after: PlanState, checkin: CheckIn) -> Reply:
    """What the check-in did, in words."""
    strings = content.strings
    phase = current_phase(content, after)
    needed = phase.days_required
    moved = after.phase != before.phase
    match checkin.decision:
        case Decision.ADVANCE if moved:
            text = fill_markup(strings.decision_advance, phase=bold(phase.name))
            if phase.days_required == 0:
                text += "\n\n" + rich(strings.prevention_reached)
        case Decision.STEP_BACK if moved:
            text = fill_markup(strings.decision_step_back, phase=bold(phase.name), pain=str(checkin.worst))
        case Decision.STEP_BACK if before.phase == 0:
            text = fill(strings.decision_stay_first, pain=checkin.worst)
        case Decision.ADVANCE | Decision.STEP_BACK:
            text = rich(strings.decision_one_step_today)
        case Decision.GOOD:
            text = fill(strings.decision_good, good=after.good_days, needed=needed)
        case Decision.PREVENT:
            text = rich(strings.decision_prevent)
        case Decision.HOLD:
            text = fill(strings.decision_hold, pain=checkin.worst)
        case _:
            text = rich(strings.decision_skipped)
    return Reply(text)


def _run_text(content: Content, phase: Phase) -> str:
    strings = content.strings
    run = phase.run
    if run is None:
        return rich(strings.no_running)
    if run.continuous_minutes is not None:
        return fill(strings.run_continuous, minutes=run.continuous_minutes)
    return fill(strings.run_intervals, repeats=run.repeats, run=run.run_minutes, walk=run.walk_minutes)


def session_reply(content: Content, state: PlanState, today: date) -> Reply:
    """Today's session: the exercises of the day with how-to, dosage, what to feel, when to stop."""
    strings = content.strings
    phase = current_phase(content, state)
    even_day = (today - state.started_on).days % 2 == 0
    parts = [bold(strings.today_heading)]
    for item in phase.exercises:
        if item.every == Every.OTHER_DAY and not even_day:
            continue
        exercise = content.exercise_by_id[item.exercise]
        how = "\n".join(f"{number}. {rich(step)}" for number, step in enumerate(exercise.steps, start=1))
        line = fill(
            strings.exercise_line,
            name=exercise.name,
            dosage=item.dosage or exercise.dosage,
            feel=exercise.feel,
            stop_if=exercise.stop_if,
        )
        parts.append(f"{line}\n{how}")
    parts.append(f"{bold(strings.run_heading)}: {_run_text(content, phase)}")
    if phase.run is not None:
        warning = planned_run_warning(content.plans.running, state.runs, today, phase.run.running_minutes)
        if isinstance(warning, LongPlannedRun):
            parts.append(fill(strings.guard_planned, planned=warning.planned_minutes, longest=warning.longest_minutes))
    parts.append(rich(phase.notes))
    return Reply("\n\n".join(parts))


def overview_replies(content: Content, state: PlanState, today: date) -> list[Reply]:
    """/plan: the phase, today's session and progress, with the next action as a button."""
    strings = content.strings
    plan = plan_of(content, state)
    phase = current_phase(content, state)
    header = fill_markup(
        strings.plan_header,
        plan=rich(content.pattern_by_id[state.pattern].name),
        number=str(state.phase + 1),
        total=str(len(plan.phases)),
        phase=rich(phase.name),
        goal=rich(phase.goal),
    )
    if state.status == "paused":
        button = Button(strings.plan_resume_button, ResumePlan())
        return [Reply(f"{header}\n\n{rich(strings.plan_paused_line)}", ((button,),))]
    progress = [f"{bold(strings.leave_when_heading)}: {rich(phase.leave_when)}"]
    if phase.days_required:
        progress.insert(0, fill(strings.progress_line, good=state.good_days, needed=phase.days_required))
    checkin = Button(strings.checkin_button, StartCheckIn())
    return [
        Reply(header),
        session_reply(content, state, today),
        Reply("\n".join(progress), ((checkin,),)),
    ]
