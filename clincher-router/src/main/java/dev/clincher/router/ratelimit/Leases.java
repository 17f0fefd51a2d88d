package dev.clincher.router.ratelimit;

import java.util.HashMap;
import java.util.Map;

/** One subject's leases in memory: id → expiry (ms). Not thread-safe; {@link InMemoryRateLimiter} guards it. */
final class Leases {
  private final Map<String, Long> expiries = new HashMap<>();

  /** Lets go of the leases expired at {@code now}; returns how many are held. */
  int expire(long now) {
    expiries.values().removeIf(expiry -> expiry <= now);
    return expiries.size();
  }

  boolean holds(String id) {
    return expiries.containsKey(id);
  }

  /** Holds (or renews) {@code id}'s lease until {@code expiry}; returns how many are held. */
  int hold(String id, long expiry) {
    expiries.put(id, expiry);
    return expiries.size();
  }

  boolean release(String id) {
    return expiries.remove(id) != null;
  }

  /** Milliseconds until the soonest lease expires (call after {@link #expire}, with at least one held). */
  long millisUntilFirstExpiry(long now) {
    return expiries.values().stream().mapToLong(Long::longValue).min().orElse(now + 1) - now;
  }
}
