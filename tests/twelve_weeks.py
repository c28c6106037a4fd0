"""A runner with twelve weeks of history, played through the flows day by day: the tendinopathy plan (it
asks a questionnaire every two weeks), a check-in most days with pain that rises and settles, a run logged
every Saturday."""

from __future__ import annotations

from datetime import timedelta

from content import Content
from flows.events import LogRun
from tests.chat import Chat
from tests.plan_play import START, check_in, start_plan

DAYS = 84


def twelve_weeks(content: Content) -> Chat:
    return days_of_history(content, DAYS)


def days_of_history(content: Content, days: int) -> Chat:
    """The runner after `days` days of the plan (the same pattern of days, however many)."""
    chat = start_plan(content, "tendon")
    for number in range(1, days + 1):
        chat.today = START + timedelta(days=number)
        if number % 7 == 5:  # a day off now and then: adherence is not perfect
            continue
        during = 4 if number % 10 == 3 else 2 + number % 120 // 40  # settles, then flares again every 4 months
        check_in(chat, "partly" if number % 9 == 0 else "done", during, max(0, during - 2))
        if number % 7 == 6:
            chat.send(LogRun("4 km in 25 min"))
    return chat
