"""What a picture shows, described as plain data: the shell draws it (a chart, a PDF) when it sends it.

The descriptions are stored in the outbox with the state that produced them, so they are pydantic
models (JSON in, JSON out) and hold every word they show, already taken from content.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PainDay(Frozen):
    day: date
    during: int
    morning: int


class Mark(Frozen):
    """A day worth pointing at: a phase reached, a test passed."""

    day: date
    label: str


class WeekVolume(Frozen):
    """Runs and minutes run in the week that starts on `week`."""

    week: date
    runs: int
    minutes: int


class ChartWords(Frozen):
    title: str
    pain_axis: str
    during: str
    morning: str
    volume_axis: str
    milestone: str


class Chart(Frozen):
    """Pain during sessions and the next morning over time, phase changes, weekly running, tests passed."""

    kind: Literal["chart"] = "chart"
    words: ChartWords
    pain: tuple[PainDay, ...]
    phases: tuple[Mark, ...]
    milestones: tuple[Mark, ...]
    volume: tuple[WeekVolume, ...]


class Section(Frozen):
    heading: str
    lines: tuple[str, ...]


class Report(Frozen):
    """A one-page summary for whoever examines the runner: plain-text sections and the chart."""

    kind: Literal["report"] = "report"
    title: str
    subtitle: str
    note: str
    sections: tuple[Section, ...]
    chart_heading: str
    chart: Chart | None


Picture = Annotated[Chart | Report, Field(discriminator="kind")]
