-- Channels (Telegram first), SQLite flavour: which session a chat talks to, whom the owner paired, where polling
-- resumes. Times are microseconds since the epoch (UTC).
CREATE TABLE channel_sessions (
  conversation TEXT    NOT NULL PRIMARY KEY, -- Conversation.sessionKey(), e.g. telegram:dm:42
  session_id   TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX channel_sessions_by_session ON channel_sessions (session_id);

CREATE TABLE channel_paired_senders (
  channel     TEXT    NOT NULL,
  sender_id   TEXT    NOT NULL,
  approved_at INTEGER NOT NULL,
  PRIMARY KEY (channel, sender_id)
);

CREATE TABLE channel_offsets (
  bot         TEXT    NOT NULL PRIMARY KEY, -- e.g. telegram:123456 (the bot's public id, never its token)
  next_offset INTEGER NOT NULL
);
