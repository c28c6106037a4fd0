"""The `thigh-coach` command: run the bot, chat in a terminal, check content, look after the database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.store import Maintenance, StoreError, maintenance_for, store_for
from bot.store.url import parse as parse_database_url
from bot.store.url import sqlite_url
from content import DEFAULT_DIR, ContentError, load_content

NO_TOKEN = """\
thigh-coach: TELEGRAM_BOT_TOKEN is not set.
  1. In Telegram, talk to @BotFather, send /newbot and follow the steps; it gives you a token.
  2. Put it in the environment or in a .env file here:  TELEGRAM_BOT_TOKEN=123456:ABC...
  3. Run `thigh-coach run` again.
To try the conversation without Telegram, run `thigh-coach chat`."""


def _fail(message: str) -> int:
    print(f"thigh-coach: {message}", file=sys.stderr)
    return 2


def _content_dir(settings: Settings) -> Path:
    return settings.content_dir or DEFAULT_DIR


def cmd_content_check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else _content_dir(settings)
    content = load_content(directory)
    print(
        f"content OK: {directory} ({len(content.triage.questions)} questions, "
        f"{len(content.red_flags.red_flags)} red flags, {len(content.patterns.patterns)} patterns, "
        f"{len(content.exercises.exercises)} exercises)"
    )
    return 0


def cmd_content_diagram(args: argparse.Namespace, settings: Settings) -> int:
    from bot.diagram import diagram

    path = Path(args.output)
    path.write_text(diagram(load_content(_content_dir(settings))), encoding="utf-8")
    print(f"diagram written: {path}")
    return 0


async def _chat(settings: Settings) -> None:
    from bot.clock import FileClock, SystemClock
    from bot.console import Console
    from bot.dispatch import Dispatcher

    clock = FileClock(settings.test_clock_file) if settings.test_clock_file else SystemClock()
    store = store_for(settings.database, clock=clock, sqlite_synchronous=settings.sqlite_synchronous)
    await store.open()
    try:
        dispatcher = Dispatcher(store, load_content(_content_dir(settings)), clock=clock)
        console = Console(dispatcher, lambda s: print(s, flush=True))
        await console.run(sys.stdin)
    finally:
        await store.close()


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_chat(settings))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import run_bot

    return run_bot(settings)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    url = sqlite_url(Path(args.db)) if args.db else settings.database
    where = parse_database_url(url)
    if args.action != "migrate" and where.path is not None and not where.path.is_file():
        # checking or copying must not create it
        return _fail(f"database {where.path} does not exist (DATABASE_URL, DATABASE_PATH or --db)")
    if args.action == "copy":
        return _copy(where.path, where.shown, args.to)
    database = maintenance_for(url)
    if args.action == "migrate":
        print(f"database {where.shown} at schema version {database.migrate()}")
    elif args.action == "backup":
        return _backup(database, Path(args.path), args.force, where.shown)
    else:
        problems = database.problems()
        for problem in problems:
            print(problem)
        print("integrity check: " + ("FAILED" if problems else "ok"))
        _report_quarantine(database)
        return 1 if problems else 0
    return 0


def _report_quarantine(database: Maintenance) -> None:
    """States set aside are kept for a person to look at: say so, without what they hold."""
    kept = database.quarantined()
    for state in kept:
        print(f"quarantined state: user {state.user_id} at {state.at}: {state.reason}")
    print(f"quarantined states: {len(kept)}" + (" (see /user ID; each runner started afresh)" if kept else ""))


def _copy(source: Path | None, shown: str, target: str) -> int:
    from bot.store.copy import copy_database

    if source is None:
        return _fail(f"db copy reads a SQLite database; {shown} is not one (DATABASE_URL, DATABASE_PATH or --db)")
    copied = copy_database(source, target)
    print(f"copied {copied.rows} rows of {copied.tables} tables from {shown} to {parse_database_url(target).shown}")
    return 0


def _backup(database: Maintenance, target: Path, force: bool, source: str) -> int:
    if target.exists() and not force:
        return _fail(f"{target} already exists; add --force to overwrite it")
    database.backup(target)
    print(f"backed up {source} to {target}")
    return 0


RUN_HELP = """\
Run the Telegram bot: long polling, or a webhook when WEBHOOK_URL is set. Needs TELEGRAM_BOT_TOKEN.
Every setting comes from the environment or a .env file in this directory: .env.example lists
them all with their defaults, and the README's Configuration table says what each one does."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="thigh-coach", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="run the Telegram bot (long polling, or a webhook if configured)",
        description=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).set_defaults(func=cmd_run)
    sub.add_parser("chat", help="talk to the bot in this terminal, no Telegram needed").set_defaults(func=cmd_chat)
    content = sub.add_parser("content", help="content tools").add_subparsers(dest="action", required=True)
    check = content.add_parser("check", help="validate a content directory")
    check.add_argument("dir", nargs="?", help="directory with the YAML files (default: the bundled content)")
    check.set_defaults(func=cmd_content_check)
    drawn = content.add_parser("diagram", help="write the triage and the plans as a Mermaid diagram")
    drawn.add_argument("output", nargs="?", default="docs/flow.md", help="where to write it (default: docs/flow.md)")
    drawn.set_defaults(func=cmd_content_diagram)
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="action", required=True)
    for name, text in (("migrate", "apply pending schema migrations"), ("check", "run an integrity check")):
        action = db.add_parser(name, help=text)
        action.add_argument("--db", help="SQLite database file (default: DATABASE_URL or DATABASE_PATH)")
        action.set_defaults(func=cmd_db)
    backup = db.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    backup.add_argument("--db", help="SQLite database file (default: DATABASE_URL or DATABASE_PATH)")
    backup.set_defaults(func=cmd_db)
    copy = db.add_parser(
        "copy",
        help="copy every table of this SQLite database into an empty PostgreSQL database (stop the bot first)",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the PostgreSQL database: postgresql://...")
    copy.add_argument("--db", help="SQLite database file (default: DATABASE_URL or DATABASE_PATH)")
    copy.set_defaults(func=cmd_db)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    # the database, its WAL and lock files, backups: health data, readable by the bot's user only
    os.umask(0o077)
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        return int(args.func(args, settings))
    except (ConfigError, StoreError, ContentError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
