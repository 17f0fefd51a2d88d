package dev.clincher.common.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's health: liveliness (the process serves) and readiness (it serves <em>and</em> its dependencies answer).
 *
 * <p>Readiness has a built-in check {@code server}, down until {@link #markReady()} and again after
 * {@link #markDraining()}, so a load balancer stops sending traffic while the service shuts down. Named checks
 * run in parallel on virtual threads, each bounded by the timeout (default 2 s): a hung dependency reports
 * "timeout" instead of hanging the endpoint. A check still running from an earlier probe is not started again; the
 * new probe waits on the same run, so hung checks never pile up.
 */
public final class Health {
  /** How long a readiness check may take before it counts as down. */
  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(Health.class);

  private enum State { STARTING, READY, DRAINING }

  private final Duration timeout;
  private final List<Check> checks = new CopyOnWriteArrayList<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

  public Health() {
    this(DEFAULT_CHECK_TIMEOUT);
  }

  public Health(Duration checkTimeout) {
    if (checkTimeout.isNegative() || checkTimeout.isZero()) {
      throw new IllegalArgumentException("check timeout must be positive");
    }
    this.timeout = checkTimeout;
  }

  /** Adds a readiness check; the supplier may block (it runs on its own virtual thread) and may throw. */
  public synchronized void addReadinessCheck(String name, Supplier<CheckResult> check) {
    if (name == null || name.isBlank() || name.equals("server")) {
      throw new IllegalArgumentException("check name must be non-blank and not 'server': " + name);
    }
    if (checks.stream().anyMatch(existing -> existing.name().equals(name))) {
      throw new IllegalArgumentException("duplicate readiness check: " + name);
    }
    checks.add(new Check(name, check));
  }

  /** Called once the server accepts connections. */
  public void markReady() {
    state.set(State.READY);
  }

  /**
   * Called when shutdown begins: readiness fails from now on.
   *
   * @return true for the first call, false when shutdown had already begun (so a close runs once)
   */
  public boolean markDraining() {
    return state.getAndSet(State.DRAINING) != State.DRAINING;
  }

  public boolean isReady() {
    return state.get() == State.READY;
  }

  /** Always healthy: if this code runs, the process serves. */
  public HealthReport liveliness() {
    return HealthReport.of(Map.of());
  }

  /** Runs every readiness check (in parallel, each bounded by the timeout) and the {@code server} state. */
  public HealthReport readiness() {
    Map<String, CheckResult> results = new LinkedHashMap<>();
    results.put("server", serverCheck());
    Map<String, CompletableFuture<CheckResult>> running = new LinkedHashMap<>();
    for (Check check : checks) {
      running.put(check.name(), check.start());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    running.forEach((name, future) -> results.put(name, await(name, future, deadline)));
    return HealthReport.of(results);
  }

  private CheckResult serverCheck() {
    return switch (state.get()) {
      case STARTING -> CheckResult.down("starting");
      case READY -> CheckResult.up("serving");
      case DRAINING -> CheckResult.down("draining");
    };
  }

  private CheckResult await(String name, CompletableFuture<CheckResult> future, long deadline) {
    long remaining = Math.max(0, deadline - System.nanoTime());
    try {
      return future.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      log.atWarn().setMessage("health.check.timeout").addKeyValue("check", name)
          .addKeyValue("timeout_ms", timeout.toMillis()).log();
      return CheckResult.down("timeout after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.down("interrupted");
    } catch (ExecutionException e) {
      return CheckResult.down("error: " + e.getCause().getClass().getSimpleName());
    }
  }

  /** One named check and its current run, if any. */
  private static final class Check {
    private final String name;
    private final Supplier<CheckResult> supplier;
    private final AtomicReference<CompletableFuture<CheckResult>> current = new AtomicReference<>();

    Check(String name, Supplier<CheckResult> supplier) {
      this.name = name;
      this.supplier = supplier;
    }

    String name() {
      return name;
    }

    /** Starts a run on a virtual thread, or returns the run still in progress. */
    synchronized CompletableFuture<CheckResult> start() {
      CompletableFuture<CheckResult> running = current.get();
      if (running != null && !running.isDone()) {
        return running;
      }
      CompletableFuture<CheckResult> run = new CompletableFuture<>();
      current.set(run);
      Thread.ofVirtual().name("health-check-" + name).start(() -> {
        try {
          run.complete(runOnce());
        } catch (Throwable t) {
          run.completeExceptionally(t);
        }
      });
      return run;
    }

    private CheckResult runOnce() {
      try {
        CheckResult result = supplier.get();
        return result == null ? CheckResult.down("check returned no result") : result;
      } catch (RuntimeException e) {
        // The class only: a dependency's exception message may carry a URL with credentials. Stack at DEBUG.
        log.atWarn().setMessage("health.check.failed").addKeyValue("check", name)
            .addKeyValue("exception", e.getClass().getName()).log();
        log.atDebug().setMessage("health.check.failed.stack").addKeyValue("check", name).setCause(e).log();
        return CheckResult.down("error: " + e.getClass().getSimpleName());
      }
    }
  }
}
