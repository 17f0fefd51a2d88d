package dev.clincher.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The {@code sessions} table: create, find, list and delete sessions. Deleting a session takes its runs and events
 * with it in the same statement (foreign keys {@code ON DELETE CASCADE}), so a deletion is all or nothing.
 */
public final class SessionStore {
  private static final int MAX_TITLE_CHARS = 512;
  private static final String COLUMNS = "SELECT id, agent, title, created_at, last_seq FROM sessions";

  private final Database database;

  SessionStore(Database database) {
    this.database = database;
  }

  /** Creates a session for {@code agent} with a new random id. */
  public SessionRecord createSession(String agent, String title) {
    AgentNames.check(agent);
    String safeTitle = title == null ? "" : title;
    if (safeTitle.length() > MAX_TITLE_CHARS) {
      throw new LimitExceededException("title is longer than " + MAX_TITLE_CHARS + " characters");
    }
    SessionRecord session = new SessionRecord(Ids.next('s'), agent, safeTitle, Rows.now(), 0);
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO sessions (id, agent, title, created_at, last_seq) VALUES (?, ?, ?, ?, 0)")) {
        s.setString(1, session.id());
        s.setString(2, agent);
        s.setString(3, safeTitle);
        s.setLong(4, Rows.micros(session.createdAt()));
        s.executeUpdate();
      }
      return null;
    });
    return session;
  }

  /** The session, if it exists. */
  public Optional<SessionRecord> session(String id) {
    if (!Ids.plausible(id)) {
      return Optional.empty();
    }
    return database.findById(COLUMNS + " WHERE id = ?", id, SessionStore::sessionOf);
  }

  /** Sessions, newest first: those of {@code agentOrNull}, or of every agent when null; at most {@code limit}. */
  public List<SessionRecord> sessions(String agentOrNull, int limit) {
    int page = database.page(limit);
    String sql = COLUMNS + (agentOrNull == null ? "" : " WHERE agent = ?") + " ORDER BY created_at DESC, id LIMIT ?";
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        if (agentOrNull != null) {
          s.setString(i++, agentOrNull);
        }
        s.setInt(i, page);
        return Rows.list(s, SessionStore::sessionOf);
      }
    });
  }

  /**
   * Deletes a session with all its runs and events; true if it existed. Works also while a run is going: that run's
   * later appends then fail with {@link UnknownSessionException}.
   */
  public boolean deleteSession(String id) {
    if (!Ids.plausible(id)) {
      return false;
    }
    return database.write(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
        s.setString(1, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  private static SessionRecord sessionOf(ResultSet rows) throws SQLException {
    return new SessionRecord(rows.getString(1), rows.getString(2), rows.getString(3), Rows.instant(rows.getLong(4)),
        rows.getLong(5));
  }
}
