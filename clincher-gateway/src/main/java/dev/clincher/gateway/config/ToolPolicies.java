package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.policy.ToolPolicy;
import dev.clincher.gateway.policy.ToolRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The tool policy a gateway config sets. */
public final class ToolPolicies {
  private ToolPolicies() {}

  /**
   * The policy over {@code toolNames}: the gateway's {@code tools.deny} (always keeping the seed's dangerous names),
   * each agent's {@code agents.NAME.tools}, and the defaults; a bad pattern fails with its key.
   */
  public static ToolPolicy of(String source, GatewayConfig config, Set<String> toolNames) throws ConfigException {
    Map<String, ToolRules> rules = new LinkedHashMap<>();
    for (var entry : config.agents().entrySet()) {
      GatewayConfig.ToolPolicy own = entry.getValue().tools();
      rules.put(entry.getKey(), ToolRules.parse(source, "agents." + entry.getKey() + ".tools", own.allow(),
          own.deny()));
    }
    List<String> deny = config.tools().deny().isEmpty() ? null : withDangerous(config.tools().deny());
    return new ToolPolicy(toolNames, ToolRules.gateway(source, "tools.deny", deny), rules, ToolRules.defaults());
  }

  /** The configured gateway deny list always keeps the seed's dangerous names. */
  private static List<String> withDangerous(List<String> deny) {
    List<String> all = new ArrayList<>(ToolRules.DANGEROUS);
    all.addAll(deny);
    return all;
  }
}
