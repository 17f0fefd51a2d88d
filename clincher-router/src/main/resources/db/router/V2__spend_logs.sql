-- The durable spend log: one row per request, appended by the router before the response's last byte is sent and
-- never updated. The source of truth for spend; the counters are rebuilt from it. Portable SQL (SQLite, PostgreSQL).
CREATE TABLE spend_logs (
  request_id         VARCHAR(128) NOT NULL PRIMARY KEY,  -- unique: a second row with the same id is refused
  logged_at          BIGINT       NOT NULL,              -- epoch milliseconds, UTC
  key_hash           VARCHAR(64),                        -- SHA-256 of the virtual key; NULL = the master key
  team               VARCHAR(256),
  end_user           VARCHAR(256),
  model_group        VARCHAR(256) NOT NULL,
  deployment         VARCHAR(256) NOT NULL,              -- 'cache' for a cache hit, '' when no deployment answered
  prompt_tokens      BIGINT       NOT NULL,
  completion_tokens  BIGINT       NOT NULL,
  cache_read_tokens  BIGINT       NOT NULL,
  cache_write_tokens BIGINT       NOT NULL,
  cost_nanos         BIGINT       NOT NULL,              -- nano-dollars
  cache_hit          BOOLEAN      NOT NULL,
  estimated          BOOLEAN      NOT NULL,              -- cost estimated: the stream was cut before usage arrived
  status             INTEGER      NOT NULL,
  latency_millis     BIGINT       NOT NULL
);

-- /spend/logs: newest first, unfiltered or filtered by one of these columns.
CREATE INDEX spend_logs_time ON spend_logs (logged_at, request_id);
CREATE INDEX spend_logs_key_time ON spend_logs (key_hash, logged_at);
CREATE INDEX spend_logs_team_time ON spend_logs (team, logged_at);
CREATE INDEX spend_logs_user_time ON spend_logs (end_user, logged_at);
CREATE INDEX spend_logs_model_time ON spend_logs (model_group, logged_at);
