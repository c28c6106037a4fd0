"""Operations end to end: webhook with its secret, health and metrics, SIGTERM mid-burst, quiet logs."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.answer_sets import ANSWER_SETS, TYPED
from tests.e2e.harness import NEEDS_NODE, WEBHOOK_SECRET, BotProcess, Peer, Runner, free_port, node_available
from tests.e2e.test_conversation_e2e import triage

pytestmark = pytest.mark.skipif(not node_available(), reason=NEEDS_NODE)

SECRET = WEBHOOK_SECRET


async def test_webhook_mode_takes_updates_with_the_secret_only(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    env = {"WEBHOOK_URL": url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port)}
    bot = BotProcess(peer, tmp_path, extra_env=env).start()
    try:
        deadline = time.monotonic() + 20
        while (peer.webhook(bot.token) or {}).get("url") != url:
            assert time.monotonic() < deadline, "the bot never set its webhook"
            await asyncio.sleep(0.1)
        assert peer.webhook(bot.token) == {"url": url, "secret": SECRET}
        runner = Runner(peer, bot.token, 31, http)
        sent = await runner.send("/start")
        assert sent["webhook_status"] == 200
        # Telegram hears back only once the update was handled: the reply is already there
        assert any("not a diagnosis" in m.get("text", "") for m in await runner.messages())
        update = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 32, "type": "private"},
                "from": {"id": 32, "is_bot": False, "first_name": "X"},
                "text": "/start",
            },
        }
        async with httpx.AsyncClient() as outsider:
            missing = await outsider.post(url, json=update)
            wrong = await outsider.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            # an update that cannot be read is taken (200: Telegram must not send it again and again) and skipped
            unreadable = await outsider.post(
                url,
                json={"update_id": 1_000_000, "message": "not an object"},
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert missing.status_code == 403 and wrong.status_code == 403
        assert unreadable.status_code == 200
        assert "not an object" not in bot.log_path.read_text()
        await asyncio.sleep(0.5)
        assert not [m for m in await Runner(peer, bot.token, 32, http).messages()], "a refused update has no effect"
    finally:
        bot.stop()


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_healthz_and_metrics_move_with_a_conversation(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(peer, tmp_path, extra_env={"HEALTH_PORT": str(port), "SCHEDULER_POLL_SECONDS": "0.5"}).start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as ops:
            for _ in range(50):
                health = await ops.get("/healthz")
                if health.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert health.status_code == 200 and health.text == "ok\n"
            before = (await ops.get("/metrics")).text
            runner = Runner(peer, bot.token, 41, http)
            await triage(runner, ANSWER_SETS["piriformis_buttock_sitting"][1], typed=False)
            after = (await ops.get("/metrics")).text
            assert (await ops.get("/nowhere")).status_code == 404
        handled = 'thigh_coach_updates_total{outcome="ok"}'
        assert metric(after, handled) - metric(before, handled) >= 12
        assert metric(after, "thigh_coach_update_seconds_count") > metric(before, "thigh_coach_update_seconds_count")
        assert metric(after, "thigh_coach_active_users") == 1
        assert "thigh_coach_reminders_total" in after and "thigh_coach_broadcast_messages_total" in after
    finally:
        bot.stop()


async def test_sigterm_during_a_burst_finishes_what_was_acknowledged(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    bot = BotProcess(peer, tmp_path, extra_env={"SHUTDOWN_TIMEOUT_SECONDS": "10"}).start()
    runners = [Runner(peer, bot.token, 700 + i, http) for i in range(20)]
    sent: list[int] = []

    async def chatter(runner: Runner) -> None:
        for text in ["/start", "yes", "it came on gradually over a few weeks", "walking is fine", "in my buttock"]:
            sent.append((await runner.send(text))["update_id"])

    burst = asyncio.gather(*(chatter(r) for r in runners))
    deadline = time.monotonic() + 20
    while not set(sent) - set(peer.pending(bot.token)):  # the signal comes once the bot has taken some
        assert time.monotonic() < deadline, "the bot never took an update of the burst"
        await asyncio.sleep(0.02)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    await burst
    code = await asyncio.to_thread(bot.process.wait, 30)
    assert code == 0
    assert time.monotonic() - started < 10 + 5
    acknowledged = set(sent) - set(peer.pending(bot.token))
    conn = sqlite3.connect(bot.database)
    try:
        handled = {r[0] for r in conn.execute("SELECT update_id FROM handled_updates")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert acknowledged, "some updates were taken before the signal"
    assert acknowledged <= handled, f"acknowledged but never handled: {sorted(acknowledged - handled)[:5]}"


async def test_logs_never_hold_what_a_runner_wrote(peer: Peer, http: httpx.AsyncClient, tmp_path: Path) -> None:
    bot = BotProcess(peer, tmp_path, extra_env={"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}).start()
    answers = ANSWER_SETS["tendinopathy_sit_bone_sitting"][1]
    try:
        runner = Runner(peer, bot.token, 51, http)
        await triage(runner, answers, typed=True)
        await runner.send("my secret diary entry: my little toe and my groin have gone numb")
        await runner.expect("This needs emergency care now")
    finally:
        bot.stop()
    log_text = bot.log_path.read_text()
    typed = [TYPED[(q, v)] for q, v in answers.items()] + ["my secret diary entry", "my little toe"]
    # whole phrases: a single common word ("never") may well appear in some library's message
    leaked = [t for t in typed if " " in t and re.search(re.escape(t), log_text, re.IGNORECASE)]
    assert leaked == []
    update_lines = [json.loads(line) for line in log_text.splitlines() if '"update_id"' in line]
    assert len(update_lines) >= 12 and all("user_id" in entry and "outcome" in entry for entry in update_lines)
    assert SECRET not in log_text and bot.token not in log_text


async def test_an_unreadable_update_is_skipped_counted_and_never_logged(
    peer: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    port = free_port()
    env = {"HEALTH_PORT": str(port), "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}
    bot = BotProcess(peer, tmp_path, extra_env=env).start()
    secret = "another runner's private words about their hamstring"
    try:
        # a message PTB cannot read (a date that is no number)
        chat = {"id": 61, "type": "private"}
        peer.raw_update(bot.token, {"message": {"message_id": 1, "date": "soon", "chat": chat, "text": secret}})
        runner = Runner(peer, bot.token, 61, http)
        await runner.send("/start")
        await runner.expect("not a diagnosis")  # polling went on past it
        assert peer.pending(bot.token) == []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as ops:
            metrics = (await ops.get("/metrics")).text
    finally:
        bot.stop()
    assert metric(metrics, 'thigh_coach_updates_total{outcome="unreadable"}') == 1
    log_text = bot.log_path.read_text()
    assert "private words" not in log_text
    assert len(log_text) < 200_000, "the bad update is not logged over and over"


def start_failure(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "HEALTH_PORT": "0"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=base | env,
        timeout=120,
        check=False,
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], setting: str, token: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert result.stderr.strip().splitlines()[-1].startswith(f"thigh-coach: {setting}: "), output
    assert len(result.stderr.strip().splitlines()) == 1, output
    assert "Traceback" not in output and token not in output and token.split(":")[1] not in output


def test_a_token_telegram_refuses_is_one_line_without_the_token(peer: Peer, tmp_path: Path) -> None:
    token = "4242:rejected-SECRET-token-part"
    result = start_failure(tmp_path, TELEGRAM_BOT_TOKEN=token, BOT_API_BASE_URL=f"{peer.url}/bot")
    assert_one_line_naming(result, "TELEGRAM_BOT_TOKEN", token)


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    token = "4242:SECRET-token-part"
    closed = free_port()  # nothing listens there
    result = start_failure(tmp_path, TELEGRAM_BOT_TOKEN=token, BOT_API_BASE_URL=f"http://127.0.0.1:{closed}/bot")
    assert_one_line_naming(result, "BOT_API_BASE_URL", token)


@pytest.mark.parametrize("setting", ["HEALTH_PORT", "WEBHOOK_PORT"])
def test_a_port_in_use_is_one_line(peer: Peer, tmp_path: Path, setting: str) -> None:
    token = "4243:SECRET-token-part"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        webhook = {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
        }
        result = start_failure(
            tmp_path,
            TELEGRAM_BOT_TOKEN=token,
            BOT_API_BASE_URL=f"{peer.url}/bot",
            **({setting: port} | (webhook if setting == "WEBHOOK_PORT" else {})),
        )
    assert_one_line_naming(result, setting, token)
