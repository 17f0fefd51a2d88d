package dev.clincher.router.spend;

import java.time.Duration;

/**
 * Where spend and rate-limit counters live: named 64-bit counters with atomic increments and an expiry. Amounts are
 * whole numbers (USD are counted in nano-dollars, see {@link SpendControls}), so concurrent increments add up
 * exactly. {@link InMemorySpendStore} serves one router; {@link RedisSpendStore} is shared by every router instance.
 */
public interface SpendStore extends AutoCloseable {
  /**
   * Adds {@code delta} to counter {@code key} (created at 0) and returns the new value. A new counter expires after
   * {@code ttl} ({@link Duration#ZERO}: never); adding to an existing one keeps its expiry.
   */
  long add(String key, long delta, Duration ttl);

  /** One increment of {@link #addAll}. */
  record Increment(String key, long delta, Duration ttl) {}

  /** Applies several increments, each atomic (in Redis: in one round trip). */
  default void addAll(java.util.List<Increment> increments) {
    for (Increment increment : increments) {
      add(increment.key(), increment.delta(), increment.ttl());
    }
  }

  /** The counter's value; 0 when absent or expired. */
  long get(String key);

  /** Whether the store answers (readiness). */
  boolean reachable();

  @Override
  void close();
}
