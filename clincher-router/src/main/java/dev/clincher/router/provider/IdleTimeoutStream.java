package dev.clincher.router.provider;

import dev.clincher.router.metering.Usage;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the wait for each chunk of a stream: when none arrives within the timeout the upstream stream is closed
 * (which cancels the call) and {@link #next()} fails. The HTTP client's own timeout ends at the response headers, so
 * without this a provider that stalls mid-stream would hold the client and a slot forever.
 */
final class IdleTimeoutStream implements ChunkStream {
  private final ChunkStream delegate;
  private final Duration timeout;
  private final ScheduledExecutorService timer;

  IdleTimeoutStream(ChunkStream delegate, Duration timeout, ScheduledExecutorService timer) {
    this.delegate = delegate;
    this.timeout = timeout;
    this.timer = timer;
  }

  @Override
  public Optional<String> next() throws IOException {
    AtomicBoolean fired = new AtomicBoolean();
    ScheduledFuture<?> alarm = timer.schedule(() -> {
      fired.set(true);
      delegate.close();
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    try {
      return delegate.next();
    } catch (IOException e) {
      if (fired.get()) {
        throw new IOException("no stream event from the provider within " + timeout.toMillis() + " ms", e);
      }
      throw e;
    } finally {
      alarm.cancel(false);
    }
  }

  @Override
  public Usage usage() {
    return delegate.usage();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
