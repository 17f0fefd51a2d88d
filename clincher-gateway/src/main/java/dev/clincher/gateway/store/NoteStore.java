package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The agents' memory notes, the {@code notes} table: each note is kept under its agent with its embedding, and found
 * by vector similarity among that agent's notes only. An agent holds at most {@link StoreLimits#maxNotesPerAgent()}.
 */
public final class NoteStore {
  private static final int MAX_SEARCH_K = 100;
  private static final int MAX_DIMENSIONS = 4_096;

  private final Database database;
  private final StoreLimits limits;

  NoteStore(Database database) {
    this.database = database;
    this.limits = database.limits();
  }

  /**
   * Saves a memory note of {@code agent} with its embedding and returns the note's id.
   *
   * @throws LimitExceededException when the text is too long or the agent already holds
   *     {@link StoreLimits#maxNotesPerAgent()} notes
   */
  public long saveNote(String agent, String text, float[] vector) {
    AgentNames.check(agent);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("note text must not be blank");
    }
    if (text.length() > limits.maxNoteChars()) {
      throw new LimitExceededException("note is longer than " + limits.maxNoteChars() + " characters");
    }
    if (vector == null || vector.length == 0 || vector.length > MAX_DIMENSIONS) {
      throw new IllegalArgumentException("vector must have 1 to 4096 dimensions");
    }
    byte[] encoded = VectorCodec.encode(vector);
    return database.write(c -> {
      lockAgentNotes(c, agent);
      if (noteCount(c, agent) >= limits.maxNotesPerAgent()) {
        throw new LimitExceededException(
            "agent " + agent + " holds the maximum of " + limits.maxNotesPerAgent() + " notes");
      }
      return insert(c, agent, text, encoded);
    });
  }

  private static long insert(Connection c, String agent, String text, byte[] vector) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO notes (agent, text, vector, created_at) VALUES (?, ?, ?, ?) RETURNING id")) {
      s.setString(1, agent);
      s.setString(2, text);
      s.setBytes(3, vector);
      s.setLong(4, Rows.micros(Rows.now()));
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** On PostgreSQL, serialises note writers of one agent (the count check); SQLite writers are serialised anyway. */
  private void lockAgentNotes(Connection c, String agent) throws SQLException {
    if (database.dialect() == Dialect.POSTGRESQL) {
      try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        s.setString(1, "clincher-notes:" + agent);
        s.executeQuery().close();
      }
    }
  }

  private static int noteCount(Connection c, String agent) throws SQLException {
    return Rows.firstRow(c, "SELECT COUNT(*) FROM notes WHERE agent = ?", agent, rows -> rows.getInt(1));
  }

  /** How many notes {@code agent} holds. */
  public int noteCount(String agent) {
    return database.read(c -> noteCount(c, agent));
  }

  /**
   * The {@code k} notes of {@code agent} most similar to {@code query} (cosine similarity; vectors are unit length),
   * best first. A brute-force scan over that agent's notes only, bounded by {@link StoreLimits#maxNotesPerAgent()};
   * notes of another vector length (another model) are skipped.
   */
  public List<ScoredNote> searchNotes(String agent, float[] query, int k) {
    if (k < 1 || k > MAX_SEARCH_K) {
      throw new IllegalArgumentException("k must be between 1 and " + MAX_SEARCH_K);
    }
    return database.read(c -> withTexts(c, agent, bestHits(c, agent, query, k)));
  }

  /** A candidate of a similarity search before its text is read. */
  private record Hit(long id, float score) {}

  private static PriorityQueue<Hit> bestHits(Connection c, String agent, float[] query, int k) throws SQLException {
    PriorityQueue<Hit> best = new PriorityQueue<>(Comparator.comparingDouble(Hit::score));
    try (PreparedStatement s = c.prepareStatement("SELECT id, vector FROM notes WHERE agent = ?")) {
      s.setString(1, agent);
      s.setFetchSize(256);
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          byte[] vector = rows.getBytes(2);
          if (VectorCodec.dimensions(vector) == query.length) {
            best.add(new Hit(rows.getLong(1), VectorCodec.dot(query, vector)));
            if (best.size() > k) {
              best.poll();
            }
          }
        }
      }
    }
    return best;
  }

  private static List<ScoredNote> withTexts(Connection c, String agent, PriorityQueue<Hit> hits) throws SQLException {
    List<ScoredNote> result = new ArrayList<>(hits.size());
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, agent, text, created_at FROM notes WHERE agent = ? AND id = ?")) {
      for (Hit hit : hits) {
        s.setString(1, agent);
        s.setLong(2, hit.id());
        for (NoteRecord note : Rows.list(s, NoteStore::noteOf)) {
          result.add(new ScoredNote(note, hit.score()));
        }
      }
    }
    result.sort(Comparator.comparingDouble(ScoredNote::score).reversed());
    return result;
  }

  /** The notes of {@code agent}, newest first, at most {@code limit}. */
  public List<NoteRecord> notes(String agent, int limit) {
    int page = database.page(limit);
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT id, agent, text, created_at FROM notes WHERE agent = ? ORDER BY id DESC LIMIT ?")) {
        s.setString(1, agent);
        s.setInt(2, page);
        return Rows.list(s, NoteStore::noteOf);
      }
    });
  }

  private static NoteRecord noteOf(ResultSet rows) throws SQLException {
    return new NoteRecord(rows.getLong(1), rows.getString(2), rows.getString(3), Rows.instant(rows.getLong(4)));
  }
}
