"""DATABASE_URL: which backend keeps the bot's data, and where."""

from __future__ import annotations

from pathlib import Path

DEFAULT_URL = "sqlite:///thigh-coach.sqlite3"
EXAMPLE = "sqlite:///PATH (sqlite:////absolute/path)"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def parse(url: str) -> tuple[str, Path]:
    """The backend's scheme and its file; ValueError, in one line, for what no backend reads.

    As SQLAlchemy writes them: three slashes, then the path, so an absolute path has four."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme != "sqlite":
        raise ValueError(f"unknown database scheme {scheme if sep else url!r}; this bot keeps its data in {EXAMPLE}")
    if not rest.startswith("/") or not rest[1:].strip():
        raise ValueError(f"no file in {url!r}; write {EXAMPLE}")
    return scheme, Path(rest[1:])
