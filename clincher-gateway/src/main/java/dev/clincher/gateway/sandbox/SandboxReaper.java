package dev.clincher.gateway.sandbox;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes idle and too-old sandboxes of every manager once a minute, on one daemon thread, until closed. */
public final class SandboxReaper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");

  private final ScheduledExecutorService executor;

  private SandboxReaper(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  public static SandboxReaper start(AgentSandboxes sandboxes) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("clincher-sandbox-reaper").daemon().factory());
    executor.scheduleWithFixedDelay(() -> reapAll(sandboxes), 1, 1, TimeUnit.MINUTES);
    return new SandboxReaper(executor);
  }

  private static void reapAll(AgentSandboxes agentSandboxes) {
    for (SandboxManager sandboxes : agentSandboxes.managers()) {
      try {
        List<String> removed = sandboxes.reap();
        if (!removed.isEmpty()) {
          LOG.atInfo().addKeyValue("removed", removed.size()).log("gateway.sandboxes.reaped");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("gateway.sandboxes.reap_failed");
      }
    }
  }

  /** Stops the reaper; a reap under way is interrupted. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
