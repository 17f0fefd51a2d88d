package dev.clincher.router.routing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call that succeeded on {@code deployment}: holds the deployment's in-flight slot (and the router's) until closed,
 * so a stream keeps counting against the limits while it is relayed.
 *
 * @param deployment who answered
 * @param value      what the attempt returned (a completion, or an open stream)
 * @param attempts   how many calls it took (1 = no retry)
 * @param waitedNanos time spent in backoff and waiting for cooldowns between attempts
 * @param onClose    frees the slots
 * @param closed     whether {@link #close()} ran
 */
public record Routed<T>(Deployment deployment, T value, int attempts, long waitedNanos, Runnable onClose,
    AtomicBoolean closed) implements AutoCloseable {

  Routed(Deployment deployment, T value, int attempts, long waitedNanos, Runnable onClose) {
    this(deployment, value, attempts, waitedNanos, onClose, new AtomicBoolean());
  }

  /** Frees the slots; safe to call more than once. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      onClose.run();
    }
  }
}
