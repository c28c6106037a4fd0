"""Standardized patients played through the terminal chat, measured the way symptom-checker studies do.

    python -m bench.patients [--set a|b|all] [--misses]

Each patient (tests/data/patients/*.yaml, set A; tests/data/patients_b/*.yaml, set B, written apart from the
bot's content and used as held-out) is written from a published case report or guideline vignette,
with a gold urgency taken from the sources (never from the bot). Every patient is played three ways through
`thigh-coach chat`'s console (bot/console.py, a real SQLite store): tapping the button that fits, typing every
answer in their own words, and opening with their story before typing. Printed per way: exact urgency,
under-triage (told to wait longer than the sources say) and over-triage, as in Semigran et al. (BMJ 2015) and
Hill et al. (MJA 2020); for typing, how many answers were taken at the first try, and how many of them as
the answer the patient would have tapped.
Targets: no under-triage in any way, exact urgency >= 90%, typed answers taken at the first try >= 95%.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.console import Console
from bot.dispatch import Dispatcher, restore
from bot.store import SqliteStore
from content import Content, load_content
from content.schema import LEVELS
from flows.conversation import Conversation
from flows.events import Choose

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {"a": DATA / "patients", "b": DATA / "patients_b"}
WAYS = ("tap", "type", "story")
MAX_TURNS = 60


@dataclass(frozen=True)
class Patient:
    id: str
    urgency: str
    flag: str | None
    pattern: str | None
    story: str
    taps: dict[str, str]
    typed: dict[str, str]
    group: str  # the file: emergency, patterns, tricky...
    set: str  # "a", or "b" (held out while the bot was tuned on "a")


def load_patients(sets: tuple[str, ...] = ("a", "b")) -> list[Patient]:
    patients = []
    for name, path in sorted((s, p) for s in sets for p in SETS[s].glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            gold = entry["gold"]
            patients.append(
                Patient(
                    id=entry["id"],
                    urgency=gold["urgency"],
                    flag=gold.get("flag"),
                    pattern=gold.get("pattern"),
                    story=entry["story"],
                    taps={k: str(v) for k, v in entry["taps"].items()},
                    typed={k: str(v) for k, v in entry["typed"].items()},
                    group=path.stem,
                    set=name,
                )
            )
    return patients


@dataclass
class Play:
    patient: Patient
    way: str
    urgency: str | None = None
    pattern: str | None = None
    red_flag: str | None = None
    typed_answers: int = 0
    typed_understood: int = 0
    typed_as_tapped: int = 0  # taken, and as the answer the patient would have tapped
    misunderstood: list[tuple[str, str]] = field(default_factory=list)
    taken_otherwise: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def under(self) -> bool:
        return self.urgency is None or LEVELS.index(self.urgency) > LEVELS.index(self.patient.urgency)

    @property
    def over(self) -> bool:
        return self.urgency is not None and LEVELS.index(self.urgency) < LEVELS.index(self.patient.urgency)


def _question(console: Console) -> str | None:
    """The triage question the console's buttons answer, if one is open."""
    return next((b.event.question for b in console.buttons if isinstance(b.event, Choose)), None)


def _label(content: Content, question: str, value: str) -> str:
    return next(a.label for a in content.questions[question].answers if a.value == value)


async def _state(console: Console) -> Conversation:
    return restore(await console.dispatcher.store.load(console.user_id))


def _progress(state: Conversation) -> tuple[Any, ...]:
    triage = state.triage
    if triage is None:
        return ()
    return (triage.status, len(triage.answers), len(triage.typed_findings), triage.question)


async def play(content: Content, store: SqliteStore, patient: Patient, way: str, user_id: int) -> Play:
    """One patient, one way, through the console; the outcome as stored."""
    result = Play(patient, way)
    console = Console(Dispatcher(store, content), lambda _: None, user_id=user_id)
    await console.send("/start")
    await console.send(content.strings.consent_button)
    if way == "story":
        await console.send(patient.story)
    for _ in range(MAX_TURNS):
        state = await _state(console)
        question = _question(console) if state.triage and state.triage.status == "asking" else None
        if question is None:
            break
        if way == "tap":
            await console.send(_label(content, question, patient.taps[question]))
            continue
        before = _progress(state)
        result.typed_answers += 1
        await console.send(patient.typed[question])
        after = await _state(console)
        if _progress(after) != before:
            result.typed_understood += 1
            taken = dict(after.triage.answers).get(question) if after.triage else None
            if taken in (None, patient.taps[question]):  # None: a sign typed, the screen goes on at once
                result.typed_as_tapped += 1
            else:
                result.taken_otherwise.append((question, patient.typed[question], taken))
            continue
        # not understood: the patient taps instead, so the triage can still be measured to its end
        result.misunderstood.append((question, patient.typed[question]))
        await console.send(_label(content, question, patient.taps[question]))
    outcome = (await _state(console)).triage
    if outcome is not None and outcome.outcome is not None:
        result.urgency = outcome.outcome.urgency
        result.pattern = outcome.outcome.pattern
        result.red_flag = outcome.outcome.red_flag
    return result


async def play_all(content: Content, patients: list[Patient], directory: Path) -> list[Play]:
    store = SqliteStore(directory / "patients.sqlite3")
    await store.open()
    try:
        plays = []
        user = 1_000
        for patient in patients:
            for way in WAYS:
                user += 1
                plays.append(await play(content, store, patient, way, user))
        return plays
    finally:
        await store.close()


@dataclass(frozen=True)
class Figures:
    way: str
    patients: int
    exact: float
    under: int
    over: int
    typed_first_try: float | None
    typed_as_tapped: float | None
    typed_complete: int


def figures(plays: list[Play], way: str) -> Figures:
    mine = [p for p in plays if p.way == way]
    exact = sum(1 for p in mine if p.urgency == p.patient.urgency) / max(1, len(mine))
    typed = sum(p.typed_answers for p in mine)
    understood = sum(p.typed_understood for p in mine)
    as_tapped = sum(p.typed_as_tapped for p in mine)
    complete = sum(1 for p in mine if p.typed_answers and not p.misunderstood)
    return Figures(
        way,
        len(mine),
        exact,
        sum(1 for p in mine if p.under),
        sum(1 for p in mine if p.over),
        understood / typed if typed else None,
        as_tapped / typed if typed else None,
        complete,
    )


def report(plays: list[Play], show: bool) -> str:
    header = f"{'way':<6} {'patients':>8} {'exact':>7} {'under':>6} {'over':>5} {'typed 1st try':>14} {'as tapped':>10}"
    lines = [header + f" {'no tap':>7}"]
    for way in WAYS:
        f = figures(plays, way)
        typed = f"{f.typed_first_try:.1%}" if f.typed_first_try is not None else "-"
        agreed = f"{f.typed_as_tapped:.1%}" if f.typed_as_tapped is not None else "-"
        no_tap = str(f.typed_complete) if way != "tap" else "-"
        lines.append(
            f"{way:<6} {f.patients:>8} {f.exact:>7.1%} {f.under:>6} {f.over:>5} {typed:>14} {agreed:>10} {no_tap:>7}"
        )
    lines.append("")
    lines.append("by gold urgency (exact / under / over, all ways):")
    for level in LEVELS:
        some = [p for p in plays if p.patient.urgency == level]
        if some:
            exact = sum(1 for p in some if p.urgency == level)
            under, over = sum(p.under for p in some), sum(p.over for p in some)
            lines.append(f"  {level:<12} {exact}/{len(some)} exact, {under} under, {over} over")
    if show:
        lines += ["", "wrong urgency:"]
        lines += [
            f"  [{p.way}] {p.patient.id}: gold {p.patient.urgency} ({p.patient.flag}), got {p.urgency} ({p.red_flag})"
            for p in plays
            if p.urgency != p.patient.urgency
        ]
        lines += ["", "typed answers not understood:"]
        lines += [f"  [{p.way}] {p.patient.id} {q}: {text}" for p in plays for q, text in p.misunderstood]
        lines += ["", "typed answers taken as another answer than the patient's tap:"]
        lines += [
            f"  [{p.way}] {p.patient.id} {q}: {text} -> {taken}" for p in plays for q, text, taken in p.taken_otherwise
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=(*SETS, "all"), default="all", help="which patient set to play")
    parser.add_argument("--misses", action="store_true", help="list every wrong urgency and misunderstood answer")
    args = parser.parse_args(argv)
    content = load_content()
    patients = load_patients(tuple(SETS) if args.set == "all" else (args.set,))
    with tempfile.TemporaryDirectory() as directory:
        plays = asyncio.run(play_all(content, patients, Path(directory)))
    print(f"{len(patients)} standardized patients, each played {len(WAYS)} ways through the terminal chat\n")
    print(report(plays, args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
