"""What every handler needs, created in post_init and kept in the application's bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.broadcaster import Broadcaster
from bot.config import Settings
from bot.dispatch import Dispatcher
from bot.outbox import Outbox
from bot.scheduler import Scheduler
from bot.store import Store

KEY = "services"


@dataclass
class Services:
    settings: Settings
    store: Store
    dispatcher: Dispatcher
    scheduler: Scheduler
    broadcaster: Broadcaster
    outbox: Outbox


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    return installed(context.application)


def installed(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    found = application.bot_data[KEY]
    assert isinstance(found, Services)
    return found


def install(application: Application[Any, Any, Any, Any, Any, Any], found: Services) -> None:
    application.bot_data[KEY] = found
