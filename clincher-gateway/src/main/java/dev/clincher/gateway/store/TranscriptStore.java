package dev.clincher.gateway.store;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/**
 * The gateway's durable state: sessions, their runs, each session's append-only event transcript, and the agents'
 * memory notes. SQLite (one file, WAL, fsync on every commit) by default, PostgreSQL when configured; the schema is
 * created and upgraded by Flyway on {@link #open}.
 *
 * <p>Guarantees: {@link #append} returns only after the event is durable; sequence numbers are strictly increasing
 * and gap-free per session; a session has at most one run in {@link RunStatus#RUNNING} (enforced by a partial unique
 * index, so also across gateway instances sharing a PostgreSQL); events are never updated or deleted except with their
 * whole session (enforced by triggers). Thread-safe; SQLite writers are serialised in-process.
 */
public final class TranscriptStore implements AutoCloseable {
  /** Event type appended by {@link #markInterruptedRuns()}. */
  public static final String RUN_INTERRUPTED = "run_interrupted";

  private static final int MAX_AGENT_CHARS = 128;
  private static final int MAX_TITLE_CHARS = 512;
  private static final int MAX_TYPE_CHARS = 64;
  private static final int MAX_REASON_CHARS = 1_024;
  private static final int MAX_SEARCH_K = 100;

  private final Dialect dialect;
  private final StoreLimits limits;
  private final HikariDataSource pool;
  private final ReentrantLock sqliteWriter;
  private final java.util.concurrent.ConcurrentLinkedQueue<PendingAppend> appendQueue =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final String instanceId;
  private final InstanceLock instanceLock;

  private TranscriptStore(Dialect dialect, StoreLimits limits, HikariDataSource pool, String instanceId,
      InstanceLock instanceLock) {
    this.dialect = dialect;
    this.limits = limits;
    this.pool = pool;
    this.sqliteWriter = dialect == Dialect.SQLITE ? new ReentrantLock() : null;
    this.instanceId = instanceId;
    this.instanceLock = instanceLock;
  }

  /** Opens (creating or migrating the schema) the store described by {@code settings}. */
  public static TranscriptStore open(StoreSettings settings) {
    Dialect dialect;
    if (settings.isSqlite()) {
      if (settings.schema() != null) {
        throw new IllegalArgumentException("schema is for PostgreSQL only");
      }
      dialect = Dialect.SQLITE;
    } else if (settings.isPostgres()) {
      dialect = Dialect.POSTGRESQL;
    } else {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:sqlite: or jdbc:postgresql:");
    }
    HikariDataSource pool;
    try {
      pool = DataSources.open(settings, dialect);
    } catch (RuntimeException e) {
      throw new StoreException("cannot open transcript store " + settings + ": " + e.getMessage(), e);
    }
    try {
      migrate(pool, dialect, settings.schema());
      String instanceId = Ids.next('g');
      InstanceLock lock = dialect == Dialect.POSTGRESQL ? new InstanceLock(settings, instanceId) : null;
      return new TranscriptStore(dialect, settings.limits(), pool, instanceId, lock);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static void migrate(HikariDataSource pool, Dialect dialect, String schema) {
    var flyway = Flyway.configure().dataSource(pool).locations(dialect.migrations());
    if (schema != null) {
      flyway.schemas(schema).defaultSchema(schema);
    }
    try {
      flyway.load().migrate();
    } catch (RuntimeException e) {
      throw new StoreException("schema migration failed: " + e.getMessage(), e);
    }
  }

  /** The limits this store enforces. */
  public StoreLimits limits() {
    return limits;
  }

  /** Whether the database answers (for the readiness check). */
  public boolean ping() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  // ---- sessions

  /** Creates a session for {@code agent} with a new random id. */
  public SessionRecord createSession(String agent, String title) {
    checkAgent(agent);
    String safeTitle = title == null ? "" : title;
    if (safeTitle.length() > MAX_TITLE_CHARS) {
      throw new LimitExceededException("title is longer than " + MAX_TITLE_CHARS + " characters");
    }
    SessionRecord session = new SessionRecord(Ids.next('s'), agent, safeTitle, now(), 0);
    write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO sessions (id, agent, title, created_at, last_seq) VALUES (?, ?, ?, ?, 0)")) {
        s.setString(1, session.id());
        s.setString(2, agent);
        s.setString(3, safeTitle);
        s.setLong(4, micros(session.createdAt()));
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
    return findById("SELECT id, agent, title, created_at, last_seq FROM sessions WHERE id = ?", id,
        TranscriptStore::sessionOf);
  }

  /** Sessions, newest first: those of {@code agentOrNull}, or of every agent when null; at most {@code limit}. */
  public List<SessionRecord> sessions(String agentOrNull, int limit) {
    int page = page(limit);
    String sql = "SELECT id, agent, title, created_at, last_seq FROM sessions"
        + (agentOrNull == null ? "" : " WHERE agent = ?") + " ORDER BY created_at DESC, id LIMIT ?";
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        int i = 1;
        if (agentOrNull != null) {
          s.setString(i++, agentOrNull);
        }
        s.setInt(i, page);
        return list(s, TranscriptStore::sessionOf);
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
    return write(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
        s.setString(1, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  // ---- runs

  /**
   * Starts a run in the session.
   *
   * @throws RunInProgressException when the session already has a running run
   * @throws UnknownSessionException when there is no such session
   */
  public RunRecord startRun(String sessionId) {
    if (!Ids.plausible(sessionId)) {
      throw new UnknownSessionException(sessionId);
    }
    RunRecord run = new RunRecord(Ids.next('r'), sessionId, RunStatus.RUNNING, null, now(), null);
    try {
      write(c -> {
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO runs (id, session_id, owner, status, started_at) VALUES (?, ?, ?, 'running', ?)")) {
          s.setString(1, run.id());
          s.setString(2, sessionId);
          s.setString(3, instanceId);
          s.setLong(4, micros(run.startedAt()));
          s.executeUpdate();
        }
        return null;
      });
    } catch (ConstraintException e) {
      if (dialect.isUniqueViolation(e.sql())) {
        throw new RunInProgressException(sessionId);
      }
      if (dialect.isForeignKeyViolation(e.sql())) {
        throw new UnknownSessionException(sessionId);
      }
      throw new StoreException("cannot start run: " + e.sql().getMessage(), e.sql());
    }
    return run;
  }

  /**
   * Ends a running run with {@code status} (not {@link RunStatus#RUNNING}) and a reason (may be null; cut to 1,024
   * characters). Returns false when the run is unknown or had already ended (the first end wins).
   */
  public boolean finishRun(String runId, RunStatus status, String reason) {
    if (status == RunStatus.RUNNING) {
      throw new IllegalArgumentException("a run is finished with a final status");
    }
    if (!Ids.plausible(runId)) {
      return false;
    }
    return write(c -> finish(c, runId, status, reason));
  }

  /** The run, if it exists. */
  public Optional<RunRecord> run(String runId) {
    if (!Ids.plausible(runId)) {
      return Optional.empty();
    }
    return findById("SELECT id, session_id, status, reason, started_at, finished_at FROM runs WHERE id = ?", runId,
        TranscriptStore::runOf);
  }

  /** The session's runs, newest first, at most {@code limit}. */
  public List<RunRecord> runs(String sessionId, int limit) {
    int page = page(limit);
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT id, session_id, status, reason, started_at, finished_at"
          + " FROM runs WHERE session_id = ? ORDER BY started_at DESC, id LIMIT ?")) {
        s.setString(1, sessionId);
        s.setInt(2, page);
        return list(s, TranscriptStore::runOf);
      }
    });
  }

  /**
   * At start-up (and safe to call at any time): every run still {@link RunStatus#RUNNING} whose gateway is gone
   * becomes {@link RunStatus#INTERRUPTED} and gets a {@value #RUN_INTERRUPTED} event at the end of its session's
   * transcript. Returns how many. On PostgreSQL a run's gateway is gone when its instance lock is free (see
   * {@link InstanceLock}), so the runs of other live instances are left alone; SQLite serves one gateway process, so
   * every run not started by this store is gone.
   */
  public int markInterruptedRuns() {
    Map<String, List<String>> runsByOwner = read(c -> {
      Map<String, List<String>> owners = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT owner, id FROM runs WHERE status = 'running' AND owner <> ? ORDER BY started_at")) {
        s.setString(1, instanceId);
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            owners.computeIfAbsent(rows.getString(1), o -> new ArrayList<>()).add(rows.getString(2));
          }
        }
      }
      return owners;
    });
    int marked = 0;
    for (Map.Entry<String, List<String>> owner : runsByOwner.entrySet()) {
      if (ownerIsGone(owner.getKey())) {
        for (String runId : owner.getValue()) {
          marked += write(c -> markInterrupted(c, runId)) ? 1 : 0;
        }
      }
    }
    return marked;
  }

  private boolean ownerIsGone(String owner) {
    if (instanceLock == null) {
      return true;
    }
    try {
      return instanceLock.isGone(owner);
    } catch (SQLException e) {
      throw new StoreException("cannot check gateway instance " + owner + ": " + e.getMessage(), e);
    }
  }

  private static boolean markInterrupted(Connection c, String runId) throws SQLException {
    String reason = "the gateway stopped while the run was in progress";
    if (!finish(c, runId, RunStatus.INTERRUPTED, reason)) {
      return false; // finished meanwhile, or marked by another instance
    }
    String sessionId = firstRow(c, "SELECT session_id FROM runs WHERE id = ?", runId, rows -> rows.getString(1));
    String payload = "{\"run_id\":\"" + runId + "\",\"reason\":\"" + reason + "\"}";
    appendIn(c, sessionId, runId, RUN_INTERRUPTED, payload, Long.MAX_VALUE);
    return true;
  }

  private static boolean finish(Connection c, String runId, RunStatus status, String reason) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE runs SET status = ?, reason = ?, finished_at = ? WHERE id = ? AND status = 'running'")) {
      s.setString(1, status.wireName());
      s.setString(2, reason == null || reason.length() <= MAX_REASON_CHARS ? reason
          : reason.substring(0, MAX_REASON_CHARS));
      s.setLong(3, micros(now()));
      s.setString(4, runId);
      return s.executeUpdate() == 1;
    }
  }

  // ---- events

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
    checkType(type);
    if (jsonPayload == null) {
      throw new IllegalArgumentException("payload must not be null");
    }
    if (jsonPayload.length() > limits.maxPayloadBytes()
        || jsonPayload.getBytes(StandardCharsets.UTF_8).length > limits.maxPayloadBytes()) {
      throw new LimitExceededException("event payload is larger than " + limits.maxPayloadBytes() + " bytes");
    }
    if (!Ids.plausible(sessionId)) {
      throw new UnknownSessionException(sessionId);
    }
    if (runIdOrNull != null && !Ids.plausible(runIdOrNull)) {
      throw new RunNotActiveException(runIdOrNull);
    }
    PendingAppend append = new PendingAppend(sessionId, runIdOrNull, type, jsonPayload);
    if (sqliteWriter == null) {
      return write(c -> appendChecked(c, append));
    }
    return groupCommit(append);
  }

  private long appendChecked(Connection c, PendingAppend append) throws SQLException {
    if (append.runId() != null) {
      checkRunning(c, append.sessionId(), append.runId());
    }
    return appendIn(c, append.sessionId(), append.runId(), append.type(), append.payload(),
        limits.maxEventsPerSession());
  }

  /** One append waiting for a group commit; {@code result} holds its sequence number or its failure. */
  private record PendingAppend(String sessionId, String runId, String type, String payload,
      CompletableFuture<Long> result) {
    PendingAppend(String sessionId, String runId, String type, String payload) {
      this(sessionId, runId, type, payload, new CompletableFuture<>());
    }
  }

  /** Most appends one SQLite transaction commits together. */
  static final int MAX_GROUP = 256;

  /**
   * SQLite group commit: every append queues, then takes the writer lock; whoever holds it commits everything queued
   * so far in one transaction (one fsync), each append in its own savepoint so one refused append does not undo
   * the others. An append returns only after the transaction holding it committed, so it is as durable as before;
   * appends that arrive while a commit is in progress share the next one instead of paying an fsync each.
   */
  private long groupCommit(PendingAppend append) {
    appendQueue.add(append);
    sqliteWriter.lock();
    try {
      if (!append.result().isDone()) {
        commitQueued();
      }
    } finally {
      sqliteWriter.unlock();
    }
    try {
      return append.result().join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new StoreException("transcript store write failed", e.getCause());
    }
  }

  /** Commits the queued appends (the caller holds the writer lock). */
  private void commitQueued() {
    java.util.List<PendingAppend> group = new java.util.ArrayList<>();
    PendingAppend next;
    while (group.size() < MAX_GROUP && (next = appendQueue.poll()) != null) {
      group.add(next);
    }
    java.util.Map<PendingAppend, Object> outcomes = new java.util.LinkedHashMap<>();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (PendingAppend pending : group) {
          outcomes.put(pending, appendInSavepoint(c, pending));
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      StoreException failure = e instanceof StoreException store ? store
          : new StoreException("transcript store write failed: " + e.getMessage(), e);
      group.forEach(pending -> pending.result().completeExceptionally(failure));
      return;
    }
    outcomes.forEach((pending, outcome) -> {
      if (outcome instanceof Long seq) {
        pending.result().complete(seq);
      } else {
        pending.result().completeExceptionally((RuntimeException) outcome);
      }
    });
  }

  /** The append's sequence number, or the refusal (unknown session, run not active, limit) as a value. */
  private Object appendInSavepoint(Connection c, PendingAppend pending) throws SQLException {
    java.sql.Savepoint savepoint = c.setSavepoint();
    try {
      long seq = appendChecked(c, pending);
      c.releaseSavepoint(savepoint);
      return seq;
    } catch (StoreException refused) {
      c.rollback(savepoint);
      return refused;
    } catch (SQLException e) {
      c.rollback(savepoint);
      if (dialect.isUniqueViolation(e) || dialect.isForeignKeyViolation(e)) {
        return new UnknownSessionException(pending.sessionId());
      }
      throw e;
    }
  }

  private static void checkRunning(Connection c, String sessionId, String runId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT 1 FROM runs WHERE id = ? AND session_id = ? AND status = 'running'")) {
      s.setString(1, runId);
      s.setString(2, sessionId);
      try (ResultSet rows = s.executeQuery()) {
        if (!rows.next()) {
          throw new RunNotActiveException(runId);
        }
      }
    }
  }

  /** Takes the next sequence number (the row update locks the session until commit) and inserts the event. */
  private static long appendIn(Connection c, String sessionId, String runId, String type, String payload, long max)
      throws SQLException {
    try (PreparedStatement bump = c.prepareStatement(
        "UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ? AND last_seq < ?")) {
      bump.setString(1, sessionId);
      bump.setLong(2, max);
      if (bump.executeUpdate() != 1) {
        throw session(c, sessionId).isPresent()
            ? new LimitExceededException("session " + sessionId + " holds the maximum of " + max + " events")
            : new UnknownSessionException(sessionId);
      }
    }
    long seq = firstRow(c, "SELECT last_seq FROM sessions WHERE id = ?", sessionId, rows -> rows.getLong(1));
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO events (session_id, seq, run_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      s.setString(1, sessionId);
      s.setLong(2, seq);
      s.setString(3, runId);
      s.setString(4, type);
      s.setString(5, payload);
      s.setLong(6, micros(now()));
      s.executeUpdate();
    }
    return seq;
  }

  private static Optional<String> session(Connection c, String sessionId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM sessions WHERE id = ?")) {
      s.setString(1, sessionId);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
      }
    }
  }

  /** The session's events with a sequence number above {@code afterSeq}, in order, at most {@code limit}. */
  public List<EventRecord> events(String sessionId, long afterSeq, int limit) {
    int page = page(limit);
    if (!Ids.plausible(sessionId)) {
      return List.of();
    }
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT session_id, seq, run_id, type, payload, created_at"
          + " FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
        s.setString(1, sessionId);
        s.setLong(2, afterSeq);
        s.setInt(3, page);
        return list(s, rows -> new EventRecord(rows.getString(1), rows.getLong(2), rows.getString(3),
            rows.getString(4), rows.getString(5), instant(rows.getLong(6))));
      }
    });
  }

  // ---- memory notes

  /**
   * Saves a memory note of {@code agent} with its embedding and returns the note's id.
   *
   * @throws LimitExceededException when the text is too long or the agent already holds
   *     {@link StoreLimits#maxNotesPerAgent()} notes
   */
  public long saveNote(String agent, String text, float[] vector) {
    checkAgent(agent);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("note text must not be blank");
    }
    if (text.length() > limits.maxNoteChars()) {
      throw new LimitExceededException("note is longer than " + limits.maxNoteChars() + " characters");
    }
    if (vector == null || vector.length == 0 || vector.length > 4_096) {
      throw new IllegalArgumentException("vector must have 1 to 4096 dimensions");
    }
    byte[] encoded = VectorCodec.encode(vector);
    return write(c -> {
      lockAgentNotes(c, agent);
      if (noteCount(c, agent) >= limits.maxNotesPerAgent()) {
        throw new LimitExceededException(
            "agent " + agent + " holds the maximum of " + limits.maxNotesPerAgent() + " notes");
      }
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO notes (agent, text, vector, created_at) VALUES (?, ?, ?, ?) RETURNING id")) {
        s.setString(1, agent);
        s.setString(2, text);
        s.setBytes(3, encoded);
        s.setLong(4, micros(now()));
        try (ResultSet rows = s.executeQuery()) {
          rows.next();
          return rows.getLong(1);
        }
      }
    });
  }

  /** On PostgreSQL, serialises note writers of one agent (the count check); SQLite writers are serialised anyway. */
  private void lockAgentNotes(Connection c, String agent) throws SQLException {
    if (dialect == Dialect.POSTGRESQL) {
      try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        s.setString(1, "clincher-notes:" + agent);
        s.executeQuery().close();
      }
    }
  }

  private static int noteCount(Connection c, String agent) throws SQLException {
    return firstRow(c, "SELECT COUNT(*) FROM notes WHERE agent = ?", agent, rows -> rows.getInt(1));
  }

  /** How many notes {@code agent} holds. */
  public int noteCount(String agent) {
    return read(c -> noteCount(c, agent));
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
    PriorityQueue<Hit> best = new PriorityQueue<>(Comparator.comparingDouble(Hit::score));
    return read(c -> {
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
      return withTexts(c, agent, best);
    });
  }

  /** A candidate of a similarity search before its text is read. */
  private record Hit(long id, float score) {}

  private static List<ScoredNote> withTexts(Connection c, String agent, PriorityQueue<Hit> hits) throws SQLException {
    List<ScoredNote> result = new ArrayList<>(hits.size());
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, agent, text, created_at FROM notes WHERE agent = ? AND id = ?")) {
      for (Hit hit : hits) {
        s.setString(1, agent);
        s.setLong(2, hit.id());
        for (NoteRecord note : list(s, TranscriptStore::noteOf)) {
          result.add(new ScoredNote(note, hit.score()));
        }
      }
    }
    result.sort(Comparator.comparingDouble(ScoredNote::score).reversed());
    return result;
  }

  /** The notes of {@code agent}, newest first, at most {@code limit}. */
  public List<NoteRecord> notes(String agent, int limit) {
    int page = page(limit);
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT id, agent, text, created_at FROM notes WHERE agent = ? ORDER BY id DESC LIMIT ?")) {
        s.setString(1, agent);
        s.setInt(2, page);
        return list(s, TranscriptStore::noteOf);
      }
    });
  }

  @Override
  public void close() {
    if (instanceLock != null) {
      instanceLock.close();
    }
    pool.close();
  }

  // ---- plumbing

  private int page(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    return Math.min(limit, limits.maxPage());
  }

  private static void checkAgent(String agent) {
    if (agent == null || agent.isBlank() || agent.length() > MAX_AGENT_CHARS) {
      throw new IllegalArgumentException("agent must be 1 to " + MAX_AGENT_CHARS + " characters");
    }
  }

  private static void checkType(String type) {
    if (type == null || type.isEmpty() || type.length() > MAX_TYPE_CHARS
        || !type.chars().allMatch(ch -> ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.')) {
      throw new IllegalArgumentException("event type must be 1 to 64 of [a-z0-9_.]");
    }
  }

  private static SessionRecord sessionOf(ResultSet rows) throws SQLException {
    return new SessionRecord(rows.getString(1), rows.getString(2), rows.getString(3), instant(rows.getLong(4)),
        rows.getLong(5));
  }

  private static RunRecord runOf(ResultSet rows) throws SQLException {
    long finished = rows.getLong(6);
    Instant finishedAt = rows.wasNull() ? null : instant(finished);
    return new RunRecord(rows.getString(1), rows.getString(2), RunStatus.fromWire(rows.getString(3)),
        rows.getString(4), instant(rows.getLong(5)), finishedAt);
  }

  private static NoteRecord noteOf(ResultSet rows) throws SQLException {
    return new NoteRecord(rows.getLong(1), rows.getString(2), rows.getString(3), instant(rows.getLong(4)));
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  private static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }

  private static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private static <T> List<T> list(PreparedStatement statement, RowMapper<T> mapper) throws SQLException {
    List<T> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(mapper.map(rows));
      }
    }
    return result;
  }

  /** The first row of a query with one string parameter that always has a row. */
  private static <T> T firstRow(Connection c, String sql, String parameter, RowMapper<T> mapper)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet rows = s.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException("no row for " + sql);
        }
        return mapper.map(rows);
      }
    }
  }

  private <T> Optional<T> findById(String sql, String id, RowMapper<T> mapper) {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, id);
        List<T> found = list(s, mapper);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
      }
    });
  }

  private <T> T read(SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("transcript store read failed: " + e.getMessage(), e);
    }
  }

  /** Runs {@code work} in one transaction; SQLite writers one at a time; constraint failures as ConstraintException. */
  private <T> T write(SqlWork<T> work) {
    if (sqliteWriter != null) {
      sqliteWriter.lock();
    }
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      if (dialect.isUniqueViolation(e) || dialect.isForeignKeyViolation(e)) {
        throw new ConstraintException(e);
      }
      throw new StoreException("transcript store write failed: " + e.getMessage(), e);
    } finally {
      if (sqliteWriter != null) {
        sqliteWriter.unlock();
      }
    }
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rows) throws SQLException;
  }

  /** A unique or foreign-key violation, for the caller to turn into its specific exception. */
  private static final class ConstraintException extends StoreException {
    private static final long serialVersionUID = 1L;

    ConstraintException(SQLException cause) {
      super("constraint violated: " + cause.getMessage(), cause);
    }

    SQLException sql() {
      return (SQLException) getCause();
    }
  }
}
