"""The Bot API peer (one per test module) and an HTTP client to play runners with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.e2e.harness import Peer


@pytest.fixture(scope="module")
def peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.stop()


@pytest.fixture
async def http(peer: Peer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=peer.url, timeout=20) as client:
        yield client
