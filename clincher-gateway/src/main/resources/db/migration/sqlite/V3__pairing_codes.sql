-- Pending pairing codes, SQLite flavour: kept by the code's SHA-256 (never the code), so an approval works across a
-- restart. Times are microseconds since the epoch (UTC).
CREATE TABLE channel_pairing_codes (
  channel    TEXT    NOT NULL,
  code_hash  TEXT    NOT NULL, -- hex SHA-256 of the code
  sender_id  TEXT    NOT NULL,
  chat_id    TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (channel, code_hash)
);
CREATE INDEX channel_pairing_codes_by_expiry ON channel_pairing_codes (channel, expires_at);
