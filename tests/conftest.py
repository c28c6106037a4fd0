from __future__ import annotations

from collections.abc import Iterator

import pytest

from content import Content, load_content
from tests.postgres_server import Server, postgres_server


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """One throwaway PostgreSQL server for the session (tests/postgres_server.py); fails, never skips,
    when it cannot start."""
    with postgres_server() as server:
        yield server
