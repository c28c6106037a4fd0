"""The bot's connection to Telegram: every text it sends is HTML (PTB's Defaults), messages go out
without building objects nobody reads, and what python-telegram-bot lacks when polling.

- An update it cannot read makes PTB log the whole batch at CRITICAL (another runner's words) and
  fetch the same batch again, forever. Here each update is read on its own; one that cannot be is
  skipped, counted (thigh_coach_updates_total{outcome="unreadable"}) and logged by id only.
- Each update is read once, a few at a time. Reading is most of what an update costs PTB (a tapped
  button's update, with the message it was under, took 245 µs on a 2-core machine): reading a full
  answer (100 updates) twice, as checking each and then handing the batch to PTB did, held the event
  loop ~50 ms. Now it is ~25 ms, in steps of READ_AT_ONCE, with replies and timers let through in between.
- /healthz must know when polling has stalled: the time of the last answer to getUpdates is kept.
- A saturated bot leaves updates at Telegram: with a full backlog (bot/backlog.py), polling waits for
  room before it asks for more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot.backlog import Backlog
from bot.metrics import UPDATES
from bot.send_limiter import Lane

log = logging.getLogger(__name__)


HTML = Defaults(parse_mode=ParseMode.HTML)  # content is written with <b> and <i>
# updates read from a getUpdates answer before the event loop is let go (see the module's doc)
READ_AT_ONCE = 10


class PollingBot(ExtBot[Any]):
    # PTB freezes its bot objects after __init__: only underscored attributes may change
    def __init__(self, *args: Any, backlog: Backlog | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "defaults": HTML})
        self._backlog = backlog  # None: polling never waits
        self._waiting = False
        self._last_poll: float | None = None
        self._skip_before = 0  # updates below this id were unreadable: never ask for them again
        self._polled: list[Update] = []  # the last answer to getUpdates, read (see get_updates)

    @property
    def last_poll(self) -> float | None:
        """time.monotonic() of the last answer to getUpdates; None before the first."""
        return self._last_poll

    @property
    def waiting_for_room(self) -> bool:
        """True while polling waits for the backlog to have room (so a quiet poll is not Telegram's)."""
        return self._waiting

    async def send_text(
        self,
        chat_id: int,
        text: str,
        markup: dict[str, Any] | None = None,
        lane: Lane = Lane.REPLY,
    ) -> None:
        """sendMessage without building the Message Telegram answers with, which nobody reads (a
        fifth of an update's time); `markup` is the keyboard in its JSON form. PTB still
        raises what send_message raises (RetryAfter, Forbidden, BadRequest), and the message waits
        for its turn in `lane` of the send limiter."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": HTML.parse_mode, "reply_markup": markup}
        # PTB refuses limiter arguments when there is no limiter (a local server: SEND_RATE_PER_SECOND=0)
        limits = self._merge_api_rl_kwargs(None, lane if self.rate_limiter else None)
        await self._post("sendMessage", data, api_kwargs=limits)

    async def edit_text(self, chat_id: int, message_id: int, text: str | None = None) -> None:
        """A message's text replaced and its buttons removed (without `text`, only the buttons), again
        without building the Message Telegram answers with."""
        message = {"chat_id": chat_id, "message_id": message_id}
        if text is None:
            await self._post("editMessageReplyMarkup", message)
        else:
            await self._post("editMessageText", {**message, "text": text, "parse_mode": HTML.parse_mode})

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """PTB's get_updates (its timeouts and offsets), with every update read once, by `_post`: PTB is
        handed no raw update to read a second time. It asks only once the backlog has room: also PTB's
        last call at a stop, which then waits for one update in flight to finish, sooner than the
        stop itself, which waits for all of them (Application.stop joins the update queue)."""
        if self._backlog is not None:
            self._waiting = True
            try:
                await self._backlog.room()
            finally:
                self._waiting = False
        self._polled = []
        await super().get_updates(*args, **kwargs)
        polled, self._polled = self._polled, []
        for update in polled:
            self.insert_callback_data(update)  # as ExtBot.get_updates does
        if self._backlog is not None:
            self._backlog.read(polled)
        return tuple(polled)

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if endpoint != "getUpdates":
            return await super()._post(endpoint, data, **kwargs)
        if data is not None and self._skip_before:
            data["offset"] = max(int(data.get("offset") or 0), self._skip_before)
        result = await super()._post(endpoint, data, **kwargs)
        self._last_poll = time.monotonic()
        for n, raw in enumerate(result, 1):
            if (update := self._read(raw)) is not None:
                self._polled.append(update)
            if n % READ_AT_ONCE == 0:
                await asyncio.sleep(0)
        return []  # read above: get_updates returns it

    def _read(self, raw: Any) -> Update | None:
        update = read_update(raw, self)
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if update is None and isinstance(update_id, int):  # never asked for again
            self._skip_before = max(self._skip_before, update_id + 1)
        return update


def read_update(raw: Any, bot: ExtBot[Any]) -> Update | None:
    """The update Telegram sent (polled or posted to the webhook), or None for one that cannot be read:
    counted (thigh_coach_updates_total{outcome="unreadable"}) and logged by its id only."""
    try:
        if not isinstance(raw, dict):
            raise TypeError("an update is a JSON object")
        return Update.de_json(raw, bot)
    except Exception as exc:  # whatever a malformed update makes PTB raise
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        UPDATES.labels("unreadable").inc()
        log.warning("update %s could not be read (%s); skipped", update_id, type(exc).__name__)
        return None
