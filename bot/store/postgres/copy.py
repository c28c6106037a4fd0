"""Filling an empty PostgreSQL database with every table of another backend (`thigh-coach db copy`).

The target is migrated first, then refused if it already holds anything (a copy never merges). Every
table is written in one transaction, ids kept, each value converted to the column's PostgreSQL type
(ISO text to timestamptz, day text to date, 0/1 to boolean); the identity sequences are then set past
the copied ids, so the rows written next do not collide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.store.base import StoreError
from bot.store.postgres.connection import Connection
from bot.store.postgres.maintenance import migrate
from bot.store.rows import TableRows

# tables others refer to go first, so every foreign key finds its row
FIRST = ("users", "broadcasts")
# PostgreSQL's own bookkeeping, never copied from another backend (a SQLite bot paces in memory)
OWN_TABLES = frozenset({"schema_version", "send_pace"})


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    # SQLite keeps what the clock gave (aware, UTC); a moment written without a zone was UTC too
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes")
    return bool(value)


CONVERT: dict[str, Callable[[Any], Any]] = {
    "timestamp with time zone": _moment,
    "date": _day,
    "boolean": _flag,
    "bigint": int,
    "integer": int,
    "smallint": int,
    "double precision": float,
    "real": float,
    "text": str,
}


def _converter(table: str, column: str, pg_type: str) -> Callable[[Any], Any]:
    convert = CONVERT.get(pg_type)
    if convert is None:
        raise StoreError(f"cannot copy {table}.{column}: no conversion to PostgreSQL's {pg_type}")

    def checked(value: Any) -> Any:
        if value is None:
            return None
        try:
            return convert(value)
        except (TypeError, ValueError):
            # the kind of value only: it may be what a runner wrote
            raise StoreError(
                f"cannot copy {table}.{column}: a {type(value).__name__} value PostgreSQL's {pg_type} cannot take; "
                "nothing was copied"
            ) from None

    return checked


async def _columns(conn: Connection) -> dict[str, dict[str, str]]:
    """Each table of the target: its columns and their types."""
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.ordinal_position"
    )
    tables: dict[str, dict[str, str]] = {}
    for table, column, pg_type in rows:
        tables.setdefault(str(table), {})[str(column)] = str(pg_type)
    return tables


async def _refuse_unless_empty(conn: Connection, names: Sequence[str], shown: str) -> None:
    runners = int(await conn.fetchval("SELECT count(*) FROM users"))
    if runners:
        raise StoreError(
            f"{shown} already holds {runners} runner{'s' if runners != 1 else ''}: "
            "db copy only fills an empty database, it never merges"
        )
    for name in names:
        if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{name}")'):
            raise StoreError(f"{shown} already holds rows in {name}: db copy only fills an empty database")


async def copy_tables(conn: Connection, tables: Sequence[TableRows], shown: str) -> int:
    """Migrate, refuse a target that holds anything, copy every table in one transaction.
    Returns the number of rows copied."""
    await migrate(conn)
    target = await _columns(conn)
    missing = [t.name for t in tables if t.name not in target]
    if missing:
        raise StoreError(f"{shown} has no table {', '.join(missing)}: is the bot of the same version on both sides?")
    not_copied = sorted(set(target) - OWN_TABLES - {t.name for t in tables})
    if not_copied:
        raise StoreError(f"the source has no table {', '.join(not_copied)}: it is older than {shown}")
    ordered = sorted(tables, key=lambda t: (FIRST.index(t.name) if t.name in FIRST else len(FIRST), t.name))
    copied = 0
    async with conn.transaction():
        names = [t.name for t in ordered]
        # nothing else writes while the copy runs, and nothing slips in between the check and the copy
        await conn.execute("LOCK TABLE " + ", ".join(f'"{n}"' for n in names) + " IN EXCLUSIVE MODE")
        await _refuse_unless_empty(conn, names, shown)
        for table in ordered:
            types = target[table.name]
            extra = [c for c in table.columns if c not in types]
            if extra:
                raise StoreError(f"{shown}: table {table.name} has no column {', '.join(extra)}")
            converters = [_converter(table.name, c, types[c]) for c in table.columns]
            records = [tuple(convert(v) for convert, v in zip(converters, row, strict=True)) for row in table.rows]
            if records:
                # COPY writes the given ids into identity columns, as INSERT ... OVERRIDING SYSTEM VALUE
                await conn.copy_records_to_table(table.name, records=records, columns=list(table.columns))
            copied += len(records)
        await _restart_identities(conn)
    return copied


async def _restart_identities(conn: Connection) -> None:
    """Set every identity column's sequence past the largest id now in its table."""
    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identities:
        highest = await conn.fetchval(f'SELECT max("{column}") FROM "{table}"')
        if highest is not None:
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence($1, $2), $3, true)", f'"{table}"', str(column), int(highest)
            )
