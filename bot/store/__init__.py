"""Durable per-user state. `Store` is the interface; `SqliteStore` the backend."""

from bot.store.base import (
    AnswerRow,
    Change,
    CheckinRow,
    OutcomeRow,
    OwedMessage,
    ReminderRow,
    Store,
    Stored,
    StoreError,
)
from bot.store.sqlite import SqliteStore

__all__ = [
    "AnswerRow",
    "Change",
    "CheckinRow",
    "OutcomeRow",
    "OwedMessage",
    "ReminderRow",
    "SqliteStore",
    "Store",
    "StoreError",
    "Stored",
]
