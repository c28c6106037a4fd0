"""The recovery plan: which phase the runner is in, today's session, and how a check-in moves it.

A check-in or a logged run appends facts to the runner's record (flows/record.py), kept whole by the
store for /history and /report; the plan state keeps only the recent facts its rules look back on.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel

from content import Content
from content.schema import Phase, Plan, PlanStep
from flows.events import ResumePlan, StartCheckIn
from flows.evolve import evolve
from flows.markup import bold, fill, fill_markup, rich
from flows.progression import Decision, usual_morning
from flows.record import CheckIn, MilestoneResult, Score
from flows.replies import Button, Reply
from flows.running_guard import WEEKS_COMPARED_DAYS, RunLog
from flows.session import PlannedRun, RunDay, planned_run, session_reply

_WENT_WELL = (Decision.GOOD, Decision.ADVANCE, Decision.PREVENT)


class PlanState(BaseModel):
    pattern: str
    # the strain grade the plan was chosen for (None: a pattern without grades, or a plan from before grades)
    grade: str | None = None
    phase: int = 0
    started_on: date
    good_days: int = 0
    status: Literal["active", "paused"] = "active"
    # started without the clinician check the outcome asked for
    caution: bool = False
    # the day the phase last moved: it moves at most one step a day
    moved_on: date | None = None
    # the recent facts the rules look back on (`kept`), oldest first; the whole record is in the store
    checkins: list[CheckIn] = []
    runs: list[RunLog] = []
    milestones: list[MilestoneResult] = []
    scores: list[Score] = []


def kept(content: Content, state: PlanState, today: date) -> PlanState:
    """The state with only the facts the plan's rules still look back on (the store keeps them all):
    check-ins of the usual-morning window; run days within the single-run rule's lookback, and the last
    one whatever its age, as the run ladder goes on from its step; the check-ins over the limits in a row
    at the end (`holds_before`); logged runs within the lookback and the weekly rule's two weeks; each
    questionnaire's latest score, which says when it is due again."""
    plans = content.plans
    recent = today - timedelta(days=plans.progression.morning_window_days)
    lookback = today - timedelta(days=max(plans.running.lookback_days, WEEKS_COMPARED_DAYS))
    last_run = next((c for c in reversed(state.checkins) if c.run_minutes is not None), None)
    streak = len(state.checkins) - holds_before(state)
    latest = {s.measure: s for s in state.scores}
    return evolve(
        state,
        checkins=[
            c
            for i, c in enumerate(state.checkins)
            if c.day >= recent or i >= streak or c is last_run or (c.run_minutes is not None and c.day >= lookback)
        ],
        runs=[r for r in state.runs if r.day >= lookback],
        milestones=[m for m in state.milestones if m.day >= recent],
        scores=[s for s in state.scores if latest[s.measure] is s],
    )


def plan_of(content: Content, state: PlanState) -> Plan:
    plan = content.plan_for(state.pattern, state.grade)
    assert plan is not None, f"no plan for {state.pattern!r}"  # set aside on load when the plan is gone
    return plan


def current_step(content: Content, state: PlanState) -> PlanStep:
    plan = plan_of(content, state)
    return plan.phases[min(state.phase, len(plan.phases) - 1)]


def current_phase(content: Content, state: PlanState) -> Phase:
    return content.phase_by_id[current_step(content, state).phase]


def is_last_phase(content: Content, state: PlanState) -> bool:
    return state.phase >= len(plan_of(content, state).phases) - 1


def start(pattern: str, grade: str | None, today: date, caution: bool) -> PlanState:
    return PlanState(pattern=pattern, grade=grade, started_on=today, caution=caution)


def phase_since(state: PlanState) -> date:
    """The day the runner entered the current phase."""
    return state.moved_on or state.started_on


def days_in_phase(state: PlanState, today: date) -> int:
    return (today - phase_since(state)).days


def run_days(state: PlanState) -> list[RunDay]:
    return [
        RunDay(c.day, c.run_minutes, c.run_step or 0, c.done == "done", c.decision in _WENT_WELL)
        for c in state.checkins
        if c.run_minutes is not None
    ]


def todays_run(content: Content, state: PlanState, today: date) -> PlannedRun | None:
    phase = current_phase(content, state)
    day = (today - state.started_on).days
    return planned_run(content, phase, day, today, state.runs, run_days(state), phase_since(state))


def todays_session(content: Content, state: PlanState, today: date) -> Reply:
    """Today's session as a compact list with a how-to button per exercise."""
    day = (today - state.started_on).days
    return session_reply(content, current_phase(content, state), day, todays_run(content, state, today))


def usual_morning_of(content: Content, state: PlanState, today: date) -> int | None:
    window = today - timedelta(days=content.plans.progression.morning_window_days)
    return usual_morning([c.pain_morning for c in state.checkins if window <= c.day < today])


def holds_before(state: PlanState) -> int:
    """Check-ins over the limits (holds) in a row, just before the next one."""
    count = 0
    for checkin in reversed(state.checkins):
        if checkin.decision != Decision.HOLD:
            break
        count += 1
    return count


def phase_time_done(content: Content, state: PlanState, today: date) -> bool:
    """The phase's minimum days have passed and, with today's good check-in, its good days are reached."""
    step = current_step(content, state)
    return days_in_phase(state, today) >= step.min_days and state.good_days + 1 >= step.good_days


def apply_checkin(
    state: PlanState, checkin: CheckIn, plan: Plan, results: list[MilestoneResult], score: Score | None
) -> PlanState:
    """Record a check-in and move the plan as its decision says (at most one step a day, except a
    possible re-injury, which goes back to the first phase)."""
    moved = state.moved_on == checkin.day
    phase, good_days, status, moved_on = state.phase, state.good_days, state.status, state.moved_on
    match checkin.decision:
        case Decision.ESCALATE:
            status = "paused"
        case Decision.REINJURY:
            phase, good_days, moved_on = 0, 0, checkin.day
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
    return evolve(
        state,
        phase=phase,
        good_days=good_days,
        status=status,
        moved_on=moved_on,
        checkins=[*state.checkins, checkin],
        milestones=[*state.milestones, *results],
        scores=[*state.scores, *([score] if score else [])],
    )


def decision_reply(
    content: Content, before: PlanState, after: PlanState, checkin: CheckIn, not_passed: list[str]
) -> Reply:
    """What the check-in did, in words; `not_passed` names the milestones asked today that did not pass."""
    strings = content.strings
    phase = current_phase(content, after)
    moved = after.phase != before.phase
    match checkin.decision:
        case Decision.REINJURY:
            card = content.care_by_id[content.plans.progression.reinjury_card]
            text = fill_markup(strings.decision_reinjury, phase=bold(phase.name))
            text += f"\n\n{bold(card.title)}: {rich(card.text)}"
        case Decision.ADVANCE if moved:
            text = fill_markup(strings.decision_advance, phase=bold(phase.name))
            if is_last_phase(content, after):
                text += "\n\n" + rich(strings.prevention_reached)
        case Decision.STEP_BACK if moved:
            text = fill_markup(strings.decision_step_back, phase=bold(phase.name), pain=str(checkin.pain_during))
        case Decision.STEP_BACK if before.phase == 0:
            text = fill(strings.decision_stay_first, pain=checkin.pain_during)
        case Decision.ADVANCE | Decision.STEP_BACK:
            text = rich(strings.decision_one_step_today)
        case Decision.GOOD:
            text = rich(strings.decision_good)
            if not_passed:
                text += " " + fill(strings.decision_not_yet, milestones="; ".join(not_passed))
            else:
                text += "\n" + _progress(content, after, checkin.day)
        case Decision.PREVENT:
            text = rich(strings.decision_prevent)
        case Decision.HOLD:
            text = fill(strings.decision_hold, pain=checkin.pain_during, morning=checkin.pain_morning)
        case _:
            text = rich(strings.decision_skipped)
    return Reply(text)


def _progress(content: Content, state: PlanState, today: date) -> str:
    """Where the runner stands in the phase: days, good days, what to pass to move on."""
    strings = content.strings
    step = current_step(content, state)
    phase = content.phase_by_id[step.phase]
    lines = [fill(strings.phase_days_line, day=days_in_phase(state, today), min_days=step.min_days)]
    if step.good_days:
        lines.append(fill(strings.progress_line, good=state.good_days, needed=step.good_days))
    tests = "; ".join(content.milestone_by_id[m].name for m in phase.milestones)
    lines.append(f"{bold(strings.leave_when_heading)}: {rich(tests) if tests else rich(strings.leave_when_days)}")
    return "\n".join(lines)


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
    day = (today - state.started_on).days
    progress = [] if is_last_phase(content, state) else [_progress(content, state, today)]
    if plan.review_after_days is not None and day >= plan.review_after_days and not is_last_phase(content, state):
        progress.append(fill(strings.review_due, weeks=day // 7))
    checkin = Button(strings.checkin_button, StartCheckIn())
    replies = [Reply(header), todays_session(content, state, today)]
    if progress:
        replies.append(Reply("\n\n".join(progress), ((checkin,),)))
    else:
        replies.append(Reply(rich(strings.prevention_reached), ((checkin,),)))
    return replies
