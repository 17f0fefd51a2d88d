package dev.clincher.gateway.llm;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the drains after {@code [DONE]} (see {@link ChatClient}) with one sweeping virtual thread instead of a timer
 * task per model call: a call is watched while it drains, and a sweep every {@link #SWEEP} runs the cut of each call
 * whose wait has passed. So a drain is cut between {@code wait} and {@code wait + SWEEP}; watching costs a map entry,
 * no thread is woken per call.
 */
final class DrainCuts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.llm");
  static final Duration SWEEP = Duration.ofMillis(250);

  private final long waitNanos;
  /** Each watched call's cut, with the {@link System#nanoTime()} after which it runs. */
  private final Map<Runnable, Long> deadlines = new ConcurrentHashMap<>();
  private final Thread sweeper;

  DrainCuts(Duration wait) {
    this.waitNanos = wait.toNanos();
    this.sweeper = Thread.ofVirtual().name("model-drain-cuts").start(this::sweepUntilClosed);
  }

  /** The watch of one drain: closing it (when the drain ended) means the cut will not run. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** Watches one drain: {@code cut} runs (once, on the sweeper) if the drain is not over by the wait. */
  Watch watch(Runnable cut) {
    deadlines.put(cut, System.nanoTime() + waitNanos);
    return () -> deadlines.remove(cut);
  }

  /** How many drains are watched now (for tests). */
  int watched() {
    return deadlines.size();
  }

  private void sweepUntilClosed() {
    try {
      while (true) {
        Thread.sleep(SWEEP);
        sweep(System.nanoTime());
      }
    } catch (InterruptedException closed) {
      // close(): no drain is left to watch
    }
  }

  private void sweep(long now) {
    deadlines.forEach((cut, deadline) -> {
      if (now - deadline >= 0 && deadlines.remove(cut, deadline)) {
        LOG.atWarn().addKeyValue("rule", "drain_wait").addKeyValue("wait_ms", waitNanos / 1_000_000)
            .log("gateway.model.stream_cut_after_done");
        cut.run();
      }
    });
  }

  /** Stops the sweeper; watched drains are no longer cut. */
  @Override
  public void close() {
    sweeper.interrupt();
  }
}
