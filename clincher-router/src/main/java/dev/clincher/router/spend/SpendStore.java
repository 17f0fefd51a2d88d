package dev.clincher.router.spend;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where spend and rate-limit counters live: named 64-bit counters with atomic increments and an expiry. Amounts are
 * whole numbers (USD are counted in nano-dollars, see {@link SpendControls}), so concurrent increments add up
 * exactly. {@link InMemorySpendStore} serves one router; {@link RedisSpendStore} is shared by every router instance.
 *
 * <p>Budgets hold under concurrency by reservation: before a model call its worst-case cost is {@link #reserve}d on
 * every budget counter that applies, atomically against their limits, and {@link #settle}d to the actual cost after.
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

  /** The counter's value; 0 when absent or expired. Amounts held by live reservations are not part of it. */
  long get(String key);

  /**
   * One counter a reservation holds {@code amount} on. It fits when the counter plus every amount held on it plus
   * {@code amount} stays at or under {@code limit}; a {@code limit} below 0 always fits.
   */
  record Hold(String key, long amount, long limit) {}

  /** Why a reservation did not fit: the first hold that did not, and what that counter had (spent plus held). */
  record Shortfall(int index, long spentAndHeld) {}

  /**
   * Atomically: holds every amount when every hold fits, else holds nothing and says which did not. The holds belong
   * to {@code lease} until {@link #settle}; a lease not settled within {@code leaseTtl} (its router died) is let go,
   * so a crash never keeps a budget blocked for longer than that.
   */
  Optional<Shortfall> reserve(String lease, List<Hold> holds, Duration leaseTtl);

  /**
   * Ends {@code lease} (reserved with {@code holds}): lets go of what it held and adds each actual amount instead
   * (none: a release). A lease that already expired only adds the amounts. Atomic per call.
   */
  void settle(String lease, List<Hold> holds, List<Increment> actual);

  /** Whether the store answers (readiness). */
  boolean reachable();

  @Override
  void close();
}
