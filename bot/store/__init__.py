"""Durable state, behind the `Store` protocols of `base.py`; the backend is named by DATABASE_URL."""

from bot.clock import Clock
from bot.store.base import Maintenance, Store, StoreError
from bot.store.rows import AnswerRow, Change, OutcomeRow, OwedMessage, ReminderRow, Stored
from bot.store.sqlite import SqliteMaintenance, SqliteStore
from bot.store.url import parse


def store_for(url: str, clock: Clock | None = None, sqlite_synchronous: str = "NORMAL") -> Store:
    """The store DATABASE_URL names, not yet opened."""
    _, path = parse(url)  # SQLite is the one backend today
    return SqliteStore(path, clock=clock, synchronous=sqlite_synchronous)


def maintenance_for(url: str) -> Maintenance:
    """`thigh-coach db` for the database DATABASE_URL names."""
    _, path = parse(url)
    return SqliteMaintenance(path)


__all__ = [
    "AnswerRow",
    "Change",
    "Maintenance",
    "OutcomeRow",
    "OwedMessage",
    "ReminderRow",
    "SqliteStore",
    "Store",
    "StoreError",
    "Stored",
    "maintenance_for",
    "store_for",
]
