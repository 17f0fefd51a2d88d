package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code runs} table: start, finish and find a session's runs, and mark those of a gone gateway interrupted. A
 * session has at most one run in {@link RunStatus#RUNNING}, enforced by a partial unique index, so also across
 * gateway instances sharing a PostgreSQL.
 */
public final class RunLedger {
  /** Event type appended by {@link #markInterruptedRuns()}. */
  public static final String RUN_INTERRUPTED = "run_interrupted";

  private static final int MAX_REASON_CHARS = 1_024;
  private static final String COLUMNS = "SELECT id, session_id, status, reason, started_at, finished_at FROM runs";

  private final Database database;

  RunLedger(Database database) {
    this.database = database;
  }

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
    RunRecord run = new RunRecord(Ids.next('r'), sessionId, RunStatus.RUNNING, null, Rows.now(), null);
    if (insertRun(run)) {
      return run;
    }
    // the running run may belong to a gateway instance that died: mark such runs interrupted, then try once more
    if (markRunsOfDeadInstances() > 0 && insertRun(run)) {
      return run;
    }
    throw new RunInProgressException(sessionId);
  }

  /**
   * Whether the session's running run has written an event of {@code type}: with {@code done}, the run is closing
   * and its end follows (also when another gateway instance runs it).
   */
  public boolean runningRunHasEvent(String sessionId, String type) {
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM runs r JOIN events e"
          + " ON e.session_id = r.session_id AND e.run_id = r.id"
          + " WHERE r.session_id = ? AND r.status = 'running' AND e.type = ? LIMIT 1")) {
        s.setString(1, sessionId);
        s.setString(2, type);
        try (ResultSet rows = s.executeQuery()) {
          return rows.next();
        }
      }
    });
  }

  /** Inserts {@code run}; false when its session already has a running run. */
  private boolean insertRun(RunRecord run) {
    String sessionId = run.sessionId();
    try {
      database.write(c -> {
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO runs (id, session_id, owner, status, started_at) VALUES (?, ?, ?, 'running', ?)")) {
          s.setString(1, run.id());
          s.setString(2, sessionId);
          s.setString(3, database.instanceId());
          s.setLong(4, Rows.micros(run.startedAt()));
          s.executeUpdate();
        }
        return null;
      });
    } catch (ConstraintException e) {
      if (database.dialect().isUniqueViolation(e.sql())) {
        return false;
      }
      if (database.dialect().isForeignKeyViolation(e.sql())) {
        throw new UnknownSessionException(sessionId);
      }
      throw new StoreException("cannot start run: " + e.sql().getMessage(), e.sql());
    }
    return true;
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
    return database.write(c -> finish(c, runId, status, reason));
  }

  /** The run, if it exists. */
  public Optional<RunRecord> run(String runId) {
    if (!Ids.plausible(runId)) {
      return Optional.empty();
    }
    return database.findById(COLUMNS + " WHERE id = ?", runId, RunLedger::runOf);
  }

  /** The session's runs, newest first, at most {@code limit}. */
  public List<RunRecord> runs(String sessionId, int limit) {
    int page = database.page(limit);
    return database.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          COLUMNS + " WHERE session_id = ? ORDER BY started_at DESC, id LIMIT ?")) {
        s.setString(1, sessionId);
        s.setInt(2, page);
        return Rows.list(s, RunLedger::runOf);
      }
    });
  }

  /**
   * At start-up (and safe to call at any time): every run still {@link RunStatus#RUNNING} whose gateway is gone
   * becomes {@link RunStatus#INTERRUPTED} and gets a {@value #RUN_INTERRUPTED} event at the end of its session's
   * transcript, both in one transaction. Returns how many. A run's gateway is gone as {@link Database#isGone} says,
   * so the runs of other live instances are left alone; a store never marks its own runs.
   */
  public int markInterruptedRuns() {
    int marked = 0;
    for (Map.Entry<String, List<String>> owner : runningRunsOfOtherOwners().entrySet()) {
      if (database.isGone(owner.getKey())) {
        for (String runId : owner.getValue()) {
          marked += database.write(c -> markInterrupted(c, runId)) ? 1 : 0;
        }
      }
    }
    return marked;
  }

  /**
   * While running: {@link #markInterruptedRuns()} where other instances' liveness is known (PostgreSQL's instance
   * locks); with SQLite one process serves the file, and the marking at start-up is the only one (another store on
   * the same file is alive, not gone).
   */
  public int markRunsOfDeadInstances() {
    return database.tracksInstances() ? markInterruptedRuns() : 0;
  }

  private Map<String, List<String>> runningRunsOfOtherOwners() {
    return database.read(c -> {
      Map<String, List<String>> owners = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT owner, id FROM runs WHERE status = 'running' AND owner <> ? ORDER BY started_at")) {
        s.setString(1, database.instanceId());
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            owners.computeIfAbsent(rows.getString(1), o -> new ArrayList<>()).add(rows.getString(2));
          }
        }
      }
      return owners;
    });
  }

  /** Within one transaction: ends the run as interrupted and appends its marker event to the session's transcript. */
  private boolean markInterrupted(Connection c, String runId) throws SQLException {
    String reason = "the gateway stopped while the run was in progress";
    if (!finish(c, runId, RunStatus.INTERRUPTED, reason)) {
      return false; // finished meanwhile, or marked by another instance
    }
    String sessionId = Rows.firstRow(c, "SELECT session_id FROM runs WHERE id = ?", runId, rows -> rows.getString(1));
    String payload = "{\"run_id\":\"" + runId + "\",\"reason\":\"" + reason + "\"}";
    EventLog.appendIn(c, database.statements(), new EventLog.NewEvent(sessionId, runId, RUN_INTERRUPTED, payload),
        Long.MAX_VALUE);
    return true;
  }

  private static boolean finish(Connection c, String runId, RunStatus status, String reason) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE runs SET status = ?, reason = ?, finished_at = ? WHERE id = ? AND status = 'running'")) {
      s.setString(1, status.wireName());
      s.setString(2, reason == null || reason.length() <= MAX_REASON_CHARS ? reason
          : reason.substring(0, MAX_REASON_CHARS));
      s.setLong(3, Rows.micros(Rows.now()));
      s.setString(4, runId);
      return s.executeUpdate() == 1;
    }
  }

  private static RunRecord runOf(ResultSet rows) throws SQLException {
    long finished = rows.getLong(6);
    Instant finishedAt = rows.wasNull() ? null : Rows.instant(finished);
    return new RunRecord(rows.getString(1), rows.getString(2), RunStatus.fromWire(rows.getString(3)),
        rows.getString(4), Rows.instant(rows.getLong(5)), finishedAt);
  }
}
