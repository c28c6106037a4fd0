"""Standardized patients, played through the terminal chat three ways, are never told to wait too long.

Gold urgencies come from the sources (tests/data/patients*/*.yaml cite the case report or guideline of each);
see bench/patients.py for how the patients are played and counted. Both sets play: set B was written apart
and first measured held out (figures in docs/understanding.md).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.patients import WAYS, Play, figures, load_patients, play_all
from content import Content, load_content


@pytest.fixture(scope="module")
def plays(tmp_path_factory: pytest.TempPathFactory) -> list[Play]:
    """Every patient, every way, once for the module (its own event loop: the play is a whole session)."""
    directory = Path(tmp_path_factory.mktemp("patients"))
    return asyncio.run(play_all(load_content(), load_patients(), directory))


def test_the_suite_covers_the_field(content: Content) -> None:
    patients = load_patients()
    assert len(patients) >= 40
    urgent = sum(1 for p in patients if p.flag is not None)
    patterns = {p.pattern for p in patients if p.flag is None and p.pattern}
    assert urgent / len(patients) >= 0.35
    assert patterns == {p.id for p in content.patterns.patterns}
    assert any(p.group == "tricky" for p in patients)


@pytest.mark.parametrize("way", WAYS)
def test_no_patient_is_told_to_wait_longer_than_the_sources_say(plays: list[Play], way: str) -> None:
    under = [(p.patient.id, p.patient.urgency, p.urgency) for p in plays if p.way == way and p.under]
    assert under == []


@pytest.mark.parametrize("way", WAYS)
def test_exact_urgency_for_nine_in_ten(plays: list[Play], way: str) -> None:
    assert figures(plays, way).exact >= 0.90


@pytest.mark.parametrize("way", ["type", "story"])
def test_typed_answers_are_taken_at_the_first_try(plays: list[Play], way: str) -> None:
    """Issue 14: at least 95% of the answers patients type in their own words move the triage on."""
    figure = figures(plays, way).typed_first_try
    assert figure is not None and figure >= 0.95
