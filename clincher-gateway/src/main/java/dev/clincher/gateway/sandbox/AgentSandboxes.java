package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The sandboxes of every agent: agents with their own sandbox settings have their own manager (its own instance
 * label, so start-up adoption and the reaper of one never touch another's containers); the others share the
 * gateway's.
 */
public final class AgentSandboxes implements SessionSandboxes {
  private final SandboxManager shared;
  private final Map<String, SandboxManager> byAgent;

  public AgentSandboxes(SandboxManager shared, Map<String, SandboxManager> byAgent) {
    this.shared = shared;
    this.byAgent = Map.copyOf(byAgent);
  }

  /** The gateway's manager with {@code shared}, one more per agent in {@code byAgent}, and their gauges bound. */
  public static AgentSandboxes create(DockerClient docker, SandboxSettings shared,
      Map<String, SandboxSettings> byAgent, Clock clock, MeterRegistry registry) {
    return create(docker, shared, byAgent, clock, registry, SandboxSlots.THIS_PROCESS_ONLY);
  }

  /** As above, each manager's maximum counted across gateways by {@code slots} (one pool per instance label). */
  public static AgentSandboxes create(DockerClient docker, SandboxSettings shared,
      Map<String, SandboxSettings> byAgent, Clock clock, MeterRegistry registry, SandboxSlots slots) {
    Map<String, SandboxManager> managers = new LinkedHashMap<>();
    byAgent.forEach((agent, settings) ->
        managers.put(agent, new SandboxManager(docker, settings, clock, registry, slots)));
    AgentSandboxes sandboxes =
        new AgentSandboxes(new SandboxManager(docker, shared, clock, registry, slots), managers);
    sandboxes.bindMetrics(registry);
    return sandboxes;
  }

  /**
   * {@code clincher_gateway_sandbox_active} and {@code clincher_gateway_sandbox_max}: the sandboxes alive now and the
   * most allowed, summed over every manager (one manager full while another has room shows in the refusals,
   * {@code clincher_gateway_sandbox_refused_total}).
   */
  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("clincher.gateway.sandbox.active", this,
        sandboxes -> sandboxes.managers().stream().mapToInt(SandboxManager::active).sum())
        .description("Sandboxes alive now").register(registry);
    Gauge.builder("clincher.gateway.sandbox.max", this,
        sandboxes -> sandboxes.managers().stream().mapToInt(manager -> manager.settings().maxSandboxes()).sum())
        .description("Sandboxes allowed at once (sandbox.max_sandboxes)").register(registry);
  }

  /** The manager serving {@code agent}. */
  public SandboxManager managerFor(String agent) {
    return byAgent.getOrDefault(agent, shared);
  }

  /** Every manager, the shared one first. */
  public List<SandboxManager> managers() {
    LinkedHashSet<SandboxManager> all = new LinkedHashSet<>();
    all.add(shared);
    all.addAll(byAgent.values());
    return new ArrayList<>(all);
  }

  @Override
  public SessionSandbox forSession(String agent, String sessionId) {
    return managerFor(agent).forSession(agent, sessionId);
  }

  @Override
  public void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException {
    managerFor(agent).sessionDeleted(agent, sessionId);
  }
}
