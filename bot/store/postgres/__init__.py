"""The PostgreSQL backend: each concern of the store in its own module, over one asyncpg pool.

With bot/store/sqlite/, the only place in the bot that imports a database driver (asyncpg here;
tests/test_architecture.py checks it). Chosen by DATABASE_URL=postgresql://...
"""

from bot.store.postgres.admin import PostgresAdminQueries
from bot.store.postgres.broadcasts import PostgresBroadcastQueue
from bot.store.postgres.data_rights import PostgresDataRights
from bot.store.postgres.facts import PostgresFacts
from bot.store.postgres.leases import PostgresLeases
from bot.store.postgres.maintenance import PostgresMaintenance, migrate
from bot.store.postgres.outbox import PostgresOwedReplies, PostgresReminderQueue
from bot.store.postgres.shared import PostgresShared
from bot.store.postgres.turns import PostgresTurns


class PostgresStore(
    PostgresTurns,
    PostgresFacts,
    PostgresOwedReplies,
    PostgresReminderQueue,
    PostgresBroadcastQueue,
    PostgresLeases,
    PostgresAdminQueries,
    PostgresDataRights,
    PostgresShared,
):
    """Every concern of `bot.store.base.Store`, on one PostgreSQL database."""


__all__ = ["PostgresMaintenance", "PostgresStore", "migrate"]
