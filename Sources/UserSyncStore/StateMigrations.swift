import GRDB

/// Versioned schema. A released migration is never edited: add a new one.
enum StateMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: snapshot, id map, outbox, dead letters, conflicts, runs") { db in
            try db.execute(sql: """
                CREATE TABLE merge_base (
                    external_id TEXT PRIMARY KEY NOT NULL,
                    document    TEXT NOT NULL,
                    updated_at  REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE remote_state (
                    provider         TEXT NOT NULL,
                    external_id      TEXT NOT NULL,
                    provider_user_id TEXT,
                    document         TEXT NOT NULL,
                    digest           INTEGER NOT NULL,
                    confirmed_at     REAL NOT NULL,
                    PRIMARY KEY (provider, external_id)
                ) WITHOUT ROWID;
                CREATE TABLE id_map (
                    provider         TEXT NOT NULL,
                    external_id      TEXT NOT NULL,
                    provider_user_id TEXT NOT NULL,
                    learned_at       REAL NOT NULL,
                    PRIMARY KEY (provider, external_id)
                ) WITHOUT ROWID;
                CREATE TABLE outbox (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    kind        TEXT NOT NULL,
                    document    TEXT NOT NULL,
                    digest      INTEGER NOT NULL,
                    record      TEXT NOT NULL,
                    state       TEXT NOT NULL DEFAULT 'pending',
                    attempts    INTEGER NOT NULL DEFAULT 0,
                    not_before  REAL NOT NULL,
                    first_failed_at REAL,
                    last_status INTEGER,
                    last_error  TEXT,
                    enqueued_at REAL NOT NULL,
                    updated_at  REAL NOT NULL,
                    UNIQUE (provider, external_id)
                );
                CREATE INDEX outbox_due ON outbox (provider, state, not_before);
                CREATE TABLE dead_letter (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    kind        TEXT NOT NULL,
                    document    TEXT NOT NULL,
                    digest      INTEGER NOT NULL,
                    record      TEXT NOT NULL,
                    attempts    INTEGER NOT NULL,
                    last_status INTEGER,
                    last_error  TEXT NOT NULL,
                    dead_at     REAL NOT NULL,
                    UNIQUE (provider, external_id)
                );
                CREATE TABLE conflict (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    field       TEXT NOT NULL,
                    base        TEXT,
                    local       TEXT,
                    remote      TEXT,
                    detected_at REAL NOT NULL,
                    resolved_at REAL,
                    resolution  TEXT
                );
                CREATE TABLE run (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at  REAL NOT NULL,
                    finished_at REAL NOT NULL,
                    mode        TEXT NOT NULL,
                    summary     TEXT NOT NULL
                );
                CREATE TABLE meta (
                    key   TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2: bidirectional sync (accepted remote changes, conflict details, pulls)") { db in
            try db.execute(sql: """
                CREATE TABLE accepted_change (
                    id          INTEGER PRIMARY KEY AUTOINCREMENT,
                    external_id TEXT NOT NULL,
                    field       TEXT NOT NULL,
                    old         TEXT,
                    new         TEXT,
                    provider    TEXT NOT NULL,
                    time        REAL NOT NULL,
                    written_back INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX accepted_change_user ON accepted_change (external_id);
                ALTER TABLE conflict ADD COLUMN path TEXT;
                ALTER TABLE conflict ADD COLUMN rule TEXT;
                ALTER TABLE conflict ADD COLUMN remote_edits TEXT;
                ALTER TABLE merge_base ADD COLUMN last_rule TEXT;
                """)
        }
        migrator.registerMigration("v3: one profile per user, held identities, clears") { db in
            // A provider profile is bound to at most one external id, by the schema. Bindings
            // that broke the rule before it was enforced are dropped, all of them: each user
            // is looked up again, and held if the profile is still claimed twice.
            try db.execute(sql: """
                DELETE FROM id_map WHERE (provider, provider_user_id) IN
                    (SELECT provider, provider_user_id FROM id_map GROUP BY provider, provider_user_id HAVING count(*) > 1);
                CREATE UNIQUE INDEX id_map_one_user_per_profile ON id_map (provider, provider_user_id);
                ALTER TABLE remote_state ADD COLUMN last_request INTEGER;
                ALTER TABLE remote_state ADD COLUMN request_repeats INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE shared_email (
                    external_id TEXT PRIMARY KEY NOT NULL,
                    others      TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4: users not in sync for a reason the outbox does not hold (left the source, fields differ)") { db in
            try db.execute(sql: """
                CREATE TABLE out_of_sync (
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    reason      TEXT NOT NULL,
                    PRIMARY KEY (provider, external_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5: mass-change guard (held plans, held pulls)") { db in
            try db.execute(sql: """
                CREATE TABLE guard_hold (
                    provider    TEXT NOT NULL,
                    direction   TEXT NOT NULL,
                    limit_name  TEXT NOT NULL,
                    users       INTEGER NOT NULL,
                    synced      INTEGER NOT NULL,
                    limit_share REAL NOT NULL,
                    fields      TEXT NOT NULL,
                    held_at     REAL NOT NULL,
                    approved_at REAL,
                    PRIMARY KEY (provider, direction)
                ) WITHOUT ROWID;
                CREATE TABLE held_plan (
                    seq         INTEGER PRIMARY KEY,
                    provider    TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    kind        TEXT NOT NULL,
                    document    TEXT NOT NULL,
                    digest      INTEGER NOT NULL,
                    record      TEXT NOT NULL,
                    UNIQUE (provider, external_id)
                );
                CREATE TABLE held_pull (
                    provider         TEXT NOT NULL,
                    external_id      TEXT NOT NULL,
                    provider_user_id TEXT NOT NULL,
                    document         TEXT NOT NULL,
                    updated_at       REAL,
                    PRIMARY KEY (provider, external_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v6: one user's queued changes found by index") { db in
            // Retractions, conflict holds and resolutions look a user up across providers;
            // without it each scanned the whole outbox (two million rows during the initial
            // sync of a million users), once per plan commit and once per conflict.
            try db.execute(sql: "CREATE INDEX outbox_user ON outbox (external_id)")
        }
        return migrator
    }
}
