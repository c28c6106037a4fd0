"""An in-process Bot API for fast unit tests and benchmarks: no network, real PTB dispatching.

It answers the methods the bot uses, remembers what was sent, and can play a runner who blocked
the bot (403), a flood limit (429) or a network outage (Telegram unreachable).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 666, "is_bot": True, "first_name": "Thigh Coach", "username": "ThighCoachTestBot"}
STICKER = {
    "file_id": "s",
    "file_unique_id": "s",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}


TEXT_LIMIT, CALLBACK_DATA_LIMIT = 4096, 64
SENDS = ("sendMessage", "sendDocument", "sendPhoto")
_TAGS = re.compile(r"</?(?:b|i|u|s|code|pre)>")


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    status: int = 200  # what the fake answered: 400 for what Telegram would refuse
    at: float = field(default_factory=time.monotonic)  # when the bot made the call

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class FakeBotApi(BaseRequest):
    calls: list[Sent] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    flood: int = 0  # how many sends answer 429 next
    retry_after: int = 1
    # Telegram refuses to answer a button tap it considers too old (after a restart, say)
    taps_too_old: bool = False
    unreachable: bool = False  # a network outage: no call reaches Telegram
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # the last message sent to each chat, so a scripted runner finds it without scanning every call
    last_sent: dict[int, Sent] = field(default_factory=dict)
    # what the next getUpdates answers with, as Telegram sends it (raw JSON objects)
    pending_updates: list[Any] = field(default_factory=list)
    # True: each call gives the event loop back once before it is answered, as any call over a network
    # does (benchmarks); unit tests keep the direct answer, which never lets another task in
    network: bool = False
    # False for benchmarks of thousands of runners: a heap of every call would make the garbage
    # collector's passes measure the fake instead of the bot
    keep_calls: bool = True

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if self.network:
            await asyncio.sleep(0)
        if self.unreachable:
            raise NetworkError("Telegram unreachable")
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        call = Sent(api_method, params)
        if self.keep_calls:
            self.calls.append(call)
        refusal = _refusal(call)
        if refusal is not None:
            call.status = 400
            return self._error(400, f"Bad Request: {refusal}")
        chat_id = params.get("chat_id")
        if api_method in SENDS and chat_id is not None:
            if int(chat_id) in self.blocked:
                return self._error(403, "Forbidden: bot was blocked by the user")
            if self.flood > 0:
                self.flood -= 1
                return self._error(429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after)
        if api_method == "answerCallbackQuery" and self.taps_too_old:
            return self._error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if api_method in SENDS and chat_id is not None:
            self.last_sent[int(chat_id)] = call if self.keep_calls else _flat(call)
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    @staticmethod
    def _error(code: int, description: str, retry_after: int | None = None) -> tuple[int, bytes]:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        return code, json.dumps(payload).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            answer, self.pending_updates = self.pending_updates, []
            return answer
        if method in (*SENDS, "editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params["chat_id"])
            message_id = int(params.get("message_id") or next(self._ids))
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendDocument":
                message["document"] = {"file_id": f"f{message_id}", "file_unique_id": f"f{message_id}"}
            if method == "sendPhoto":
                size = {"file_id": f"f{message_id}", "file_unique_id": f"f{message_id}", "width": 1080, "height": 1350}
                message["photo"] = [size]
            return message
        return True

    def sent(self, chat_id: int | None = None) -> list[Sent]:
        return [c for c in self.calls if c.method in SENDS and (chat_id is None or int(c.params["chat_id"]) == chat_id)]


def _flat(call: Sent) -> Sent:
    """The call with its keyboard as JSON text: thousands of kept messages are then a few objects
    each for the garbage collector to walk, not a dozen."""
    markup = call.params.get("reply_markup")
    if markup is None or isinstance(markup, str):
        return call
    return replace(call, params={**call.params, "reply_markup": json.dumps(markup)})


def _refusal(call: Sent) -> str | None:
    """Why Telegram would refuse this message (too long, empty, bad callback data), if it would."""
    if call.method not in ("sendMessage", "editMessageText") and "reply_markup" not in call.params:
        return None
    if call.method in ("sendMessage", "editMessageText"):
        text = str(call.params.get("text") or "")
        shown = html.unescape(_TAGS.sub("", text)) if call.params.get("parse_mode") == "HTML" else text
        if not shown.strip():
            return "message text is empty"
        if len(shown) > TEXT_LIMIT:
            return "message is too long"
    if any(not 1 <= len(str(b.get("callback_data", "x")).encode()) <= CALLBACK_DATA_LIMIT for b in call.buttons):
        return "BUTTON_DATA_INVALID"
    return None


_update_ids = itertools.count(1)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"Runner {user_id}"}


def message_update(bot: Bot, user_id: int, text: str | None = None, **extra: Any) -> Update:
    return Update.de_json(raw_message_update(user_id, text, **extra), bot)


def raw_message_update(user_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A message from the runner as Telegram sends it (JSON)."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": _user(user_id),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": message}


def callback_update(bot: Bot, user_id: int, sent: Sent, label: str) -> Update:
    """A tap on a button of a message the bot really sent."""
    return Update.de_json(raw_callback_update(user_id, sent, label), bot)


def raw_callback_update(user_id: int, sent: Sent, label: str) -> dict[str, Any]:
    """The same tap as Telegram sends it (JSON), the tapped message with it."""
    button = next(b for b in sent.buttons if b["text"] == label)
    message = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": BOT_USER,
        "text": sent.text,
        "reply_markup": {"inline_keyboard": [[b] for b in sent.buttons]},
    }
    query = {
        "id": str(next(_update_ids)),
        "from": _user(user_id),
        "chat_instance": f"ci{user_id}",
        "message": message,
        "data": button["callback_data"],
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def member_update(bot: Bot, user_id: int, status: str) -> Update:
    def member(state: str) -> dict[str, Any]:
        return {"status": state, "user": BOT_USER, **({"until_date": 0} if state == "kicked" else {})}

    change = {
        "chat": {"id": user_id, "type": "private"},
        "from": _user(user_id),
        "date": int(time.time()),
        "old_chat_member": member("member" if status == "kicked" else "kicked"),
        "new_chat_member": member(status),
    }
    return Update.de_json({"update_id": next(_update_ids), "my_chat_member": change}, bot)
