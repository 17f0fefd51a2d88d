package dev.clincher.gateway.session;

import dev.clincher.gateway.agent.AgentDefinition;
import dev.clincher.gateway.agent.AgentTools;
import dev.clincher.gateway.agent.PolicyTools;
import dev.clincher.gateway.policy.ToolPolicy;
import dev.clincher.gateway.tools.Tool;
import java.util.LinkedHashMap;
import java.util.Map;

/** A configured agent with its tool set, ready to run. */
public record AgentRuntime(AgentDefinition definition, AgentTools tools) {

  /** Every agent with the tools {@code policy} lets it call, by name, in the definitions' order. */
  public static Map<String, AgentRuntime> all(Map<String, AgentDefinition> definitions, ToolPolicy policy,
      Map<String, Tool> tools) {
    Map<String, AgentRuntime> agents = new LinkedHashMap<>();
    definitions.forEach((name, definition) ->
        agents.put(name, new AgentRuntime(definition, new PolicyTools(name, policy, tools))));
    return agents;
  }
}
