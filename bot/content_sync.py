"""One content for every process of the bot: /reload publishes a version, each process follows.

/reload validates the content files on the process the admin's command reached, serves them and
publishes a new version with the content's digest. Every process checks the version every few
seconds and, when it is newer than its own, loads its own files. Files that differ from the ones
published (another digest) or that are refused are not served: the process keeps what it serves,
logs a warning and /healthz says so, until its files match and /reload is sent again.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.dispatch import Dispatcher
from bot.loops import Loop
from bot.store.base import ContentVersions
from bot.store.rows import ContentVersion
from content import Content, ContentError, load_content

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0


class ContentSync(Loop):
    def __init__(
        self, store: ContentVersions, dispatcher: Dispatcher, directory: Path | None, pause: float = CHECK_SECONDS
    ) -> None:
        super().__init__("content version", self.follow, pause)
        self.store, self.dispatcher, self.directory = store, dispatcher, directory
        self.version = 0  # the published version this process has taken (or passed over)
        self.mismatch: str | None = None  # why this process does not serve the published content

    def load(self) -> Content:
        """This process's content files, validated (ContentError when refused)."""
        return load_content(self.directory) if self.directory else load_content()

    async def adopt(self) -> None:
        """At start-up: the current version is this process's, if its files are the ones published."""
        published = await self.store.content_version()
        self.version = published.version
        if published.digest is not None and published.digest != self.dispatcher.content.digest:
            self._differs(published, "its content files differ")

    async def publish(self, fresh: Content, admin_id: int) -> int:
        """/reload: serve `fresh` here, and tell every process to load it; returns the new version."""
        self.dispatcher.content = fresh  # one assignment: each update sees the old or the new, never a mix
        self.version = await self.store.publish_content(fresh.digest, admin_id)
        self.mismatch = None
        return self.version

    async def follow(self, stop: asyncio.Event) -> bool:
        """One check: a newer version published elsewhere is loaded from this process's own files."""
        published = await self.store.content_version()
        if published.version <= self.version:
            return False
        try:
            fresh = await asyncio.to_thread(self.load)  # seconds of parsing, off the event loop
        except ContentError as exc:
            self.version = published.version
            self._differs(published, f"its content files are refused ({exc})")
            return False
        self.version = published.version
        if fresh.digest != published.digest:
            self._differs(published, "its content files differ")
            return False
        self.dispatcher.content = fresh
        self.mismatch = None
        log.info("content version %s loaded (published by /reload elsewhere)", published.version)
        return False

    def _differs(self, published: ContentVersion, why: str) -> None:
        self.mismatch = f"content version {published.version} not served here: {why}; fix them and /reload again"
        log.warning("%s", self.mismatch)

    def problem(self) -> str | None:
        """What /healthz says: the loop's own trouble, and content not served (no runner's data)."""
        return "; ".join(p for p in (super().problem(), self.mismatch) if p) or None
