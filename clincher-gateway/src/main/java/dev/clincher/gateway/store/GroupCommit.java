package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * SQLite group commit of event appends: every append queues, then takes the database's writer lock; whoever holds it
 * commits everything queued so far in one transaction (one fsync), each append in its own savepoint so one refused
 * append does not undo the others. An append returns only after the transaction holding it committed, so it is as
 * durable as alone; appends that arrive while a commit is in progress share the next one instead of paying an fsync
 * each.
 */
final class GroupCommit {
  /** Most appends one SQLite transaction commits together. */
  static final int MAX_GROUP = 256;

  private final Database database;
  private final AppendWork work;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

  /** How one append is written within a transaction; returns its sequence number. */
  @FunctionalInterface
  interface AppendWork {
    long append(Connection c, EventLog.NewEvent event) throws SQLException;
  }

  GroupCommit(Database database, AppendWork work) {
    this.database = database;
    this.work = work;
  }

  /** One append waiting for a group commit; {@code result} holds its sequence number or its failure. */
  private record Pending(EventLog.NewEvent event, CompletableFuture<Long> result) {}

  /** Appends {@code event} in the next group commit and returns its sequence number once that committed. */
  long append(EventLog.NewEvent event) {
    Pending pending = new Pending(event, new CompletableFuture<>());
    queue.add(pending);
    database.lockWriter();
    try {
      if (!pending.result().isDone()) {
        commitQueued();
      }
    } finally {
      database.unlockWriter();
    }
    try {
      return pending.result().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new StoreException("transcript store write failed", e.getCause());
    }
  }

  /** Commits the queued appends (the caller holds the writer lock). */
  private void commitQueued() {
    List<Pending> group = new ArrayList<>();
    Pending next;
    while (group.size() < MAX_GROUP && (next = queue.poll()) != null) {
      group.add(next);
    }
    Map<Pending, Object> outcomes;
    try {
      outcomes = database.transaction(c -> {
        Map<Pending, Object> each = new LinkedHashMap<>();
        for (Pending pending : group) {
          each.put(pending, appendInSavepoint(c, pending.event()));
        }
        return each;
      });
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
  private Object appendInSavepoint(Connection c, EventLog.NewEvent event) throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      long seq = work.append(c, event);
      c.releaseSavepoint(savepoint);
      return seq;
    } catch (StoreException refused) {
      c.rollback(savepoint);
      return refused;
    } catch (SQLException e) {
      c.rollback(savepoint);
      if (database.dialect().isUniqueViolation(e) || database.dialect().isForeignKeyViolation(e)) {
        return new UnknownSessionException(event.sessionId());
      }
      throw e;
    }
  }
}
