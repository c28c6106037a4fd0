"""Killed with SIGKILL at random moments, the store loses nothing and records nothing twice."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from content import Content
from content.checks import OUTCOME
from flows.screening import raised
from tests.crash_worker import script_for

USERS = 600
KILLS = 50
ROOT = Path(__file__).resolve().parent.parent


def start_worker(db: Path) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(db), str(USERS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    first = worker.stdout.readline().strip()
    assert first in ("ready", ""), first
    return worker


def verify(db: Path, content: Content) -> dict[int, dict[str, Any]]:
    """Every user's stored answers match their state one for one; state is at the next question."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = {uid: json.loads(data) for uid, data in conn.execute("SELECT user_id, data FROM flow_state")}
        rows: dict[int, list[tuple[str, str]]] = {}
        for uid, question, value in conn.execute("SELECT user_id, question, value FROM answers ORDER BY id"):
            rows.setdefault(uid, []).append((question, value))
        handled = conn.execute("SELECT count(*) FROM handled_updates").fetchone()[0]
    finally:
        conn.close()
    expected_updates = 0
    for uid, data in states.items():
        triage = data["triage"]
        answers = [tuple(a) for a in triage["answers"]]
        assert rows.get(uid, []) == answers, f"user {uid}: answer history and state disagree"
        assert len(set(answers)) == len(answers), f"user {uid}: an answer was recorded twice"
        script = script_for(uid)
        assert all(script[q] == v for q, v in answers), f"user {uid}: an answer not in the script"
        if answers:
            question, value = answers[-1]
            source = content.questions[question]
            answer = next(a for a in source.answers if a.value == value)
            target = answer.next or source.next
            if triage["status"] == "asking":
                assert triage["question"] == target, f"user {uid}: not at the question after the last answer"
            else:
                assert target == OUTCOME or bool(raised(content, answer.findings))
        expected_updates += 1 + len(answers)
    assert handled == expected_updates, "every handled update is recorded exactly once"
    return states


def test_sigkill_at_random_moments(tmp_path: Path, content: Content) -> None:
    db = tmp_path / "crash.sqlite3"
    rng = random.Random(20261125)
    kills = 0
    progress = []
    while kills < KILLS:
        worker = start_worker(db)
        time.sleep(rng.uniform(0.0, 0.05))
        if worker.poll() is not None:
            break  # finished before we could kill it
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        states = verify(db, content)
        progress.append(sum(len(s["triage"]["answers"]) for s in states.values()))
    assert kills >= KILLS
    assert progress[-1] > progress[0], "work went forward between kills"
    worker = start_worker(db)
    worker.wait(timeout=120)
    assert worker.returncode == 0
    states = verify(db, content)
    assert len(states) == USERS
    assert all(s["triage"]["status"] in ("finished", "escalated") for s in states.values())
