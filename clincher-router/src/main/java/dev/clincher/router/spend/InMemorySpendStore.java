package dev.clincher.router.spend;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Counters in this process: exact under concurrency (one lock; each operation is a few map lookups), lost on restart
 * and not shared between router instances (use {@link RedisSpendStore} for that). Bounded: expired counters are
 * dropped once more than {@link #PRUNE_AT} exist, and expired leases on every reservation.
 */
public final class InMemorySpendStore implements SpendStore {
  /** Counter count above which expired counters are swept on the next write. */
  public static final int PRUNE_AT = 100_000;

  private record Counter(long value, Instant expiresAt) {
    boolean expired(Instant now) {
      return expiresAt != null && !now.isBefore(expiresAt);
    }
  }

  private record Lease(String id, Instant expiresAt, List<Hold> holds) {}

  private final Map<String, Counter> counters = new HashMap<>(); // guarded by this
  private final Map<String, Long> held = new HashMap<>(); // guarded by this
  private final Map<String, Lease> leases = new HashMap<>(); // guarded by this
  private final PriorityQueue<Lease> byExpiry = new PriorityQueue<>(
      (a, b) -> a.expiresAt().compareTo(b.expiresAt())); // guarded by this
  private final Clock clock;

  public InMemorySpendStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized long add(String key, long delta, Duration ttl) {
    Instant now = clock.instant();
    if (counters.size() > PRUNE_AT) {
      counters.values().removeIf(counter -> counter.expired(now));
    }
    Counter existing = counters.get(key);
    Counter counter = existing == null || existing.expired(now)
        ? new Counter(delta, ttl.isZero() ? null : now.plus(ttl))
        : new Counter(existing.value() + delta, existing.expiresAt());
    counters.put(key, counter);
    return counter.value();
  }

  @Override
  public synchronized long get(String key) {
    Counter counter = counters.get(key);
    return counter == null || counter.expired(clock.instant()) ? 0 : counter.value();
  }

  @Override
  public synchronized Optional<Shortfall> reserve(String lease, List<Hold> holds, Duration leaseTtl) {
    Instant now = clock.instant();
    letExpiredLeasesGo(now);
    Map<String, Long> adding = new HashMap<>();
    for (int i = 0; i < holds.size(); i++) {
      Hold hold = holds.get(i);
      long current = get(hold.key()) + held.getOrDefault(hold.key(), 0L) + adding.getOrDefault(hold.key(), 0L);
      if (hold.limit() >= 0 && current + hold.amount() > hold.limit()) {
        return Optional.of(new Shortfall(i, current));
      }
      adding.merge(hold.key(), hold.amount(), Long::sum);
    }
    adding.forEach((key, amount) -> held.merge(key, amount, Long::sum));
    Lease taken = new Lease(lease, now.plus(leaseTtl), List.copyOf(holds));
    Lease previous = leases.put(lease, taken);
    if (previous != null) {
      release(previous);
    }
    byExpiry.add(taken);
    return Optional.empty();
  }

  @Override
  public synchronized void settle(String lease, List<Hold> holds, List<Increment> actual) {
    Lease taken = leases.remove(lease);
    if (taken != null) {
      release(taken);
      byExpiry.remove(taken);
    }
    for (Increment increment : actual) {
      if (increment.delta() != 0) {
        add(increment.key(), increment.delta(), increment.ttl());
      }
    }
  }

  private void letExpiredLeasesGo(Instant now) {
    while (!byExpiry.isEmpty() && !now.isBefore(byExpiry.peek().expiresAt())) {
      Lease expired = byExpiry.poll();
      if (leases.remove(expired.id(), expired)) {
        release(expired);
      }
    }
  }

  private void release(Lease lease) {
    for (Hold hold : lease.holds()) {
      held.computeIfPresent(hold.key(), (key, amount) -> amount - hold.amount() == 0 ? null : amount - hold.amount());
    }
  }

  @Override
  public boolean reachable() {
    return true;
  }

  @Override
  public synchronized void close() {
    counters.clear();
    held.clear();
    leases.clear();
    byExpiry.clear();
  }
}
