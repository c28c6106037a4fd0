"""PostgreSQL's schema steps, numbered like SQLite's (`bot/store/migrations.py`), tracked in `schema_version`.

A PostgreSQL database starts at the shape SQLite reached at `LATEST` (8): one step creates it whole.
A later change adds a step here and one in SQLite's list, with the same number. Never edit a released
step. Telegram ids are BIGINT; moments are timestamptz, days are date; a `user_id` column names the
user of every row about one, so export and delete find them all.
"""

from __future__ import annotations

# (version, SQL): applied in order, each in its own transaction, when the database is older
STEPS: tuple[tuple[int, str], ...] = (
    (
        8,
        """
        CREATE TABLE users (
            user_id     BIGINT PRIMARY KEY,
            language    TEXT,
            time_zone   TEXT,
            consented   BOOLEAN NOT NULL DEFAULT false,
            active      BOOLEAN NOT NULL DEFAULT true,
            created_at  TIMESTAMPTZ NOT NULL,
            updated_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX users_by_active ON users(active);
        CREATE TABLE flow_state (
            user_id       BIGINT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
            flow          TEXT NOT NULL,
            state         TEXT NOT NULL,
            data          TEXT NOT NULL,
            version       INTEGER NOT NULL,
            plan_pattern  TEXT,
            plan_phase    TEXT,
            plan_status   TEXT
        );
        CREATE TABLE answers (
            id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            session      INTEGER NOT NULL,
            question     TEXT NOT NULL,
            value        TEXT NOT NULL,
            answered_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX answers_by_user ON answers(user_id, id);
        CREATE TABLE handled_updates (
            update_id   BIGINT PRIMARY KEY,
            user_id     BIGINT,
            handled_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX handled_updates_by_time ON handled_updates(handled_at);
        CREATE TABLE audit (
            id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at        TIMESTAMPTZ NOT NULL,
            actor_id  BIGINT,
            action    TEXT NOT NULL,
            user_id   BIGINT,
            detail    TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE outcomes (
            id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id     BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            urgency     TEXT NOT NULL,
            pattern     TEXT,
            red_flag    TEXT,
            decided_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX outcomes_by_time ON outcomes(decided_at);
        CREATE TABLE checkins (
            id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id       BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            day           DATE NOT NULL,
            done          TEXT NOT NULL,
            pain_during   INTEGER NOT NULL,
            pain_morning  INTEGER NOT NULL,
            phase         TEXT NOT NULL,
            decision      TEXT NOT NULL,
            run_minutes   INTEGER,
            run_step      INTEGER,
            checks        TEXT NOT NULL DEFAULT '{}',
            recorded_at   TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX checkins_by_day ON checkins(day);
        CREATE INDEX checkins_by_user ON checkins(user_id, id);
        CREATE TABLE reminders (
            id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            kind         TEXT NOT NULL,
            local_time   TEXT,
            next_due_at  BIGINT NOT NULL,
            UNIQUE (user_id, kind)
        );
        CREATE INDEX reminders_due ON reminders(next_due_at);
        CREATE TABLE reminder_log (
            id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id     BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            kind        TEXT NOT NULL,
            local_date  TEXT NOT NULL,
            due_at      BIGINT NOT NULL,
            status      TEXT NOT NULL,
            logged_at   TIMESTAMPTZ NOT NULL,
            UNIQUE (user_id, kind, local_date)
        );
        CREATE INDEX reminder_log_by_status ON reminder_log(status);
        CREATE TABLE broadcasts (
            id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            created_by        BIGINT NOT NULL,
            text              TEXT NOT NULL,
            status            TEXT NOT NULL,
            total             INTEGER NOT NULL DEFAULT 0,
            created_at        TIMESTAMPTZ NOT NULL,
            finished_at       TIMESTAMPTZ,
            progress_chat     BIGINT,
            progress_message  BIGINT
        );
        CREATE TABLE broadcast_deliveries (
            broadcast_id  BIGINT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
            user_id       BIGINT NOT NULL,
            status        TEXT NOT NULL,
            PRIMARY KEY (broadcast_id, user_id)
        );
        CREATE TABLE outbox (
            id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id     BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            body        TEXT NOT NULL,
            created_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX outbox_by_user ON outbox(user_id, id);
        CREATE TABLE quarantine (
            id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id         BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            data            TEXT NOT NULL,
            reason          TEXT NOT NULL,
            quarantined_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX quarantine_by_user ON quarantine(user_id, id);
        CREATE TABLE runs (
            id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            day          DATE NOT NULL,
            km           DOUBLE PRECISION NOT NULL,
            minutes      INTEGER NOT NULL,
            recorded_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX runs_by_user ON runs(user_id, id);
        CREATE TABLE milestones (
            id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            day          DATE NOT NULL,
            phase        TEXT NOT NULL,
            milestone    TEXT NOT NULL,
            answer       TEXT NOT NULL,
            passed       BOOLEAN NOT NULL,
            recorded_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX milestones_by_user ON milestones(user_id, id);
        CREATE TABLE scores (
            id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      BIGINT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            day          DATE NOT NULL,
            measure      TEXT NOT NULL,
            score        INTEGER NOT NULL,
            answers      TEXT NOT NULL,
            recorded_at  TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX scores_by_user ON scores(user_id, id);
        """,
    ),
    (
        10,
        # what several processes on one database share: the send pace (one row, GCRA, moments by the
        # server's clock) and the content version /reload publishes (no row until the first /reload)
        """
        CREATE TABLE send_pace (
            id            INTEGER PRIMARY KEY CHECK (id = 1),
            next_at       TIMESTAMPTZ NOT NULL,
            paused_until  TIMESTAMPTZ NOT NULL
        );
        INSERT INTO send_pace VALUES (1, '-infinity', '-infinity');
        CREATE TABLE content_version (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            version      INTEGER NOT NULL,
            digest       TEXT NOT NULL,
            reloaded_at  TIMESTAMPTZ NOT NULL,
            reloaded_by  BIGINT
        );
        """,
    ),
)
