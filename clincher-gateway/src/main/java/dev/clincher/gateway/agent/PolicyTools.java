package dev.clincher.gateway.agent;

import dev.clincher.gateway.policy.ToolDecision;
import dev.clincher.gateway.policy.ToolPolicy;
import dev.clincher.gateway.tools.Tool;
import java.util.List;
import java.util.Map;

/** An agent's {@link AgentTools}: the registered tools filtered by the two-layer {@link ToolPolicy}. */
public final class PolicyTools implements AgentTools {
  private final String agent;
  private final ToolPolicy policy;
  private final Map<String, Tool> registered;
  private final List<Tool> offered;

  public PolicyTools(String agent, ToolPolicy policy, Map<String, Tool> registered) {
    this.agent = agent;
    this.policy = policy;
    this.registered = Map.copyOf(registered);
    this.offered = policy.offered(agent, registered.values().stream()
        .sorted(java.util.Comparator.comparing(Tool::name)).toList());
  }

  @Override
  public List<Tool> offered() {
    return offered;
  }

  @Override
  public Permission check(String requestedName) {
    ToolDecision decision = policy.decide(agent, requestedName);
    if (decision.allowed()) {
      return Permission.allowed(registered.get(decision.tool()));
    }
    return Permission.denied(decision.modelMessage() + " [" + decision.verdict().name().toLowerCase(java.util.Locale.ROOT)
        + "]", decision.layer(), decision.rule());
  }
}
