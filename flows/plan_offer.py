"""Offering and starting a plan after triage, with the clinician check where the outcome asked for one.

Self-care outcomes start a plan at once. Outcomes that sent the runner to a clinician start one only
once the runner says they have been checked, or (when the advice was "within a few days") chooses to
go on with caution after a clear warning. Emergencies and same-day care get no offer at all until
the runner says they have been seen.
"""

from __future__ import annotations

from datetime import date

from content import Content
from content.schema import Plan
from flows import plan as plans
from flows.events import StartPlan
from flows.markup import fill, rich
from flows.outcome import Outcome
from flows.plan import PlanState
from flows.replies import Button, Reply, Result


def _plan(content: Content, outcome: Outcome | None) -> Plan | None:
    """The plan for the outcome's pattern and grade."""
    if outcome is None or outcome.pattern is None:
        return None
    return content.plan_for(outcome.pattern, outcome.grade)


def _has_plan(content: Content, outcome: Outcome | None) -> bool:
    return _plan(content, outcome) is not None


def _caution_allowed(content: Content, outcome: Outcome) -> bool:
    """Going ahead unchecked is offered only for a within-days outcome whose signs and plan allow it
    (deep buttock pain needs the lower back ruled out first)."""
    signs = [content.flags[f] for f in (*outcome.flags, outcome.red_flag) if f and f in content.flags]
    plan = _plan(content, outcome)
    needs_clearance = plan is not None and plan.requires_clearance
    return outcome.urgency == "within_days" and not needs_clearance and not any(s.after_clearance for s in signs)


def _clearance(content: Content, outcome: Outcome) -> Reply:
    strings = content.strings
    rows = [(Button(strings.plan_seen_button, StartPlan("seen")),)]
    if _caution_allowed(content, outcome):
        rows.append((Button(strings.plan_caution_button, StartPlan("caution")),))
    return Reply(rich(strings.plan_needs_clearance), tuple(rows))


def offer(content: Content, outcome: Outcome) -> Reply | None:
    """The offer shown under a triage outcome, if the outcome allows one now."""
    if not _has_plan(content, outcome) or outcome.urgency in ("emergency", "same_day"):
        return None
    strings = content.strings
    if outcome.urgency == "self_care":
        return Reply(rich(strings.plan_offer), ((Button(strings.plan_start_button, StartPlan("self_care")),),))
    clearance = _clearance(content, outcome)
    return Reply(f"{rich(strings.plan_offer)}\n\n{clearance.text}", clearance.buttons)


def start(content: Content, outcome: Outcome | None, mode: str, today: date) -> Result[PlanState | None]:
    """Start the plan for the outcome if the runner may (the state: the plan started); otherwise say what is
    needed first (the state: None)."""
    strings = content.strings
    if outcome is None or outcome.pattern is None:
        return Result(None, [Reply(rich(strings.no_plan))])
    if not _has_plan(content, outcome):
        return Result(None, [Reply(rich(strings.plan_unavailable))])
    cleared = outcome.urgency == "self_care" or mode == "seen"
    caution = mode == "caution" and _caution_allowed(content, outcome)
    if not (cleared or caution):
        return Result(None, [_clearance(content, outcome)])
    plan = _plan(content, outcome)
    assert outcome.pattern is not None and plan is not None
    state = plans.start(outcome.pattern, plan.grade, today, caution=caution)
    intro = fill(strings.plan_started, intro=plan.intro)
    replies = [Reply(rich(strings.plan_caution_warning))] if caution else []
    return Result(state, [*replies, Reply(intro), *plans.overview_replies(content, state, today)])
