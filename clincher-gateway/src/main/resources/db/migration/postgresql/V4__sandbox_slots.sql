-- Sandbox slots, PostgreSQL only: one row per sandbox a gateway instance runs, so sandbox.max_sandboxes holds across
-- every gateway sharing this database (SandboxSlotLedger). pool is the sandbox instance label (sandbox.instance, or
-- <instance>-<agent> for an agent's own sandboxes), owner the gateway instance id whose advisory lock says it lives.
-- Times are microseconds since the epoch (UTC).
CREATE TABLE sandbox_slots (
  pool        TEXT         NOT NULL,
  sandbox_key TEXT         NOT NULL,
  owner       VARCHAR(64)  NOT NULL,
  claimed_at  BIGINT       NOT NULL,
  PRIMARY KEY (pool, sandbox_key)
);
