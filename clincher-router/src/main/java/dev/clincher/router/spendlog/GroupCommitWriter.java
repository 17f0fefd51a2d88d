package dev.clincher.router.spendlog;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendLog.Appended;
import dev.clincher.router.spendlog.SpendLogException.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue and the one thread that writes it: the writer takes whatever is queued (up to {@code maxBatch}), inserts
 * it in one transaction, commits, then releases every waiter of the batch (group commit). On any failure it drops its
 * connection and opens a new one for the next batch; a connection found dead before COMMIT was sent is replaced and
 * the batch tried once more, so a database restart between batches costs no failed append.
 */
final class GroupCommitWriter {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  private static final long IDLE_POLL_MILLIS = 50;
  /** How often the deadline thread looks for waiters past the commit timeout (the timeout's precision). */
  private static final long DEADLINE_SWEEP_MILLIS = 100;
  /**
   * Batches of up to this many records reuse their insert statement (one per size, on the writer's connection): a
   * batch of a few records is the common case, and parsing its 16-column insert anew was about an eighth of the
   * writer's time (async-profiler, bench/router/README.md). Larger batches, rarer, are prepared each time.
   */
  private static final int PREPARED_BATCH_SIZES = 16;

  private record Pending(SpendRecord record, CompletableFuture<Appended> done) {}

  /** When a waiter stops waiting; one commit timeout for all, so the queue of deadlines is in deadline order. */
  private record Deadline(long atNanos, CompletableFuture<Appended> done) {}

  private final DatabaseUrl url;
  private final Dialect dialect;
  private final SpendLogSettings settings;
  private final ArrayBlockingQueue<Pending> queue;
  private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();
  private final Thread thread;
  /**
   * The commit timeout is enforced here, not by a timed wait of each caller: a timed park of a virtual thread wakes
   * the JDK's delay-scheduler thread at nearly every call (bench/router/README.md), this thread 10 times a second.
   */
  private final ConcurrentLinkedQueue<Deadline> deadlines = new ConcurrentLinkedQueue<>();
  private final Thread deadlineThread;
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong failedBatches = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private volatile int inFlight;
  private volatile boolean closing; // written under the admission write lock
  private volatile boolean abandoned;
  private Connection connection; // the writer thread's own, after start
  private final Map<Integer, PreparedStatement> inserts = new HashMap<>(); // on connection, by batch size

  GroupCommitWriter(DatabaseUrl url, Dialect dialect, SpendLogSettings settings, Connection connection) {
    this.url = url;
    this.dialect = dialect;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.connection = connection;
    this.thread = new Thread(this::run, "clincher-spend-log-writer");
    thread.setDaemon(true);
    thread.start();
    this.deadlineThread = new Thread(this::expireWaiters, "clincher-spend-log-deadlines");
    deadlineThread.setDaemon(true);
    deadlineThread.start();
  }

  /** Queues {@code record} and waits for its commit (at most the commit timeout). */
  Appended append(SpendRecord record) throws SpendLogException {
    Pending pending = new Pending(record, new CompletableFuture<>());
    admission.readLock().lock();
    try {
      if (closing) {
        throw new SpendLogException(Reason.CLOSED, "the spend log is closed; record " + record.requestId()
            + " was not written");
      }
      if (!queue.offer(pending)) {
        throw new SpendLogException(Reason.QUEUE_FULL, "the spend log queue is full (" + settings.queueCapacity()
            + " records waiting for the database); record " + record.requestId() + " was not written");
      }
      deadlines.add(new Deadline(System.nanoTime() + settings.commitTimeout().toNanos(), pending.done()));
    } finally {
      admission.readLock().unlock();
    }
    return await(pending);
  }

  private Appended await(Pending pending) throws SpendLogException {
    String id = pending.record().requestId();
    try {
      return pending.done().get(); // the deadline thread fails it after the commit timeout
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SpendLogException(Reason.INTERRUPTED, "interrupted while waiting for record " + id
          + " to be committed; it may still be written");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        throw new SpendLogException(Reason.TIMEOUT, "record " + id + " was not confirmed durable within "
            + settings.commitTimeout().toMillis() + " ms (the database is slow or not answering); it may still be "
            + "written: appending it again is safe, DUPLICATE then means it was");
      }
      if (e.getCause() instanceof SpendLogException failure) {
        throw new SpendLogException(failure.reason(), failure.getMessage(), failure.getCause());
      }
      throw new SpendLogException(Reason.COMMIT_FAILED, "record " + id + " was not written", e.getCause());
    }
  }

  /**
   * The deadline thread: every {@link #DEADLINE_SWEEP_MILLIS}, forgets the waiters that got their answer and fails
   * those past the commit timeout (their records stay queued and may still be written), oldest first.
   */
  private void expireWaiters() {
    try {
      while (!abandoned) {
        Deadline oldest;
        while ((oldest = deadlines.peek()) != null
            && (oldest.done().isDone() || oldest.atNanos() - System.nanoTime() <= 0)) {
          deadlines.poll();
          oldest.done().completeExceptionally(new TimeoutException()); // no effect on an answered waiter
        }
        Thread.sleep(DEADLINE_SWEEP_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  SpendLog.Stats stats() {
    return new SpendLog.Stats(commits.get(), written.get(), duplicates.get(), failedBatches.get(), reconnects.get(),
        queue.size(), inFlight);
  }

  /** Refuses new records, lets the writer drain the queue for at most the close timeout, fails what is left. */
  void close() {
    admission.writeLock().lock();
    try {
      closing = true;
    } finally {
      admission.writeLock().unlock();
    }
    try {
      thread.join(settings.closeTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    abandoned = true; // a writer still busy finishes its batch, then stops
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    for (Pending pending : left) {
      pending.done().completeExceptionally(new SpendLogException(Reason.CLOSED, "the spend log closed before record "
          + pending.record().requestId() + " was written (close drains for at most "
          + settings.closeTimeout().toMillis() + " ms)"));
    }
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(settings.maxBatch());
    try {
      while (!abandoned) {
        Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, settings.maxBatch() - 1);
        commit(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      dropConnection();
    }
  }

  /**
   * Writes one batch and releases its waiters: WRITTEN, DUPLICATE (the id was already there), or the failure. The
   * counters are brought up to date first, so a caller that returns sees its own batch in {@link #stats}.
   */
  private void commit(List<Pending> batch) {
    inFlight = batch.size();
    Set<String> inserted;
    try {
      inserted = write(firstOfEachId(batch));
    } catch (SQLException | RuntimeException e) {
      dropConnection();
      failedBatches.incrementAndGet();
      inFlight = 0;
      LOG.atWarn().addKeyValue("records", batch.size()).addKeyValue("exception", e.getClass().getName())
          .addKeyValue("sql_state", e instanceof SQLException sql ? sql.getSQLState() : null)
          .log("router.spend_log.commit_failed");
      String message = "the spend log's commit of " + batch.size() + " records failed (" + describe(e)
          + "); the record was not written unless the connection broke during COMMIT: appending it again is safe";
      batch.forEach(pending -> pending.done().completeExceptionally(
          new SpendLogException(Reason.COMMIT_FAILED, message, e)));
      return;
    }
    commits.incrementAndGet();
    written.addAndGet(inserted.size());
    duplicates.addAndGet(batch.size() - inserted.size());
    inFlight = 0;
    for (Pending pending : batch) {
      pending.done().complete(inserted.remove(pending.record().requestId()) ? Appended.WRITTEN : Appended.DUPLICATE);
    }
  }

  /** A later record with an id already in the batch is a duplicate of the earlier one (which may or may not land). */
  private static List<SpendRecord> firstOfEachId(List<Pending> batch) {
    List<SpendRecord> records = new ArrayList<>(batch.size());
    Set<String> ids = new HashSet<>();
    for (Pending pending : batch) {
      if (ids.add(pending.record().requestId())) {
        records.add(pending.record());
      }
    }
    return records;
  }

  private Set<String> write(List<SpendRecord> records) throws SQLException {
    boolean reused = connection != null;
    Set<String> inserted;
    try {
      inserted = beginAndInsert(connection(), records);
    } catch (SQLException e) {
      dropConnection();
      if (!reused || !dialect.connectionLost(e)) {
        throw e;
      }
      reconnects.incrementAndGet();
      inserted = beginAndInsert(connection(), records);
    }
    execute(connection, "COMMIT");
    return inserted;
  }

  private Set<String> beginAndInsert(Connection c, List<SpendRecord> records) throws SQLException {
    execute(c, dialect.beginWrite());
    Set<String> inserted = new HashSet<>();
    PreparedStatement insert = insertStatement(c, records.size());
    try {
      Rows.bind(insert, records);
      try (ResultSet rows = insert.executeQuery()) {
        while (rows.next()) {
          inserted.add(rows.getString(1));
        }
      }
    } finally {
      if (records.size() > PREPARED_BATCH_SIZES) {
        insert.close();
      }
    }
    return inserted;
  }

  /** The insert of {@code records} rows on {@code c}: kept for small batches, else new (the caller closes it). */
  private PreparedStatement insertStatement(Connection c, int records) throws SQLException {
    PreparedStatement kept = inserts.get(records);
    if (kept != null) {
      return kept;
    }
    PreparedStatement insert = c.prepareStatement(Rows.insert(records));
    dialect.bound(insert, settings);
    if (records <= PREPARED_BATCH_SIZES) {
      inserts.put(records, insert);
    }
    return insert;
  }

  private void execute(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      dialect.bound(statement, settings);
      statement.execute(sql);
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = dialect.openWriter(url, settings);
    }
    return connection;
  }

  /** Closing rolls back whatever the failed transaction left open. */
  private void dropConnection() {
    inserts.clear(); // closed with their connection
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // a broken connection may not close cleanly; it is dropped anyway
      }
      connection = null;
    }
  }

  private static String describe(Exception e) {
    String state = e instanceof SQLException sql && sql.getSQLState() != null ? ", SQLState " + sql.getSQLState() : "";
    return e.getClass().getSimpleName() + state + ": " + e.getMessage();
  }
}
