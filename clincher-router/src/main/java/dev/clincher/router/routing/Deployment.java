package dev.clincher.router.routing;

import dev.clincher.router.config.DeploymentConfig;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * One deployment at run time: its config plus what routing needs to know now: requests in flight (bounded), whether
 * it is cooling down after failures, and its latency. Its rpm and tpm are counted on the shared limiter
 * ({@link DeploymentLimits}), not here.
 */
public final class Deployment {
  private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

  private final DeploymentConfig config;
  private final Semaphore inFlight;
  private final Object lock = new Object();
  private long failWindowStart;
  private int failsThisMinute;
  private long coolUntil;
  private boolean cooling;
  private long latencyNanos;
  private String lastFailure = "";
  private boolean lastFailureOutage;

  Deployment(DeploymentConfig config, long now) {
    this.config = config;
    this.inFlight = new Semaphore(config.maxParallelRequests());
    this.failWindowStart = now;
  }

  public DeploymentConfig config() {
    return config;
  }

  public String id() {
    return config.id();
  }

  /** Takes an in-flight slot if one is free; false at capacity. */
  boolean tryAcquire() {
    return inFlight.tryAcquire();
  }

  /** Gives the in-flight slot back. */
  void release() {
    inFlight.release();
  }

  public int inFlight() {
    return config.maxParallelRequests() - inFlight.availablePermits();
  }

  /** Folds one successful call's latency into the moving average (weight 1/8 for the new sample). */
  void recordLatency(long nanos) {
    synchronized (lock) {
      latencyNanos = latencyNanos == 0 ? nanos : latencyNanos + (nanos - latencyNanos) / 8;
    }
  }

  /** The moving average latency; 0 before the first success, so new deployments get tried. */
  public long latencyNanos() {
    synchronized (lock) {
      return latencyNanos;
    }
  }

  /** Whether the deployment is skipped because it is cooling down. */
  boolean coolingDown(long now) {
    synchronized (lock) {
      return cooling && now - coolUntil < 0;
    }
  }

  /** The cause of the last recorded failure (an error code such as {@code dns_failure}), or empty. */
  String lastFailure() {
    synchronized (lock) {
      return lastFailure;
    }
  }

  /**
   * LiteLLM's {@code litellm_deployment_state}: 0 healthy, 1 cooling down after a limit or budget refusal (a partial
   * outage), 2 cooling down after an outage.
   */
  public int state() {
    long now = System.nanoTime();
    synchronized (lock) {
      if (!cooling || now - coolUntil >= 0) {
        return 0;
      }
      return lastFailureOutage ? 2 : 1;
    }
  }

  /** Whether it is cooling down after an outage (not after a rate limit or budget refusal). */
  boolean downAfterOutage(long now) {
    synchronized (lock) {
      return cooling && now - coolUntil < 0 && lastFailureOutage;
    }
  }

  /** When the cooldown ends (nanoTime); only meaningful while {@link #coolingDown} is true. */
  long coolUntil() {
    synchronized (lock) {
      return coolUntil;
    }
  }

  /**
   * Records a failed call. The deployment cools down for {@code retryAfter} when the provider named a time, else for
   * {@code cooldown} once {@code allowedFails} failures happened within a minute.
   */
  void recordFailure(long now, java.util.Optional<Duration> retryAfter, int allowedFails, Duration cooldown) {
    recordFailure(now, retryAfter, allowedFails, cooldown, "", false);
  }

  /**
   * The same, remembering {@code cause} (the error's code or type) for readiness, and whether it was an outage (the
   * provider unreachable or failing) rather than a limit (a 429: rate limit or budget).
   */
  void recordFailure(long now, java.util.Optional<Duration> retryAfter, int allowedFails, Duration cooldown,
      String cause, boolean outage) {
    synchronized (lock) {
      lastFailure = cause;
      lastFailureOutage = outage;
      if (now - failWindowStart >= MINUTE_NANOS) {
        failWindowStart = now;
        failsThisMinute = 0;
      }
      failsThisMinute++;
      if (retryAfter.isPresent()) {
        coolFor(now, retryAfter.get());
      } else if (failsThisMinute >= allowedFails) {
        coolFor(now, cooldown);
        failsThisMinute = 0;
      }
    }
  }

  private void coolFor(long now, Duration duration) {
    long until = now + duration.toNanos();
    if (!cooling || until - coolUntil > 0) {
      coolUntil = until;
    }
    cooling = true;
  }
}
