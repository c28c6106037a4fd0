"""Forward-only schema migrations: one ordered list of steps, each with its SQL for every backend.

A database is at the version of the last step applied (SQLite: `user_version`; PostgreSQL: the
`schema_version` table). PostgreSQL databases begin at version 8, created whole by that step's
PostgreSQL SQL; the steps before it are SQLite's history. Every step
from 8 on says what it does on both backends. Never edit a released step: add a new one. Every table
that holds data about a user names that user in a `user_id` column, so export and delete find every row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    version: int
    sqlite: str
    # None: a step of SQLite's history before PostgreSQL databases begin (version 8)
    postgres: str | None = None


# PostgreSQL at version 8, whole: the shape SQLite reached by then. Telegram ids are BIGINT; moments
# are timestamptz, days are date, flags boolean
POSTGRES_BASELINE = """
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
"""

STEPS: tuple[Step, ...] = (
    # 1: users, their conversation state, the answers they gave, idempotency, audit
    Step(
        1,
        sqlite="""
    CREATE TABLE users (
        user_id     INTEGER PRIMARY KEY,
        language    TEXT,
        time_zone   TEXT,
        consented   INTEGER NOT NULL DEFAULT 0,
        active      INTEGER NOT NULL DEFAULT 1,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE flow_state (
        user_id  INTEGER PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
        flow     TEXT NOT NULL,
        state    TEXT NOT NULL,
        data     TEXT NOT NULL,
        version  INTEGER NOT NULL
    );
    CREATE TABLE answers (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        session      INTEGER NOT NULL,
        question     TEXT NOT NULL,
        value        TEXT NOT NULL,
        answered_at  TEXT NOT NULL
    );
    CREATE INDEX answers_by_user ON answers(user_id, id);
    CREATE TABLE handled_updates (
        update_id   INTEGER PRIMARY KEY,
        user_id     INTEGER,
        handled_at  TEXT NOT NULL
    );
    CREATE TABLE audit (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        actor_id  INTEGER,
        action    TEXT NOT NULL,
        user_id   INTEGER,
        detail    TEXT NOT NULL DEFAULT ''
    );
    """,
    ),
    # 2: triage outcomes for statistics; old idempotency rows can be pruned by time
    Step(
        2,
        sqlite="""
    CREATE TABLE outcomes (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        urgency      TEXT NOT NULL,
        pattern      TEXT,
        red_flag     TEXT,
        decided_at   TEXT NOT NULL
    );
    CREATE INDEX outcomes_by_time ON outcomes(decided_at);
    CREATE INDEX handled_updates_by_time ON handled_updates(handled_at);
    """,
    ),
    # 3: recovery plans: where each runner's plan stands, and every check-in for adherence
    Step(
        3,
        sqlite="""
    ALTER TABLE flow_state ADD COLUMN plan TEXT;
    CREATE TABLE checkins (
        id            INTEGER PRIMARY KEY,
        user_id       INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        day           TEXT NOT NULL,
        done          TEXT NOT NULL,
        pain_during   INTEGER NOT NULL,
        pain_morning  INTEGER NOT NULL,
        phase         TEXT NOT NULL,
        decision      TEXT NOT NULL,
        recorded_at   TEXT NOT NULL
    );
    CREATE INDEX checkins_by_day ON checkins(day);
    """,
    ),
    # 4: reminders: each row due at next_due_at (UTC epoch seconds); the log keeps one line per
    # user, kind and local date, which is what makes a reminder go out at most once a day
    Step(
        4,
        sqlite="""
    CREATE TABLE reminders (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        kind         TEXT NOT NULL,
        local_time   TEXT,
        next_due_at  INTEGER NOT NULL,
        UNIQUE (user_id, kind)
    );
    CREATE INDEX reminders_due ON reminders(next_due_at);
    CREATE TABLE reminder_log (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        local_date  TEXT NOT NULL,
        due_at      INTEGER NOT NULL,
        status      TEXT NOT NULL,
        logged_at   TEXT NOT NULL,
        UNIQUE (user_id, kind, local_date)
    );
    CREATE INDEX reminder_log_by_status ON reminder_log(status);
    """,
    ),
    # 5: broadcasts, tracked per recipient so a restart never sends anyone a second copy
    Step(
        5,
        sqlite="""
    CREATE TABLE broadcasts (
        id                INTEGER PRIMARY KEY,
        created_by        INTEGER NOT NULL,
        text              TEXT NOT NULL,
        status            TEXT NOT NULL,
        total             INTEGER NOT NULL DEFAULT 0,
        created_at        TEXT NOT NULL,
        finished_at       TEXT,
        progress_chat     INTEGER,
        progress_message  INTEGER
    );
    CREATE TABLE broadcast_deliveries (
        broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
        user_id       INTEGER NOT NULL,
        status        TEXT NOT NULL,
        PRIMARY KEY (broadcast_id, user_id)
    );
    CREATE INDEX users_by_active ON users(active);
    """,
    ),
    # 6: the replies owed to each runner, written with the state that produced them and removed as
    # each is sent: a crash between the commit and the send loses nothing (sent again at start-up)
    Step(
        6,
        sqlite="""
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        body        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX outbox_by_user ON outbox(user_id, id);
    """,
    ),
    # 7: conversation states that could not be read, set aside whole (never dropped) when the runner
    # started afresh; shown by /user and `thigh-coach db check`
    Step(
        7,
        sqlite="""
    CREATE TABLE quarantine (
        id              INTEGER PRIMARY KEY,
        user_id         INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        data            TEXT NOT NULL,
        reason          TEXT NOT NULL,
        quarantined_at  TEXT NOT NULL
    );
    CREATE INDEX quarantine_by_user ON quarantine(user_id, id);
    """,
    ),
    # 8: where a plan stands in three columns (it was one label, matched with LIKE); and
    # the record in tables: check-ins whole, runs, milestone tests and questionnaire scores, appended
    # and never rewritten; the conversation document keeps only recent facts. Copied here from the
    # documents, which held every fact until now (documents that are not JSON are left to quarantine).
    Step(
        8,
        sqlite="""
    ALTER TABLE flow_state ADD COLUMN plan_pattern TEXT;
    ALTER TABLE flow_state ADD COLUMN plan_phase TEXT;
    ALTER TABLE flow_state ADD COLUMN plan_status TEXT;
    UPDATE flow_state SET
        plan_pattern = substr(plan, 1, instr(plan, ':') - 1),
        plan_phase = substr(plan, instr(plan, ':') + 1,
                            instr(substr(plan, instr(plan, ':') + 1), ':') - 1),
        plan_status = substr(substr(plan, instr(plan, ':') + 1), instr(substr(plan, instr(plan, ':') + 1), ':') + 1)
        WHERE plan LIKE '%:%:%';
    ALTER TABLE flow_state DROP COLUMN plan;
    ALTER TABLE checkins ADD COLUMN run_minutes INTEGER;
    ALTER TABLE checkins ADD COLUMN run_step INTEGER;
    ALTER TABLE checkins ADD COLUMN checks TEXT NOT NULL DEFAULT '{}';
    CREATE INDEX checkins_by_user ON checkins(user_id, id);
    CREATE TABLE runs (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        day          TEXT NOT NULL,
        km           REAL NOT NULL,
        minutes      INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL
    );
    CREATE INDEX runs_by_user ON runs(user_id, id);
    CREATE TABLE milestones (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        day          TEXT NOT NULL,
        phase        TEXT NOT NULL,
        milestone    TEXT NOT NULL,
        answer       TEXT NOT NULL,
        passed       INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL
    );
    CREATE INDEX milestones_by_user ON milestones(user_id, id);
    CREATE TABLE scores (
        id           INTEGER PRIMARY KEY,
        user_id      INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        day          TEXT NOT NULL,
        measure      TEXT NOT NULL,
        score        INTEGER NOT NULL,
        answers      TEXT NOT NULL,
        recorded_at  TEXT NOT NULL
    );
    CREATE INDEX scores_by_user ON scores(user_id, id);
    CREATE TEMP VIEW documented AS
        SELECT f.user_id, kind.name AS kind, fact.value AS fact
        FROM flow_state f,
             (SELECT 'checkins' AS name UNION ALL SELECT 'runs' UNION ALL SELECT 'milestones'
              UNION ALL SELECT 'scores') kind,
             json_each(CASE WHEN json_valid(f.data) THEN f.data ELSE '{}' END, '$.plan.' || kind.name) fact;
    UPDATE checkins SET
        run_minutes = (SELECT json_extract(d.fact, '$.run_minutes') FROM documented d WHERE d.kind = 'checkins'
                       AND d.user_id = checkins.user_id AND json_extract(d.fact, '$.day') = checkins.day),
        run_step = (SELECT json_extract(d.fact, '$.run_step') FROM documented d WHERE d.kind = 'checkins'
                    AND d.user_id = checkins.user_id AND json_extract(d.fact, '$.day') = checkins.day),
        checks = coalesce((SELECT json_extract(d.fact, '$.checks') FROM documented d WHERE d.kind = 'checkins'
                           AND d.user_id = checkins.user_id AND json_extract(d.fact, '$.day') = checkins.day), '{}');
    INSERT INTO checkins (user_id, day, done, pain_during, pain_morning, phase, decision, run_minutes, run_step,
                          checks, recorded_at)
        SELECT user_id, json_extract(fact, '$.day'), json_extract(fact, '$.done'),
               json_extract(fact, '$.pain_during'), json_extract(fact, '$.pain_morning'),
               json_extract(fact, '$.phase'), json_extract(fact, '$.decision'), json_extract(fact, '$.run_minutes'),
               json_extract(fact, '$.run_step'), coalesce(json_extract(fact, '$.checks'), '{}'),
               json_extract(fact, '$.day')
        FROM documented d WHERE kind = 'checkins'
        AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.user_id = d.user_id AND k.day = json_extract(fact, '$.day'))
        AND json_extract(fact, '$.day') IS NOT NULL AND json_extract(fact, '$.done') IS NOT NULL
        AND json_extract(fact, '$.pain_during') IS NOT NULL AND json_extract(fact, '$.pain_morning') IS NOT NULL
        AND json_extract(fact, '$.phase') IS NOT NULL AND json_extract(fact, '$.decision') IS NOT NULL
        ORDER BY user_id, json_extract(fact, '$.day');
    INSERT INTO runs (user_id, day, km, minutes, recorded_at)
        SELECT user_id, json_extract(fact, '$.day'), json_extract(fact, '$.km'), json_extract(fact, '$.minutes'),
               json_extract(fact, '$.day')
        FROM documented WHERE kind = 'runs' AND json_extract(fact, '$.day') IS NOT NULL
        AND json_extract(fact, '$.km') IS NOT NULL AND json_extract(fact, '$.minutes') IS NOT NULL;
    INSERT INTO milestones (user_id, day, phase, milestone, answer, passed, recorded_at)
        SELECT user_id, json_extract(fact, '$.day'), json_extract(fact, '$.phase'), json_extract(fact, '$.milestone'),
               json_extract(fact, '$.answer'), json_extract(fact, '$.passed'), json_extract(fact, '$.day')
        FROM documented WHERE kind = 'milestones' AND json_extract(fact, '$.day') IS NOT NULL
        AND json_extract(fact, '$.phase') IS NOT NULL AND json_extract(fact, '$.milestone') IS NOT NULL
        AND json_extract(fact, '$.answer') IS NOT NULL AND json_extract(fact, '$.passed') IS NOT NULL;
    INSERT INTO scores (user_id, day, measure, score, answers, recorded_at)
        SELECT user_id, json_extract(fact, '$.day'), json_extract(fact, '$.measure'), json_extract(fact, '$.score'),
               coalesce(json_extract(fact, '$.answers'), '{}'), json_extract(fact, '$.day')
        FROM documented WHERE kind = 'scores' AND json_extract(fact, '$.day') IS NOT NULL
        AND json_extract(fact, '$.measure') IS NOT NULL AND json_extract(fact, '$.score') IS NOT NULL;
    DROP VIEW documented;
    """,
        postgres=POSTGRES_BASELINE,
    ),
    # 9: claims with leases, so several bot processes share the queues: the claimant's name and the moment
    # its claim ends (ISO text like every SQLite moment, timestamptz on PostgreSQL); a claim whose moment has
    # passed, or a row with none, is free to take (docs/store.md, "Claims and leases")
    Step(
        9,
        sqlite="""
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
        ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
        ALTER TABLE reminder_log ADD COLUMN claimed_by TEXT;
        ALTER TABLE reminder_log ADD COLUMN claimed_until TEXT;
        ALTER TABLE broadcast_deliveries ADD COLUMN claimed_by TEXT;
        ALTER TABLE broadcast_deliveries ADD COLUMN claimed_until TEXT;
        """,
        postgres="""
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until TIMESTAMPTZ;
        ALTER TABLE reminder_log ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until TIMESTAMPTZ;
        ALTER TABLE broadcast_deliveries ADD COLUMN claimed_by TEXT, ADD COLUMN claimed_until TIMESTAMPTZ;
        """,
    ),
    # 10: what several processes on one database share: the content version /reload publishes (no row
    # until the first /reload; see bot/content_sync.py), and on PostgreSQL the send pace (one row, GCRA,
    # moments by the server's clock). One process holds a SQLite file: its pace is kept in memory
    # (bot/pace.py)
    Step(
        10,
        sqlite="""
        CREATE TABLE content_version (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            version      INTEGER NOT NULL,
            digest       TEXT NOT NULL,
            reloaded_at  TEXT NOT NULL,
            reloaded_by  INTEGER
        );
        """,
        postgres="""
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

LATEST = STEPS[-1].version
assert [s.version for s in STEPS] == list(range(1, LATEST + 1)), "steps are numbered 1, 2, 3, ..."
