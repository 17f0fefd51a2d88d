package dev.clincher.egress.acl;

import dev.clincher.common.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the current {@link Acl} of a file and swaps in a new one when the file changes, without disturbing requests
 * already decided (each request reads {@link #current()} once).
 *
 * <p>Changes are noticed two ways: {@link #reload()}, which the server calls on SIGHUP, and a background poller
 * that every {@code pollInterval} compares the file's identity (resolved real path, file key, size, modification
 * time). That sees in-place edits, editors that write a new file and rename it over the old one, and Kubernetes
 * ConfigMap updates, which swap a {@code ..data} symlink. When the identity changed (and every tenth poll regardless,
 * for edits within one file-time tick) the content is hashed, and parsed only if it differs from what is loaded.
 *
 * <p>A file that fails to load (bad YAML, invalid glob, missing for a moment) leaves the current policy in force
 * and is logged as {@code acl.reload_failed} with the key and reason (once per distinct failure while polling);
 * a good one is logged as {@code acl.reloaded}
 * with its version number, which starts at 1 for the file loaded by {@link #start}.
 */
public final class AclWatcher implements AutoCloseable {
  /** How often the poller checks the file unless told otherwise. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(AclWatcher.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  /**
   * Every this many polls the content is hashed even when the stamp looks unchanged: file times are kept at clock-tick
   * granularity, so an in-place edit of the same size within one tick of the previous look would otherwise go unseen.
   */
  private static final int HASH_EVERY_POLLS = 10;

  private final Path file;
  private final Duration pollInterval;
  private final AtomicReference<Acl> current = new AtomicReference<>();
  private final List<Consumer<Acl>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong version = new AtomicLong();
  private final AtomicLong reloadsSucceeded = new AtomicLong();
  private final AtomicLong reloadsFailed = new AtomicLong();
  private final ReentrantLock reloadLock = new ReentrantLock();
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile String lastFailure;
  private volatile Thread poller;

  // Guarded by reloadLock.
  private FileStamp lastStamp;
  private byte[] loadedHash;
  private int pollsSinceHash;

  private AclWatcher(Path file, Duration pollInterval) {
    this.file = file;
    this.pollInterval = pollInterval;
  }

  /** {@link #start(Path, Duration)} with {@link #DEFAULT_POLL_INTERVAL}. */
  public static AclWatcher start(Path file) throws ConfigException {
    return start(file, DEFAULT_POLL_INTERVAL);
  }

  /**
   * Loads {@code file} and, when {@code pollInterval} is positive, starts polling it for changes.
   *
   * @param pollInterval time between checks; zero or negative disables polling ({@link #reload()} still works)
   * @throws ConfigException when the file cannot be loaded now: at start-up a broken ACL is fatal
   */
  public static AclWatcher start(Path file, Duration pollInterval) throws ConfigException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(pollInterval, "pollInterval");
    AclWatcher watcher = new AclWatcher(file, pollInterval);
    watcher.loadInitial();
    if (pollInterval.isPositive()) {
      watcher.poller = Thread.ofVirtual().name("clincher-acl-watcher").start(watcher::pollLoop);
    }
    return watcher;
  }

  /** The ACL in force now. */
  public Acl current() {
    return current.get();
  }

  /**
   * Re-reads the file now (the SIGHUP path), whether or not it looks changed.
   *
   * @return true when the file is valid (swapped in, or the same content as already loaded); false when it failed
   *     to load and the previous policy stays in force
   */
  public boolean reload() {
    reloadLock.lock();
    try {
      lastStamp = FileStamp.of(file);
      return reloadLocked("reload");
    } finally {
      reloadLock.unlock();
    }
  }

  /**
   * Registers a callback run after each successful swap, on the thread that reloaded, with the new ACL. A listener
   * that throws is logged and does not undo the swap.
   */
  public void addListener(Consumer<Acl> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The number of the policy in force: 1 for the initial file, plus one per successful swap. */
  public long version() {
    return version.get();
  }

  /** Successful swaps since start (the initial load is not counted). */
  public long reloadsSucceeded() {
    return reloadsSucceeded.get();
  }

  /** Attempts that kept the old policy because the file could not be loaded. */
  public long reloadsFailed() {
    return reloadsFailed.get();
  }

  /** Why the latest attempt failed, until a later attempt succeeds. */
  public Optional<String> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  public Path file() {
    return file;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  /** Stops the poller and waits (briefly) for a reload in progress to finish. The current ACL stays readable. */
  @Override
  public void close() {
    stop.countDown();
    Thread thread = poller;
    if (thread == null) {
      return;
    }
    try {
      thread.join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One poll: reload when the file's identity changed since the last look.
   *
   * @return true when a new policy was swapped in
   */
  boolean pollOnce() {
    reloadLock.lock();
    try {
      FileStamp stamp = FileStamp.of(file);
      boolean changed = !stamp.equals(lastStamp);
      if (!changed && ++pollsSinceHash < HASH_EVERY_POLLS) {
        return false;
      }
      lastStamp = stamp;
      long before = version.get();
      reloadLocked("poll");
      return version.get() != before;
    } finally {
      reloadLock.unlock();
    }
  }

  private void loadInitial() throws ConfigException {
    reloadLock.lock();
    try {
      lastStamp = FileStamp.of(file);
      byte[] content = AclYamlReader.read(file);
      Acl acl = AclYamlReader.parse(content, file.toString());
      loadedHash = sha256(content);
      current.set(acl);
      version.set(1);
      logLoaded("acl.loaded", acl, "start");
    } finally {
      reloadLock.unlock();
    }
  }

  /** Polls until {@link #close()}; waiting on a latch rather than sleeping, so close never interrupts file I/O. */
  private void pollLoop() {
    try {
      while (!stop.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS)) {
        pollSafely();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pollSafely() {
    try {
      pollOnce();
    } catch (RuntimeException e) {
      log.atWarn().setMessage("acl.poll_failed").addKeyValue("file", file.toString()).setCause(e).log();
    }
  }

  /**
   * Reads, and swaps in when the content differs from what is loaded. A poll that meets the same failure as the
   * previous attempt stays quiet (the file is still broken in the same way); an explicit reload always reports.
   */
  private boolean reloadLocked(String trigger) {
    pollsSinceHash = 0;
    byte[] hash;
    Acl acl;
    try {
      byte[] content = AclYamlReader.read(file);
      hash = sha256(content);
      if (Arrays.equals(hash, loadedHash)) {
        lastFailure = null;
        log.atDebug().setMessage("acl.unchanged").addKeyValue("file", file.toString())
            .addKeyValue("trigger", trigger).log();
        return true;
      }
      acl = AclYamlReader.parse(content, file.toString());
    } catch (ConfigException e) {
      boolean repeated = trigger.equals("poll") && e.getMessage().equals(lastFailure);
      if (!repeated) {
        recordFailure(e, trigger);
      }
      return false;
    }
    swap(acl, hash, trigger);
    return true;
  }

  private void swap(Acl acl, byte[] hash, String trigger) {
    current.set(acl);
    loadedHash = hash;
    version.incrementAndGet();
    reloadsSucceeded.incrementAndGet();
    lastFailure = null;
    logLoaded("acl.reloaded", acl, trigger);
    for (Consumer<Acl> listener : listeners) {
      try {
        listener.accept(acl);
      } catch (RuntimeException e) {
        log.atWarn().setMessage("acl.listener_failed").addKeyValue("file", file.toString()).setCause(e).log();
      }
    }
  }

  private void recordFailure(ConfigException e, String trigger) {
    reloadsFailed.incrementAndGet();
    lastFailure = e.getMessage();
    log.atWarn().setMessage("acl.reload_failed")
        .addKeyValue("file", file.toString())
        .addKeyValue("key", e.key())
        .addKeyValue("reason", e.reason())
        .addKeyValue("trigger", trigger)
        .addKeyValue("kept_version", version.get())
        .log();
  }

  private void logLoaded(String event, Acl acl, String trigger) {
    log.atInfo().setMessage(event)
        .addKeyValue("file", file.toString())
        .addKeyValue("version", version.get())
        .addKeyValue("sha256", HexFormat.of().formatHex(loadedHash, 0, 6))
        .addKeyValue("services", acl.services().size())
        .addKeyValue("default_action", acl.defaultRule().map(rule -> rule.action().yamlName()).orElse("none"))
        .addKeyValue("trigger", trigger)
        .log();
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /**
   * What the poller compares between looks. Following symlinks to the real path catches ConfigMap symlink swaps;
   * the file key (device and inode on Unix) catches rename-over-replace even when size and time happen to match.
   * A file that cannot be examined gets a stamp carrying the error, so a missing file is reported once, not on
   * every poll.
   */
  private record FileStamp(Path realPath, Object fileKey, long size, FileTime modified, String error) {

    static FileStamp of(Path file) {
      try {
        Path real = file.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        return new FileStamp(real, attributes.fileKey(), attributes.size(), attributes.lastModifiedTime(), null);
      } catch (IOException e) {
        return new FileStamp(null, null, -1, null, e.getClass().getSimpleName());
      }
    }
  }
}
