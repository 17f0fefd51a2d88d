package dev.clincher.router.spendlog;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.RouterDatabase;
import dev.clincher.router.spendlog.SpendLogException.Reason;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The durable spend log: one {@link SpendRecord} per request in {@code spend_logs} (SQLite by default, PostgreSQL when
 * {@code general_settings.database_url} says so; schema by Flyway from {@code db/router}). It is the source of truth
 * for spend: counters are rebuilt from {@link #sums}.
 *
 * <p><b>Durable when {@link #append} returns</b> {@link Appended#WRITTEN}: the row is committed (SQLite: WAL with
 * {@code synchronous=FULL}, so the WAL is fsynced; PostgreSQL: a commit with {@code synchronous_commit=on}), so it
 * survives {@code kill -9} of the router and, with a disk that honours fsync, a power loss. Appends from many threads
 * share a transaction (group commit): one writer thread takes what is queued, up to {@code maxBatch}, commits, and
 * releases every waiter of the batch.
 *
 * <p><b>Bounds</b> ({@link SpendLogSettings}): the queue holds {@code queueCapacity} records, and one more is refused at
 * once ({@link Reason#QUEUE_FULL}); a caller waits at most {@code commitTimeout} (to within 100 ms: one deadline
 * thread enforces it, so callers wait without a timer of their own), then gets {@link Reason#TIMEOUT}, but its record
 * stays queued and <i>may still be written</i> later. Appending the same record again is always safe: the
 * request id is unique and the first record wins, so {@link Appended#DUPLICATE} after a timeout means the first
 * attempt landed. A failed commit fails every waiter of its batch ({@link Reason#COMMIT_FAILED}, with the database's
 * error as the cause); the writer then opens a new connection for the next batch and carries on. {@link #close}
 * drains the queue for at most {@code closeTimeout}.
 *
 * <p>Queries and reports run on a connection of their own, one at a time, each bounded by {@code statementTimeout}.
 *
 * <p>Not built yet: retention. Rows are kept forever (with their indexes about 370 bytes each in SQLite, 590 in
 * PostgreSQL, measured on a million rows); delete old ones by hand until a retention setting exists, knowing that
 * {@link #sums} (the all-time totals) then forgets them.
 */
public final class SpendLog implements AutoCloseable {
  /** What became of an appended record. */
  public enum Appended {
    /** Committed durably. */
    WRITTEN,
    /** A record with the same request id was already durable (or came earlier in the same batch); this one was not written. */
    DUPLICATE
  }

  /**
   * What the writer did since the log was opened.
   *
   * @param commits       transactions committed (each a batch of one or more records)
   * @param written       records written
   * @param duplicates    records not written because their request id was already there
   * @param failedBatches batches whose transaction failed
   * @param reconnects    batches retried on a new connection because the old one was found dead before COMMIT
   * @param queued        records waiting in the queue now
   * @param inFlight      records the writer is writing now (its current batch)
   */
  public record Stats(long commits, long written, long duplicates, long failedBatches, long reconnects, int queued,
      int inFlight) {}

  private final GroupCommitWriter writer;
  private final SpendQueries queries;

  private SpendLog(GroupCommitWriter writer, SpendQueries queries) {
    this.writer = writer;
    this.queries = queries;
  }

  /** Brings the schema up to date, connects and starts the writer thread. */
  public static SpendLog open(DatabaseUrl url, SpendLogSettings settings) throws SpendLogException {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(settings, "settings");
    Dialect dialect = Dialect.of(url);
    Connection connection;
    try {
      RouterDatabase.migrate(url);
      connection = dialect.openWriter(url, settings);
    } catch (SQLException | RuntimeException e) {
      throw new SpendLogException(Reason.DATABASE, "cannot open the spend log in " + dialect + " ("
          + e.getClass().getSimpleName() + ")", e);
    }
    return new SpendLog(new GroupCommitWriter(url, dialect, settings, connection),
        new SpendQueries(url, dialect, settings));
  }

  /**
   * Appends one record and returns once it is committed durably.
   *
   * @return {@link Appended#WRITTEN}, or {@link Appended#DUPLICATE} when its request id was already logged
   * @throws SpendLogException {@link Reason#QUEUE_FULL} (not written), {@link Reason#TIMEOUT} and
   *                           {@link Reason#INTERRUPTED} (may still be written), {@link Reason#COMMIT_FAILED},
   *                           {@link Reason#CLOSED}
   */
  public Appended append(SpendRecord record) throws SpendLogException {
    return writer.append(Objects.requireNonNull(record, "record"));
  }

  /**
   * The records matching {@code filter}, newest first (ties in time by request id, descending).
   *
   * @param page from 1
   * @param size 1 to 1,000 records
   */
  public Page query(SpendFilter filter, int page, int size) throws SpendLogException {
    Objects.requireNonNull(filter, "filter");
    if (page < 1 || size < 1 || size > 1_000) {
      throw new IllegalArgumentException("page must be 1 or more and size 1 to 1000, got page " + page + ", size "
          + size);
    }
    return queries.query(filter, page, size);
  }

  /**
   * Sums of the records in [{@code from}, {@code to}) grouped by {@code by} (none: one row for everything), sorted by
   * the group's values. {@link Dimension#DAY} is the UTC day.
   *
   * @throws SpendLogException {@link Reason#TOO_MANY_ROWS} beyond 100,000 groups
   */
  public List<ReportRow> report(Instant from, Instant to, Set<Dimension> by) throws SpendLogException {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to");
    }
    return queries.report(from, to, Set.copyOf(by));
  }

  /**
   * For rebuilding counters, in one SQL aggregate: per value of {@code by} (none: one global row), the sums of the
   * records at or after {@code since} (a budget window) and of all records (the totals since the beginning).
   *
   * @throws SpendLogException {@link Reason#TOO_MANY_ROWS} beyond 100,000 groups
   */
  public List<SumRow> sums(Instant since, Set<Dimension> by) throws SpendLogException {
    return queries.sums(Objects.requireNonNull(since, "since"), Set.copyOf(by));
  }

  /** Counters of the writer (commits, records, failures), for metrics and tests. */
  public Stats stats() {
    return writer.stats();
  }

  /** Stops taking records, drains the queue (for at most the close timeout) and closes the connections. */
  @Override
  public void close() {
    writer.close();
    queries.close();
  }
}
