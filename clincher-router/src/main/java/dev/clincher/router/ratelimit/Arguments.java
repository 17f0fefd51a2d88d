package dev.clincher.router.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The argument checks every limiter makes, so both fail alike on a caller's mistake. */
final class Arguments {
  private Arguments() {}

  static String subject(String subject) {
    Objects.requireNonNull(subject, "subject");
    if (subject.isEmpty()) {
      throw new IllegalArgumentException("subject is empty");
    }
    return subject;
  }

  static String id(String id) {
    return Objects.requireNonNull(id, "id");
  }

  /** {@code subject}'s {@code window} in milliseconds, both checked. */
  static long window(String subject, Duration window) {
    subject(subject);
    return millis("window", window);
  }

  /** {@code value} in milliseconds, from 1 ms to {@link RateLimiter#MAX_WINDOW}. */
  static long millis(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.toMillis() < 1 || value.compareTo(RateLimiter.MAX_WINDOW) > 0) {
      throw new IllegalArgumentException(name + " " + value + " is not between 1 ms and " + RateLimiter.MAX_WINDOW);
    }
    return value.toMillis();
  }

  /** {@code value} from 0 to {@link RateLimiter#MAX_AMOUNT}. */
  static long amount(String name, long value) {
    if (value < 0 || value > RateLimiter.MAX_AMOUNT) {
      throw new IllegalArgumentException(name + " " + value + " is not between 0 and " + RateLimiter.MAX_AMOUNT);
    }
    return value;
  }

  /**
   * Checks {@code limit}, {@code cost} and {@code id}; {@link Decision.NeverFits} when the cost alone is over the
   * limit (no store is asked), else empty.
   */
  static Optional<Decision> neverFits(long limit, long cost, String id) {
    id(id);
    amount("limit", limit);
    amount("cost", cost);
    return cost > limit ? Optional.of(new Decision.NeverFits(cost, limit)) : Optional.empty();
  }
}
