"""The Telegram application: build it, wire every handler (the table of contents), run it."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import webhook
from bot.backlog import Backlog
from bot.broadcaster import Broadcaster
from bot.clock import FileClock, SystemClock
from bot.commands import COMMAND_EVENTS
from bot.config import ConfigError, Settings
from bot.content_sync import ContentSync
from bot.dispatch import Dispatcher
from bot.handlers import admin, conversation, data_rights, errors, membership
from bot.health import HealthServer
from bot.logs import configure as configure_logs
from bot.logs import library_level, quiet_library
from bot.loops import Loop
from bot.outbox import Outbox, render
from bot.polling import PollingBot
from bot.scheduler import Scheduler
from bot.send_limiter import SendLimiter
from bot.services import CONTEXT_TYPES, App, Services, install, installed
from bot.store import Store, store_for
from bot.store.claims import new_claimant
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
    "report",
    "remind",
    "settings",
    "cancel",
    "export",
    "delete",
    "help",
)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def register(application: App, admin_ids: frozenset[int] = frozenset()) -> None:
    """Every handler the bot answers to, in the order they are tried."""
    # messages from a runner in their private chat; one without a sender is not theirs to answer
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.USER
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
    clock = FileClock(settings.test_clock_file) if settings.test_clock_file else SystemClock()
    # this process, as its claims on owed replies, reminders and broadcasts name it (several may share a database)
    claimant = new_claimant()
    # the store keeps the system clock: leases measure how long a dead process's claims wait, in real time,
    # whatever moment TEST_CLOCK_FILE sets for the conversation and the reminders
    store = store_for(
        settings.database,
        sqlite_synchronous=settings.sqlite_synchronous,
        claimant=claimant,
        lease=timedelta(seconds=settings.claim_lease_seconds),
    )

    stop = asyncio.Event()
    limiter = (
        SendLimiter(
            settings.send_rate_per_second,
            settings.per_chat_rate_per_second,
            settings.per_chat_burst,
            stopping=stop,
            shared=store,  # one rate for every process on the database
        )
        if settings.send_rate_per_second > 0
        else None
    )
    backlog = Backlog()
    bot = PollingBot(
        backlog=backlog,
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
        # updates of different runners are handled concurrently: many sends at once
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(),
        rate_limiter=limiter,
    )

    async def post_init(application: App) -> None:
        await store.open()
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
        content_sync = ContentSync(store, dispatcher, settings.content_dir)
        await content_sync.adopt()
        install(application, Services(settings, store, dispatcher, scheduler, broadcaster, outbox, content_sync))
        await application.bot.set_my_commands(command_menu(content))
        await set_admin_menus(application, content, settings.admin_ids)
        # replies owed from before a crash go out first, beside the new updates
        tasks = [asyncio.create_task(outbox.flush_everyone(), name="owed replies")]
        # the claims this process holds keep their lease while it lives, renewed three times a lease
        leases = Loop("lease", partial(renew_leases, store), settings.claim_lease_seconds / 3)
        loops = [scheduler.loop, broadcaster.loop, content_sync, outbox.loop, leases] if run_scheduler else []
        tasks += [loop.start(stop) for loop in loops]
        application.bot_data.background = tasks
        if settings.health_port:
            polling = bot if request is None and not settings.webhook_url else None
            health = HealthServer(
                settings.health_listen,
                settings.health_port,
                partial(health_problem, store, loops, polling),
                store.active_users,
            )
            try:
                await health.start()
            except OSError as exc:
                raise ConfigError(
                    f"HEALTH_PORT: cannot listen on {settings.health_listen}:{settings.health_port} "
                    f"({exc.strerror or exc}); is another process using it?"
                ) from None
            application.bot_data.health = health
        logging.getLogger("telegram").setLevel(library_level(settings.log_level))
        log.info("bot ready: database %s, claims as %s", settings.database, claimant)

    async def post_stop(application: App) -> None:
        # before PTB shuts the bot's HTTP client down: the loops stop taking new work; sends
        # waiting for their turn give up (sent after the restart); sends on the wire finish and
        # are marked, whatever the timeout, so a graceful stop sends nothing twice
        stop.set()
        tasks, application.bot_data.background = application.bot_data.background, []
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=settings.shutdown_timeout_seconds)
            for task in late:
                log.warning("%s did not finish in time; stopping it", task.get_name())
                task.cancel()
            await asyncio.wait(tasks)
        if application.bot_data.services is not None:
            found = installed(application)
            await found.scheduler.sends.settle()
            await found.broadcaster.sends.settle()
        health, application.bot_data.health = application.bot_data.health, None
        if health is not None:
            await health.stop()

    async def post_shutdown(application: App) -> None:
        await post_stop(application)  # in-process tests shut down without stopping first
        if application.bot_data.services is not None:  # the store was opened
            await release_claims(store)
        await store.close()

    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(CONTEXT_TYPES)  # context.bot_data is the typed BotData
        # updates of different runners run concurrently; each runner's own stay in order (user lock)
        .concurrent_updates(backlog)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.updater(None)
    application: App = builder.build()
    register(application, settings.admin_ids)
    return application


async def release_claims(store: Store) -> None:
    """At a graceful stop, every send settled: what this process still holds was not sent, and another takes
    it at once. A store that cannot write now (its file gone, the server away) leaves them to the lease."""
    try:
        await store.release_claims()
    except Exception as exc:  # whatever the backend raised, the store must still be closed
        log.warning("claims not released (%s): others take them over when the lease ends", exc)


async def renew_leases(store: Store, stop: asyncio.Event) -> bool:
    """The lease loop's round: another process takes over this one's claims only once it has died."""
    await store.renew_claims()
    return False


# polling counts as stalled when Telegram has not answered getUpdates for this long (a long poll
# answers at least every POLL_TIMEOUT seconds)
POLL_TIMEOUT = 10
POLL_STALLED_AFTER = 60.0


async def health_problem(store: Store, loops: list[Loop], polling: PollingBot | None) -> str | None:
    """None when the store reads and writes, every background loop runs and polling moves."""
    problems = [await store.problem(), *(loop.problem() for loop in loops)]
    if polling is not None and polling.last_poll is not None:
        quiet = time.monotonic() - polling.last_poll
        why = "updates read and not finished" if polling.waiting_for_room else "no answer from Telegram"
        problems.append(f"polling stalled: {why} for {quiet:.0f} s" if quiet > POLL_STALLED_AFTER else None)
    return "; ".join(p for p in problems if p) or None


def freeze_start_up() -> None:
    """What start-up built (content, handlers, libraries) lives as long as the process: kept out of
    the collector's full passes, which would otherwise walk it all while every update waits."""
    gc.collect()
    gc.freeze()
    # an update makes thousands of short-lived objects that reference counting frees: collecting
    # every 700 allocations mostly promotes them; rarer passes measured +10-15% updates/s at 1,000
    # runners (bench.updates) and a shorter longest pass (105 -> 55 ms, 57 -> 44 ms)
    gc.set_threshold(20_000, 20, 20)


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
    quiet_library()
    freeze_start_up()
    try:
        if settings.webhook_url:
            # answered only once handled: an instance killed mid-update leaves it to Telegram to resend
            asyncio.run(webhook.serve(application, settings, ALLOWED_UPDATES))
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=POLL_TIMEOUT, close_loop=False)
    # one line naming the setting to fix; never the token, which PTB's own message repeats
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: Telegram refused this token (401/404); copy it again from @BotFather"
        ) from None
    except NetworkError as exc:
        raise ConfigError(
            f"BOT_API_BASE_URL: cannot reach the Bot API at {settings.bot_api_base_url} ({type(exc).__name__})"
        ) from None
    return 0
