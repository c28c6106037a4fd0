"""The whole conversation with one runner: consent, then the triage; warning signs checked first.

This is the single entry point the shell calls for every event of a user.
"""

from __future__ import annotations

from pydantic import BaseModel

from content import Content
from flows import triage
from flows.events import (
    Back,
    BeginTriage,
    Cancel,
    Choose,
    Consent,
    Event,
    Resume,
    Start,
    Text,
    Unsupported,
    WarningSigns,
)
from flows.markup import rich
from flows.outcome import escalation_replies
from flows.replies import Button, RedFlagRaised, Reply, Result
from flows.triage import TriageState
from flows.understanding import understanding


class Conversation(BaseModel):
    consented: bool = False
    triage: TriageState | None = None


def consent_prompt(content: Content, intro: bool) -> Reply:
    strings = content.strings
    text = f"{rich(strings.welcome)}\n\n<i>{rich(strings.disclaimer)}</i>" if intro else rich(strings.consent_needed)
    return Reply(
        text, ((Button(strings.consent_button, Consent(True)), Button(strings.decline_button, Consent(False))),)
    )


def _with_triage(state: Conversation, result: Result[TriageState]) -> Result[Conversation]:
    new = state.model_copy(update={"triage": result.state})
    return Result(new, result.replies, result.effects, stale=result.stale)


def _asking(state: Conversation) -> TriageState | None:
    return state.triage if state.triage is not None and state.triage.status == "asking" else None


def _red_flag(content: Content, state: Conversation, text: str) -> Result[Conversation] | None:
    """Urgent advice for a warning sign typed in any message, whatever the conversation is doing."""
    flag = understanding(content).red_flag(text)
    if flag is None:
        return None
    if state.triage is not None and state.triage.status in ("asking", "paused"):
        return _with_triage(state, triage.escalate(content, state.triage, flag))
    return Result(state, escalation_replies(content, flag, None), [RedFlagRaised(flag.id)])


def _start(content: Content, state: Conversation) -> Result[Conversation]:
    strings = content.strings
    if not state.consented:
        return Result(state, [consent_prompt(content, intro=True)])
    if state.triage is not None and state.triage.status in ("asking", "paused"):
        buttons = ((Button(strings.resume_button, Resume()), Button(strings.restart_button, BeginTriage())),)
        return Result(state, [Reply(rich(strings.resume_or_restart), buttons)])
    welcome = Reply(f"{rich(strings.welcome)}\n\n<i>{rich(strings.disclaimer)}</i>")
    result = _with_triage(state, triage.begin(content, state.triage))
    return Result(result.state, [welcome, *result.replies], result.effects)


def _idle_text(content: Content, state: Conversation, text: str) -> Result[Conversation]:
    strings = content.strings
    if not state.consented:
        if understanding(content).means_yes(text):
            return handle(content, state, Consent(True))
        return Result(state, [consent_prompt(content, intro=False)])
    return Result(state, [Reply(rich(strings.idle_hint))])


def handle(content: Content, state: Conversation, event: Event) -> Result[Conversation]:
    """One event for one user: returns the new state, the messages to send, and effects."""
    strings = content.strings
    if isinstance(event, Text):
        flagged = _red_flag(content, state, event.text)
        if flagged is not None:
            return flagged
    match event:
        case Start():
            return _start(content, state)
        case Consent(accepted=True):
            consented = state.model_copy(update={"consented": True})
            result = _with_triage(consented, triage.begin(content, state.triage))
            return result
        case Consent(accepted=False):
            return Result(state, [Reply(rich(strings.declined))])
        case _ if not state.consented:
            if isinstance(event, Text):
                return _idle_text(content, state, event.text)
            notice = [Reply(rich(strings.unsupported_message))] if isinstance(event, Unsupported) else []
            return Result(state, [*notice, consent_prompt(content, intro=False)])
        case BeginTriage():
            return _with_triage(state, triage.begin(content, state.triage))
        case Resume():
            if state.triage is None or state.triage.status not in ("asking", "paused"):
                return _with_triage(state, triage.begin(content, state.triage))
            if state.triage.status == "asking":
                return Result(state, [triage.question_reply(content, state.triage)])
            return _with_triage(state, triage.resume(content, state.triage))
        case Cancel():
            asking = _asking(state)
            if asking is None:
                return Result(state, [Reply(rich(strings.nothing_to_cancel))])
            paused = triage.pause(content, asking)
            return _with_triage(state, Result(paused.state, [Reply(rich(strings.cancelled))]))
        case Choose() | Back() | WarningSigns():
            if state.triage is None:
                return Result(state, [Reply(f"{rich(strings.stale_answer)}\n\n{rich(strings.idle_hint)}")], stale=True)
            return _with_triage(state, triage.handle(content, state.triage, event))
        case Text(text=text):
            asking = _asking(state)
            if asking is None:
                return _idle_text(content, state, text)
            return _with_triage(state, triage.handle(content, asking, event))
        case Unsupported():
            asking = _asking(state)
            if asking is None:
                return Result(state, [Reply(rich(strings.unsupported_message))])
            return Result(state, [triage.question_reply(content, asking, prefix=rich(strings.unsupported_message))])
    raise AssertionError(f"unhandled event {event!r}")
