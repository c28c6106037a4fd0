"""DATABASE_URL: which backend keeps the bot's data, and where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "sqlite:///thigh-coach.sqlite3"
EXAMPLE = "sqlite:///PATH (sqlite:////absolute/path) or postgresql://USER:PASSWORD@HOST/DATABASE"
POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Database:
    """Where the data lives: an SQLite file (`path`), or a PostgreSQL server (`url`, as asyncpg reads it)."""

    scheme: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None

    @property
    def shown(self) -> str:
        """What to print about it: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def parse(url: str) -> Database:
    """The backend and where its data is; ValueError, in one line, for what no backend reads.

    SQLite as SQLAlchemy writes it: three slashes, then the path, so an absolute path has four.
    PostgreSQL as libpq writes it: postgresql://user:password@host:port/database?options."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in POSTGRES_SCHEMES:
        return Database("postgresql", url)
    if not sep or scheme != "sqlite":
        raise ValueError(f"unknown database scheme {scheme if sep else url!r}; write {EXAMPLE}")
    if not rest.startswith("/") or not rest[1:].strip():
        raise ValueError(f"no file in {url!r}; write {EXAMPLE}")
    return Database("sqlite", url, Path(rest[1:]))
