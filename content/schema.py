"""The shape of every content file, validated with pydantic.

Ids are short lowercase words so that any id pair fits in Telegram's 64-byte callback data.
Text limits follow Telegram: a message holds at most 4096 characters, a button label should
stay short enough to read on a phone.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

MESSAGE_LIMIT = 4096
LABEL_LIMIT = 40

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
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


# --- triage.yaml -------------------------------------------------------------------------


class Answer(Strict):
    value: Id
    label: Label
    synonyms: tuple[Phrase, ...] = ()
    # inclusive pain range for scale questions: a typed number in it picks this answer
    range: tuple[Annotated[int, Field(ge=0, le=10)], Annotated[int, Field(ge=0, le=10)]] | None = None
    scores: Scores = {}
    severity: Annotated[int, Field(ge=0, le=10)] = 0
    red_flag: Id | None = None
    next: Id | None = None


class Question(Strict):
    id: Id
    text: Text
    hint: Text | None = None
    answers: tuple[Answer, ...] = Field(min_length=2, max_length=8)
    # where an answer without its own `next` goes: a question id or "outcome"
    next: Id | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Question:
        for answer in self.answers:
            if answer.range is not None and answer.range[0] > answer.range[1]:
                raise ValueError(f"answer {answer.value!r}: range must go from low to high")
        return self


class Triage(Strict):
    start: Id
    # a runner-up pattern is named when its score is this close to the best one
    close_margin: Annotated[int, Field(ge=0, le=10)] = 1
    # checklist that every question can open through the warning-signs button
    warning_signs: Id
    questions: tuple[Question, ...] = Field(min_length=1)


# --- red_flags.yaml ----------------------------------------------------------------------


class UrgencyText(Strict):
    headline: Text
    where: Text


class RedFlag(Strict):
    id: Id
    title: Label
    urgency: Urgency
    phrases: tuple[Phrase, ...] = Field(min_length=3)
    advice: Text
    # the answers so far still hint at a pattern; a flag can add its own weight
    scores: Scores = {}


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


class Pattern(Strict):
    id: Id
    name: Label
    summary: Text
    typical: tuple[Text, ...] = Field(min_length=1)
    first_steps: tuple[Id, ...] = Field(min_length=1)
    avoid: tuple[Text, ...] = Field(min_length=1)
    see_someone: Text
    see_clinician: Urgency | None = None
    grades: tuple[Grade, ...] = ()


class Patterns(Strict):
    patterns: tuple[Pattern, ...] = Field(min_length=1)


# --- care.yaml ---------------------------------------------------------------------------


class CareStep(Strict):
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


class Exercise(Strict):
    id: Id
    name: Label
    kind: ExerciseKind
    # tags let plans keep an exercise away from patterns it could aggravate
    tags: tuple[Id, ...] = ()
    steps: tuple[Text, ...] = Field(min_length=1)
    dosage: Text
    feel: Text
    stop_if: Text


class Exercises(Strict):
    exercises: tuple[Exercise, ...] = Field(min_length=1)


# --- plans.yaml --------------------------------------------------------------------------


class Every(StrEnum):
    DAY = "day"
    OTHER_DAY = "other_day"


class PhaseExercise(Strict):
    exercise: Id
    every: Every = Every.DAY
    # overrides the exercise's own dosage for this phase
    dosage: Text | None = None


Minutes = Annotated[int, Field(ge=1, le=240)]


class RunPrescription(Strict):
    """Either walk-run intervals (run, walk, repeats) or continuous easy running."""

    run_minutes: Minutes | None = None
    walk_minutes: Minutes | None = None
    repeats: Annotated[int, Field(ge=1, le=30)] | None = None
    continuous_minutes: Minutes | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RunPrescription:
        intervals = (self.run_minutes, self.walk_minutes, self.repeats)
        if self.continuous_minutes is not None and any(v is not None for v in intervals):
            raise ValueError("give either run_minutes/walk_minutes/repeats or continuous_minutes, not both")
        if self.continuous_minutes is None and any(v is None for v in intervals):
            raise ValueError("walk-run needs run_minutes, walk_minutes and repeats")
        return self

    @property
    def running_minutes(self) -> int:
        if self.continuous_minutes is not None:
            return self.continuous_minutes
        assert self.run_minutes is not None and self.repeats is not None
        return self.run_minutes * self.repeats


class Phase(Strict):
    id: Id
    name: Label
    goal: Text
    # good days needed to move on; 0 for the last phase, which the runner keeps
    days_required: Annotated[int, Field(ge=0, le=30)]
    exercises: tuple[PhaseExercise, ...] = Field(min_length=1)
    run: RunPrescription | None = None
    notes: Text
    leave_when: Text
    avoid_tags: tuple[Id, ...] = ()


class Plan(Strict):
    pattern: Id
    intro: Text
    avoid_tags: tuple[Id, ...] = ()
    phases: tuple[Id, ...] = Field(min_length=2)


Pain = Annotated[int, Field(ge=0, le=10)]


class Progression(Strict):
    good_max_pain: Pain
    hold_max_pain: Pain
    worse_days_to_step_back: Annotated[int, Field(ge=2, le=7)]

    @model_validator(mode="after")
    def _ordered(self) -> Progression:
        if self.good_max_pain > self.hold_max_pain:
            raise ValueError("good_max_pain must not be above hold_max_pain")
        return self


class RunningRules(Strict):
    weekly_increase_max_percent: Annotated[int, Field(ge=0, le=100)]
    single_run_increase_max_percent: Annotated[int, Field(ge=0, le=100)]
    lookback_days: Annotated[int, Field(ge=7, le=90)]


class Plans(Strict):
    progression: Progression
    running: RunningRules
    phases: tuple[Phase, ...] = Field(min_length=1)
    plans: tuple[Plan, ...] = Field(min_length=1)


# --- strings.yaml and language.yaml -------------------------------------------------------


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
    cancelled: Text
    nothing_to_cancel: Text
    error: Text
    outcome_intro: Text
    runner_up: Text
    first_steps_heading: Label
    avoid_heading: Label
    see_someone_heading: Label
    not_a_diagnosis: Text
    triage_finished: Text
    escalation_footer: Text
    escalation_pattern_hint: Text
    unclear: Text
    idle_hint: Text
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
    exercise_line: Text
    run_heading: Label
    run_intervals: Text
    run_continuous: Text
    no_running: Text
    progress_line: Text
    leave_when_heading: Label
    plan_paused_line: Text
    checkin_button: Label
    checkin_done_question: Text
    checkin_done: Label
    checkin_partly: Label
    checkin_skipped: Label
    checkin_pain_during: Text
    checkin_pain_today: Text
    checkin_pain_morning: Text
    checkin_warning: Text
    checkin_number_needed: Text
    checkin_cancelled: Text
    decision_advance: Text
    decision_good: Text
    decision_prevent: Text
    decision_hold: Text
    decision_skipped: Text
    decision_step_back: Text
    decision_stay_first: Text
    decision_one_step_today: Text
    plan_resume_button: Label
    plan_resumed: Text
    prevention_reached: Text
    log_question: Text
    log_not_understood: Text
    log_saved: Text
    guard_weekly: Text
    guard_single: Text
    guard_planned: Text
    history_heading: Text
    history_during: Text
    history_morning: Text
    history_adherence: Text
    history_empty: Text
    checkin_already: Text
    checkin_no_plan: Text
    guard_no_running: Text
    common_zones: tuple[Zone, ...] = Field(min_length=1, max_length=12)
    reminder_needs_plan: Text
    reminder_zone_question: Text
    reminder_zone_unknown: Text
    reminder_time_question: Text
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


class Language(Strict):
    yes_words: tuple[Word, ...] = Field(min_length=1)
    no_words: tuple[Word, ...] = Field(min_length=1)
    # words that, shortly before a warning phrase, mean the runner denies it ("no numbness")
    negations: tuple[Phrase, ...] = Field(min_length=1)
    number_words: dict[Phrase, Annotated[int, Field(ge=0, le=10)]] = {}
    checkin_words: dict[Literal["done", "partly", "skipped"], tuple[Phrase, ...]]
