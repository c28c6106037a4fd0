"""The bot's connection to Telegram, with two guards python-telegram-bot lacks when polling.

- An update it cannot read makes PTB log the whole batch at CRITICAL (another runner's words) and
  fetch the same batch again, forever. Here each update is read on its own; one that cannot be is
  skipped, counted (thigh_coach_updates_total{outcome="unreadable"}) and logged by id only.
- /healthz must know when polling has stalled: the time of the last answer to getUpdates is kept.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from bot.metrics import UPDATES

log = logging.getLogger(__name__)


class PollingBot(ExtBot[Any]):
    # PTB freezes its bot objects after __init__: only underscored attributes may change
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_poll: float | None = None
        self._skip_before = 0  # updates below this id were unreadable: never ask for them again

    @property
    def last_poll(self) -> float | None:
        """time.monotonic() of the last answer to getUpdates; None before the first."""
        return self._last_poll

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if endpoint != "getUpdates":
            return await super()._post(endpoint, data, **kwargs)
        if data is not None and self._skip_before:
            data["offset"] = max(int(data.get("offset") or 0), self._skip_before)
        result = await super()._post(endpoint, data, **kwargs)
        self._last_poll = time.monotonic()
        return [raw for raw in result if self._readable(raw)]

    def _readable(self, raw: Any) -> bool:
        try:
            Update.de_json(raw, self)
        except Exception as exc:  # whatever a malformed update makes PTB raise
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int):
                self._skip_before = max(self._skip_before, update_id + 1)
            UPDATES.labels("unreadable").inc()
            log.warning("update %s could not be read (%s); skipped", update_id, type(exc).__name__)
            return False
        return True
