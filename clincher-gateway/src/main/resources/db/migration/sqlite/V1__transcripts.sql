-- Transcript store, SQLite flavour. Times are microseconds since the epoch (UTC).
CREATE TABLE sessions (
  id         TEXT    NOT NULL PRIMARY KEY,
  agent      TEXT    NOT NULL,
  title      TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_agent ON sessions (agent, created_at);
CREATE INDEX sessions_by_time ON sessions (created_at);

CREATE TABLE runs (
  id          TEXT    NOT NULL PRIMARY KEY,
  session_id  TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  owner       TEXT    NOT NULL, -- the gateway process running it
  status      TEXT    NOT NULL,
  reason      TEXT,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE (id, session_id)
);
CREATE INDEX runs_by_session ON runs (session_id, started_at);
-- One run at a time per session, also across gateway processes sharing the database.
CREATE UNIQUE INDEX runs_one_running ON runs (session_id) WHERE status = 'running';
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE events (
  session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  run_id     TEXT,
  type       TEXT    NOT NULL,
  payload    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq),
  FOREIGN KEY (run_id, session_id) REFERENCES runs (id, session_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Append-only: an event is never changed, and only leaves with its whole session.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN EXISTS (SELECT 1 FROM sessions WHERE id = OLD.session_id)
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE notes (
  id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  agent      TEXT    NOT NULL,
  text       TEXT    NOT NULL,
  vector     BLOB    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_agent ON notes (agent, id);
