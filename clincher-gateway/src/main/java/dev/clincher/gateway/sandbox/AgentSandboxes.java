package dev.clincher.gateway.sandbox;

import java.util.ArrayList;
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
  public Sandbox open(String agent, String sessionId) throws SandboxException, InterruptedException {
    return managerFor(agent).open(agent, sessionId);
  }

  @Override
  public void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException {
    managerFor(agent).sessionDeleted(agent, sessionId);
  }
}
