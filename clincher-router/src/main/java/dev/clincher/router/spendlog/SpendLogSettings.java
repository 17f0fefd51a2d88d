package dev.clincher.router.spendlog;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of a {@link SpendLog}.
 *
 * @param queueCapacity    records waiting for the writer at most (1 to 1,000,000); one more is refused at once
 * @param maxBatch         records per transaction at most (1 to 1,000)
 * @param commitTimeout    how long {@link SpendLog#append} waits for the commit before it gives up (the record may
 *                         still be written later)
 * @param lockTimeout      how long the writer waits for the database's write lock before the batch fails (SQLite:
 *                         {@code busy_timeout}; PostgreSQL: {@code lock_timeout})
 * @param statementTimeout PostgreSQL only: the longest a batch insert, a query or a report may run, and (plus 10 s)
 *                         how long a read from the server may hang, so a server gone silent is noticed (SQLite runs
 *                         in-process: only a lock can stall it, and {@code lockTimeout} bounds that)
 * @param closeTimeout     how long {@link SpendLog#close} drains the queue before it gives up on what is left
 * @param durability       what a committed row survives
 */
public record SpendLogSettings(int queueCapacity, int maxBatch, Duration commitTimeout, Duration lockTimeout,
    Duration statementTimeout, Duration closeTimeout, Durability durability) {
  private static final Duration LONGEST = Duration.ofMinutes(10); // before DEFAULTS, which the constructor checks
  /**
   * 10,000 queued, batches of 500, a 5 s commit wait, 4 s for a lock, 30 s per statement, 10 s to drain, rows that
   * survive a power loss.
   */
  public static final SpendLogSettings DEFAULTS = new SpendLogSettings(10_000, 500, Duration.ofSeconds(5),
      Duration.ofSeconds(4), Duration.ofSeconds(30), Duration.ofSeconds(10), Durability.POWER_LOSS);

  public SpendLogSettings {
    between("queueCapacity", queueCapacity, 1, 1_000_000);
    between("maxBatch", maxBatch, 1, 1_000);
    positive("commitTimeout", commitTimeout);
    positive("lockTimeout", lockTimeout);
    positive("statementTimeout", statementTimeout);
    if (statementTimeout.toMillis() < 1_000) {
      throw new IllegalArgumentException("statementTimeout must be at least 1 s (JDBC counts it in seconds)");
    }
    positive("closeTimeout", closeTimeout);
    Objects.requireNonNull(durability, "durability");
  }

  public SpendLogSettings withQueueCapacity(int capacity) {
    return new SpendLogSettings(capacity, maxBatch, commitTimeout, lockTimeout, statementTimeout, closeTimeout, durability);
  }

  public SpendLogSettings withMaxBatch(int batch) {
    return new SpendLogSettings(queueCapacity, batch, commitTimeout, lockTimeout, statementTimeout, closeTimeout, durability);
  }

  public SpendLogSettings withCommitTimeout(Duration timeout) {
    return new SpendLogSettings(queueCapacity, maxBatch, timeout, lockTimeout, statementTimeout, closeTimeout, durability);
  }

  public SpendLogSettings withLockTimeout(Duration timeout) {
    return new SpendLogSettings(queueCapacity, maxBatch, commitTimeout, timeout, statementTimeout, closeTimeout, durability);
  }

  public SpendLogSettings withDurability(Durability chosen) {
    return new SpendLogSettings(queueCapacity, maxBatch, commitTimeout, lockTimeout, statementTimeout, closeTimeout,
        chosen);
  }

  public SpendLogSettings withCloseTimeout(Duration timeout) {
    return new SpendLogSettings(queueCapacity, maxBatch, commitTimeout, lockTimeout, statementTimeout, timeout, durability);
  }

  private static void between(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + " to " + max + ", got " + value);
    }
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero() || value.compareTo(LONGEST) > 0) {
      throw new IllegalArgumentException(name + " must be more than 0 and at most 10 minutes, got " + value);
    }
  }
}
