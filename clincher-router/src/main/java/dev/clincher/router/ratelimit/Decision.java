package dev.clincher.router.ratelimit;

import java.time.Duration;

/** What {@link RateLimiter#admit} or {@link RateLimiter#acquire} answered. */
public sealed interface Decision permits Decision.Admitted, Decision.Refused, Decision.NeverFits {

  /**
   * Admitted, and recorded.
   *
   * @param used the subject's amount in its window including this call's cost, or the leases it holds including
   *             this one
   */
  record Admitted(long used) implements Decision {}

  /**
   * Refused; nothing was recorded.
   *
   * @param used       the subject's amount in its window, or the leases it holds
   * @param retryAfter until enough of the window's oldest entries leave it for the cost to fit, or until the
   *                   soonest lease expires (a release may free one sooner); always positive
   */
  record Refused(long used, Duration retryAfter) implements Decision {}

  /** Refused for good: {@code cost} alone is over {@code limit}, so no wait helps (no {@code Retry-After}). */
  record NeverFits(long cost, long limit) implements Decision {}

  default boolean admitted() {
    return this instanceof Admitted;
  }
}
