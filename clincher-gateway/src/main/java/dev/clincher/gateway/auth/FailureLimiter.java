package dev.clincher.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Counts failed authentication attempts per client and locks a client out after too many: by default 10 failures
 * within a sliding 60 s window start a 5-minute lockout, during which even a correct token is refused.
 *
 * <p>Memory is bounded: at most {@code maxClients} clients are tracked in each of two tables, one for clients that
 * are still counting and one for clients in lockout. When the counting table is full, the client whose last failure
 * is oldest is forgotten (its count restarts at zero). Locked-out clients live in their own table, so an attacker
 * spraying failures from many addresses pushes out only other counting clients; to flush a lockout it has to lock out
 * {@code maxClients} addresses of its own, which takes {@code maxClients × maxFailures} failures. IPv6 clients are
 * keyed by their /64 by the caller (see {@link ClientAddresses#limiterKey}), so one host cannot pose as 2^64 clients.
 *
 * <p>Thread-safe (one lock; every operation is O(1) amortised).
 */
public final class FailureLimiter {

  /** The limits: {@code maxFailures} within {@code window} lock a client out for {@code lockout}. */
  public record Limits(int maxFailures, Duration window, Duration lockout, int maxClients) {
    public Limits {
      if (maxFailures < 1 || maxClients < 1 || window.isNegative() || window.isZero() || lockout.isNegative()) {
        throw new IllegalArgumentException("limits must be positive");
      }
    }

    /** The seed's policy: 10 failures per 60 s, then a 5-minute lockout; 10 000 clients tracked. */
    public static Limits defaults() {
      return new Limits(10, Duration.ofSeconds(60), Duration.ofMinutes(5), 10_000);
    }
  }

  private final Limits limits;
  private final Clock clock;
  private final Map<String, long[]> counting;
  private final Map<String, Long> lockedUntil;

  public FailureLimiter(Limits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
    this.counting = boundedMap(limits.maxClients());
    this.lockedUntil = boundedMap(limits.maxClients());
  }

  /** How long {@code client} is still locked out; empty when it may try. */
  public synchronized Optional<Duration> lockedFor(String client) {
    Long until = lockedUntil.get(client);
    if (until == null) {
      return Optional.empty();
    }
    long left = until - clock.millis();
    if (left <= 0) {
      lockedUntil.remove(client);
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(left));
  }

  /**
   * Records a failed attempt of {@code client}.
   *
   * @return the lockout this failure started, or empty if the client may still try
   */
  public synchronized Optional<Duration> recordFailure(String client) {
    long now = clock.millis();
    long[] times = counting.remove(client); // re-inserted below, so the map stays ordered by last failure
    times = append(times == null ? new long[0] : pruned(times, now), now);
    if (times.length >= limits.maxFailures()) {
      lockedUntil.put(client, now + limits.lockout().toMillis());
      return Optional.of(limits.lockout());
    }
    counting.put(client, times);
    return Optional.empty();
  }

  /** Forgets the failures of {@code client} after it authenticated (a lockout still runs out on its own). */
  public synchronized void recordSuccess(String client) {
    counting.remove(client);
  }

  /** Number of clients tracked (counting plus locked out); for metrics and tests. */
  public synchronized int trackedClients() {
    return counting.size() + lockedUntil.size();
  }

  /** The failure times still inside the window (at most {@code maxFailures - 1} of them). */
  private long[] pruned(long[] times, long now) {
    long oldest = now - limits.window().toMillis();
    return java.util.Arrays.stream(times).filter(t -> t > oldest).toArray();
  }

  private static long[] append(long[] times, long now) {
    long[] out = java.util.Arrays.copyOf(times, times.length + 1);
    out[times.length] = now;
    return out;
  }

  private static <V> Map<String, V> boundedMap(int max) {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }
}
