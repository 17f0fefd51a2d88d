package dev.clincher.gateway.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Each session's append-only transcript, the {@code events} table. An append takes the session's next sequence number
 * from {@code sessions.last_seq} and inserts the event in the same transaction, so numbers are strictly increasing and
 * gap-free per session. Appends share commits through the database's {@link GroupCommit}: {@link #append} returns
 * once its event is durable; {@link #appendUncommitted} returns at once with the sequence number and a future that
 * completes when a commit ({@link #commit}, {@link #commitSoon}) has made the event durable. Events are never updated
 * or deleted except with their whole session (enforced by triggers).
 */
public final class EventLog {
  private static final int MAX_TYPE_CHARS = 64;
  /** Takes a session's next sequence number, bounded by the events it may hold. */
  private static final String NEXT_SEQ = "UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ? AND last_seq < ?";
  /** Added to {@link #NEXT_SEQ} for an event of a run: the run must be running in this session. */
  private static final String RUN_IS_RUNNING = " AND EXISTS (SELECT 1 FROM runs WHERE runs.id = ?"
      + " AND runs.session_id = sessions.id AND runs.status = 'running')";
  private static final String NEXT_SEQ_RETURNING = NEXT_SEQ + " RETURNING last_seq";
  private static final String NEXT_SEQ_OF_RUN = NEXT_SEQ + RUN_IS_RUNNING + " RETURNING last_seq";
  private static final String INSERT_EVENT =
      "INSERT INTO events (session_id, seq, run_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)";

  private final Database database;
  private final StoreLimits limits;
  private final GroupCommit groupCommit;

  EventLog(Database database) {
    this.database = database;
    this.limits = database.limits();
    this.groupCommit = database.appends();
  }

  /** An appended event not yet committed: its sequence number, and a future completed when it is durable. */
  public record Uncommitted(long seq, CompletableFuture<Void> durable) {}

  /** An event to append: {@code runId} may be null (an event outside any run). */
  record NewEvent(String sessionId, String runId, String type, String payload) {}

  /**
   * Appends an event to the session's transcript and returns its sequence number; the event is durable (committed
   * and fsynced) when this returns. {@code runIdOrNull}, when given, must be a running run of this session.
   *
   * @param type lower case letters, digits, {@code _} and {@code .}, at most 64 characters
   * @param jsonPayload JSON text, stored as given, at most {@link StoreLimits#maxPayloadBytes()} UTF-8 bytes
   * @throws UnknownSessionException when there is no such session
   * @throws RunNotActiveException when the run is not running in this session
   * @throws LimitExceededException when the payload is too large or the session is full
   */
  public long append(String sessionId, String runIdOrNull, String type, String jsonPayload) {
    Uncommitted appended = appendUncommitted(sessionId, runIdOrNull, type, jsonPayload);
    groupCommit.commit();
    awaitDurable(appended.durable());
    return appended.seq();
  }

  /**
   * Appends like {@link #append} but returns before the event is durable: it is in the open transaction, which the
   * next commit makes durable (and then completes {@link Uncommitted#durable()}), or a failure of the store undoes
   * (and fails the future). Refusals are thrown at once, as by {@link #append}.
   */
  public Uncommitted appendUncommitted(String sessionId, String runIdOrNull, String type, String jsonPayload) {
    checkType(type);
    checkPayload(jsonPayload);
    if (!Ids.plausible(sessionId)) {
      throw new UnknownSessionException(sessionId);
    }
    if (runIdOrNull != null && !Ids.plausible(runIdOrNull)) {
      throw new RunNotActiveException(runIdOrNull);
    }
    NewEvent event = new NewEvent(sessionId, runIdOrNull, type, jsonPayload);
    try {
      return groupCommit.append(c -> appendChecked(c, event));
    } catch (ConstraintException e) {
      throw new UnknownSessionException(sessionId);
    }
  }

  /** Commits every open append and returns when they are durable. */
  public void commit() {
    groupCommit.commit();
  }

  /** Has every open append committed soon, without waiting (a virtual thread commits). */
  public void commitSoon() {
    groupCommit.commitSoon();
  }

  /** Waits (uninterruptibly) for {@code durable}; its failure is thrown as a {@link StoreException}. */
  public static void awaitDurable(CompletableFuture<Void> durable) {
    try {
      durable.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof StoreException store ? store
          : new StoreException("transcript store write failed", e.getCause());
    }
  }

  /** The session's events with a sequence number above {@code afterSeq}, in order, at most {@code limit}. */
  public List<EventRecord> events(String sessionId, long afterSeq, int limit) {
    int page = database.page(limit);
    if (!Ids.plausible(sessionId)) {
      return List.of();
    }
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT session_id, seq, run_id, type, payload, created_at"
          + " FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
        s.setString(1, sessionId);
        s.setLong(2, afterSeq);
        s.setInt(3, page);
        return Rows.list(s, rows -> new EventRecord(rows.getString(1), rows.getLong(2), rows.getString(3),
            rows.getString(4), rows.getString(5), Rows.instant(rows.getLong(6))));
      }
    });
  }

  /** Appends within the caller's transaction after checking the run, bounded by the events per session. */
  private long appendChecked(Connection c, NewEvent event) throws SQLException {
    return append(c, database.statements(), event, limits.maxEventsPerSession(), event.runId() != null);
  }

  /**
   * Appends within the caller's transaction (which other tables' changes may share): takes the next sequence number
   * (the row update locks the session until commit) and inserts the event; the session may then hold {@code max}.
   * The run is not checked (the caller has just changed it).
   */
  static long appendIn(Connection c, StatementCache statements, NewEvent event, long max) throws SQLException {
    return append(c, statements, event, max, false);
  }

  /**
   * Two statements per event: one {@code UPDATE ... RETURNING} takes the number (and, with {@code checkRun}, checks in
   * the same statement that the run is running in this session), one {@code INSERT} stores the event. Only when the
   * update matches no row do further reads say why.
   */
  private static long append(Connection c, StatementCache statements, NewEvent event, long max, boolean checkRun)
      throws SQLException {
    long seq = nextSeq(c, statements, event, max, checkRun);
    PreparedStatement insert = statements.prepared(c, INSERT_EVENT); // kept by the cache: not closed here
    insert.setString(1, event.sessionId());
    insert.setLong(2, seq);
    insert.setString(3, event.runId());
    insert.setString(4, event.type());
    insert.setString(5, event.payload());
    insert.setLong(6, Rows.micros(Rows.now()));
    insert.executeUpdate();
    return seq;
  }

  private static long nextSeq(Connection c, StatementCache statements, NewEvent event, long max, boolean checkRun)
      throws SQLException {
    PreparedStatement bump = statements.prepared(c, checkRun ? NEXT_SEQ_OF_RUN : NEXT_SEQ_RETURNING);
    bump.setString(1, event.sessionId());
    bump.setLong(2, max);
    if (checkRun) {
      bump.setString(3, event.runId());
    }
    try (ResultSet rows = bump.executeQuery()) {
      if (rows.next()) {
        return rows.getLong(1);
      }
    }
    if (checkRun && !isRunning(c, event.sessionId(), event.runId())) {
      throw new RunNotActiveException(event.runId());
    }
    throw sessionExists(c, event.sessionId())
        ? new LimitExceededException("session " + event.sessionId() + " holds the maximum of " + max + " events")
        : new UnknownSessionException(event.sessionId());
  }

  private static boolean isRunning(Connection c, String sessionId, String runId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT 1 FROM runs WHERE id = ? AND session_id = ? AND status = 'running'")) {
      s.setString(1, runId);
      s.setString(2, sessionId);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static boolean sessionExists(Connection c, String sessionId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM sessions WHERE id = ?")) {
      s.setString(1, sessionId);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static void checkType(String type) {
    if (type == null || type.isEmpty() || type.length() > MAX_TYPE_CHARS
        || !type.chars().allMatch(ch -> ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.')) {
      throw new IllegalArgumentException("event type must be 1 to 64 of [a-z0-9_.]");
    }
  }

  private void checkPayload(String jsonPayload) {
    if (jsonPayload == null) {
      throw new IllegalArgumentException("payload must not be null");
    }
    if (jsonPayload.length() > limits.maxPayloadBytes()
        || jsonPayload.getBytes(StandardCharsets.UTF_8).length > limits.maxPayloadBytes()) {
      throw new LimitExceededException("event payload is larger than " + limits.maxPayloadBytes() + " bytes");
    }
  }
}
