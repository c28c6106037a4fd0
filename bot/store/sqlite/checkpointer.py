"""WAL checkpoints off the commit path.

With SQLite's automatic checkpoint, the commit that takes the WAL past 1,000 pages copies them into the
database file itself, and the runner whose turn it was waits: one update at a time, p99 was 5.1-5.4 ms
with it and 2.1-2.5 ms without (bench.updates, runs interleaved; the garbage collector made no
difference). So the writer's connection turns it off, and this thread, with a connection of its own,
runs a PASSIVE checkpoint every COMMITS commits: it never blocks the writer or a reader, and once it has
caught up the WAL is written from its start again. Closing the writer's connection, the last one, still
checkpoints whatever is left.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# commits between checkpoints: a turn writes a few pages, so about SQLite's own 1,000-page threshold
COMMITS = 250


class Checkpointer:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._wanted = threading.Event()
        self._stopping = False
        self._commits = 0
        self._done = threading.Condition()
        self.checkpoints = 0  # how many ran, for tests and curiosity
        self._thread = threading.Thread(target=self._work, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Called by the writer after each commit (in its thread): every COMMITS, a checkpoint is due."""
        self._commits += 1
        if self._commits % COMMITS == 0:
            self._wanted.set()

    def wait_for(self, checkpoints: int, timeout: float) -> bool:
        """Until at least `checkpoints` have run (False if `timeout` seconds pass first)."""
        with self._done:
            return self._done.wait_for(lambda: self.checkpoints >= checkpoints, timeout)

    def _work(self) -> None:
        try:  # read-write, never create: a file deleted meanwhile is health's to report, not ours to remake
            conn = sqlite3.connect(self._path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            log.warning("WAL checkpoints off the commit path are not running: %s", exc)
            return
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the WAL only grows until the next one works
                    log.warning("WAL checkpoint failed: %s", exc)
                with self._done:
                    self.checkpoints += 1
                    self._done.notify_all()
        finally:
            conn.close()

    def stop(self) -> None:
        """Ends the thread and closes its connection, before the writer closes the last one."""
        self._stopping = True
        self._wanted.set()
        self._thread.join()
