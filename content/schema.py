"""The shape of every content file, validated with pydantic.

Ids are short lowercase words so that any id pair fits in Telegram's 64-byte callback data.
Text limits follow Telegram: a message holds at most 4096 characters, a button label should
stay short enough to read on a phone.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

MESSAGE_LIMIT = 4096
LABEL_LIMIT = 40
CAPTION_LIMIT = 1024

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
# a kind of button and its mode or action: "start_plan:self_care", "reminder_action:snooze"
ButtonKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}(?::[a-z0-9_]{1,31})?$")]
TAG = re.compile(r"</?([a-z]+)>")
ALLOWED_TAGS = {"b", "i"}


def _balanced_markup(text: str) -> str:
    """Texts are plain words with only <b> and <i>, properly nested, so Telegram's HTML accepts them."""
    open_tags: list[str] = []
    for match in TAG.finditer(text):
        name = match.group(1)
        if name not in ALLOWED_TAGS:
            raise ValueError(f"tag <{name}> is not allowed: use only <b> and <i>")
        if match.group(0).startswith("</"):
            if not open_tags or open_tags.pop() != name:
                raise ValueError(f"closing </{name}> does not match an open tag")
        else:
            open_tags.append(name)
    if open_tags:
        raise ValueError(f"<{open_tags[-1]}> is never closed")
    return text


Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MESSAGE_LIMIT, strip_whitespace=True),
    AfterValidator(_balanced_markup),
]
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_LIMIT, strip_whitespace=True)]
# the text under a photo or a document: Telegram takes at most 1024 characters there
Caption = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CAPTION_LIMIT, strip_whitespace=True),
    AfterValidator(_balanced_markup),
]
Phrase = Annotated[str, StringConstraints(min_length=2, max_length=80, strip_whitespace=True)]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None
    return name


Zone = Annotated[str, AfterValidator(_known_zone)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
Scores = dict[Id, Annotated[int, Field(ge=-10, le=10)]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    SAME_DAY = "same_day"
    WITHIN_DAYS = "within_days"


# most urgent first; self-care is below every urgency a warning sign can have
LEVELS = ("emergency", "same_day", "within_days", "self_care")


def more_urgent(a: str, b: str) -> bool:
    return LEVELS.index(a) < LEVELS.index(b)


class Cited(Strict):
    """A card that says something clinical: where it comes from and when it was last checked."""

    sources: tuple[Id, ...] = Field(min_length=1)
    reviewed: date


# --- sources.yaml --------------------------------------------------------------------------


class Source(Strict):
    id: Id
    title: Text
    publisher: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    # the word-for-word copy that was read, where the page itself could not be
    read_via: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None


class Sources(Strict):
    sources: tuple[Source, ...] = Field(min_length=1)


# --- findings.yaml -------------------------------------------------------------------------


class Finding(Strict):
    id: Id
    phrases: tuple[Phrase, ...] = Field(min_length=1)
    # overlapping the match, these mean something else ("bike saddle")
    not_when: tuple[Phrase, ...] = ()
    # anywhere in the same clause, these make it another situation ("while cycling")
    not_in_clause: tuple[Phrase, ...] = ()
    # anywhere in the same sentence ("lost a bit of weight, but that's the training")
    not_in_sentence: tuple[Phrase, ...] = ()
    # the name of a condition ("blood clot"): in a question it is only asked about, not reported
    condition_name: bool = False
    # a past event that still matters now (a history of cancer)
    past_counts: bool = False
    # where the parts of a "+" phrase may be: one clause group, one sentence, either of the two (a
    # "passage"), or anywhere in the message
    within: Literal["group", "sentence", "passage", "message"] = "group"


GroupMember = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)]


class Findings(Strict):
    groups: dict[Id, tuple[GroupMember, ...]] = {}
    findings: tuple[Finding, ...] = Field(min_length=1)


# --- triage.yaml -------------------------------------------------------------------------


class Answer(Strict):
    value: Id
    label: Label
    synonyms: tuple[Phrase, ...] = ()
    # inclusive pain range for scale questions: a typed number in it picks this answer
    range: tuple[Annotated[int, Field(ge=0, le=10)], Annotated[int, Field(ge=0, le=10)]] | None = None
    # inclusive range of days for how-long questions: a typed length of time in it picks this answer
    days: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] | None = None
    # a broad answer ("the back of the thigh"): a message that also names a narrower one means that one
    broad: bool = False
    scores: Scores = {}
    severity: Annotated[int, Field(ge=0, le=10)] = 0
    # what the runner reports by this answer (findings.yaml); warning signs are built from findings
    findings: tuple[Id, ...] = ()
    next: Id | None = None


class Question(Strict):
    id: Id
    text: Text
    hint: Text | None = None
    # up to ten: the emergency warning signs share one question (one urgency per question, content check)
    answers: tuple[Answer, ...] = Field(min_length=2, max_length=10)
    # where an answer without its own `next` goes: a question id or "outcome"
    next: Id | None = None
    # the answer a bare "no" (or a denial of every sign asked about) or a bare "yes" gives
    if_no: Id | None = None
    if_yes: Id | None = None
    # answers run from least to most ("stays", "to the knee", "below the knee"): a message naming several
    # takes the furthest (pain that reaches the calf has passed the knee)
    ordered: bool = False

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Question:
        for answer in self.answers:
            for name, bounds in (("range", answer.range), ("days", answer.days)):
                if bounds is not None and bounds[0] > bounds[1]:
                    raise ValueError(f"answer {answer.value!r}: {name} must go from low to high")
        return self


class Triage(Strict):
    start: Id
    # a runner-up pattern is named when its score is this close to the best one
    close_margin: Annotated[int, Field(ge=0, le=10)] = 1
    # the first warning-sign question: the warning-signs button opens it from any question
    warning_signs: Id
    # the warning-sign questions, most urgent first; they close every triage
    safety: tuple[Id, ...] = Field(min_length=1)
    # the warning-sign question of the daily check-in
    checkin_screen: Id
    questions: tuple[Question, ...] = Field(min_length=1)


# --- red_flags.yaml ----------------------------------------------------------------------


class UrgencyText(Strict):
    headline: Text
    where: Text
    # how other texts name this urgency when they point to a sign ({flag:id})
    short: Label


class RedFlag(Cited):
    id: Id
    title: Label
    urgency: Urgency
    # the ways it is raised: each a set of findings that must all be present (at least one: an empty set
    # would raise the sign for everyone)
    when: tuple[Annotated[tuple[Id, ...], Field(min_length=1)], ...] = Field(min_length=1)
    advice: Text
    # signs that are one warning sign to a runner share a family (recall is counted by it)
    family: Id | None = None
    # no exercise plan until the runner says a clinician has cleared it
    after_clearance: bool = False
    # ids of this sign in earlier content versions (stored conversations)
    former_ids: tuple[Id, ...] = ()

    @property
    def group(self) -> str:
        return self.family or self.id


class RedFlags(Strict):
    urgencies: dict[Urgency, UrgencyText]
    red_flags: tuple[RedFlag, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_urgency_has_text(self) -> RedFlags:
        missing = [u.value for u in Urgency if u not in self.urgencies]
        if missing:
            raise ValueError(f"urgencies lack text for: {', '.join(missing)}")
        return self


# --- patterns.yaml -----------------------------------------------------------------------


class Grade(Strict):
    id: Id
    label: Label
    # highest severity sum of the answers that still counts as this grade
    max_severity: Annotated[int, Field(ge=0, le=100)]
    note: Text
    # how soon to see someone for this grade, when it differs from the pattern's
    see_clinician: Literal["emergency", "same_day", "within_days", "self_care"] | None = None


Level = Literal["emergency", "same_day", "within_days", "self_care"]


class LevelWhen(Strict):
    """A pattern's disposition is raised when any of these sets of findings is present."""

    when: tuple[tuple[Id, ...], ...] = Field(min_length=1)
    level: Level
    note: Text


class Pattern(Cited):
    id: Id
    name: Label
    summary: Text
    typical: tuple[Text, ...] = Field(min_length=1)
    first_steps: tuple[Id, ...] = Field(min_length=1)
    avoid: tuple[Text, ...] = Field(min_length=1)
    see_someone: Text
    # how soon to see someone when no warning sign is present
    see_clinician: Level = "self_care"
    see_clinician_when: tuple[LevelWhen, ...] = ()
    grades: tuple[Grade, ...] = ()


class Patterns(Strict):
    patterns: tuple[Pattern, ...] = Field(min_length=1)


# --- care.yaml ---------------------------------------------------------------------------


class CareStep(Cited):
    id: Id
    title: Label
    text: Text


class Care(Strict):
    care_steps: tuple[CareStep, ...] = Field(min_length=1)


# --- exercises.yaml ----------------------------------------------------------------------


class ExerciseKind(StrEnum):
    STRETCH = "stretch"
    MOBILITY = "mobility"
    STRENGTH = "strength"
    RUNNING = "running"


class Exercise(Cited):
    """One exercise card: how to do it, how much, how fast or heavy, what to feel, when to stop, and
    one easier and one harder version. How often is not on the card: the plan's schedule says that."""

    id: Id
    name: Label
    kind: ExerciseKind
    # tags let plans keep an exercise away from patterns it could aggravate
    tags: tuple[Id, ...] = ()
    steps: tuple[Text, ...] = Field(min_length=1)
    dose: Text
    tempo: Text
    feel: Text
    stop_if: Text
    easier: Text
    harder: Text


class Exercises(Strict):
    exercises: tuple[Exercise, ...] = Field(min_length=1)


# --- plans.yaml --------------------------------------------------------------------------


class Every(StrEnum):
    """How often an exercise (or the run) comes round, counted in days from the start of the plan."""

    TWICE_DAILY = "twice_daily"
    DAY = "day"
    OTHER_DAY = "other_day"
    THIRD_DAY = "third_day"
    TWICE_WEEK = "twice_week"
    ONCE_WEEK = "once_week"
    # on the days the phase's run is due (a warm-up)
    RUN_DAY = "run_day"


class PhaseExercise(Strict):
    exercise: Id
    every: Every = Every.DAY
    # overrides the exercise's own dose for this phase (sets and reps, never how often)
    dose: Text | None = None


Minutes = Annotated[int, Field(ge=1, le=240)]


class RunStep(Strict):
    """One running session: walk-run intervals (run, walk, repeats) or continuous easy running."""

    run: Minutes | None = None
    walk: Minutes | None = None
    repeats: Annotated[int, Field(ge=1, le=30)] | None = None
    continuous: Minutes | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RunStep:
        intervals = (self.run, self.walk, self.repeats)
        if self.continuous is not None and any(v is not None for v in intervals):
            raise ValueError("give either run/walk/repeats or continuous, not both")
        if self.continuous is None and any(v is None for v in intervals):
            raise ValueError("walk-run needs run, walk and repeats")
        return self

    @property
    def minutes(self) -> int:
        """The whole session, walking included: what the single-run rule compares."""
        if self.continuous is not None:
            return self.continuous
        assert self.run is not None and self.walk is not None and self.repeats is not None
        return (self.run + self.walk) * self.repeats


class RunDose(Strict):
    """The running of a phase. Each good run day moves one step up the ladder; after its last step a
    continuous run may grow to `grow_to`, never more than the single-run rule allows. `own_training` is
    the runner's own running (the last phase), still under the single-run rule."""

    every: Every = Every.OTHER_DAY
    steps: tuple[RunStep, ...] = ()
    grow_to: Minutes | None = None
    own_training: bool = False
    # strides, hills, speed: running cards done after the easy part of the run
    extras: tuple[PhaseExercise, ...] = ()

    @model_validator(mode="after")
    def _steps_or_own(self) -> RunDose:
        if self.own_training == bool(self.steps):
            raise ValueError("give either steps or own_training: true")
        if self.grow_to is not None and (not self.steps or self.steps[-1].continuous is None):
            raise ValueError("grow_to needs a last step of continuous running")
        if self.every in (Every.RUN_DAY, Every.TWICE_DAILY):
            raise ValueError(f"a run cannot be every {self.every.value}")
        return self


class Phase(Cited):
    id: Id
    name: Label
    goal: Text
    exercises: tuple[PhaseExercise, ...] = Field(min_length=1)
    run: RunDose | None = None
    notes: Text
    # what the runner tests and reports before moving on (milestones below)
    milestones: tuple[Id, ...] = ()
    avoid_tags: tuple[Id, ...] = ()


class PlanStep(Strict):
    phase: Id
    # days in the phase before it can be left (criteria move the runner on; days are the minimum)
    min_days: Annotated[int, Field(ge=0, le=120)]
    # good check-ins needed in the phase
    good_days: Annotated[int, Field(ge=0, le=30)] = 0


class Plan(Cited):
    id: Id
    pattern: Id
    # the strain grade this plan is for; None for patterns without grades
    grade: Id | None = None
    intro: Text
    avoid_tags: tuple[Id, ...] = ()
    phases: tuple[PlanStep, ...] = Field(min_length=2)
    # days from the start to the last phase, as the cited sources report them (tests play to it)
    expected_days: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]]
    # questions this plan adds to every check-in (checks below)
    checks: tuple[Id, ...] = ()
    # the outcome measure asked at the first check-in and every `every_days` after (measures below)
    measure: Id | None = None
    # sudden sharp pain or very high pain in a session is a possible re-injury (strains)
    reinjury_watch: bool = False
    # no plan until a clinician has examined the runner (no going ahead with caution)
    requires_clearance: bool = False
    # after this many days, if the last phase is not reached, the plan says to get it reviewed
    review_after_days: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _range_ordered(self) -> Plan:
        if self.expected_days[0] > self.expected_days[1]:
            raise ValueError("expected_days must go from low to high")
        return self


class MilestoneAnswer(Strict):
    value: Id
    label: Label
    passed: bool
    # what the runner reports by this answer (a painful hop test): warning signs are built from findings
    findings: tuple[Id, ...] = ()


class Milestone(Cited):
    """A test the runner does and reports at check-in; the phase is left when all of its pass."""

    id: Id
    name: Label
    how: Text
    question: Text
    answers: tuple[MilestoneAnswer, ...] = Field(min_length=2, max_length=4)

    @model_validator(mode="after")
    def _one_pass(self) -> Milestone:
        if not any(a.passed for a in self.answers) or all(a.passed for a in self.answers):
            raise ValueError("a milestone needs answers that pass and answers that do not")
        return self


class CheckAnswer(Strict):
    value: Id
    label: Label
    synonyms: tuple[Phrase, ...] = ()
    # what the runner reports by this answer: warning signs are built from findings
    findings: tuple[Id, ...] = ()
    # a possible re-injury in a strain plan
    reinjury: bool = False


class CheckQuestion(Cited):
    """A question a plan adds to every check-in (the sciatica leg-symptom map, sharp pain in a strain)."""

    id: Id
    text: Text
    answers: tuple[CheckAnswer, ...] = Field(min_length=2, max_length=6)


class MeasureAnswer(Strict):
    value: Id
    label: Label
    points: Annotated[int, Field(ge=0, le=30)]


class MeasureItem(Strict):
    id: Id
    text: Text
    answers: tuple[MeasureAnswer, ...] = Field(min_length=2, max_length=11)


class Measure(Cited):
    """An outcome questionnaire: each answer scores points; the score is the share of the maximum, 0-100."""

    id: Id
    name: Label
    intro: Text
    every_days: Annotated[int, Field(ge=1, le=90)]
    items: tuple[MeasureItem, ...] = Field(min_length=1)


Pain = Annotated[int, Field(ge=0, le=10)]


class Progression(Cited):
    """The pain-monitoring model: how a check-in moves the plan."""

    # pain during the session up to this is acceptable, if the next morning has settled
    during_max: Pain
    # a morning at or below this has settled, whatever came before
    settled_morning_max: Pain
    # mornings of the last days the runner's usual morning is taken from (the median)
    morning_window_days: Annotated[int, Field(ge=1, le=28)]
    # pain during at or above this: a possible re-injury in a strain plan, a step back in the others
    high_during: Pain
    # check-ins over the limits in a row that step the phase back (the first holds)
    over_in_a_row_to_step_back: Annotated[int, Field(ge=2, le=7)]
    # the care card a possible re-injury points to (care.yaml)
    reinjury_card: Id

    @model_validator(mode="after")
    def _ordered(self) -> Progression:
        if not self.settled_morning_max <= self.during_max < self.high_during:
            raise ValueError("need settled_morning_max <= during_max < high_during")
        return self


class RunningRules(Cited):
    weekly_increase_max_percent: Annotated[int, Field(ge=0, le=100)]
    single_run_increase_max_percent: Annotated[int, Field(ge=0, le=100)]
    lookback_days: Annotated[int, Field(ge=7, le=90)]


class Claim(StrEnum):
    """What a text says about running; the content check holds it against the phase's dose."""

    NO_RUNNING = "no_running"
    RUNNING = "running"
    CROSS_TRAINING = "cross_training"
    NO_SPEED = "no_speed"
    NO_HILLS = "no_hills"


class RunCards(Strict):
    """The how-to cards of the run itself (exercises.yaml)."""

    walk_run: Id
    continuous: Id


class Plans(Strict):
    progression: Progression
    running: RunningRules
    run_cards: RunCards
    # words that say how often: a dose text may only say its own schedule (content check)
    schedule_words: dict[Every, tuple[Phrase, ...]]
    # words that make a claim about running (content check)
    claims: dict[Claim, tuple[Phrase, ...]]
    milestones: tuple[Milestone, ...] = ()
    checks: tuple[CheckQuestion, ...] = ()
    measures: tuple[Measure, ...] = ()
    phases: tuple[Phase, ...] = Field(min_length=1)
    plans: tuple[Plan, ...] = Field(min_length=1)


# --- strings.yaml and language.yaml -------------------------------------------------------


class ChartStrings(Strict):
    """The words on /history's chart (plain text: it is drawn, not sent as HTML)."""

    caption: Caption
    title: Label
    pain_axis: Label
    during: Label
    morning: Label
    volume_axis: Label
    milestone: Label


class ReportStrings(Strict):
    """/report: the one-page PDF for a physiotherapist, its caption, and what a runner with no data is told."""

    caption: Caption
    empty: Text
    title: Label
    # {day}
    subtitle: Text
    note: Text
    triage: Label
    # {day}
    triage_on: Text
    no_triage: Text
    warning_signs: Label
    # {day}, {sign}, {urgency}
    warning_line: Text
    no_warning_signs: Text
    outcome: Label
    # {grade}
    grade_line: Text
    phases: Label
    # {phase}, {start}, {end}
    phase_line: Text
    # {phase}, {start}
    phase_now: Text
    no_plan: Text
    adherence: Label
    # {done}, {partly}, {skipped}, {days}
    adherence_line: Text
    runs: Label
    # {week}, {runs}, {minutes}
    runs_line: Text
    milestones: Label
    # {day}, {milestone}
    milestone_line: Text
    none_yet: Text
    scores: Label
    # {day}, {name}, {score}
    score_line: Text
    chart: Label


class Strings(Strict):
    welcome: Text
    disclaimer: Text
    consent_button: Label
    decline_button: Label
    consent_needed: Text
    declined: Text
    help: Text
    resume_or_restart: Text
    resume_button: Label
    restart_button: Label
    back_button: Label
    warning_signs_button: Label
    stale_answer: Text
    not_understood: Text
    no_going_back: Text
    text_too_long: Text
    unsupported_message: Text
    unknown_command: Text
    # a stored conversation this version cannot read: set aside (kept) and started afresh
    state_set_aside: Text
    cancelled: Text
    nothing_to_cancel: Text
    error: Text
    outcome_intro: Text
    runner_up: Text
    last_result: Text
    menu_prompt: Text
    menu_session_button: Label
    menu_log_button: Label
    menu_history_button: Label
    menu_reminders_button: Label
    menu_begin: Text
    menu_begin_button: Label
    typed_hint: Text
    last_result_self_care: Text
    last_result_again: Text
    close_call_reason: Text
    first_steps_heading: Label
    avoid_heading: Label
    see_someone_heading: Label
    not_a_diagnosis: Text
    triage_finished: Text
    escalation_footer: Text
    escalation_pattern_hint: Text
    escalation_also: Text
    # a typed answer, and answers a story gave on the way: {answers}
    typed_echo: Text
    # a story that answered later questions but not this one: {answers}
    story_noted: Text
    # a story written at the consent screen: kept until the runner agrees to start
    story_kept: Text
    # a typed sign that does not end the questions: {sign} and {urgency}
    flag_pending: Text
    flag_noted: Text
    unclear: Text
    export_caption: Text
    delete_confirm: Text
    delete_yes: Label
    delete_no: Label
    deleted: Text
    delete_kept: Text
    plan_offer: Text
    plan_start_button: Label
    plan_seen_button: Label
    plan_caution_button: Label
    plan_needs_clearance: Text
    plan_caution_warning: Text
    plan_started: Text
    no_plan: Text
    plan_unavailable: Text
    plan_header: Text
    today_heading: Label
    # how often, as the session list says it
    schedules: dict[Every, Label]
    session_line: Text
    run_heading: Label
    run_intervals: Text
    run_continuous: Text
    run_own: Text
    run_then: Text
    run_capped: Text
    no_running: Text
    rest_day: Text
    exercise_card: Text
    exercise_unknown: Text
    phase_days_line: Text
    progress_line: Text
    leave_when_heading: Label
    leave_when_days: Text
    review_due: Text
    plan_paused_line: Text
    checkin_button: Label
    checkin_done_question: Text
    checkin_done: Label
    checkin_partly: Label
    checkin_skipped: Label
    checkin_pain_during: Text
    checkin_pain_today: Text
    checkin_pain_morning: Text
    checkin_number_needed: Text
    checkin_cancelled: Text
    milestone_question: Text
    decision_advance: Text
    decision_good: Text
    decision_not_yet: Text
    decision_prevent: Text
    decision_hold: Text
    decision_skipped: Text
    decision_step_back: Text
    decision_stay_first: Text
    decision_reinjury: Text
    decision_one_step_today: Text
    measure_result: Text
    plan_resume_button: Label
    plan_resumed: Text
    plan_resumed_reset: Text
    prevention_reached: Text
    log_question: Text
    log_not_understood: Text
    log_saved: Text
    guard_weekly: Text
    guard_single: Text
    history_heading: Text
    history_during: Text
    history_morning: Text
    history_dates: Text
    history_phases: Text
    history_runs: Text
    history_adherence: Text
    history_score: Text
    history_milestones: Text
    history_empty: Text
    checkin_more_signs: Text
    chart: ChartStrings
    report: ReportStrings
    checkin_already: Text
    checkin_no_plan: Text
    guard_no_running: Text
    common_zones: tuple[Zone, ...] = Field(min_length=1, max_length=12)
    reminder_needs_plan: Text
    reminder_zone_question: Text
    reminder_zone_unknown: Text
    reminder_time_question: Text
    reminder_morning_offer: Text
    reminder_morning_yes_button: Label
    reminder_morning_no_button: Label
    reminder_days_unknown: Text
    reminder_time_unknown: Text
    reminder_time_quiet: Text
    reminder_overview: Text
    reminder_overview_paused: Text
    reminder_not_set: Label
    reminder_off: Label
    reminder_every_day: Label
    weekday_names: Label
    reminder_change_time_button: Label
    reminder_change_zone_button: Label
    reminder_pause_button: Label
    reminder_resume_button: Label
    reminder_morning_toggle_button: Label
    reminder_saved: Text
    reminder_paused: Text
    reminder_resumed: Text
    reminder_message: Text
    reminder_done_button: Label
    reminder_snooze_button: Label
    reminder_skip_button: Label
    reminder_snoozed: Text
    reminder_skipped: Text
    reminder_done: Text
    morning_nudge: Text
    reminder_days_button: Label
    reminder_quiet_button: Label
    reminder_days_question: Text
    reminder_days_done_button: Label
    reminder_quiet_question: Text
    reminder_quiet_unknown: Text
    reminder_quiet_clash: Text
    # the command menu: command name (without "/") -> short description
    command_menu: dict[Id, Label]


class AdminStrings(Strict):
    """What admins read: replies to the admin commands and their menu descriptions."""

    commands: dict[Id, Label]
    stats_users: Text
    stats_patterns: Label
    stats_red_flags: Label
    stats_phases: Label
    stats_adherence: Text
    stats_reminders: Label
    stats_none: Label
    stats_no_plans: Label
    broadcast_usage: Text
    broadcast_preview: Text
    broadcast_too_long: Text
    broadcast_send_button: Label
    broadcast_drop_button: Label
    broadcast_dropped: Text
    broadcast_cancelled: Text
    broadcast_none_running: Text
    broadcast_progress: Text
    broadcast_problems: Text
    broadcast_finished: Text
    broadcast_stopped: Text
    user_usage: Text
    user_missing: Text
    user_heading: Text
    reload_refused: Text
    reloaded: Text
    audit_heading: Text


Trigger = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)]


class ContextWords(Strict):
    """Trigger phrases that change what a named symptom means (see flows/language/context.py)."""

    deny_before: tuple[Trigger, ...] = Field(min_length=1)
    deny_after: tuple[Trigger, ...] = Field(min_length=1)
    uncertain: tuple[Trigger, ...] = ()
    hypothetical: tuple[Trigger, ...] = ()
    # weaker than hypothetical: only a condition's name is taken as asked about ("could it be a clot")
    asking: tuple[Trigger, ...] = ()
    past: tuple[Trigger, ...] = ()
    # a symptom now gone: the whole sentence is past ("had a fever but it's gone now")
    resolved: tuple[Trigger, ...] = ()
    other_person: tuple[Trigger, ...] = ()
    # phrases that hold a trigger word without being a trigger ("feels as if", "can't ... without")
    pseudo: tuple[Trigger, ...] = ()


class GrammarWords(Strict):
    """The few word classes that split a message into clauses (see flows/language/text.py)."""

    subjects: tuple[Word, ...] = Field(min_length=1)
    # subjects that point back to what was just said: phrases may span the two clauses
    pronouns: tuple[Word, ...] = ()
    # looked past when finding the subject of a clause ("now it's swollen")
    adverbs: tuple[Word, ...] = ()
    turns: tuple[Word, ...] = Field(min_length=1)
    verbs: tuple[Word, ...] = Field(min_length=1)
    # verbs that carry a list of things: "I don't have numbness, tingling or weakness" denies all three
    light_verbs: tuple[Word, ...] = ()
    # a question without one of these is a general question ("can sciatica affect both legs?")
    first_person: tuple[Word, ...] = Field(min_length=1)
    # "a guy in my club": after these, "my" is a possessive, not the runner speaking of themselves
    prepositions: tuple[Word, ...] = ()
    # text-speak read as the words it stands for
    shorthand: dict[Word, Word] = {}
    # two words written as one ("can not" -> "cant"), so phrases need one form only
    joined: dict[Word, Word] = {}
    # a clause of a question that opens with one of these asks rather than reports
    question_words: tuple[Word, ...] = ()
    # a question that opens with one of these and then a word that is not a subject ("would numbness between
    # my legs be a reason to go?", not "would my calf…" or "would the numbness…") imagines what it names
    conditional_words: tuple[Word, ...] = ()
    # words too common to name an answer on their own ("a", "the", "when"; flows/language/answers.py)
    function_words: tuple[Word, ...] = ()
    # emoji read as the words they stand for ("🤒" -> "fever")
    emoji: dict[Annotated[str, StringConstraints(min_length=1, max_length=2)], Word] = {}


class AgeBand(Strict):
    """An age a runner gives ("I'm 58") reported as a finding."""

    low: Annotated[int, Field(ge=0, le=120)]
    high: Annotated[int, Field(ge=0, le=120)]
    finding: Id


class TimeWords(Strict):
    """Times of day and days as said (flows/language/times.py)."""

    # a time said by name: "after work" -> "18:00"
    named: dict[Trigger, Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]] = {}
    evening: tuple[Trigger, ...] = ()  # "in the evening": 6:30 is 18:30
    morning: tuple[Trigger, ...] = ()
    hours: dict[Word, Annotated[int, Field(ge=1, le=12)]] = {}  # hour words beyond the number words
    # each weekday's forms, Monday first
    weekdays: tuple[tuple[Word, ...], ...] = Field(default=(), max_length=7)
    days: dict[Trigger, tuple[Annotated[int, Field(ge=0, le=6)], ...]] = {}  # "weekdays" -> Monday to Friday
    leave_out: tuple[Word, ...] = ()  # "except", "but": days after it are taken out


class Language(Strict):
    yes_words: tuple[Word, ...] = Field(min_length=1)
    no_words: tuple[Word, ...] = Field(min_length=1)
    context: ContextWords
    grammar: GrammarWords
    # words that name an urgency: a card may use only its own (content check)
    urgency_words: dict[Literal["emergency", "same_day", "within_days"], tuple[Phrase, ...]]
    number_words: dict[Phrase, Annotated[int, Field(ge=0, le=10)]] = {}
    ages: tuple[AgeBand, ...] = ()
    checkin_words: dict[Literal["done", "partly", "skipped"], tuple[Phrase, ...]]
    # typed answers to the consent question
    consent_words: dict[Literal["yes", "no"], tuple[Trigger, ...]]
    # typed words for buttons outside the questions, by the kind of button (flows/prompts.py `kind`)
    button_words: dict[ButtonKind, tuple[Trigger, ...]] = {}
    times: TimeWords = TimeWords()
