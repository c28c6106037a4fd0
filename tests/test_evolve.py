"""Flows change state only through validation: a wrong value fails where it is made, not at the next load."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flows.conversation import Conversation, _reply
from flows.evolve import evolve
from flows.reminders import ReminderSettings


def test_a_wrong_value_fails_where_it_is_made() -> None:
    with pytest.raises(ValidationError):
        _reply(Conversation(), awaiting="nonsense")
    with pytest.raises(ValidationError):
        evolve(ReminderSettings(), zone="Mars/Olympus_Mons")


def test_a_change_keeps_what_it_does_not_touch() -> None:
    settings = ReminderSettings(zone="Europe/Berlin")
    changed = evolve(settings, time="07:30")
    assert (changed.zone, changed.time) == ("Europe/Berlin", "07:30") and settings.time is None
