package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Event appends that share one open transaction until a commit makes them durable together (one fsync for the
 * group). An append runs its statements at once, in its own savepoint (so a refused append undoes only itself), and
 * learns its sequence number then; it is durable only when its {@link EventLog.Uncommitted#durable()} completes, which a
 * commit does for every append it held, in append order. Commits come from {@link #commit()} (wait for it) or
 * {@link #commitSoon()} (a virtual thread commits, the caller goes on); appends that arrive while a commit is running
 * share the next one, across runs.
 *
 * <p>Every other write of the database goes through {@link #write} too: it joins the open transaction and commits it,
 * so it shares the fsync of the appends before it and never waits on their row locks. One lock orders all of it: on
 * SQLite, which has one writer at a time, that is required; on PostgreSQL it makes one gateway's writes one stream
 * (they are short; the commits, not the statements, cost).
 */
final class GroupCommit {
  /** Most appends one transaction holds; the next append commits the group first. */
  static final int MAX_GROUP = 256;

  private final Database database;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean commitScheduled = new AtomicBoolean();
  private Connection open;
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();

  GroupCommit(Database database) {
    this.database = database;
  }

  /**
   * Runs {@code work} (one append's statements) in the open transaction, opening one if needed; the append is durable
   * when its future completes.
   *
   * @throws StoreException (or its subclasses, the refusals) when the append is refused or the store fails; a
   *     refusal undoes only this append, a failure of the store fails every open append with it
   */
  EventLog.Uncommitted append(Database.SqlWork<Long> work) {
    lock.lock();
    try {
      if (waiting.size() >= MAX_GROUP) {
        commitLocked();
      }
      long seq;
      try {
        seq = inSavepoint(work);
      } catch (StoreException refused) {
        if (waiting.isEmpty()) {
          commitLocked(); // ends the transaction the refused append opened
        }
        throw refused;
      }
      CompletableFuture<Void> durable = new CompletableFuture<>();
      waiting.add(durable);
      return new EventLog.Uncommitted(seq, durable);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code work} (any other write) in the open transaction and commits it, with the appends before it: durable
   * when this returns.
   *
   * @throws StoreException as {@link #append}; and when the commit fails
   */
  <T> T write(Database.SqlWork<T> work) {
    lock.lock();
    try {
      T result;
      try {
        result = inSavepoint(work);
      } finally {
        StoreException failure = commitLocked(); // also when refused: the appends before it, and no idle transaction
        if (failure != null) {
          throw failure;
        }
      }
      return result;
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code work} in a savepoint of the open transaction (the caller holds the lock). */
  private <T> T inSavepoint(Database.SqlWork<T> work) {
    try {
      Connection c = openTransaction();
      Savepoint savepoint = c.setSavepoint();
      T result;
      try {
        result = work.run(c);
      } catch (StoreException refused) {
        c.rollback(savepoint);
        throw refused;
      } catch (SQLException e) {
        if (database.dialect().isUniqueViolation(e) || database.dialect().isForeignKeyViolation(e)) {
          c.rollback(savepoint);
          throw new ConstraintException(e);
        }
        throw e;
      }
      c.releaseSavepoint(savepoint);
      return result;
    } catch (SQLException | RuntimeException e) {
      if (e instanceof StoreException store) {
        throw store;
      }
      StoreException failure = new StoreException("transcript store write failed: " + e.getMessage(), e);
      abandonLocked(failure);
      throw failure;
    }
  }

  /** Commits the open appends and returns when they are durable (at once when none are open). */
  void commit() {
    lock.lock();
    try {
      commitLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Has the open appends committed by a virtual thread, without waiting; one such commit is pending at a time. */
  void commitSoon() {
    if (commitScheduled.compareAndSet(false, true)) {
      Thread.ofVirtual().name("transcript-commit").start(() -> {
        commitScheduled.set(false);
        commit();
      });
    }
  }

  private Connection openTransaction() throws SQLException {
    if (open == null) {
      Connection c = database.connection();
      try {
        c.setAutoCommit(false);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      open = c;
    }
    return open;
  }

  /** Commits the open transaction and completes its appends, in order; or fails them all and returns why. */
  private StoreException commitLocked() {
    if (open == null) {
      return null;
    }
    try {
      open.commit();
    } catch (SQLException e) {
      StoreException failure = new StoreException("transcript store write failed: " + e.getMessage(), e);
      abandonLocked(failure);
      return failure;
    }
    closeOpen();
    List<CompletableFuture<Void>> done = List.copyOf(waiting);
    waiting.clear();
    done.forEach(durable -> durable.complete(null));
    return null;
  }

  /** Rolls the open transaction back and fails every append in it. */
  private void abandonLocked(StoreException failure) {
    if (open != null) {
      try {
        open.rollback();
      } catch (SQLException ignored) {
        // the connection is closed below; its transaction ends with it
      }
      closeOpen();
    }
    List<CompletableFuture<Void>> failed = List.copyOf(waiting);
    waiting.clear();
    failed.forEach(durable -> durable.completeExceptionally(failure));
  }

  private void closeOpen() {
    try {
      open.close();
    } catch (SQLException ignored) {
      // returned to the pool or discarded by it
    }
    open = null;
  }
}
