package dev.clincher.common.lifecycle;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Waiting for open work to finish during a graceful shutdown, up to a grace period. */
public final class Drain {
  private static final long POLL_MILLIS = 50;

  private Drain() {}

  /**
   * Waits until {@code open} reports zero or {@code grace} has passed, whichever comes first.
   *
   * @return how many were still open when the wait ended (0 when everything finished)
   */
  public static long await(LongSupplier open, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    while (open.getAsLong() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return open.getAsLong();
  }
}
