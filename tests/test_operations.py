"""Deployment files and configuration: lint, parse, and one-line errors for every bad setting."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_unprivileged_with_a_volume_and_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2, "multi-stage"
    assert "USER 10001" in text and 'VOLUME ["/data"]' in text and "HEALTHCHECK" in text and "/healthz" in text


def test_compose_file_is_valid() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    bot = services["bot"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "bot-data:/data" in bot["volumes"] and "healthcheck" in bot
    assert services["proxy"]["profiles"] == ["webhook"]
    # the "postgres" profile: PostgreSQL, two replicas on it in webhook mode, Caddy balancing them
    assert {"postgres", "replica", "balancer"} <= {n for n, s in services.items() if s.get("profiles") == ["postgres"]}
    replica = services["replica"]
    assert replica["deploy"]["replicas"] == 2 and replica["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (
        replica["environment"]["DATABASE_URL"].startswith("postgresql://")
        and "@postgres:" in replica["environment"]["DATABASE_URL"]
    )
    assert (
        replica["environment"]["WEBHOOK_PORT"] == "8443"
        and replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    )
    balancer = (DEPLOY / "Caddyfile.replicas").read_text()
    assert "./Caddyfile.replicas:/etc/caddy/Caddyfile:ro" in services["balancer"]["volumes"]
    assert "dynamic a replica 8443" in balancer and "lb_policy round_robin" in balancer
    declared = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith(".")}
    assert used <= declared
    assert (DEPLOY / "Caddyfile").exists()
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:
        check = subprocess.run(
            [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "BOT_DOMAIN": "x.test", "POSTGRES_PASSWORD": "x"},
        )
        assert check.returncode == 0, check.stderr


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "thigh-coach.service").read_text()
    for directive in ("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "Restart=on-failure"):
        assert directive in unit
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not on this machine; the directives above were checked")
    # verify needs ExecStart to exist: point it at this checkout's command for the check
    local = tmp_path / "thigh-coach.service"
    local.write_text(unit.replace("/opt/thigh-coach/bin/thigh-coach", str(Path(sys.executable).parent / "thigh-coach")))
    result = subprocess.run([analyze, "verify", str(local)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_container_builds_and_answers_healthz() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no container engine runs on this machine")
    tag = "thigh-coach:test"
    subprocess.run([docker, "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(ROOT)], check=True)
    # the container talks to a Bot API peer on this host (host network), and serves /healthz
    from tests.e2e.harness import Peer

    peer = Peer()
    health_port = 18080
    container = subprocess.run(
        [
            docker,
            "run",
            "-d",
            "--rm",
            "--network",
            "host",
            "-e",
            "TELEGRAM_BOT_TOKEN=1:container",
            "-e",
            f"BOT_API_BASE_URL={peer.url}/bot",
            "-e",
            f"HEALTH_PORT={health_port}",
            tag,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                url = f"http://127.0.0.1:{health_port}/healthz"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    assert answer.status == 200
                    return
            time.sleep(1)
        raise AssertionError("the container never answered /healthz")
    finally:
        subprocess.run([docker, "rm", "-f", container], capture_output=True, check=False)
        peer.stop()


def test_env_example_lists_every_setting() -> None:
    from bot.config import Settings

    text = (ROOT / ".env.example").read_text()
    listed = {line.lstrip("# ").split("=", 1)[0] for line in text.splitlines() if "=" in line}
    expected = {name.upper() for name in Settings.model_fields}
    assert expected <= listed, f"missing from .env.example: {sorted(expected - listed)}"


BAD_VALUES = {
    "ADMIN_IDS": "alice,bob",
    "DATABASE_PATH": "",
    "DATABASE_URL": "mysql://db.example.org/thigh",
    "SQLITE_SYNCHRONOUS": "SOMETIMES",
    "CONTENT_DIR": "",
    "LOG_LEVEL": "LOUD",
    "SEND_RATE_PER_SECOND": "fast",
    "PER_CHAT_RATE_PER_SECOND": "-1",
    "PER_CHAT_BURST": "0",
    "REMINDER_MAX_LATE_HOURS": "100",
    "SCHEDULER_POLL_SECONDS": "0",
    "WEBHOOK_URL": "not a url",
    "WEBHOOK_SECRET": "short",
    "WEBHOOK_PORT": "70000",
    "WEBHOOK_PATH": "has spaces",
    "HEALTH_PORT": "-5",
    "LOG_FORMAT": "xml",
    "SHUTDOWN_TIMEOUT_SECONDS": "0",
    "TEST_CLOCK_FILE": "",
    "BOT_API_BASE_URL": "api.telegram.org",
    "BOT_API_FILE_URL": "",
    "TELEGRAM_BOT_TOKEN": "not-a-token",
}


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_bad_setting_gives_one_line_naming_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, BAD_VALUES[name])
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    message = str(caught.value)
    assert message.startswith(f"{name}:") and "\n" not in message


def test_webhook_url_without_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET: required when WEBHOOK_URL is set"):
        load_settings(env_file=None)


def start_with(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`thigh-coach run` in an empty directory with only these settings (and a token)."""
    env = {"PATH": os.environ.get("PATH", ""), "TELEGRAM_BOT_TOKEN": "1:x", **settings}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )


def test_bad_setting_at_start_up_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = start_with(tmp_path, HEALTH_PORT="lots")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "thigh-coach: HEALTH_PORT: Input should be a valid integer, unable to parse string as an integer"
    ]


@pytest.mark.parametrize("url", ["mysql://db.example.org/thigh", "thigh-coach.sqlite3", "sqlite://"])
def test_a_database_url_no_backend_reads_stops_start_up(tmp_path: Path, url: str) -> None:
    result = start_with(tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("thigh-coach: DATABASE_URL: ") and "sqlite:///" in line
    assert list(tmp_path.iterdir()) == [], "nothing created"


def test_run_without_token_explains_and_points_to_chat(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "BotFather" in result.stderr and "thigh-coach chat" in result.stderr
    assert "Traceback" not in result.stderr


def _venv_is_current() -> bool:
    stamps = list((ROOT / ".venv").glob(".installed-*"))
    return (
        bool(stamps)
        and subprocess.run(
            ["bash", "-c", f"cat requirements/{stamps[0].name.split('-', 1)[1]}.lock pyproject.toml | sha256sum"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()[0]
        == stamps[0].read_text().strip()
    )


def test_run_sh_starts_without_network_when_the_venv_is_current(tmp_path: Path) -> None:
    if subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot make a network namespace here (unshare -n needs root)")
    if not _venv_is_current():
        pytest.skip(".venv was not installed from the current lock: run bash scripts/setup-venv.sh dev")
    stamps = {p: p.read_text() for p in (ROOT / ".venv").glob(".installed-*")}
    result = subprocess.run(
        ["unshare", "-n", "bash", str(ROOT / "scripts/run.sh")],  # no network at all in there
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN is not set" in result.stderr, result.stderr
    assert {p: p.read_text() for p in (ROOT / ".venv").glob(".installed-*")} == stamps


def test_test_sh_without_npm_stops_at_once_saying_what_to_install(tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    # everything the script needs before it looks for npm
    (tools / "python3").symlink_to(os.path.realpath(sys.executable))
    (tools / "dirname").symlink_to(shutil.which("dirname") or "/usr/bin/dirname")
    result = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts/test.sh")],
        capture_output=True,
        text=True,
        env={"PATH": str(tools)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Node.js 18 or newer with npm" in lines[0] and "install" in lines[0]
    assert result.stdout == ""
