"""The whole conversation with one runner: consent, triage, plan, check-ins, run log.

This is the single entry point the shell calls for every event of a user. A warning sign typed
in any message is handled first, whatever the runner was doing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from content import Content
from content.schema import Urgency
from flows import checkin, plan_offer, prompts, reminder_settings, triage
from flows.checkin import CheckinDraft
from flows.events import (
    Back,
    BeginTriage,
    Cancel,
    ChangeReminders,
    CheckInChoice,
    Choose,
    Consent,
    Event,
    LogRun,
    OpenReminders,
    ReminderAction,
    Resume,
    ResumePlan,
    SetReminderTime,
    SetZone,
    ShowExercise,
    ShowHistory,
    ShowPlan,
    ShowReport,
    Start,
    StartCheckIn,
    StartPlan,
    Text,
    Unsupported,
    WarningSigns,
)
from flows.evolve import evolve
from flows.history import history_replies
from flows.language.text import words
from flows.markup import bold, fill, fill_markup, rich
from flows.outcome import FlagRaised, Outcome, escalation_replies
from flows.plan import PlanState, current_phase, overview_replies
from flows.record import Record, RecordNeeded
from flows.reminders import ReminderSettings, local_now, parse_time, schedule, zone_from_text
from flows.replies import Button, CameBack, RedFlagRaised, Reply, Rescheduled, Result, TriageCompleted
from flows.report import report_reply
from flows.run_log import log_run
from flows.screening import raised
from flows.session import exercise_reply
from flows.triage import TriageState
from flows.understanding import understanding

# the stored document's schema version: flows/stored_state.py reads every earlier one
VERSION = 1


class Conversation(BaseModel):
    # the first field, so a stored document names its version in its first characters
    schema_version: int = VERSION
    consented: bool = False
    triage: TriageState | None = None
    plan: PlanState | None = None
    checkin: CheckinDraft | None = None
    # a typed answer the bot is waiting for outside triage and check-ins
    awaiting: Literal["run", "zone", "time", "quiet", "days", "morning"] | None = None
    reminders: ReminderSettings = ReminderSettings()
    # what the runner wrote about their pain before agreeing to start: the questions use it
    story: str | None = None
    # the day the last triage ended, and every warning sign reported with its day
    triaged_on: date | None = None
    flags_raised: list[FlagRaised] = []


def _fit_to_content(content: Content, state: Conversation) -> Conversation:
    """After a content reload: a plan whose pattern has no plan any more is set aside, and a phase
    past the end of a shortened plan becomes its last one."""
    plan = state.plan
    if plan is None:
        return state
    found = content.plan_for(plan.pattern, plan.grade)
    if found is None:
        return evolve(state, plan=None, checkin=None)
    if plan.phase >= len(found.phases):
        return evolve(state, plan=evolve(plan, phase=len(found.phases) - 1))
    return state


def _welcome(content: Content) -> str:
    """The welcome with the note that this is information, not a diagnosis."""
    return f"{rich(content.strings.welcome)}\n\n<i>{rich(content.strings.disclaimer)}</i>"


def consent_prompt(content: Content, intro: bool) -> Reply:
    strings = content.strings
    text = _welcome(content) if intro else rich(strings.consent_needed)
    return Reply(
        text, ((Button(strings.consent_button, Consent(True)), Button(strings.decline_button, Consent(False))),)
    )


def _reply(state: Conversation, *replies: Reply, **changes: object) -> Result[Conversation]:
    return Result(evolve(state, **changes) if changes else state, list(replies))


def _with_triage(content: Content, state: Conversation, result: Result[TriageState]) -> Result[Conversation]:
    """Apply a triage step; a finished triage is followed by the plan offer where it applies."""
    new = evolve(state, triage=result.state, checkin=None, awaiting=None)
    replies = list(result.replies)
    outcome = result.state.outcome
    if outcome is not None and any(isinstance(e, TriageCompleted) for e in result.effects) and new.plan is None:
        offer = plan_offer.offer(content, outcome)
        finished = rich(content.strings.triage_finished)
        if offer is not None and replies and replies[-1].text == finished:
            # one closing message after the outcome: the offer, and how to go through the questions again
            replies[-1] = Reply(f"{offer.text}\n\n{finished}", offer.buttons)
        elif offer is not None:
            replies.append(offer)
    return Result(new, replies, result.effects, stale=result.stale)


def _open_triage(state: Conversation) -> TriageState | None:
    return state.triage if state.triage is not None and state.triage.status in ("asking", "paused") else None


def _asking(state: Conversation) -> TriageState | None:
    return state.triage if state.triage is not None and state.triage.status == "asking" else None


def _red_flag(content: Content, state: Conversation, text: str, today: date) -> Result[Conversation] | None:
    """A warning sign typed in any message. During the questions, the most urgent sign wins (see triage);
    anywhere else, whatever was going on stops and the advice comes first."""
    findings = understanding(content).read(text).findings
    open_triage = _open_triage(state)
    if open_triage is not None:
        reported = triage.report(content, open_triage, findings, text)
        return _with_triage(content, state, reported) if reported is not None else None
    flags = raised(content, findings)
    if not flags:
        return None
    stopped = evolve(state, checkin=None, awaiting=None)
    extra: list[Reply] = []
    if stopped.plan is not None and stopped.plan.status == "active":
        stopped = evolve(stopped, plan=evolve(stopped.plan, status="paused"))
        assert stopped.plan is not None
        extra = overview_replies(content, stopped.plan, today)
    return Result(stopped, [*escalation_replies(content, flags[0], None), *extra], [RedFlagRaised(f.id) for f in flags])


def _start(content: Content, state: Conversation, today: date) -> Result[Conversation]:
    strings = content.strings
    if not state.consented:
        return _reply(state, consent_prompt(content, intro=True))
    if _open_triage(state) is not None:
        return _reply(state, prompts.resume_or_restart(content))
    if state.plan is not None:
        return _reply(state, Reply(rich(strings.welcome)), *overview_replies(content, state.plan, today))
    if state.triage is not None and state.triage.outcome is not None:
        return _reply(state, _last_result(content, state.triage.outcome))
    welcome = Reply(_welcome(content))
    result = _with_triage(content, state, triage.begin(content, state.triage))
    return Result(result.state, [welcome, *result.replies], result.effects)


def _last_result(content: Content, outcome: Outcome) -> Reply:
    """A finished triage, kept over /start: its result in a line, the plan offer and a way to start again."""
    strings = content.strings
    flag = content.flags.get(outcome.red_flag) if outcome.red_flag else None
    pattern = content.pattern_by_id.get(outcome.pattern) if outcome.pattern else None
    result = flag.title if flag is not None else (pattern.name if pattern is not None else "")
    level = Urgency(outcome.urgency) if outcome.urgency != "self_care" else None
    urgency = content.red_flags.urgencies[level].short if level else strings.last_result_self_care
    text = fill_markup(strings.last_result, result=bold(result), urgency=rich(urgency))
    offer = plan_offer.offer(content, outcome)
    restart = (Button(strings.restart_button, BeginTriage()),)
    if offer is None:
        return Reply(text, (restart,))
    return Reply(f"{text}\n\n{rich(strings.last_result_again)}", (*offer.buttons, restart))


STORY_WORDS = 4  # a message this long at the consent screen is the runner's story, kept for the questions


def _begin_consented(content: Content, state: Conversation) -> Result[Conversation]:
    consented = evolve(state, consented=True, story=None)
    return _with_triage(content, consented, triage.begin(content, state.triage, story=state.story))


def _idle_text(content: Content, state: Conversation, text: str, now: datetime) -> Result[Conversation]:
    if not state.consented:
        said = understanding(content).pick(text, content.language.consent_words)
        if said == "yes":
            return _begin_consented(content, state)
        if said == "no":
            return _reply(state, Reply(rich(content.strings.declined)))
        if len(words(text)) >= STORY_WORDS:
            story = f"{state.story} {text}" if state.story else text
            kept = Reply(f"{rich(content.strings.story_kept)}\n\n{consent_prompt(content, intro=False).text}")
            return _reply(state, Reply(kept.text, consent_prompt(content, intro=False).buttons), story=story)
        return _reply(state, consent_prompt(content, intro=False))
    # no question open: the words are read against the buttons on offer, which come again if they fit none
    offer = _offer(content, state)
    picked = prompts.pick(content, text, offer.choices)
    if picked is not None:
        return _handle(content, state, picked, now)
    hint = f"{rich(content.strings.typed_hint)}\n\n{offer.reply.text}"
    return _reply(state, Reply(hint, offer.reply.buttons))


def _offer(content: Content, state: Conversation) -> prompts.Offer:
    outcome = state.triage.outcome if state.triage is not None else None
    last = _last_result(content, outcome) if outcome is not None else None
    return prompts.offered(content, state.triage, state.plan, state.reminders, last)


def _current_question(content: Content, state: Conversation) -> Reply | None:
    """What the runner is being asked right now, if anything."""
    if state.checkin is not None:
        return checkin.question(content, state.checkin)
    if state.awaiting == "run":
        return Reply(rich(content.strings.log_question))
    if state.awaiting is not None:
        return reminder_settings.question_for(content, state.reminders, state.awaiting)
    asking = _asking(state)
    return triage.question_reply(content, asking) if asking is not None else None


def _show_plan(content: Content, state: Conversation, today: date) -> Result[Conversation]:
    if state.plan is not None:
        return _reply(state, *overview_replies(content, state.plan, today))
    outcome = state.triage.outcome if state.triage is not None else None
    offer = plan_offer.offer(content, outcome) if outcome is not None else None
    if offer is not None:
        return _reply(state, offer)
    return _reply(state, *plan_offer.start(content, outcome, "ask", today).replies)


def _plan_event(content: Content, state: Conversation, event: Event, today: date) -> Result[Conversation]:
    """Events about the plan: start, resume, check in, log a run, history."""
    match event:
        case StartPlan(mode=mode):
            return _start_plan(content, state, mode, today)
        case ResumePlan():
            return _resume_plan(content, state, today)
        case StartCheckIn() | CheckInChoice():
            return _checkin_event(content, state, event, today)
        case LogRun(text=text):
            return _log_run_event(content, state, text, today)
        case ShowHistory() if state.plan is None:
            return _reply(state, Reply(rich(content.strings.history_empty)))
        case ShowHistory():
            return Result(state, effects=[RecordNeeded("history")])
        case ShowExercise(exercise=exercise):
            return _reply(state, exercise_reply(content, exercise))
    raise AssertionError(f"not a plan event: {event!r}")


def _start_plan(content: Content, state: Conversation, mode: str, today: date) -> Result[Conversation]:
    """The plan offered after a triage, taken: its overview when there is one already."""
    if state.plan is not None:
        return _reply(state, *overview_replies(content, state.plan, today))
    offered = plan_offer.start(content, state.triage.outcome if state.triage else None, mode, today)
    started, replies = offered.state, offered.replies
    if started is None:
        return _reply(state, *replies)
    if state.reminders.time is None:  # a new plan: offer reminders straight away
        setup = reminder_settings.open_settings(content, state.reminders)
        return _reply(state, *replies, *setup.replies, plan=started, awaiting=setup.state.awaiting)
    return _reply(state, *replies, plan=started)


def _resume_plan(content: Content, state: Conversation, today: date) -> Result[Conversation]:
    """A paused plan goes on (its count of good days starts again, and the runner is told); otherwise the plan."""
    plan = state.plan
    if plan is None or plan.status != "paused":
        return _show_plan(content, state, today)
    strings = content.strings
    resumed = evolve(plan, status="active", good_days=0)
    phase = current_phase(content, resumed)
    text = fill_markup(strings.plan_resumed, phase=bold(phase.name))
    if plan.good_days:  # said, never silently reset
        text += "\n" + fill(strings.plan_resumed_reset, good=str(plan.good_days))
    return _reply(state, Reply(text), *overview_replies(content, resumed, today), plan=resumed)


def _checkin_event(content: Content, state: Conversation, event: Event, today: date) -> Result[Conversation]:
    """/checkin and each answer tapped during a check-in."""
    plan, strings = state.plan, content.strings
    if isinstance(event, StartCheckIn):
        if plan is None:
            return _reply(state, Reply(rich(strings.checkin_no_plan)))
        done = checkin.begin(content, plan, today, state.checkin)
        return _reply(state, *done.replies, checkin=done.state.draft, awaiting=None)
    assert isinstance(event, CheckInChoice)
    if plan is None:
        return Result(state, [Reply(rich(strings.stale_answer))], stale=True)
    chosen = checkin.choose(content, plan, state.checkin, event, today)
    new = evolve(state, plan=chosen.state.plan, checkin=chosen.state.draft)
    return Result(new, chosen.replies, chosen.effects, stale=chosen.stale)


def _log_run_event(content: Content, state: Conversation, text: str, today: date) -> Result[Conversation]:
    """/log with a run in its words, or /log alone (the run is asked for)."""
    if state.plan is None:
        return _reply(state, Reply(rich(content.strings.no_plan)))
    if text.strip():
        return _logged(content, evolve(state, checkin=None), state.plan, text, today)
    return _reply(state, Reply(rich(content.strings.log_question)), awaiting="run", checkin=None)


def _reminder_event(content: Content, state: Conversation, event: Event, now: datetime) -> Result[Conversation]:
    """Reminder settings and the buttons under a reminder."""
    today = local_now(state.reminders, now).date()
    if state.plan is None:
        return _reply(state, Reply(rich(content.strings.reminder_needs_plan)))
    match event:
        case OpenReminders():
            step = reminder_settings.open_settings(content, state.reminders)
        case SetZone(zone=zone):  # a button or a shared location; still only a zone that exists
            step = reminder_settings.set_zone(content, state.reminders, zone_from_text(zone))
        case SetReminderTime(time=hhmm):  # from a button, but checked like a typed time
            step = reminder_settings.set_time(content, state.reminders, parse_time(hhmm))
        case ChangeReminders(what=what):
            step = reminder_settings.change(content, state.reminders, what)
        case ReminderAction(action=action):
            step = reminder_settings.act(content, state.reminders, action, now)
            if action == "done":
                opened = checkin.begin(content, state.plan, today, state.checkin, done=True)
                replies = [*step.replies, *opened.replies] if opened.state.draft else opened.replies
                return _reply(state, *replies, reminders=step.state.settings, checkin=opened.state.draft, awaiting=None)
        case _:
            raise AssertionError(f"not a reminder event: {event!r}")
    return _reply(state, *step.replies, reminders=step.state.settings, awaiting=step.state.awaiting)


def _logged(content: Content, state: Conversation, plan: PlanState, text: str, today: date) -> Result[Conversation]:
    """A run typed in plain words: logged, or asked for again."""
    logged = log_run(content, plan, text, today)
    if logged is None:
        return _reply(state, Reply(rich(content.strings.log_not_understood)), awaiting="run")
    return Result(evolve(state, plan=logged.state, awaiting=None), logged.replies, logged.effects)


def _text(content: Content, state: Conversation, text: str, now: datetime) -> Result[Conversation]:
    """Typed text that is not a warning sign: an answer to whatever is being asked."""
    today = local_now(state.reminders, now).date()
    if state.checkin is not None and state.plan is not None:
        done = checkin.typed(content, state.plan, state.checkin, text, today)
        new = evolve(state, plan=done.state.plan, checkin=done.state.draft)
        return Result(new, done.replies, done.effects)
    if state.awaiting == "run" and state.plan is not None:
        return _logged(content, state, state.plan, text, today)
    if state.awaiting is not None and state.awaiting != "run":
        step = reminder_settings.typed(content, state.reminders, state.awaiting, text)
        if step is None:  # no value in it: perhaps the words of a button shown with the question
            shown = reminder_settings.question_for(content, state.reminders, state.awaiting)
            picked = prompts.pick(content, text, prompts.Offer(shown).choices)
            if picked is not None:
                return _handle(content, evolve(state, awaiting=None), picked, now)
            step = reminder_settings.not_understood(content, state.reminders, state.awaiting)
        return _reply(state, *step.replies, reminders=step.state.settings, awaiting=step.state.awaiting)
    asking = _asking(state)
    if asking is None:
        return _idle_text(content, state, text, now)
    answered = triage.handle(content, asking, Text(text))
    if answered.state is asking:  # not an answer: perhaps "carry on" or "start again" after /start
        picked = prompts.pick(content, text, prompts.Offer(prompts.resume_or_restart(content)).choices)
        if picked is not None:
            return _handle(content, state, picked, now)
    return _with_triage(content, state, answered)


def handle(
    content: Content, state: Conversation, event: Event, now: datetime, record: Record | None = None
) -> Result[Conversation]:
    """One event for one user at the instant `now` (UTC): the new state, the messages, the effects.

    Dates the runner sees (check-ins, sessions) are their local dates, in their reminder time zone.
    /history and /report draw on the runner's whole `record`: without it, the result asks for it
    (`RecordNeeded`) and the shell decides the event again with it.
    """
    result = _handle(content, state, event, now)
    today = local_now(result.state.reminders, now).date()
    needed = next((e for e in result.effects if isinstance(e, RecordNeeded)), None)
    if needed is not None and record is not None:
        shown = _from_record(content, result.state, needed, record, today)
        effects = [e for e in result.effects if e is not needed]
        result = Result(result.state, [*result.replies, *shown], effects, stale=result.stale)
    return _rescheduled(state, event, _dated(result, today), now)


def _rescheduled(
    before: Conversation, event: Event, result: Result[Conversation], now: datetime
) -> Result[Conversation]:
    """Reminders follow the settings: new settings replace the scheduled reminders. /start does too, and
    makes someone who had blocked the bot active again: they came back, so their reminders start again."""
    came_back = isinstance(event, Start)
    if result.state.reminders == before.reminders and not came_back:
        return result
    effects = [*result.effects, Rescheduled(tuple(schedule(result.state.reminders, now)))]
    return Result(result.state, result.replies, [*effects, *([CameBack()] if came_back else [])], stale=result.stale)


def may_need_record(event: Event) -> bool:
    """Whether the event may be answered from the whole record (/history, /report, or words naming them):
    the shell then decides it before writing, and again with the record if the result asks for it."""
    return isinstance(event, ShowHistory | ShowReport | Text)


def _from_record(
    content: Content, state: Conversation, needed: RecordNeeded, record: Record, today: date
) -> list[Reply]:
    """/history or /report of the current plan, from its facts in the record."""
    plan = state.plan
    mine = record.since(plan.started_on) if plan is not None else Record()
    if needed.what == "history":
        return history_replies(content, plan, mine, today)
    return [_report(content, state, mine, today)]


def _report(content: Content, state: Conversation, record: Record, today: date) -> Reply:
    return report_reply(content, state.triage, state.triaged_on, state.flags_raised, state.plan, record, today)


def _dated(result: Result[Conversation], today: date) -> Result[Conversation]:
    """The day of a finished triage and of each warning sign, kept for the report."""
    state = result.state
    signs = [e.red_flag for e in result.effects if isinstance(e, RedFlagRaised)]
    signs += [e.red_flag for e in result.effects if isinstance(e, TriageCompleted) and e.red_flag]
    new = [FlagRaised(day=today, flag=f) for f in dict.fromkeys(signs)]
    new = [f for f in new if f not in state.flags_raised]  # said again the same day: once is enough
    triaged = any(isinstance(e, TriageCompleted) for e in result.effects)
    if not new and not triaged:
        return result
    changes: dict[str, object] = {"flags_raised": [*state.flags_raised, *new]}
    if triaged:
        changes["triaged_on"] = today
    return Result(evolve(state, **changes), result.replies, result.effects, stale=result.stale)


def _handle(content: Content, state: Conversation, event: Event, now: datetime) -> Result[Conversation]:
    """Each kind of event to the part of the conversation it belongs to; a warning sign typed anywhere first."""
    state = _fit_to_content(content, state)
    today = local_now(state.reminders, now).date()
    flagged = _typed_red_flag(content, state, event, today)
    if flagged is not None:
        return flagged
    if isinstance(event, Start | Consent) or not state.consented:
        return _welcome_event(content, state, event, now)
    match event:
        case BeginTriage() | Resume() | Choose() | Back() | WarningSigns():
            return _triage_event(content, state, event)
        case Cancel():
            return _cancel(content, state)
        case ShowPlan():
            return _show_plan(content, state, today)
        case StartPlan() | ResumePlan() | StartCheckIn() | CheckInChoice() | LogRun() | ShowHistory() | ShowExercise():
            return _plan_event(content, state, event, today)
        case ShowReport() if state.plan is None:
            return _reply(state, _report(content, state, Record(), today))
        case ShowReport():
            return Result(state, effects=[RecordNeeded("report")])
        case OpenReminders() | SetZone() | SetReminderTime() | ChangeReminders() | ReminderAction():
            return _reminder_event(content, state, event, now)
        case Text(text=text):
            return _text(content, state, text, now)
        case Unsupported():
            return _unsupported(content, state)
    raise AssertionError(f"unhandled event {event!r}")


def _typed_red_flag(content: Content, state: Conversation, event: Event, today: date) -> Result[Conversation] | None:
    """Anything typed, also after a command, is read for warning signs before anything else."""
    if isinstance(event, Text | LogRun) and event.text:
        return _red_flag(content, state, event.text, today)
    return None


def _welcome_event(content: Content, state: Conversation, event: Event, now: datetime) -> Result[Conversation]:
    """/start, the consent buttons, and anything at all before consent."""
    strings = content.strings
    match event:
        case Start():
            return _start(content, state, local_now(state.reminders, now).date())
        case Consent(accepted=True) if state.consented and _asking(state) is not None:
            # a second tap on "let's start" (a double tap, an old welcome): the questions go on
            asking = _asking(state)
            assert asking is not None
            return Result(state, [triage.question_reply(content, asking)], stale=True)
        case Consent(accepted=True):
            return _begin_consented(content, state)
        case Consent(accepted=False):
            return _reply(state, Reply(rich(strings.declined)))
        case Text(text=text):
            return _idle_text(content, state, text, now)
    notice = [Reply(rich(strings.unsupported_message))] if isinstance(event, Unsupported) else []
    return _reply(state, *notice, consent_prompt(content, intro=False))


def _triage_event(content: Content, state: Conversation, event: Event) -> Result[Conversation]:
    """Starting, resuming and answering the questions."""
    if isinstance(event, BeginTriage):
        return _with_triage(content, state, triage.begin(content, state.triage))
    if isinstance(event, Resume):
        open_triage = _open_triage(state)
        if open_triage is None:
            return _with_triage(content, state, triage.begin(content, state.triage))
        if open_triage.status == "asking":
            return _reply(state, triage.question_reply(content, open_triage))
        return _with_triage(content, state, triage.resume(content, open_triage))
    if state.triage is None:  # a question's button from a conversation deleted since: what is on offer
        offer = _offer(content, state).reply
        reply = Reply(f"{rich(content.strings.stale_answer)}\n\n{offer.text}", offer.buttons)
        return Result(state, [reply], stale=True)
    return _with_triage(content, state, triage.handle(content, state.triage, event))


def _cancel(content: Content, state: Conversation) -> Result[Conversation]:
    """/cancel: the check-in, the question being asked about reminders or a run, or the triage, in that order."""
    strings = content.strings
    if state.checkin is not None:
        return _reply(state, Reply(rich(strings.checkin_cancelled)), checkin=None)
    if state.awaiting is not None:
        return _reply(state, Reply(rich(strings.cancelled)), awaiting=None)
    asking = _asking(state)
    if asking is None:
        return _reply(state, Reply(rich(strings.nothing_to_cancel)))
    paused = triage.pause(content, asking)
    return _reply(state, Reply(rich(strings.cancelled)), triage=paused.state)


def _unsupported(content: Content, state: Conversation) -> Result[Conversation]:
    """A sticker, a photo, a voice message: what the bot takes, and the question still open."""
    current = _current_question(content, state)
    pointer = rich(content.strings.unsupported_message)
    if current is None:
        return _reply(state, Reply(pointer))
    return _reply(state, Reply(f"{pointer}\n\n{current.text}", current.buttons))
