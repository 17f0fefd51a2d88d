package dev.clincher.router.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Rate limits in this process (one router; lost on restart), under one lock, by {@code clock}.
 *
 * <p>Memory is bounded by {@link Bounds}: at most {@code maxSubjects} subjects, each with at most
 * {@code maxEntries} log entries (16 bytes each) and its live leases (at most the {@code maxParallel} it is
 * acquired with). Every call drops its subject's entries older than the window and its expired leases. A subject
 * whose log is empty and who holds no lease is idle; when the table is full, idle subjects are dropped, and if none
 * is, the call fails closed ({@link RateLimitUnavailableException}) rather than forget a live limit.
 */
public final class InMemoryRateLimiter implements RateLimiter {

  /**
   * How much the limiter may hold. The defaults take at most 4,096 × 1,024 × 16 bytes = 64 MiB of log entries, and
   * that only when 4,096 subjects each recorded over 1,024 amounts within their window.
   *
   * @param maxSubjects subjects (keys, teams, deployments × rpm, tpm, parallel) active at once
   * @param maxEntries  entries per subject's log; beyond it a new amount joins the newest entry, restamped (see
   *                    {@link SlidingLog#add}): the sum stays exact, those amounts may count up to one window longer
   */
  public record Bounds(int maxSubjects, int maxEntries) {
    public static final Bounds DEFAULT = new Bounds(4_096, DEFAULT_MAX_ENTRIES);

    public Bounds {
      if (maxSubjects < 1 || maxEntries < 1) {
        throw new IllegalArgumentException("bounds must be positive: " + maxSubjects + " subjects, " + maxEntries
            + " entries");
      }
    }
  }

  /** One subject's state: its log and its leases (each empty unless used). */
  private record Subject(SlidingLog log, Leases leases) {
    boolean idle(long now) {
      return log.idle(now) && leases.expire(now) == 0;
    }
  }

  private final Clock clock;
  private final Bounds bounds;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Subject> subjects = new HashMap<>();

  public InMemoryRateLimiter(Clock clock) {
    this(clock, Bounds.DEFAULT);
  }

  public InMemoryRateLimiter(Clock clock, Bounds bounds) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.bounds = Objects.requireNonNull(bounds, "bounds");
  }

  @Override
  public Decision admit(String subject, long limit, Duration window, long cost, String id) {
    long windowMs = Arguments.window(subject, window);
    return Arguments.neverFits(limit, cost, id).orElseGet(() -> locked(subject, true, (s, now) -> {
      long used = s.log().trim(now, windowMs);
      if (used + cost > limit) {
        return new Decision.Refused(used, Duration.ofMillis(s.log().millisUntilFree(used + cost - limit, now)));
      }
      s.log().add(now, cost, bounds.maxEntries());
      return new Decision.Admitted(used + cost);
    }));
  }

  @Override
  public long record(String subject, Duration window, long amount, String id) {
    long windowMs = Arguments.window(subject, window);
    Arguments.id(id);
    Arguments.amount("amount", amount);
    return locked(subject, true, (s, now) -> {
      long used = s.log().trim(now, windowMs);
      s.log().add(now, amount, bounds.maxEntries());
      return used + amount;
    });
  }

  @Override
  public long used(String subject, Duration window) {
    long windowMs = Arguments.window(subject, window);
    return locked(subject, false, (s, now) -> s == null ? 0L : s.log().trim(now, windowMs));
  }

  @Override
  public Decision acquire(String subject, long maxParallel, Duration lease, String id) {
    Arguments.subject(subject);
    long leaseMs = Arguments.millis("lease", lease);
    return Arguments.neverFits(maxParallel, 1, id).orElseGet(() -> locked(subject, true, (s, now) -> {
      int held = s.leases().expire(now);
      if (!s.leases().holds(id) && held >= maxParallel) {
        return new Decision.Refused(held, Duration.ofMillis(s.leases().millisUntilFirstExpiry(now)));
      }
      return new Decision.Admitted(s.leases().hold(id, now + leaseMs));
    }));
  }

  @Override
  public boolean release(String subject, String id) {
    Arguments.subject(subject);
    Arguments.id(id);
    return locked(subject, false, (s, now) -> s != null && s.leases().expire(now) > 0 && s.leases().release(id));
  }

  /** How many subjects are kept (idle ones included until the table fills up). */
  public int subjects() {
    lock.lock();
    try {
      return subjects.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean reachable() {
    return true;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      subjects.clear();
    } finally {
      lock.unlock();
    }
  }

  /** A step on one subject, at one instant. */
  private interface Step<T> {
    T apply(Subject subject, long now);
  }

  /**
   * Runs {@code step} under the lock on {@code name}'s subject: created when {@code create} (else null when
   * unknown), after dropping idle subjects if the table is full.
   */
  private <T> T locked(String name, boolean create, Step<T> step) {
    lock.lock();
    try {
      long now = clock.millis();
      Subject subject = subjects.get(name);
      if (subject == null && create) {
        subject = new Subject(new SlidingLog(), new Leases());
        if (subjects.size() >= bounds.maxSubjects()) {
          subjects.values().removeIf(s -> s.idle(now));
          if (subjects.size() >= bounds.maxSubjects()) {
            throw new RateLimitUnavailableException("the in-process rate limiter holds " + bounds.maxSubjects()
                + " active subjects (its maxSubjects); refusing rather than forgetting a live limit");
          }
        }
        subjects.put(name, subject);
      }
      return step.apply(subject, now);
    } finally {
      lock.unlock();
    }
  }
}
