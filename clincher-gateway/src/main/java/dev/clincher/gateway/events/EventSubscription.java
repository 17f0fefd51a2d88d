package dev.clincher.gateway.events;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client's view of a run's events: the run thread offers, the client's own thread takes. The queue is bounded, so
 * a client that stops reading cannot hold the run up or fill memory; when it overflows the subscription is marked
 * lagging and the client should re-read the transcript from its last sequence number.
 */
public final class EventSubscription {
  static final int CAPACITY = 4096;

  private final BlockingQueue<StreamedEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
  private volatile boolean lagging;

  void offer(StreamedEvent event) {
    if (!queue.offer(event)) {
      lagging = true;
    }
  }

  /** The next event, or {@code null} after {@code wait} without one. */
  public StreamedEvent next(Duration wait) throws InterruptedException {
    return queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Whether events were dropped because the client read too slowly. */
  public boolean lagging() {
    return lagging;
  }
}
