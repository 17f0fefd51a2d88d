package dev.clincher.common.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Graceful shutdown: resources registered here are closed in reverse order of registration (the HTTP server,
 * registered last, stops first) when the JVM receives SIGTERM or SIGINT, within an overall deadline.
 *
 * <p>The application creates one instance, registers what it opens and calls {@link #installHook()}. A resource
 * whose {@code close()} fails is logged and the next one is still closed. When the deadline passes, shutdown gives
 * up waiting, logs which resource was still closing, and the JVM exits. Logs {@code shutdown.started} and
 * {@code shutdown.done} (or {@code shutdown.timeout}).
 */
public final class Shutdown {
  /** Overall time allowed for closing everything; below the usual 30 s container stop grace period. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(20);

  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  /** A registered resource and the name it is logged under. */
  private record Resource(String name, AutoCloseable closeable) {}

  private final Duration deadline;
  private final List<Resource> resources = new ArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean hookInstalled = new AtomicBoolean();

  public Shutdown() {
    this(DEFAULT_DEADLINE);
  }

  public Shutdown(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive");
    }
    this.deadline = deadline;
  }

  /**
   * Registers {@code resource} to be closed on shutdown, before everything registered earlier; returns it.
   *
   * @throws IllegalStateException if shutdown has already started
   */
  public synchronized <T extends AutoCloseable> T register(String name, T resource) {
    if (started.get()) {
      throw new IllegalStateException("shutdown already started; cannot register " + name);
    }
    resources.add(new Resource(name, resource));
    return resource;
  }

  /** Registers the JVM shutdown hook (SIGTERM, SIGINT, {@code System.exit}) that calls {@link #run()}; once. */
  public void installHook() {
    if (hookInstalled.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(this::run, "clincher-shutdown"));
    }
  }

  /**
   * Closes every registered resource in reverse order, waiting at most the deadline; runs only once.
   *
   * @return true if everything closed within the deadline (failures included), false on timeout
   */
  public boolean run() {
    if (!started.compareAndSet(false, true)) {
      return true;
    }
    List<Resource> toClose = snapshotReversed();
    log.atInfo().setMessage("shutdown.started").addKeyValue("resources", toClose.size())
        .addKeyValue("deadline_ms", deadline.toMillis()).log();
    long begin = System.nanoTime();
    AtomicReference<String> current = new AtomicReference<>();
    Thread closer = Thread.ofPlatform().name("clincher-shutdown-closer").daemon(true)
        .start(() -> closeAll(toClose, current));
    boolean finished = join(closer);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    if (finished) {
      log.atInfo().setMessage("shutdown.done").addKeyValue("duration_ms", elapsedMs).log();
    } else {
      log.atError().setMessage("shutdown.timeout").addKeyValue("duration_ms", elapsedMs)
          .addKeyValue("still_closing", current.get()).log();
    }
    flushLogs();
    return finished;
  }

  /** Logs are written by a background appender: stop it so its queue reaches stdout before the JVM exits. */
  private static void flushLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }

  private synchronized List<Resource> snapshotReversed() {
    List<Resource> copy = new ArrayList<>(resources);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private static void closeAll(List<Resource> toClose, AtomicReference<String> current) {
    for (Resource resource : toClose) {
      current.set(resource.name());
      try {
        resource.closeable().close();
      } catch (Exception e) {
        log.atWarn().setMessage("shutdown.close.failed").addKeyValue("resource", resource.name())
            .setCause(e).log();
      }
    }
    current.set(null);
  }

  private boolean join(Thread closer) {
    try {
      return closer.join(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
