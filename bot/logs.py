"""Logging set-up: plain text or one JSON object per line. Never a runner's words."""

from __future__ import annotations

import json
import logging
import traceback
from types import TracebackType
from typing import Any

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

# fields the bot attaches to its records with `extra=`; only these reach the JSON output
FIELDS = ("update_id", "user_id", "event", "outcome", "ms")


def _without_message(ei: ExcInfo) -> str:
    """A traceback with the exception's type but not its message: messages can quote input (a
    validation error repeats the value it refused, PTB repeats a whole update or the token)."""
    kind, _, trace = ei
    name = kind.__name__ if kind is not None else "Exception"
    return "Traceback (most recent call last):\n" + "".join(traceback.format_tb(trace)) + name


class TextFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return _without_message(ei)


class LibraryFilter(logging.Filter):
    """Libraries log with their own arguments, which may hold an update (a runner's words) or the
    token: only the fixed text of their message is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("bot.", "flows.", "content.")) and record.name != "__main__":
            record.msg, record.args = str(record.msg), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in FIELDS if hasattr(record, key)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatException(self, ei: ExcInfo) -> str:
        return _without_message(ei)


def configure(level: str, style: str) -> None:
    handler = logging.StreamHandler()
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LibraryFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL, which holds the bot token; python-telegram-bot's debug
    # output holds whole updates, messages included: neither belongs in our logs at any level
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(library_level(level))
    # transitions logs each transition at INFO (more lines than updates): library chatter
    logging.getLogger("transitions").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def library_level(level: str) -> int:
    """python-telegram-bot's own level: never its DEBUG (whole updates), else ours."""
    return max(logging.INFO, int(logging.getLevelName(level)))


def quiet_library() -> None:
    """Until the bot is up, failures are told in one line naming the setting (bot/app.py), not in
    python-telegram-bot's tracebacks."""
    logging.getLogger("telegram").setLevel(logging.CRITICAL + 1)
