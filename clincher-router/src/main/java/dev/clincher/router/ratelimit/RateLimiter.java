package dev.clincher.router.ratelimit;

import java.time.Duration;

/**
 * Rate limits over a sliding window, exact under concurrency and, on {@link RedisRateLimiter}, across every router
 * sharing one Redis: the limiter for a key's, a team's or a deployment's {@code rpm}, {@code tpm} and
 * {@code max_parallel_requests}.
 *
 * <p>A <em>subject</em> names one limit, e.g. {@code rpm:key:<sha256>}, {@code tpm:team:<id>},
 * {@code parallel:deployment:<id>}. Its log holds one entry per recorded amount, stamped with the time it was
 * recorded (Redis's clock on Redis); an entry counts while it is younger than the window, so no window boundary
 * lets twice the limit through. Give a subject one window, always the same: entries older than the window of the
 * current call are dropped. Amounts are whole numbers from 0 to {@link #MAX_AMOUNT} (tokens, requests).
 *
 * <p>Every operation is atomic. A store that cannot answer throws {@link RateLimitUnavailableException}.
 */
public interface RateLimiter extends AutoCloseable {
  /** The largest amount, limit or sum: 2^53 - 1, where Lua's numbers (doubles) are still exact integers. */
  long MAX_AMOUNT = (1L << 53) - 1;
  /** The longest window or lease. */
  Duration MAX_WINDOW = Duration.ofDays(1);
  /**
   * Entries a subject's log keeps by default. Beyond, a new amount joins the newest entry, which is restamped: the
   * sum stays exact and never lets more through, but those amounts may count up to one window longer than their own.
   */
  int DEFAULT_MAX_ENTRIES = 1_024;

  /**
   * Admits a call when the amounts {@code subject} recorded in the last {@code window} plus {@code cost} stay within
   * {@code limit}, and records {@code cost} under {@code id}; else records nothing. A cost of 1 per call is a
   * requests-per-window limit; a cost of 0 only checks that the subject is within its limit.
   *
   * @param id names the entry (on Redis a member of the log, so an operator sees which calls fill a window); ids
   *           need not be unique
   */
  Decision admit(String subject, long limit, Duration window, long cost, String id);

  /**
   * Records {@code amount} under {@code id} without a check (tokens, known only once a call is answered); returns
   * the subject's amount in the window, this one included.
   */
  long record(String subject, Duration window, long amount, String id);

  /** The amount {@code subject} recorded in the last {@code window}. */
  long used(String subject, Duration window);

  /**
   * Takes one of {@code maxParallel} leases on {@code subject}, for {@code lease} at most: a holder that dies is let
   * go when its lease expires. Acquiring an {@code id} that holds a lease renews it (a long stream can keep its
   * lease that way) and is admitted. The answer's {@code used} counts the leases held.
   */
  Decision acquire(String subject, long maxParallel, Duration lease, String id);

  /** Lets go of {@code id}'s lease; false when it held none (never acquired, released, or expired). */
  boolean release(String subject, String id);

  /** Whether the store answers (for readiness). */
  boolean reachable();

  @Override
  void close();
}
