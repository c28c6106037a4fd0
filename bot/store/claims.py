"""Who claims queued work, and for how long: several bot processes may share one database.

Each process names itself once (its claimant) and claims owed replies, reminders and broadcast
deliveries for a lease, renewed while it lives; a claim whose lease has passed is a dead process's,
free for another to take (docs/store.md, "Claims and leases").
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

LEASE = timedelta(seconds=60)

# a runner's owed messages claimed at a time by a flush (and read by the turn that wrote them, on SQLite)
OWED_AT_ONCE = 10

# the tables whose rows are claimed
CLAIMED_TABLES = ("outbox", "reminder_log", "broadcast_deliveries")

# in the UPDATE that settles a reminder or a delivery: settled work holds no claim
SETTLED = "claimed_by = NULL, claimed_until = NULL"

# in an UPDATE of `broadcasts` (both backends): nothing is left of it, neither an active runner
# without a delivery nor a delivery still claimed (another process's claims in flight are not done)
NOTHING_LEFT = (
    "NOT EXISTS (SELECT 1 FROM broadcast_deliveries d WHERE d.broadcast_id = broadcasts.id "
    "AND d.status = 'claimed') AND NOT EXISTS (SELECT 1 FROM users u WHERE u.active AND NOT EXISTS ("
    "SELECT 1 FROM broadcast_deliveries d WHERE d.broadcast_id = broadcasts.id AND d.user_id = u.user_id))"
)


def new_claimant() -> str:
    """A name no other process has, now or after this one restarts: host, process id and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
