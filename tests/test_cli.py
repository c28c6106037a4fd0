"""The command line: database tools refuse what would do harm, help says where the settings are,
and every file that holds runners' data is private to the bot's user (0600)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from content import load_content

ROOT = Path(__file__).resolve().parent.parent


def cli(
    *args: str, db: Path, cwd: Path, stdin: str = "", umask: int = 0o022, url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env | ({"DATABASE_URL": url} if url else {}),
        timeout=60,
        check=False,
        preexec_fn=lambda: os.umask(umask),  # the usual umask, under which files come out 0644
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    return lines[0]


def test_db_check_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "missing.sqlite3"
    line = one_line(cli("db", "check", db=db, cwd=tmp_path))
    assert "does not exist" in line and str(db) in line
    assert list(tmp_path.iterdir()) == []


def test_database_url_names_the_database_before_database_path(tmp_path: Path) -> None:
    relative, absolute = tmp_path / "relative.sqlite3", tmp_path / "absolute.sqlite3"
    assert (
        cli("db", "migrate", db=tmp_path / "path.sqlite3", cwd=tmp_path, url="sqlite:///relative.sqlite3").returncode
        == 0
    )
    assert cli("db", "migrate", db=tmp_path / "path.sqlite3", cwd=tmp_path, url=f"sqlite:///{absolute}").returncode == 0
    assert relative.is_file() and absolute.is_file() and not (tmp_path / "path.sqlite3").exists()
    assert cli("db", "migrate", db=tmp_path / "path.sqlite3", cwd=tmp_path).returncode == 0, "DATABASE_PATH alone"
    assert (tmp_path / "path.sqlite3").is_file()


def test_db_backup_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    cli("chat", db=db, cwd=tmp_path, stdin="/quit\n")
    target = tmp_path / "copy.sqlite3"
    target.write_text("an older backup")
    line = one_line(cli("db", "backup", str(target), db=db, cwd=tmp_path))
    assert str(target) in line and "--force" in line
    assert target.read_text() == "an older backup"
    assert cli("db", "backup", str(target), "--force", db=db, cwd=tmp_path).returncode == 0
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_db_backup_names_the_file_it_could_not_write(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    cli("chat", db=db, cwd=tmp_path, stdin="/quit\n")
    target = tmp_path / "no" / "such" / "dir" / "copy.sqlite3"
    line = one_line(cli("db", "backup", str(target), db=db, cwd=tmp_path))
    assert f"cannot write the backup {target}" in line


def test_run_help_describes_the_command_and_points_to_the_settings(tmp_path: Path) -> None:
    result = cli("run", "--help", db=tmp_path / "x.sqlite3", cwd=tmp_path)
    assert result.returncode == 0
    assert "long polling" in result.stdout and ".env.example" in result.stdout and "README" in result.stdout


def test_gitignore_covers_the_database_its_lock_and_backups() -> None:
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            "thigh-coach.sqlite3",
            "thigh-coach.sqlite3.lock",
            "thigh-coach.sqlite3-wal",
            "backup.sqlite3.partial",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert len(ignored) == 4, ignored


def test_files_holding_runners_data_are_private(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    out = cli("chat", db=db, cwd=tmp_path, stdin="1\nslowly over weeks\n/quit\n")
    assert out.returncode == 0, out.stderr
    backup = tmp_path / "backup.sqlite3"
    assert cli("db", "backup", str(backup), db=db, cwd=tmp_path).returncode == 0
    # a database made 0644 by an older version is made private at the next start
    old = tmp_path / "old.sqlite3"
    sqlite3.connect(old).close()
    old.chmod(0o644)
    cli("chat", db=old, cwd=tmp_path, stdin="/quit\n")
    for path in [*tmp_path.glob("*.sqlite3*"), backup]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is {oct(path.stat().st_mode)}"


def test_the_files_beside_a_running_bots_database_are_private(tmp_path: Path) -> None:
    """The WAL and shared-memory files exist only while the bot runs: look at them then."""
    db = tmp_path / "bot.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(db)},
        preexec_fn=lambda: os.umask(0o022),
    ) as chat:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("1\n")  # consent: saved, then the first question is printed
        chat.stdin.flush()
        asked = next((line for line in chat.stdout if load_content().questions["onset"].text in line), None)
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.iterdir()}
        chat.communicate("/quit\n", timeout=60)
    assert asked is not None, "the first question never came"
    assert {"bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"} <= set(modes)
    assert {name: oct(mode) for name, mode in modes.items() if mode != 0o600} == {}


def test_db_check_reports_a_quarantined_state_and_the_runner_is_told(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    cli("chat", db=db, cwd=tmp_path, stdin="1\n3\n/quit\n")  # consent, "Slowly, over days or weeks"
    conn = sqlite3.connect(db, isolation_level=None)
    answers = conn.execute("SELECT * FROM answers").fetchall()
    conn.execute("""UPDATE flow_state SET data = '{"consented": "maybe", "story": "my words"}'""")
    conn.close()
    assert answers, "the runner answered a question"
    assert cli("db", "check", db=db, cwd=tmp_path).stdout.endswith("quarantined states: 0\n")

    chat = cli("chat", db=db, cwd=tmp_path, stdin="hello\n/quit\n")
    assert "could not read where we were" in chat.stdout
    check = cli("db", "check", db=db, cwd=tmp_path)
    assert check.returncode == 0 and "integrity check: ok" in check.stdout
    [line] = [line for line in check.stdout.splitlines() if line.startswith("quarantined state: ")]
    assert line.startswith("quarantined state: user 0 at ") and "consented: bool_parsing" in line
    assert "my words" not in check.stdout and "quarantined states: 1 (see /user ID" in check.stdout
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT * FROM answers").fetchall() == answers, "the runner's facts are all still there"
        assert conn.execute("SELECT data FROM quarantine").fetchall() == [
            ('{"consented": "maybe", "story": "my words"}',)
        ]
    finally:
        conn.close()
