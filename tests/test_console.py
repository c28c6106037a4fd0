"""`thigh-coach chat` runs a whole triage over stdin/stdout and keeps its place in the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def chat(db: Path, lines: list[str]) -> str:
    env = dict(os.environ, DATABASE_PATH=str(db))
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
