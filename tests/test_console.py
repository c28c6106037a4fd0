"""`thigh-coach chat` runs a whole triage over stdin/stdout and keeps its place in the database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.answer_sets import ANSWER_SETS, TYPED


def chat(db: Path, lines: list[str], **settings: str) -> str:
    env = dict(os.environ, DATABASE_PATH=str(db), **settings)
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=db.parent,
        check=True,
    )
    return completed.stdout


def test_full_triage_in_the_terminal(tmp_path: Path) -> None:
    out = chat(
        tmp_path / "chat.sqlite3",
        [
            "1",  # consent
            "suddenly while sprinting",
            "2",
            "2",
            "3",
            "1",
            "3",
            "no",
            "2",
            "2",
            "2",
            "1",
            "1",
            "1",
            "1",
            "/quit",
        ],
    )
    assert "information, not a diagnosis" in out
    assert "  [1] I understand, let's start" in out
    assert "Acute hamstring strain" in out
    assert "What to do first" in out


def test_quit_and_come_back_to_the_same_question(tmp_path: Path) -> None:
    db = tmp_path / "chat.sqlite3"
    first = chat(db, ["1", "3", "/quit"])  # consent, "Slowly, over days or weeks"
    assert "How does walking feel right now?" in first
    second = chat(db, ["1", "/quit"])  # "Carry on"
    assert "Welcome back" in second
    assert second.rstrip().endswith("carry on.")
    assert "How does walking feel right now?" in second.split("Welcome back", 1)[1]


def test_back_and_unknown_command(tmp_path: Path) -> None:
    out = chat(tmp_path / "chat.sqlite3", ["1", "3", "/back", "/frobnicate", "/quit"])
    assert out.count("How did the pain begin?") == 2
    assert "I don't know that command" in out


def test_warning_sign_typed_in_the_terminal(tmp_path: Path) -> None:
    out = chat(tmp_path / "chat.sqlite3", ["1", "I suddenly can't control my bladder", "/quit"])
    assert "emergency" in out.lower()


# in the order the triage asks them
TRIAGE_TO_PLAN = [TYPED[(q, v)] for q, v in ANSWER_SETS["overuse_mileage_jump"][1].items()]


def test_the_terminal_is_the_same_bot_clock_log_export_and_delete(tmp_path: Path) -> None:
    db = tmp_path / "chat.sqlite3"
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-03-02T08:00:00+00:00")
    out = chat(
        db,
        ["1", *TRIAGE_TO_PLAN, "Start my plan", "/log 5 km in 32 min", "/export", "/delete", "2", "/quit"],
        TEST_CLOCK_FILE=str(clock),
    )
    assert "Logged: 5.0 km in 32 min." in out, "a command with its argument, in one go"
    exported = json.loads((tmp_path / "thigh-coach-data-0.json").read_text())
    runs = [(r["day"], r["km"], r["minutes"]) for r in exported["tables"]["runs"]]
    assert runs == [("2026-03-02", 5.0, 32)], "the run is in the record, dated by the test clock"
    assert "Delete it all?" in out and "Nothing was deleted." in out
    again = chat(db, ["/delete", "1", "/quit"])
    assert "everything about you is deleted" in again
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM flow_state").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_runner_who_only_types_in_the_terminal(tmp_path: Path) -> None:
    """Issue 14 through the terminal chat: every prompt answered in words, each typed answer echoed, a place
    and a spoken time for reminders, the morning nudge offered, a check-in, and no repeats."""
    out = chat(
        tmp_path / "chat.sqlite3",
        [
            "OK, let's start.",
            *TRIAGE_TO_PLAN,
            "yes let's do the plan",
            "I live in Lisbon",
            "half six in the evening",
            "no thanks",
            "the weather is lovely",
            "check in",
            "did it all",
            "2",
            "1",
            "2",
            "about half",
            "a little",
            "nothing new",
            "check in",
            "/quit",
        ],
    )
    assert "Got it: " in out, "a typed answer is echoed as the answer it was taken as"
    assert "Your plan has started" in out
    assert "So reminders come at your local time" in out and "Europe/Lisbon" not in out.split("Saved.")[0]
    assert "Session reminder: 18:30" in out and "Morning check-in nudge: off" in out
    assert "Tap a button below, or type its words" in out, "words that fit no button: the buttons again, a hint"
    assert "not asking you anything" not in out
    assert out.count("You've already checked in today") == 1
    tail = out.split("You've already checked in today", 1)[1]
    assert "Today's session" not in tail and "[1] Check in" not in tail, "no plan again, no check-in button"
