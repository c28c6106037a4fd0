"""The Telegram application: build it, wire every handler (the table of contents), run it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.broadcaster import Broadcaster
from bot.clock import FileClock, SystemClock
from bot.commands import COMMAND_EVENTS
from bot.config import Settings
from bot.dispatch import Dispatcher
from bot.handlers import admin, conversation, data_rights, errors, membership
from bot.health import HealthServer, stale_after
from bot.logs import configure as configure_logs
from bot.outbox import Outbox, render
from bot.scheduler import Scheduler
from bot.send_limiter import SendLimiter
from bot.services import Services, install
from bot.store import SqliteStore
from content import Content, ContentError, load_content

log = logging.getLogger(__name__)

# the command menu for runners, in menu order; descriptions come from content
USER_COMMANDS = (
    "start",
    "triage",
    "plan",
    "checkin",
    "log",
    "history",
    "remind",
    "settings",
    "cancel",
    "export",
    "delete",
    "help",
)
BACKGROUND_TASKS = "background_tasks"
HEALTH = "health_server"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]

App = Application[Any, Any, Any, Any, Any, Any]


def register(application: App, admin_ids: frozenset[int] = frozenset()) -> None:
    """Every handler the bot answers to, in the order they are tried."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    admins = private & filters.User(user_id=admin_ids)
    # button taps are most updates: their handlers come first, /delete's confirmation before the
    # conversation's buttons, which take every other tap
    application.add_handler(CallbackQueryHandler(data_rights.on_delete_answer, pattern=r"^del\|"))
    application.add_handler(CallbackQueryHandler(admin.on_broadcast_button, pattern=r"^bc\|"))
    application.add_handler(CallbackQueryHandler(conversation.on_button))
    # commands before text, so "/start" is never read as a typed answer
    application.add_handler(CommandHandler(list(COMMAND_EVENTS), conversation.on_command, filters=private))
    application.add_handler(CommandHandler("help", conversation.on_help, filters=private))
    application.add_handler(CommandHandler("export", data_rights.on_export, filters=private))
    application.add_handler(CommandHandler("delete", data_rights.on_delete, filters=private))
    # admin commands answer admins only; for anyone else they fall through to "unknown command"
    for name in admin.ADMIN_COMMANDS:
        application.add_handler(CommandHandler(name, getattr(admin, f"on_{name}"), filters=admins))
    application.add_handler(MessageHandler(private & filters.COMMAND, conversation.on_unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, conversation.on_text))
    # stickers, photos, voice, anything else a runner can send
    application.add_handler(MessageHandler(private, conversation.on_other_message))
    application.add_handler(ChatMemberHandler(membership.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(errors.on_error)


def command_menu(content: Content) -> list[BotCommand]:
    return [BotCommand(name, content.strings.command_menu[name]) for name in USER_COMMANDS]


async def set_admin_menus(application: App, content: Content, admin_ids: frozenset[int]) -> None:
    """Admins see their commands too, in their own chat only (a per-chat command scope)."""
    menu = command_menu(content) + [BotCommand(name, content.admin.commands[name]) for name in admin.ADMIN_COMMANDS]
    for admin_id in sorted(admin_ids):
        try:
            await application.bot.set_my_commands(menu, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # the admin has not opened a chat with the bot yet
            log.warning("admin menu for %s not set: %s", admin_id, exc)


def build_application(
    settings: Settings, content: Content, request: BaseRequest | None = None, run_scheduler: bool = True
) -> App:
    """The application, not yet started. `request` replaces HTTP (in-process tests); tests that drive
    the scheduler by hand turn its background loop off."""
    assert settings.telegram_bot_token is not None
    store = SqliteStore(settings.database_path, synchronous=settings.sqlite_synchronous)

    stop = asyncio.Event()

    async def post_init(application: App) -> None:
        await store.open()
        clock = FileClock(settings.test_clock_file) if settings.test_clock_file else SystemClock()
        dispatcher = Dispatcher(store, content, clock=clock, render=render)
        scheduler = Scheduler(
            store,
            application.bot,
            lambda: dispatcher.content,
            clock,
            max_late=timedelta(hours=settings.reminder_max_late_hours),
            poll_seconds=settings.scheduler_poll_seconds,
        )
        broadcaster = Broadcaster(store, application.bot, clock, lambda: dispatcher.content)
        outbox = Outbox(store, application.bot)
        install(application, Services(settings, store, dispatcher, scheduler, broadcaster, outbox))
        await application.bot.set_my_commands(command_menu(content))
        await set_admin_menus(application, content, settings.admin_ids)
        # replies owed from before a crash go out first, beside the new updates
        tasks = [asyncio.create_task(outbox.flush_everyone(), name="owed replies")]
        if run_scheduler:
            tasks += [
                asyncio.create_task(scheduler.run(stop), name="reminders"),
                asyncio.create_task(broadcaster.run(stop), name="broadcasts"),
            ]
        application.bot_data[BACKGROUND_TASKS] = tasks
        if settings.health_port:
            health = HealthServer(
                settings.health_listen,
                settings.health_port,
                partial(health_problem, store, scheduler),
                store.active_users,
            )
            await health.start()
            application.bot_data[HEALTH] = health
        log.info("bot ready: database %s", settings.database_path)

    async def post_stop(application: App) -> None:
        # before PTB shuts the bot's HTTP client down: let each loop finish its batch and mark it
        stop.set()
        tasks = application.bot_data.pop(BACKGROUND_TASKS, [])
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=settings.shutdown_timeout_seconds)
            for task in late:
                log.warning("%s did not finish in time; stopping it", task.get_name())
                task.cancel()
        health = application.bot_data.pop(HEALTH, None)
        if health is not None:
            await health.stop()

    async def post_shutdown(application: App) -> None:
        await post_stop(application)  # in-process tests shut down without stopping first
        await store.close()

    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        # updates of different runners run concurrently; each runner's own stay in order (user lock)
        .concurrent_updates(True)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if settings.send_rate_per_second > 0:
        builder = builder.rate_limiter(
            SendLimiter(settings.send_rate_per_second, settings.per_chat_rate_per_second, settings.per_chat_burst)
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    application = builder.build()
    register(application, settings.admin_ids)
    return application


async def health_problem(store: SqliteStore, scheduler: Scheduler) -> str | None:
    """None when the store answers and the reminder loop ticked recently; else what is wrong."""
    try:
        await store.read(lambda conn: conn.execute("SELECT 1").fetchone())
    except Exception as exc:  # any failure here is exactly what health must report
        return f"store unreachable: {type(exc).__name__}"
    last = scheduler.last_tick
    if last is None or scheduler.clock.now() - last > stale_after(scheduler.poll_seconds):
        return "reminder loop not running"
    return None


def run_bot(settings: Settings) -> int:
    configure_logs(settings.log_level, settings.log_format)
    content = load_content(settings.content_dir) if settings.content_dir else load_content()
    missing = [name for name in USER_COMMANDS if name not in content.strings.command_menu]
    if missing:
        raise ContentError("strings.yaml", "command_menu", f"no description for {', '.join(missing)}")
    missing = [name for name in admin.ADMIN_COMMANDS if name not in content.admin.commands]
    if missing:
        raise ContentError("admin.yaml", "commands", f"no description for {', '.join(missing)}")
    application = build_application(settings, content)
    if settings.webhook_url:
        # PTB's webhook server refuses any request without the secret token header (403)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            close_loop=False,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
    return 0
