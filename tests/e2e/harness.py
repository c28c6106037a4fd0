"""End-to-end harness: the Bot API peer and the bot as real processes, runners as HTTP clients."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = Path(__file__).resolve().parent / "peer"
_tokens = itertools.count(1)

Message = dict[str, Any]


NEEDS_NODE = "the Bot API peer needs Node.js 18+ and its npm packages: (cd tests/e2e/peer && npm ci)"


def node_available() -> bool:
    return shutil.which("node") is not None and (PEER_DIR / "node_modules" / "telegram-test-api").is_dir()


class Peer:
    """The local Bot API server (telegram-test-api behind our launcher)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(PEER_DIR / "launcher.js"), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        assert line and line[0] == "listening", f"peer did not start: {line}"
        self.url = f"http://127.0.0.1:{line[1]}"
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)

    def calls(self, token: str, method: str | None = None) -> list[dict[str, Any]]:
        params = {"token": token} | ({"method": method} if method else {})
        result: list[dict[str, Any]] = self.http.get("/client/calls", params=params).json()["result"]
        return result

    def commands(self, token: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get("/client/commands", params={"token": token}).json()["result"]
        return result

    def pending(self, token: str) -> list[int]:
        """Update ids the bot has not acknowledged yet."""
        result: list[int] = self.http.get("/client/pending", params={"token": token}).json()["result"]
        return result

    def webhook(self, token: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.http.get("/client/webhook", params={"token": token}).json()["result"]
        return result

    def raw_update(self, token: str, fields: dict[str, Any]) -> int:
        """Deliver an update made of `fields` (and a fresh id), however malformed; returns its id."""
        result: dict[str, Any] = self.http.post("/client/raw", json={"token": token, "update": fields}).json()
        return int(result["result"]["update_id"])

    def taken(self, token: str, prefix: str) -> int:
        """How many messages Telegram took whose text starts with `prefix` (a count, cheap to poll)."""
        result: int = self.http.get("/client/taken", params={"token": token, "prefix": prefix}).json()["result"]
        return result

    async def until_taken(self, token: str, prefix: str, count: int) -> None:
        """Wait until Telegram took `count` messages starting with `prefix` (polling the count)."""
        while await asyncio.to_thread(self.taken, token, prefix) < count:
            await asyncio.sleep(0.1)

    def flood(self, token: str, count: int, retry_after: int = 1) -> None:
        self.http.post("/client/flood", json={"token": token, "count": count, "retryAfter": retry_after})


@dataclass
class BotProcess:
    """`thigh-coach run` against the peer, with its own token and database."""

    peer: Peer
    workdir: Path
    token: str = field(default_factory=lambda: f"{next(_tokens)}00:e2e-{os.getpid()}")
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None

    @property
    def database(self) -> Path:
        return self.workdir / "bot.sqlite3"

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    def start(self) -> BotProcess:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TELEGRAM_BOT_TOKEN": self.token,
            "BOT_API_BASE_URL": f"{self.peer.url}/bot",
            "BOT_API_FILE_URL": f"{self.peer.url}/file/bot",
            "DATABASE_PATH": str(self.database),
            # the peer has no flood limit; tests that need Telegram's pace set it themselves
            "SEND_RATE_PER_SECOND": "500",
            "PER_CHAT_RATE_PER_SECOND": "500",
            "HEALTH_PORT": "0",
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], cwd=self.workdir, env=env, stdout=log, stderr=log, text=True
        )
        deadline = time.monotonic() + 30
        starts = len(self.peer.commands(self.token))
        while len(self.peer.commands(self.token)) <= starts:
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, "bot did not set its command menu in time"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Runner:
    """One runner in a private chat with the bot, over the peer's client API.

    Every wait looks for a specific message among those that came after the runner's last action
    (send or tap), never for "the next one": a late reply to an earlier action cannot be mistaken
    for the one awaited."""

    def __init__(self, peer: Peer, token: str, user_id: int, http: httpx.AsyncClient) -> None:
        self.peer, self.token, self.user_id, self.http = peer, token, user_id, http
        self.seen = 0  # bot messages that came before the runner's last action

    async def _acting(self) -> None:
        self.seen = len(await self.messages())

    async def send(self, text: str | None = None, **message: Any) -> dict[str, Any]:
        await self._acting()
        payload: dict[str, Any] = {"token": self.token, "userId": self.user_id}
        if text is not None:
            payload["text"] = text
        if message:
            payload["message"] = message
        response = await self.http.post("/client/message", json=payload)
        response.raise_for_status()
        result: dict[str, Any] = response.json()["result"]
        return result

    async def messages(self) -> list[Message]:
        response = await self.http.get("/client/messages", params={"token": self.token, "chatId": self.user_id})
        result: list[Message] = response.json()["result"]
        return result

    async def wait(self, predicate: Callable[[list[Message]], bool], timeout: float = 15.0) -> list[Message]:
        """Wait until the bot's messages since the runner's last action satisfy `predicate`; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            fresh = (await self.messages())[self.seen :]
            if predicate(fresh):
                return fresh
            if time.monotonic() > deadline:
                texts = [m.get("text", m.get("document")) for m in fresh]
                raise AssertionError(f"runner {self.user_id}: expected reply never came; got {texts}")
            await asyncio.sleep(0.02)

    async def find(self, predicate: Callable[[Message], bool], timeout: float = 15.0) -> Message | None:
        """The first message of the bot in this chat, old or new, that satisfies `predicate`;
        None if none has come within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((m for m in await self.messages() if predicate(m)), None)
            if found is not None or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.02)

    async def expect(self, *fragments: str, timeout: float = 15.0) -> list[Message]:
        """Wait for messages since the last action that together contain every fragment."""

        def has_all(fresh: list[Message]) -> bool:
            text = "\n".join(m.get("text") or m.get("caption") or "" for m in fresh)
            return all(f in text for f in fragments)

        return await self.wait(has_all, timeout)

    async def expect_keyboard(self, *labels: str, timeout: float = 15.0) -> Message:
        """Wait for a message since the last action whose buttons include every label; return it."""
        assert labels, "name a button of the keyboard awaited, never just the next keyboard"

        def wanted(message: Message) -> bool:
            buttons = {b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}
            return all(label in buttons for label in labels)

        fresh = await self.wait(lambda ms: any(wanted(m) for m in ms), timeout)
        return [m for m in fresh if wanted(m)][-1]

    async def wait_keyboard(self, label: str, timeout: float = 15.0) -> Message:
        """Wait for a new message whose keyboard has a button `label` (not just any keyboard) and return it."""

        def has(message: Message) -> bool:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            return any(b["text"] == label for row in rows for b in row)

        fresh = await self.wait(lambda ms: any(has(m) for m in ms), timeout)
        return [m for m in fresh if has(m)][-1]

    async def tap(self, message: Message, label: str) -> dict[str, Any]:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        button = next((b for b in buttons if b["text"] == label), None)
        assert button is not None, f"no button {label!r} in {[b['text'] for b in buttons]}"
        return await self.tap_data(message, button["callback_data"])

    async def tap_data(self, message: Message, data: str) -> dict[str, Any]:
        await self._acting()
        response = await self.http.post(
            "/client/callback",
            json={"token": self.token, "userId": self.user_id, "messageId": message["message_id"], "data": data},
        )
        result: dict[str, Any] = response.json()
        return result

    async def message_by_id(self, message_id: int) -> Message:
        return next(m for m in await self.messages() if m["message_id"] == message_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


WEBHOOK_SECRET = "s3cret-token-for-the-webhook-test"


@dataclass
class Cluster:
    """Several `thigh-coach run` instances in webhook mode on one database, behind a round-robin
    balancer (tests/e2e/round_robin.py, as Caddy in deploy/compose.yaml); one bot token for all."""

    peer: Peer
    workdir: Path
    database_url: str
    size: int = 3
    extra_env: dict[str, str] = field(default_factory=dict)
    token: str = field(default_factory=lambda: f"{next(_tokens)}00:e2e-{os.getpid()}")
    bots: list[BotProcess] = field(default_factory=list)
    health: list[int] = field(default_factory=list)
    balancer: subprocess.Popen[str] | None = None

    def start(self) -> Cluster:
        ports = [free_port() for _ in range(self.size)]
        self.balancer = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.round_robin", "0", *(f"http://127.0.0.1:{p}" for p in ports)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.balancer.stdout is not None
        line = self.balancer.stdout.readline().split()
        assert line and line[0] == "listening", f"balancer did not start: {line}"
        url = f"http://127.0.0.1:{line[1]}/telegram"
        for number, port in enumerate(ports):
            self.health.append(free_port())
            env = {
                "DATABASE_URL": self.database_url,
                "WEBHOOK_URL": url,
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                "HEALTH_PORT": str(self.health[-1]),
                **self.extra_env,
            }
            workdir = self.workdir / f"instance-{number}"
            workdir.mkdir(parents=True, exist_ok=True)
            self.bots.append(BotProcess(self.peer, workdir, token=self.token, extra_env=env).start())
        return self

    async def healthz(self, number: int) -> int:
        async with httpx.AsyncClient(timeout=10) as client:
            return (await client.get(f"http://127.0.0.1:{self.health[number]}/healthz")).status_code

    def stop(self) -> None:
        for bot in self.bots:
            bot.stop()
        if self.balancer is not None:
            self.balancer.terminate()
            self.balancer.wait(timeout=10)
