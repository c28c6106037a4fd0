"""Durable state, behind the `Store` protocols of `base.py`; the backend is named by DATABASE_URL."""

from datetime import timedelta

from bot.clock import Clock
from bot.store.base import Maintenance, Store, StoreError
from bot.store.claims import LEASE
from bot.store.postgres import PostgresMaintenance, PostgresStore
from bot.store.rows import AnswerRow, Change, OutcomeRow, OwedMessage, ReminderRow, Stored
from bot.store.sqlite import SqliteMaintenance, SqliteStore
from bot.store.url import parse


def store_for(
    url: str,
    clock: Clock | None = None,
    sqlite_synchronous: str = "NORMAL",
    claimant: str | None = None,
    lease: timedelta = LEASE,
) -> Store:
    """The store DATABASE_URL names, not yet opened; its claims name `claimant` (this process) and last `lease`."""
    database = parse(url)
    if database.path is None:
        return PostgresStore(database.url, clock=clock, claimant=claimant, lease=lease)
    return SqliteStore(database.path, clock=clock, synchronous=sqlite_synchronous, claimant=claimant, lease=lease)


def maintenance_for(url: str) -> Maintenance:
    """`thigh-coach db` for the database DATABASE_URL names."""
    database = parse(url)
    if database.path is None:
        return PostgresMaintenance(database.url)
    return SqliteMaintenance(database.path)


__all__ = [
    "AnswerRow",
    "Change",
    "Maintenance",
    "OutcomeRow",
    "OwedMessage",
    "PostgresStore",
    "ReminderRow",
    "SqliteStore",
    "Store",
    "StoreError",
    "Stored",
    "maintenance_for",
    "store_for",
]
