"""A throwaway PostgreSQL server for the tests: initdb in a temporary directory, pg_ctl start, stop.

The binaries come from the `pgserver` wheel (requirements/dev.lock), so a fresh machine with Python
alone has them; `THIGH_COACH_PG_BIN=/usr/lib/postgresql/16/bin` uses others. The server listens on a
Unix socket in its own directory only (no TCP port to race for), with fsync off: it lives as long as
the test session. Nothing here waits a fixed time: `pg_ctl -w` polls until the server answers (and
notices at once if it died), then `psql` polls until a query succeeds.

PostgreSQL refuses to run as root. As root (a container, CI), the cluster belongs to `nobody`, and
the binaries are copied where that user can reach them when the wheel's directory is private.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

START_TIMEOUT_SECONDS = 120.0  # a ceiling for a loaded machine; a start takes about a second
SERVER_USER = "nobody"  # who owns the cluster when the tests run as root


class NoServer(RuntimeError):
    """The tests need PostgreSQL and cannot start it: the message says what to install."""


@dataclass(frozen=True)
class Binaries:
    directory: Path

    def __getitem__(self, name: str) -> str:
        return str(self.directory / name)


def wheel_binaries() -> Binaries:
    """initdb, pg_ctl and postgres from the pgserver wheel, found without importing it (its import
    starts work of its own)."""
    if override := os.environ.get("THIGH_COACH_PG_BIN"):
        return Binaries(Path(override))
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise NoServer(
            "PostgreSQL for the tests comes from the pgserver wheel, which is not installed: "
            "run `bash scripts/setup-venv.sh dev` (or set THIGH_COACH_PG_BIN to a PostgreSQL bin directory)"
        )
    directory = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (directory / "initdb").is_file():
        raise NoServer(f"the pgserver wheel has no initdb in {directory}; reinstall it")
    return Binaries(directory)


@dataclass
class Server:
    """A running server: `url(name)` for a database on it; `fresh_database()` for one test's own."""

    socket_dir: Path
    binaries: Binaries
    env: dict[str, str]
    serial: int = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def client(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A client program (psql, createdb, dropdb) against the server, as its superuser."""
        return subprocess.run(
            [self.binaries[program], "-h", str(self.socket_dir), "-U", "postgres", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=START_TIMEOUT_SECONDS,
            check=False,
        )

    def fresh_database(self) -> str:
        """A new, empty database: its URL. Each test gets its own, so none sees another's rows."""
        self.serial += 1
        name = f"test_{self.serial}"
        done = self.client("createdb", "--template=template0", name)
        if done.returncode != 0:
            raise NoServer(f"createdb {name} failed: {done.stderr.strip()}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        done = self.client("dropdb", "--force", "--if-exists", name)
        if done.returncode != 0:
            raise NoServer(f"dropdb {name} failed: {done.stderr.strip()}")

    def wait_until_accepting(self, log: Path) -> None:
        """Poll with a real connection and query until the server answers; fail loudly at the ceiling."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        pause = 0.01
        while (done := self.client("psql", "-X", "-A", "-t", "-d", "postgres", "-c", "SELECT 1")).returncode != 0:
            if time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                raise NoServer(f"PostgreSQL did not accept connections: {done.stderr.strip()}; its log:\n{text}")
            time.sleep(pause)  # a poll's back-off, not a guess at how long the start takes
            pause = min(pause * 2, 0.5)


def _as_server_user(path: Path) -> dict[str, Any]:
    """subprocess arguments that run a command as the owner of the cluster (ourselves unless root)."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise NoServer(f"running as root, and there is no user {SERVER_USER!r} to run PostgreSQL as") from None
    os.chown(path, user.pw_uid, user.pw_gid)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _reachable(binaries: Binaries, run_as: dict[str, Any], cwd: Path) -> bool:
    try:
        done = subprocess.run(
            [binaries["initdb"], "--version"], capture_output=True, cwd=cwd, timeout=60, check=False, **run_as
        )
    except OSError:
        return False
    return done.returncode == 0


def _usable(binaries: Binaries, run_as: dict[str, Any], base: Path) -> Binaries:
    """The binaries, copied into `base` (with the wheel's bundled libraries beside them, as their paths
    expect) when the server's user cannot run them where they are (a home directory closed to others)."""
    if _reachable(binaries, run_as, base):
        return binaries
    package = binaries.directory.parent.parent  # .../site-packages/pgserver
    copy = base / "pg"
    copy.mkdir(mode=0o755)
    shutil.copytree(package, copy / package.name, symlinks=True)
    libs = package.with_name(package.name + ".libs")
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o055 if path.is_dir() else path.stat().st_mode | 0o044)
    copied = Binaries(copy / package.name / binaries.directory.relative_to(package))
    if not _reachable(copied, run_as, base):
        raise NoServer(f"PostgreSQL's binaries in {binaries.directory} do not run as user {SERVER_USER!r}")
    return copied


def _run(command: list[str], server_env: dict[str, str], run_as: dict[str, Any], cwd: Path, what: str) -> None:
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=server_env,
        cwd=cwd,
        timeout=START_TIMEOUT_SECONDS + 60,  # pg_ctl's own -t comes first, with its message
        check=False,
        **run_as,
    )
    if done.returncode != 0:
        log = cwd / "server.log"
        text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise NoServer(f"{what} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}\n{text}")


@contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a cluster in a new temporary directory; stop it (pg_ctl stop -m fast) and remove it after."""
    binaries = wheel_binaries()
    # a short path: a Unix socket's path may not be longer than about 100 bytes
    base = Path(tempfile.mkdtemp(prefix="thigh-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    base.chmod(0o755)
    data, socket_dir, log = base / "data", base / "run", base / "server.log"
    data.mkdir(mode=0o700)
    socket_dir.mkdir(mode=0o700)
    run_as = _as_server_user(data)
    _as_server_user(socket_dir)
    if run_as:
        log.touch()
        _as_server_user(log)
    server_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    started = False
    try:
        binaries = _usable(binaries, run_as, base)
        _run(
            [binaries["initdb"], "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            server_env,
            run_as,
            base,
            "initdb",
        )
        # no TCP at all; durability does not matter for a server that lives as long as the session
        options = (
            f"-c listen_addresses='' -k {socket_dir} -c fsync=off -c synchronous_commit=off -c shared_buffers=32MB"
        )
        started = True  # from here on, stop it whatever happens (stopping a server that is not running is harmless)
        _run(
            # -w: pg_ctl polls until the server answers, and says at once if it died starting
            [
                binaries["pg_ctl"],
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                str(int(START_TIMEOUT_SECONDS)),
                "start",
            ],
            server_env,
            run_as,
            base,
            "pg_ctl start",
        )
        server = Server(socket_dir, binaries, server_env)
        server.wait_until_accepting(log)
        yield server
    finally:
        if started:
            subprocess.run(
                [binaries["pg_ctl"], "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                env=server_env,
                cwd=base,
                timeout=START_TIMEOUT_SECONDS,
                check=False,
                **run_as,
            )
        shutil.rmtree(base, ignore_errors=True)
