"""A runner playing a recovery plan day by day with the test clock: check-ins by buttons, every question
the check-in asks answered by a policy, and a record of what happened each day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from content import Content
from flows.events import CheckInChoice, StartCheckIn, StartPlan
from flows.plan import current_phase, todays_run
from flows.session import PlannedRun
from tests.answer_sets import ANSWER_SETS
from tests.chat import Chat

START = date(2026, 3, 2)

# (pattern case in ANSWER_SETS, answer overrides) for each plan
PLAN_CASES: dict[str, tuple[str, dict[str, str]]] = {
    "strain_mild": ("strain_slip_mild", {}),
    "strain_moderate": ("strain_sprint_pop", {}),
    "strain_severe": ("strain_sprint_pop", {"pain_level": "severe"}),
    "tendon": ("tendinopathy_sit_bone_sitting", {}),
    "sciatica": ("nerve_back_tingling_below_knee", {}),
    "deep_gluteal": ("piriformis_buttock_sitting", {}),
    "overuse": ("overuse_mileage_jump", {}),
}


def start_plan(content: Content, plan_id: str, mode: str = "seen") -> Chat:
    """A runner who answered the triage for this plan on START and started it."""
    case, overrides = PLAN_CASES[plan_id]
    chat = Chat(content, today=START)
    answers = dict(ANSWER_SETS[case][1], **overrides)
    while chat.question is not None:
        chat.tap(answers[chat.question])
    chat.send(StartPlan(mode))
    assert chat.state.plan is not None
    assert content.plan_for(chat.state.plan.pattern, chat.state.plan.grade) == content.plan_by_id[plan_id]
    return chat


Policy = Callable[[Content, str], str]


def passing(content: Content, step: str) -> str:
    """The answer of a runner who is doing well: no sharp pain, the same tingling, tests passed, good scores."""
    kind, _, key = step.partition(":")
    if kind == "check":
        check = content.check_by_id[key]
        return next(a.value for a in check.answers if not a.reinjury and not a.findings and a.value != "none")
    if kind == "milestone":
        return next(a.value for a in content.milestone_by_id[key].answers if a.passed)
    if kind == "measure":
        measure_id, _, item_id = key.partition("/")
        item = next(i for i in content.measure_by_id[measure_id].items if i.id == item_id)
        return max(item.answers, key=lambda a: a.points).value
    return "none"


@dataclass
class Day:
    day: int
    # the phase the day's session and check-in were in, and the phase after the check-in
    phase_before: str
    phase: str
    run: PlannedRun | None
    asked: list[str]
    decision: str


@dataclass
class Played:
    days: list[Day] = field(default_factory=list)

    def entered(self) -> dict[str, int]:
        """The first day each phase was reached (after that day's check-in)."""
        first: dict[str, int] = {}
        for day in self.days:
            first.setdefault(day.phase, day.day)
        return first

    def first_run_with(self, tag: str, content: Content) -> int | None:
        """The first day the plan had a run with an extra of this tag (strides, hills, speed)."""
        for day in self.days:
            if day.run and any(tag in content.exercise_by_id[e.exercise].tags for e in day.run.extras):
                return day.day
        return None

    def first_run(self) -> int | None:
        return next((d.day for d in self.days if d.run is not None and d.run.minutes is not None), None)

    def timeline(self, content: Content, plan_id: str) -> str:
        """The played plan in a few lines (shown by `pytest -s`): the day each phase was reached and how long
        it lasted, the milestones it asked, and the first day of a run, strides, hills and speed."""
        plan = content.plan_by_id[plan_id]
        entered, asked = self.entered(), self.milestones_asked()
        last = self.days[-1].day
        lines = [f"{plan_id}: the last phase on day {last} (sources: {plan.expected_days[0]}-{plan.expected_days[1]})"]
        starts = [0] + [entered[s.phase] for s in plan.phases[1:]]  # the plan starts on day 0
        for index, step in enumerate(plan.phases):
            length = f"{starts[index + 1] - starts[index]} days" if index + 1 < len(starts) else "kept"
            lines.append(f"  day {starts[index]:>3} {step.phase} ({length}) milestones: {asked.get(step.phase, [])}")
        firsts = {tag: self.first_run_with(tag, content) for tag in ("strides", "hills", "speed")}
        lines.append(f"  first run on day {self.first_run()}; " + ", ".join(f"{k} {v}" for k, v in firsts.items()))
        return "\n".join(lines)

    def milestones_asked(self) -> dict[str, list[str]]:
        asked: dict[str, list[str]] = {}
        for day in self.days:
            for step in day.asked:
                if step.startswith("milestone:"):
                    asked.setdefault(day.phase_before, []).append(step.partition(":")[2])
        return asked


def check_in(
    chat: Chat,
    done: str = "done",
    during: int = 2,
    morning: int = 1,
    policy: Policy = passing,
    overrides: dict[str, str] | None = None,
) -> list[str]:
    """One check-in by buttons on the chat's current day; returns the steps asked after the pain questions.
    `overrides` answers given steps ("check:sharp_pain": "yes")."""
    chat.send(StartCheckIn())
    draft = chat.state.checkin
    assert draft is not None, chat.text
    for step, value in (("done", done), ("pain_during", str(during)), ("pain_morning", str(morning))):
        chat.send(CheckInChoice(draft.session, step, value))
    asked = []
    while chat.state.checkin is not None:
        step = chat.state.checkin.step
        asked.append(step)
        value = (overrides or {}).get(step) or policy(chat.content, step)
        chat.send(CheckInChoice(draft.session, step, value))
    return asked


Script = Callable[[int], tuple[str, int, int]]


def good_days(_: int) -> tuple[str, int, int]:
    return ("done", 2, 1)


def play(chat: Chat, script: Script = good_days, limit: int = 250) -> Played:
    """Check in every day until the last phase is reached; `script(day)` gives (done, during, morning)."""
    content = chat.content
    played = Played()
    for number in range(1, limit):
        chat.today = START + timedelta(days=number)
        plan = chat.state.plan
        assert plan is not None and plan.status == "active"
        before = current_phase(content, plan).id
        run = todays_run(content, plan, chat.today)
        done, during, morning = script(number)
        asked = check_in(chat, done, during, morning)
        after = chat.state.plan
        assert after is not None
        decision = after.checkins[-1].decision.value
        played.days.append(Day(number, before, current_phase(content, after).id, run, asked, decision))
        if after.phase == len(content.plan_by_id[_plan_id(chat)].phases) - 1:
            return played
    raise AssertionError("the plan never reached its last phase")


def _plan_id(chat: Chat) -> str:
    plan = chat.state.plan
    assert plan is not None
    found = chat.content.plan_for(plan.pattern, plan.grade)
    assert found is not None
    return found.id
