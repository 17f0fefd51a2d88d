package dev.clincher.gateway.store;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks the runs of gateway instances that died interrupted while this one keeps running, every {@link #INTERVAL},
 * on one daemon thread until closed. With several gateways on one PostgreSQL a {@code kill -9}ed instance is not
 * restarted to mark its own runs: a survivor does it within one interval of the dead instance's database connection
 * ending (see {@link RunLedger#markRunsOfDeadInstances()} and {@link InstanceLock}).
 */
public final class DeadInstanceSweep implements AutoCloseable {
  /** How often the runs of other instances are checked: the bound on how long a dead instance's run stays running. */
  public static final Duration INTERVAL = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");

  private final ScheduledExecutorService executor;

  private DeadInstanceSweep(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  public static DeadInstanceSweep start(RunLedger runs) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("clincher-dead-instance-sweep").daemon().factory());
    long millis = INTERVAL.toMillis();
    executor.scheduleWithFixedDelay(() -> sweep(runs), millis, millis, TimeUnit.MILLISECONDS);
    return new DeadInstanceSweep(executor);
  }

  private static void sweep(RunLedger runs) {
    try {
      int marked = runs.markRunsOfDeadInstances();
      if (marked > 0) {
        LOG.atInfo().addKeyValue("runs", marked).addKeyValue("rule", "owner_instance_lock_free")
            .log("gateway.runs.interrupted");
      }
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("gateway.runs.sweep_failed");
    }
  }

  /** Stops the sweep; one under way finishes its transaction or is cut by the database closing. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
