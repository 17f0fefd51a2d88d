package dev.clincher.router.keys;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether cached keys, teams and users may still be served: the revocation guarantee of {@link KeyStore}.
 *
 * <p>Every management write raises one revision row in its transaction. A thread reads that row every
 * {@link #POLL_INTERVAL}; when it moved, the {@link #generation()} goes up and every cached entry (tagged with the
 * generation it was loaded under) is stale. An entry is served only while the last poll that found the revision
 * unchanged <em>started</em> at most {@link #TRUST} ago: a poll that started after a change commits sees it, so a change
 * reaches every router within one poll interval plus one poll, and within {@link #TRUST} however slow the polls get
 * (past it, lookups go to the database). A write through this store moves the generation itself, at once.
 */
final class RevisionWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** How often the revision row is read. */
  static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  /** How long after a poll started its answer vouches for the cache: the bound on how late a change is seen. */
  static final Duration TRUST = Duration.ofMillis(600);

  /** Reads the revision. */
  @FunctionalInterface
  interface Source {
    long revision() throws java.sql.SQLException;
  }

  private final AtomicLong generation = new AtomicLong();
  private final Source source;
  private final Runnable onChange;
  private volatile long confirmedNanos;
  private volatile boolean confirmed;
  private volatile boolean closed;
  private long knownRevision = Long.MIN_VALUE; // the poller's own
  private boolean failing; // the poller's own
  private Thread poller;

  RevisionWatch(Source source, Runnable onChange) {
    this.source = source;
    this.onChange = onChange;
  }

  /** Polls once now (so the cache is usable from the start), then every {@link #POLL_INTERVAL} on a thread. */
  void start() {
    poll();
    poller = Thread.ofVirtual().name("router-key-revision").start(this::run);
  }

  /** The generation cached entries must carry to be served. */
  long generation() {
    return generation.get();
  }

  /** Whether a recent enough poll vouches for entries of the current generation. */
  boolean trusted() {
    return confirmed && System.nanoTime() - confirmedNanos <= TRUST.toNanos();
  }

  /** Something changed (this store wrote): every cached entry is stale now. */
  void changed() {
    generation.incrementAndGet();
    onChange.run();
  }

  private void run() {
    while (!closed) {
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        return;
      }
      poll();
    }
  }

  private void poll() {
    long started = System.nanoTime();
    try {
      long revision = source.revision();
      if (revision != knownRevision) {
        knownRevision = revision;
        changed();
      }
      confirmedNanos = started;
      confirmed = true;
      if (failing) {
        failing = false;
        LOG.atInfo().log("router.keys.revision_poll_recovered");
      }
    } catch (java.sql.SQLException | RuntimeException e) {
      if (!failing) {
        failing = true;
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).addKeyValue("sql_state",
            e instanceof java.sql.SQLException sql ? sql.getSQLState() : null)
            .log("router.keys.revision_poll_failed: keys are looked up in the database on every request until it "
                + "answers again");
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (poller != null) {
      poller.interrupt();
      try {
        poller.join(java.time.Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
