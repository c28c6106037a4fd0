"""Moving a SQLite database into an empty PostgreSQL one (`thigh-coach db copy --to postgresql://...`).

The SQLite backend reads its file whole (`SqliteMaintenance.tables`), the PostgreSQL backend writes it
(`PostgresMaintenance.copy_in`); what passes between them is plain rows, never a driver's object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store.base import StoreError
from bot.store.postgres import PostgresMaintenance
from bot.store.sqlite import SqliteMaintenance
from bot.store.url import parse


@dataclass(frozen=True)
class Copied:
    rows: int
    tables: int


def copy_database(source: Path, target_url: str) -> Copied:
    """Copy every table of the SQLite file `source` into the empty PostgreSQL database `target_url`.
    Raises StoreError (one line) when the target holds anything already, or either side cannot be used."""
    target = parse(target_url)
    if target.path is not None:
        raise StoreError(f"db copy writes to PostgreSQL: --to must be a postgresql:// URL, not {target.shown}")
    tables = SqliteMaintenance(source).tables()
    rows = PostgresMaintenance(target.url).copy_in(tables)
    return Copied(rows, len(tables))
