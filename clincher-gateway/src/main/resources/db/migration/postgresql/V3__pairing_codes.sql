-- Pending pairing codes, PostgreSQL flavour: kept by the code's SHA-256 (never the code), so an approval works
-- across a restart. Times are microseconds since the epoch (UTC).
CREATE TABLE channel_pairing_codes (
  channel    VARCHAR(64) NOT NULL,
  code_hash  CHAR(64)    NOT NULL, -- hex SHA-256 of the code
  sender_id  VARCHAR(64) NOT NULL,
  chat_id    VARCHAR(64) NOT NULL,
  expires_at BIGINT      NOT NULL,
  PRIMARY KEY (channel, code_hash)
);
CREATE INDEX channel_pairing_codes_by_expiry ON channel_pairing_codes (channel, expires_at);
