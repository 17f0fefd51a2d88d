package dev.clincher.gateway.store;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the channels keep across restarts: which session each conversation talks to ({@code channel_sessions}; the
 * row goes with its session), the senders the owner paired ({@code channel_paired_senders}), and each bot's next
 * {@code getUpdates} offset ({@code channel_offsets}), and the pairing codes waiting for approval, by their hash
 * ({@code channel_pairing_codes}).
 */
public final class ChannelStore {
  private final Database database;

  ChannelStore(Database database) {
    this.database = database;
  }

  /** The session a conversation talks to now, if it has one. */
  public Optional<String> sessionOf(String conversation) {
    return database.findById("SELECT session_id FROM channel_sessions WHERE conversation = ?", conversation,
        rows -> rows.getString(1));
  }

  /** Points a conversation at a session (a new one after {@code /new}). */
  public void bindSession(String conversation, String sessionId) {
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO channel_sessions (conversation, session_id, "
          + "updated_at) VALUES (?, ?, ?) ON CONFLICT (conversation) DO UPDATE SET session_id = excluded.session_id,"
          + " updated_at = excluded.updated_at")) {
        s.setString(1, conversation);
        s.setString(2, sessionId);
        s.setLong(3, Rows.micros(Rows.now()));
        s.executeUpdate();
      }
      return null;
    });
  }

  public boolean isPaired(String channel, String senderId) {
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT 1 FROM channel_paired_senders WHERE channel = ? AND sender_id = ?")) {
        s.setString(1, channel);
        s.setString(2, senderId);
        return !Rows.list(s, rows -> rows.getInt(1)).isEmpty();
      }
    });
  }

  public void pair(String channel, String senderId) {
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO channel_paired_senders (channel, sender_id, "
          + "approved_at) VALUES (?, ?, ?) ON CONFLICT (channel, sender_id) DO NOTHING")) {
        s.setString(1, channel);
        s.setString(2, senderId);
        s.setLong(3, Rows.micros(Rows.now()));
        s.executeUpdate();
      }
      return null;
    });
  }

  /** Removes a pairing; false when the sender was not paired. */
  public boolean unpair(String channel, String senderId) {
    return database.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM channel_paired_senders WHERE channel = ? AND sender_id = ?")) {
        s.setString(1, channel);
        s.setString(2, senderId);
        return s.executeUpdate() > 0;
      }
    });
  }

  /** A paired sender and when the owner approved it. */
  public record PairedSender(String senderId, Instant approvedAt) {}

  /** The paired senders of a channel with their approval times, oldest approval first. */
  public List<PairedSender> pairings(String channel) {
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT sender_id, approved_at FROM channel_paired_senders"
          + " WHERE channel = ? ORDER BY approved_at, sender_id")) {
        s.setString(1, channel);
        return Rows.list(s, rows -> new PairedSender(rows.getString(1), Rows.instant(rows.getLong(2))));
      }
    });
  }

  /** The paired senders of a channel, oldest approval first. */
  public List<String> pairedSenders(String channel) {
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT sender_id FROM channel_paired_senders WHERE channel = ? ORDER BY approved_at, sender_id")) {
        s.setString(1, channel);
        return Rows.list(s, rows -> rows.getString(1));
      }
    });
  }

  /** A pairing code waiting for approval, by its hash (the code itself is never stored). */
  public record PendingCode(String codeHash, String senderId, String chatId, Instant expires) {}

  /** Keeps a pending pairing code (by its hash) until it is approved, expires or is pruned. */
  public void addPendingCode(String channel, PendingCode entry) {
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO channel_pairing_codes (channel, code_hash, sender_id,"
          + " chat_id, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, code_hash) DO NOTHING")) {
        s.setString(1, channel);
        s.setString(2, entry.codeHash());
        s.setString(3, entry.senderId());
        s.setString(4, entry.chatId());
        s.setLong(5, Rows.micros(entry.expires()));
        s.executeUpdate();
      }
      return null;
    });
  }

  /** Consumes a pending code: removes it and its sender's other codes; the entry when it had not expired. */
  public Optional<PendingCode> takePendingCode(String channel, String codeHash, Instant now) {
    return database.write(c -> {
      List<PendingCode> found;
      try (PreparedStatement s = c.prepareStatement("SELECT sender_id, chat_id, expires_at FROM channel_pairing_codes"
          + " WHERE channel = ? AND code_hash = ?")) {
        s.setString(1, channel);
        s.setString(2, codeHash);
        found = Rows.list(s, rows -> new PendingCode(codeHash, rows.getString(1), rows.getString(2),
            Rows.instant(rows.getLong(3))));
      }
      if (found.isEmpty()) {
        return Optional.<PendingCode>empty();
      }
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM channel_pairing_codes WHERE channel = ? AND sender_id = ?")) {
        s.setString(1, channel);
        s.setString(2, found.getFirst().senderId());
        s.executeUpdate();
      }
      return Optional.of(found.getFirst()).filter(entry -> entry.expires().isAfter(now));
    });
  }

  /** Drops the expired pending codes, then the oldest while more than {@code max} remain; returns how many remain. */
  public int prunePendingCodes(String channel, Instant now, int max) {
    return database.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM channel_pairing_codes WHERE channel = ? AND expires_at <= ?")) {
        s.setString(1, channel);
        s.setLong(2, Rows.micros(now));
        s.executeUpdate();
      }
      int remaining;
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM channel_pairing_codes WHERE channel = ?")) {
        s.setString(1, channel);
        remaining = Rows.list(s, rows -> rows.getInt(1)).getFirst();
      }
      if (remaining <= max) {
        return remaining;
      }
      try (PreparedStatement s = c.prepareStatement("DELETE FROM channel_pairing_codes WHERE channel = ? AND code_hash"
          + " IN (SELECT code_hash FROM channel_pairing_codes WHERE channel = ? ORDER BY expires_at, code_hash"
          + " LIMIT ?)")) {
        s.setString(1, channel);
        s.setString(2, channel);
        s.setInt(3, remaining - max);
        s.executeUpdate();
      }
      return max;
    });
  }

  /** The bot's stored offset, 0 when none was stored. */
  public long offset(String bot) {
    return database.findById("SELECT next_offset FROM channel_offsets WHERE bot = ?", bot, rows -> rows.getLong(1))
        .orElse(0L);
  }

  public void saveOffset(String bot, long nextOffset) {
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO channel_offsets (bot, next_offset) VALUES (?, ?)"
          + " ON CONFLICT (bot) DO UPDATE SET next_offset = excluded.next_offset")) {
        s.setString(1, bot);
        s.setLong(2, nextOffset);
        s.executeUpdate();
      }
      return null;
    });
  }
}
