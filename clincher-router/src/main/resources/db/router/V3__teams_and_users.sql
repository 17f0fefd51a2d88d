-- Teams, internal users and their memberships; keys gain an owner (team, user), a block flag and a parallel limit.
-- Portable SQL for SQLite and PostgreSQL: booleans are SMALLINT 0/1, times epoch milliseconds, lists and metadata JSON
-- text. Integrity (a key's team exists, memberships name existing users) is kept by the management transactions,
-- which all take the revision row first and so run one at a time.

CREATE TABLE teams (
  team_id               VARCHAR(256) NOT NULL PRIMARY KEY,
  team_alias            VARCHAR(256) UNIQUE,
  models                TEXT         NOT NULL,
  max_budget            DOUBLE PRECISION,
  budget_duration       VARCHAR(16),
  rpm_limit             BIGINT,
  tpm_limit             BIGINT,
  max_parallel_requests BIGINT,
  blocked               SMALLINT     NOT NULL DEFAULT 0,
  metadata              TEXT         NOT NULL,
  created_at            BIGINT       NOT NULL,
  updated_at            BIGINT       NOT NULL
);

CREATE TABLE internal_users (
  user_id         VARCHAR(256) NOT NULL PRIMARY KEY,
  user_email      VARCHAR(256),
  user_role       VARCHAR(32)  NOT NULL,
  max_budget      DOUBLE PRECISION,
  budget_duration VARCHAR(16),
  models          TEXT         NOT NULL,
  metadata        TEXT         NOT NULL,
  created_at      BIGINT       NOT NULL,
  updated_at      BIGINT       NOT NULL
);
CREATE UNIQUE INDEX internal_users_email ON internal_users (user_email);

CREATE TABLE team_memberships (
  team_id VARCHAR(256) NOT NULL,
  user_id VARCHAR(256) NOT NULL,
  role    VARCHAR(16)  NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_memberships_user ON team_memberships (user_id);

-- token_hash stays the key's id (LiteLLM's token: the SHA-256 of its first secret); secret_hash is the SHA-256 of the
-- secret that works now, which /key/regenerate replaces. Spend counters and logs stay with the id.
ALTER TABLE virtual_keys ADD COLUMN secret_hash VARCHAR(64);
UPDATE virtual_keys SET secret_hash = token_hash;
CREATE UNIQUE INDEX virtual_keys_secret_hash ON virtual_keys (secret_hash);
ALTER TABLE virtual_keys ADD COLUMN team_id VARCHAR(256);
ALTER TABLE virtual_keys ADD COLUMN user_id VARCHAR(256);
ALTER TABLE virtual_keys ADD COLUMN blocked SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE virtual_keys ADD COLUMN max_parallel_requests BIGINT;
CREATE INDEX virtual_keys_team ON virtual_keys (team_id);
CREATE INDEX virtual_keys_user ON virtual_keys (user_id);

-- One row whose revision every management write raises in its own transaction: each router polls it (a primary-key
-- read every 200 ms) and drops its cached keys, teams and users when it moved.
CREATE TABLE management_revision (
  id       INTEGER NOT NULL PRIMARY KEY,
  revision BIGINT  NOT NULL
);
INSERT INTO management_revision (id, revision) VALUES (1, 0);
