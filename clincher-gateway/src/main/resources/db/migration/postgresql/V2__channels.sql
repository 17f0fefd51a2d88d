-- Channels (Telegram first), PostgreSQL flavour: which session a chat talks to, whom the owner paired, where polling
-- resumes. Times are microseconds since the epoch (UTC).
CREATE TABLE channel_sessions (
  conversation VARCHAR(256) NOT NULL PRIMARY KEY, -- Conversation.sessionKey(), e.g. telegram:dm:42
  session_id   VARCHAR(64)  NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  updated_at   BIGINT       NOT NULL
);
CREATE INDEX channel_sessions_by_session ON channel_sessions (session_id);

CREATE TABLE channel_paired_senders (
  channel     VARCHAR(64)  NOT NULL,
  sender_id   VARCHAR(64)  NOT NULL,
  approved_at BIGINT       NOT NULL,
  PRIMARY KEY (channel, sender_id)
);

CREATE TABLE channel_offsets (
  bot         VARCHAR(128) NOT NULL PRIMARY KEY, -- e.g. telegram:123456 (the bot's public id, never its token)
  next_offset BIGINT       NOT NULL
);
