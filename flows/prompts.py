"""Words for buttons: what a runner can type when no question is open, read against the buttons on offer.

Every prompt with buttons also takes words (issue 14): the plan offer ("yes let's do the plan"), resume or
start again, the plan's menu ("check in", "log a run"), the buttons under a reminder ("done", "later",
"skip today"). The choices on offer are rebuilt from the state, so nothing about the last message sent
needs storing. A button is named by its own label or by the words content gives its kind
(language.yaml `button_words`); what is not understood gets the same buttons again with a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from content import Content
from flows.events import (
    BeginTriage,
    Event,
    LogRun,
    OpenReminders,
    ReminderAction,
    Resume,
    ShowHistory,
    ShowPlan,
    StartCheckIn,
)
from flows.markup import rich
from flows.plan import PlanState
from flows.reminder_settings import overview, reminder_buttons
from flows.reminders import ReminderSettings
from flows.replies import Button, Reply
from flows.triage import TriageState
from flows.understanding import understanding


@dataclass(frozen=True)
class Offer:
    """A prompt on offer: the reply that shows it, and choices taken by words though not shown as buttons
    (the buttons under a reminder: "done", "later", "skip today")."""

    reply: Reply
    unseen: tuple[Button, ...] = ()

    @property
    def choices(self) -> tuple[Button, ...]:
        return (*(b for row in self.reply.buttons for b in row), *self.unseen)


def kind(event: Event) -> str:
    """The name content gives a button's words by: the event's kind, and its mode or action."""
    name = "".join(f"_{c.lower()}" if c.isupper() else c for c in type(event).__name__).lstrip("_")
    detail = getattr(event, "mode", None) or getattr(event, "action", None) or getattr(event, "what", None)
    return f"{name}:{detail}" if detail else name


def resume_or_restart(content: Content) -> Reply:
    strings = content.strings
    buttons = ((Button(strings.resume_button, Resume()), Button(strings.restart_button, BeginTriage())),)
    return Reply(rich(strings.resume_or_restart), buttons)


def plan_menu(content: Content, reminders: ReminderSettings) -> Offer:
    """The plan's menu; the buttons of a reminder and of the reminder settings are taken by words too."""
    strings = content.strings
    rows = (
        (Button(strings.menu_session_button, ShowPlan()), Button(strings.checkin_button, StartCheckIn())),
        (Button(strings.menu_log_button, LogRun()), Button(strings.menu_history_button, ShowHistory())),
        (Button(strings.menu_reminders_button, OpenReminders()),),
    )
    # "pause" is the settings' own button: one choice for one meaning
    under_reminder = tuple(b for row in reminder_buttons(content) for b in row if b.event != ReminderAction("pause"))
    settings = tuple(b for row in overview(content, reminders).buttons for b in row)
    return Offer(Reply(rich(strings.menu_prompt), rows), (*under_reminder, *settings))


def offered(
    content: Content,
    triage: TriageState | None,
    plan: PlanState | None,
    reminders: ReminderSettings,
    last: Reply | None,
) -> Offer:
    """What the runner can answer now: resume or start again, the finished result's offer, or the plan."""
    strings = content.strings
    if plan is not None:
        return plan_menu(content, reminders)
    if last is not None:  # a finished triage's result with its plan offer
        return Offer(last)
    if triage is not None and triage.outcome is None:
        return Offer(resume_or_restart(content))
    return Offer(Reply(rich(strings.menu_begin), ((Button(strings.menu_begin_button, BeginTriage()),),)))


def pick(content: Content, text: str, choices: tuple[Button, ...]) -> Event | None:
    """The choice the text names: by a button's label or the words content gives its kind; the most
    specific words said win, and words that fit two choices equally fit neither."""
    words = content.language.button_words
    named = {i: [b.label, *words.get(kind(b.event), ())] for i, b in enumerate(choices)}
    picked = understanding(content).choose(text, named)
    return choices[picked].event if picked is not None else None
