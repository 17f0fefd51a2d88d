package dev.clincher.router.spend;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters in this process: exact under concurrency, lost on restart and not shared between router instances (use
 * {@link RedisSpendStore} for that). Bounded: expired counters are dropped once more than {@link #PRUNE_AT} exist.
 */
public final class InMemorySpendStore implements SpendStore {
  /** Counter count above which expired counters are swept on the next write. */
  public static final int PRUNE_AT = 100_000;

  private record Counter(AtomicLong value, Instant expiresAt) {
    boolean expired(Instant now) {
      return expiresAt != null && !now.isBefore(expiresAt);
    }
  }

  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final Clock clock;

  public InMemorySpendStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public long add(String key, long delta, Duration ttl) {
    Instant now = clock.instant();
    if (counters.size() > PRUNE_AT) {
      counters.values().removeIf(counter -> counter.expired(now));
    }
    long[] result = new long[1];
    counters.compute(key, (k, existing) -> {
      Counter counter = existing == null || existing.expired(now)
          ? new Counter(new AtomicLong(), ttl.isZero() ? null : now.plus(ttl)) : existing;
      result[0] = counter.value().addAndGet(delta);
      return counter;
    });
    return result[0];
  }

  @Override
  public long get(String key) {
    Counter counter = counters.get(key);
    return counter == null || counter.expired(clock.instant()) ? 0 : counter.value().get();
  }

  @Override
  public boolean reachable() {
    return true;
  }

  @Override
  public void close() {
    counters.clear();
  }
}
