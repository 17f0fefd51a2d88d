-- Virtual keys of the router: the key itself is never stored, only its SHA-256 (token_hash).
CREATE TABLE virtual_keys (
  token_hash      VARCHAR(64)  NOT NULL PRIMARY KEY,
  key_name        VARCHAR(32)  NOT NULL,
  key_alias       VARCHAR(256) UNIQUE,
  models          TEXT         NOT NULL,
  max_budget      DOUBLE PRECISION,
  budget_duration VARCHAR(16),
  rpm_limit       BIGINT,
  tpm_limit       BIGINT,
  expires_at      BIGINT,
  metadata        TEXT         NOT NULL,
  created_at      BIGINT       NOT NULL
);
