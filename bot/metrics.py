"""Prometheus metrics: one registry for the process, counted where things happen."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("thigh_coach_updates_total", "Updates handled, by outcome", ["outcome"], registry=REGISTRY)
UPDATE_SECONDS = Histogram(
    "thigh_coach_update_seconds",
    "Time to handle one update, stored before any reply",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
REMINDERS = Counter("thigh_coach_reminders_total", "Reminders by what happened to them", ["status"], registry=REGISTRY)
BROADCAST_SENT = Counter(
    "thigh_coach_broadcast_messages_total", "Broadcast deliveries, by status", ["status"], registry=REGISTRY
)
ACTIVE_USERS = Gauge("thigh_coach_active_users", "Runners who have not blocked the bot", registry=REGISTRY)
