package dev.clincher.gateway.sandbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The sandboxes one backend holds in this process, a {@link Slot} per key ({@link SandboxSettings#key}): the
 * bookkeeping the Docker and the Kubernetes backends share. A key's slot is reserved before its sandbox is created,
 * so concurrent first uses of a key create exactly one; its lock serialises creation and removal of that key only
 * (commands in a sandbox do not take it). At most {@link SandboxSettings#maxSandboxes()} slots exist at once here,
 * and across every gateway when {@link SandboxSlots} are shared: the key's shared slot is claimed before a sandbox is
 * created or adopted and given back when it is forgotten. {@link #reap()} removes idle and old sandboxes. The
 * {@link Backend} says how a sandbox is removed, checked and closed; logs go to the backend's logger. Thread-safe.
 *
 * @param <S> the backend's sandbox
 */
public final class SlotTable<S extends Sandbox> {
  private final SandboxSettings settings;
  private final Clock clock;
  private final SandboxSlots shared;
  private final Backend<S> backend;
  private final Logger log;
  private final Map<String, Slot<S>> slots = new HashMap<>();

  /** One key's sandbox ({@code null} until created, and after it is forgotten); its lock serialises that key. */
  public static final class Slot<S> {
    private final String key;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile S sandbox;
    private volatile Instant createdAt;
    private volatile Instant lastUsed;

    private Slot(String key, Instant now) {
      this.key = key;
      this.createdAt = now;
      this.lastUsed = now;
    }

    public String key() {
      return key;
    }

    /** The sandbox was used at {@code now} (the idle clock). */
    public void used(Instant now) {
      lastUsed = now;
    }
  }

  /** What differs between backends: how a sandbox is removed, checked, closed and named, and what they report. */
  public interface Backend<S> {

    /** Removes the sandbox (it is idle or old; the caller forgets it). */
    void remove(S sandbox) throws SandboxException, InterruptedException;

    /** How the {@code sandbox.gone} line names the sandbox, e.g. {@code container=<id>} or {@code pod=<name>}. */
    String describe(S sandbox);

    /** The maximum is reached, counted in this process or across every gateway ({@code counted}): says it once. */
    void refused(String key, String counted);

    /**
     * Whether a sandbox already held can serve the next call; false drops it from its slot (without closing it)
     * and a new one is created. The backend says why.
     */
    default boolean usable(String key, S sandbox) throws SandboxException {
      return true;
    }

    /** Lets go of the connections of a sandbox the table forgets. */
    default void close(S sandbox) {}

    /** A sandbox was reaped (for its counter). */
    default void reaped(String key) {}
  }

  /** Creates the sandbox of a reserved slot, made at {@code now}; its callbacks may use the slot. */
  @FunctionalInterface
  public interface Creator<S> {
    S create(Slot<S> slot, Instant now) throws SandboxException, InterruptedException;
  }

  /** Uses a sandbox one last time before it is forgotten (wiping its workspace). */
  @FunctionalInterface
  public interface LastUse<S> {
    void accept(S sandbox) throws InterruptedException;
  }

  /**
   * @param settings the maximum, the idle timeout, the maximum age and the instance label (the shared pool)
   * @param clock time for idle and age decisions
   * @param shared the count across gateways ({@link SandboxSlots#THIS_PROCESS_ONLY} for none)
   * @param backend how the backend's sandboxes are removed, checked and closed
   * @param log the backend's logger, where the table's lines go
   */
  public SlotTable(SandboxSettings settings, Clock clock, SandboxSlots shared, Backend<S> backend, Logger log) {
    this.settings = settings;
    this.clock = clock;
    this.shared = shared;
    this.backend = backend;
    this.log = log;
  }

  /** The key's sandbox, created by {@code creator} when the key has none (or its sandbox is not usable). */
  public S open(String key, Creator<S> creator) throws SandboxException, InterruptedException {
    while (true) {
      Slot<S> slot = reserve(key);
      slot.lock.lockInterruptibly();
      try {
        if (!tracked(slot)) {
          continue;
        }
        if (slot.sandbox != null && !backend.usable(slot.key, slot.sandbox)) {
          slot.sandbox = null;
        }
        if (slot.sandbox == null) {
          create(slot, creator);
        }
        slot.lastUsed = clock.instant();
        return slot.sandbox;
      } finally {
        slot.lock.unlock();
      }
    }
  }

  private void create(Slot<S> slot, Creator<S> creator) throws SandboxException, InterruptedException {
    try {
      claimShared(slot.key);
      Instant now = clock.instant();
      S created = creator.create(slot, now);
      slot.createdAt = now;
      slot.sandbox = created;
    } catch (SandboxException | RuntimeException e) {
      forget(slot);
      throw e;
    }
  }

  /**
   * Forgets the key's sandbox (waiting for its lock), after {@code lastUse} when it has one; the caller removes what
   * the backend holds. Unknown keys are a no-op.
   */
  public void forget(String key, LastUse<S> lastUse) throws InterruptedException {
    Slot<S> slot;
    synchronized (slots) {
      slot = slots.get(key);
    }
    if (slot == null) {
      return;
    }
    slot.lock.lockInterruptibly();
    try {
      S current = slot.sandbox;
      if (current != null) {
        lastUse.accept(current);
      }
      forget(slot);
    } finally {
      slot.lock.unlock();
    }
  }

  /** Removes sandboxes idle past the idle timeout or older than the maximum age; returns their keys. */
  public List<String> reap() throws InterruptedException {
    Instant now = clock.instant();
    List<Slot<S>> candidates;
    synchronized (slots) {
      candidates = new ArrayList<>(slots.values());
    }
    List<String> removed = new ArrayList<>();
    for (Slot<S> slot : candidates) {
      if (!slot.lock.tryLock()) {
        continue;
      }
      try {
        S current = slot.sandbox;
        if (current != null && expired(slot, now)) {
          backend.remove(current);
          forget(slot);
          backend.reaped(slot.key);
          removed.add(slot.key);
          log.info("sandbox.reaped key={} idle={} age={}", slot.key, Duration.between(slot.lastUsed, now),
              Duration.between(slot.createdAt, now));
        }
      } catch (SandboxException e) {
        log.warn("sandbox.reap_failed key={} reason={}", slot.key, e.getMessage());
      } finally {
        slot.lock.unlock();
      }
    }
    return removed;
  }

  /**
   * Takes over a sandbox a previous run left: false (nothing held) when the key is held already or the maximum is
   * reached, here or across every gateway. {@code sandbox} makes the backend's sandbox for the new slot.
   */
  public boolean adopt(String key, Instant createdAt, Function<Slot<S>, S> sandbox) throws SandboxException {
    if (!roomFor(key) || !claimedQuietly(key)) {
      return false;
    }
    synchronized (slots) {
      if (!roomFor(key)) {
        releaseShared(key);
        return false;
      }
      Slot<S> slot = new Slot<>(key, clock.instant());
      slot.createdAt = createdAt;
      slot.sandbox = sandbox.apply(slot);
      slots.put(key, slot);
    }
    return true;
  }

  /**
   * The sandbox {@code sandboxId} of the slot vanished (removed by hand, or by another process): the slot is
   * forgotten when that sandbox is still its own, and the next open creates a new one.
   */
  public void gone(Slot<S> slot, String sandboxId) {
    boolean removed = false;
    synchronized (slots) {
      S current = slot.sandbox;
      if (current != null && current.containerId().equals(sandboxId)) {
        removed = slots.remove(slot.key, slot);
        slot.sandbox = null;
        backend.close(current);
        log.warn("sandbox.gone key={} {}", slot.key, backend.describe(current));
      }
    }
    if (removed) {
      releaseShared(slot.key);
    }
  }

  /** Slots held now (sandboxes running or being created). */
  public int size() {
    synchronized (slots) {
      return slots.size();
    }
  }

  private Slot<S> reserve(String key) throws SandboxException {
    synchronized (slots) {
      Slot<S> slot = slots.get(key);
      if (slot != null) {
        return slot;
      }
      if (slots.size() >= settings.maxSandboxes()) {
        throw refusal(key, "this_instance");
      }
      slot = new Slot<>(key, clock.instant());
      slots.put(key, slot);
      return slot;
    }
  }

  private boolean roomFor(String key) {
    synchronized (slots) {
      return !slots.containsKey(key) && slots.size() < settings.maxSandboxes();
    }
  }

  /**
   * Claims the key's slot among every gateway sharing the count (see {@link SandboxSlots}); refused like the limit of
   * this process when all are held.
   */
  private void claimShared(String key) throws SandboxException {
    if (!claimedQuietly(key)) {
      throw refusal(key, "all_instances");
    }
  }

  /** Claims the key's shared slot; false when all are held (the caller says so). */
  private boolean claimedQuietly(String key) throws SandboxException {
    try {
      return shared.claim(settings.instance(), key, settings.maxSandboxes());
    } catch (RuntimeException e) {
      throw new SandboxException("cannot count the sandboxes of every gateway: " + e.getMessage(), e);
    }
  }

  /** The maximum is reached, counted in this process or across every gateway: said once, the same way for both. */
  private SandboxException refusal(String key, String counted) {
    backend.refused(key, counted);
    return new SandboxException("all " + settings.maxSandboxes() + " sandboxes are in use; try again later "
        + "or ask the operator to raise sandbox.max_sandboxes");
  }

  /** Gives the key's shared slot back; a failure is logged (the slot stays held until this gateway stops). */
  private void releaseShared(String key) {
    try {
      shared.release(settings.instance(), key);
    } catch (RuntimeException e) {
      log.warn("sandbox.slot_release_failed key={} reason=\"{}\"", key, e.getMessage());
    }
  }

  private void forget(Slot<S> slot) {
    boolean removed;
    synchronized (slots) {
      removed = slots.remove(slot.key, slot);
    }
    if (removed) {
      releaseShared(slot.key);
    }
    S current = slot.sandbox;
    slot.sandbox = null;
    if (current != null) {
      backend.close(current);
    }
  }

  /** Whether the slot is still the key's (a waiter that finds it removed meanwhile starts over). */
  private boolean tracked(Slot<S> slot) {
    synchronized (slots) {
      return slots.get(slot.key) == slot;
    }
  }

  private boolean expired(Slot<S> slot, Instant now) {
    return Duration.between(slot.lastUsed, now).compareTo(settings.idleTimeout()) > 0
        || Duration.between(slot.createdAt, now).compareTo(settings.maxAge()) > 0;
  }
}
