"""Webhook mode: an update is answered 200 only once it has been handled.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued. When the process
dies before handling it, Telegram has been told it arrived and never sends it again: the runner's
message is lost. Here the answer waits for the handler, so the turn is committed (and its replies
stored as owed) before Telegram hears back. A process killed in between leaves the request unanswered;
Telegram delivers the update again, to another instance behind the load balancer, and an update handled
before is recognised by its id and changes nothing. The cost is one open request per update being
handled: Telegram's `max_connections` bounds how many that is.

The lifecycle is the one `Application.run_webhook` drives (initialize, post_init, start ... stop,
post_stop, shutdown, post_shutdown), with the webhook set at start and left in place at stop: the
other instances keep taking updates while this one restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.config import ConfigError, Settings
from bot.polling import read_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class OpenRequests:
    """Requests still being handled, so a graceful stop answers them all before it stops the bot."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def enter(self) -> None:
        self.count += 1
        self.idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self.idle.set()


class UpdateHandler(tornado.web.RequestHandler):
    """POST /<path>: the secret checked, the update read and handled, then 200."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_app: Application[Any, Any, Any, Any, Any, Any], secret: str, busy: OpenRequests) -> None:
        self.bot_app, self.secret, self.busy = bot_app, secret, busy

    async def post(self) -> None:
        offered = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        update = self._read()
        if update is not None:
            self.busy.enter()
            try:
                await self.bot_app.process_update(update)
            finally:
                self.busy.leave()
        self.set_status(HTTPStatus.OK)
        self.finish()

    def _read(self) -> Update | None:
        """The update, or None for one that cannot be read: skipped with a 200, so Telegram does not send
        it again and again (counted and logged by id, as when polling)."""
        try:
            raw = json.loads(self.request.body)
        except ValueError:
            raw = None  # not JSON: read_update says so
        return read_update(raw, self.bot_app.bot)

    def log_exception(self, *args: Any) -> None:
        """Tornado would log the request; it may hold a runner's words. Refusals are not errors."""


def _server(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, busy: OpenRequests
) -> HTTPServer:
    assert settings.webhook_secret is not None  # Settings refuses a webhook without one
    path = "/" + settings.webhook_path.strip("/")
    handler = {"bot_app": application, "secret": settings.webhook_secret, "busy": busy}
    routes = [(rf"{path}/?", UpdateHandler, handler)]
    app = tornado.web.Application(routes, log_function=lambda handler: None)
    # a 10 MB body limit: an update is a few KB; anything larger is not from Telegram
    return HTTPServer(app, max_body_size=10 * 1024 * 1024, xheaders=True)


async def serve(
    application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, allowed_updates: list[str]
) -> None:
    """Run the bot in webhook mode until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    busy = OpenRequests()
    server = _server(application, settings, busy)
    try:  # the port first: a port in use is said before anything starts
        sockets = bind_sockets(settings.webhook_port, address=settings.webhook_listen)
    except OSError as exc:
        raise ConfigError(
            f"WEBHOOK_PORT: cannot listen on {settings.webhook_listen}:{settings.webhook_port} "
            f"({exc.strerror or exc}); is another process using it?"
        ) from None
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        # requests that came meanwhile waited in the socket's backlog; now they are taken
        server.add_sockets(sockets)
        await application.bot.set_webhook(
            settings.webhook_url or "", secret_token=settings.webhook_secret, allowed_updates=allowed_updates
        )
        await application.start()
        log.info("webhook: taking updates on %s:%s", settings.webhook_listen, settings.webhook_port)
        await stop.wait()
        # no new requests; the ones being handled are answered first (each within the handler's time)
        server.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(busy.idle.wait(), settings.shutdown_timeout_seconds)
        await application.stop()
        if application.post_stop:
            await application.post_stop(application)
    finally:
        server.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
