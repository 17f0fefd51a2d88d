-- Transcript store, PostgreSQL flavour. Times are microseconds since the epoch (UTC).
CREATE TABLE sessions (
  id         VARCHAR(64)   NOT NULL PRIMARY KEY,
  agent      VARCHAR(128)  NOT NULL,
  title      VARCHAR(512)  NOT NULL,
  created_at BIGINT        NOT NULL,
  last_seq   BIGINT        NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_agent ON sessions (agent, created_at);
CREATE INDEX sessions_by_time ON sessions (created_at);

CREATE TABLE runs (
  id          VARCHAR(64)  NOT NULL PRIMARY KEY,
  session_id  VARCHAR(64)  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  owner       VARCHAR(64)  NOT NULL, -- the gateway instance running it (see InstanceLock)
  status      VARCHAR(32)  NOT NULL,
  reason      TEXT,
  started_at  BIGINT       NOT NULL,
  finished_at BIGINT,
  UNIQUE (id, session_id)
);
CREATE INDEX runs_by_session ON runs (session_id, started_at);
-- One run at a time per session, also across gateway instances sharing the database.
CREATE UNIQUE INDEX runs_one_running ON runs (session_id) WHERE status = 'running';
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE events (
  session_id VARCHAR(64)  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq        BIGINT       NOT NULL,
  run_id     VARCHAR(64),
  type       VARCHAR(64)  NOT NULL,
  payload    TEXT         NOT NULL,
  created_at BIGINT       NOT NULL,
  PRIMARY KEY (session_id, seq),
  FOREIGN KEY (run_id, session_id) REFERENCES runs (id, session_id) ON DELETE CASCADE
);

-- Append-only: an event is never changed, and only leaves with its whole session.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM sessions WHERE id = OLD.session_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'events are append-only';
END
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TABLE notes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent      VARCHAR(128) NOT NULL,
  text       TEXT         NOT NULL,
  vector     BYTEA        NOT NULL,
  created_at BIGINT       NOT NULL
);
CREATE INDEX notes_by_agent ON notes (agent, id);
