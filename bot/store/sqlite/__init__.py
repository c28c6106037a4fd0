"""The SQLite backend: each concern of the store in its own module, over one shared connection.

The only place in the bot that imports sqlite3 or aiosqlite (tests/test_architecture.py checks it).
"""

from bot.store.sqlite.admin import SqliteAdminQueries
from bot.store.sqlite.broadcasts import SqliteBroadcastQueue
from bot.store.sqlite.data_rights import SqliteDataRights
from bot.store.sqlite.facts import SqliteFacts
from bot.store.sqlite.leases import SqliteLeases
from bot.store.sqlite.maintenance import SqliteMaintenance, migrate
from bot.store.sqlite.outbox import SqliteOwedReplies, SqliteReminderQueue
from bot.store.sqlite.shared import SqliteShared
from bot.store.sqlite.turns import SqliteTurns


class SqliteStore(
    SqliteTurns,
    SqliteFacts,
    SqliteOwedReplies,
    SqliteReminderQueue,
    SqliteBroadcastQueue,
    SqliteLeases,
    SqliteAdminQueries,
    SqliteDataRights,
    SqliteShared,
):
    """Every concern of `bot.store.base.Store`, on one SQLite file."""


__all__ = ["SqliteMaintenance", "SqliteStore", "migrate"]
