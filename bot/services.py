"""What every handler needs, created in post_init and kept in the application's typed bot_data.

The application's context type is declared once here (`CONTEXT_TYPES`, `Context`, `App`): a handler
takes a `Context` and reads `context.bot_data.services`, never a string key in an untyped dict.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes

from bot.broadcaster import Broadcaster
from bot.config import Settings
from bot.content_sync import ContentSync
from bot.dispatch import Dispatcher
from bot.health import HealthServer
from bot.outbox import Outbox
from bot.polling import PollingBot
from bot.scheduler import Scheduler
from bot.store import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    broadcaster: Broadcaster
    outbox: Outbox
    content: ContentSync  # the content version this process serves; /reload publishes a new one


@dataclass
class BotData:
    """The application's bot_data (PTB makes it with no arguments, before post_init)."""

    services: Services | None = None  # None until post_init has built them
    background: list[asyncio.Task[Any]] = field(default_factory=list)  # the loops post_stop stops
    health: HealthServer | None = None  # /healthz and /metrics, when HEALTH_PORT is set


# user_data and chat_data stay PTB's dicts: the bot keeps nothing per user or chat in memory
Context = CallbackContext[PollingBot, dict[Any, Any], dict[Any, Any], BotData]
App = Application[PollingBot, Context, dict[Any, Any], dict[Any, Any], BotData, Any]
CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    context=CallbackContext, bot_data=BotData
)


def services(context: Context) -> Services:
    """The services, for a handler (they are there before the first update is handled)."""
    found = context.bot_data.services
    assert found is not None, "post_init has not run"
    return found


def installed(application: App) -> Services:
    found = application.bot_data.services
    assert found is not None, "post_init has not run"
    return found


def install(application: App, found: Services) -> None:
    application.bot_data.services = found
