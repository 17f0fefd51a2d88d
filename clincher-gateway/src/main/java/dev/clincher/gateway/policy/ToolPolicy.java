package dev.clincher.gateway.policy;

import dev.clincher.gateway.policy.ToolDecision.Verdict;
import dev.clincher.gateway.tools.Tool;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tool policy: which tools an agent may be offered and call. Two layers, checked in order, deny wins:
 * <ol>
 *   <li>the gateway-wide deny list, which no agent config can loosen (an agent's {@code allow: ["*"]} does not
 *       re-enable a tool it denies);</li>
 *   <li>the agent's deny list, then the agent's allow list (a tool must be covered by an allow entry).</li>
 * </ol>
 * A requested name is normalised only by lower-casing ASCII letters; it must then be exactly
 * {@code [a-z0-9_]{1,64}} and the name of a registered tool, otherwise it is {@link Verdict#UNKNOWN_TOOL}. No
 * Unicode folding, trimming or look-alike mapping is done, so {@code " docker"}, {@code "docker\u200b"} or full-width
 * letters never reach a tool. Deny lists are checked before the registry, so a call of a denied tool that does not
 * exist (e.g. {@code docker}) is reported as the deny it is. Agents without their own rules get the default layer.
 */
public final class ToolPolicy {
  private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,64}");
  private static final int MAX_LOGGED = 64;

  private final Set<String> registered;
  private final ToolRules gateway;
  private final Map<String, ToolRules> agents;
  private final ToolRules defaultAgent;

  /**
   * @param registered names of the tools that exist (lower case)
   * @param gateway the gateway-wide layer
   * @param agents each agent's layer by agent name
   * @param defaultAgent the layer of agents not in {@code agents}
   */
  public ToolPolicy(Set<String> registered, ToolRules gateway, Map<String, ToolRules> agents, ToolRules defaultAgent) {
    this.registered = Set.copyOf(registered);
    this.gateway = gateway;
    this.agents = Map.copyOf(agents);
    this.defaultAgent = defaultAgent;
  }

  /** Decides whether {@code agent} may call the tool the model named {@code requested}. */
  public ToolDecision decide(String agent, String requested) {
    String logged = loggable(requested);
    String name = normalise(requested);
    if (name == null) {
      return new ToolDecision(logged, "", Verdict.UNKNOWN_TOOL, "registry", "");
    }
    Optional<ToolPattern> gatewayDeny = gateway.denying(name);
    if (gatewayDeny.isPresent()) {
      return new ToolDecision(logged, name, Verdict.DENIED_BY_GATEWAY, "gateway", gatewayDeny.get().text());
    }
    ToolRules rules = agents.getOrDefault(agent, defaultAgent);
    Optional<ToolPattern> agentDeny = rules.denying(name);
    if (agentDeny.isPresent()) {
      return new ToolDecision(logged, name, Verdict.DENIED_BY_AGENT, "agent", agentDeny.get().text());
    }
    if (!registered.contains(name)) {
      return new ToolDecision(logged, name, Verdict.UNKNOWN_TOOL, "registry", "");
    }
    Optional<ToolPattern> allow = rules.allowing(name);
    if (allow.isEmpty()) {
      return new ToolDecision(logged, name, Verdict.NOT_IN_AGENT_ALLOW, "agent", "");
    }
    return new ToolDecision(logged, name, Verdict.ALLOWED, "agent", allow.get().text());
  }

  /** The tools to offer {@code agent}'s model: those of {@code tools} the policy allows, in the given order. */
  public <T extends Tool> List<T> offered(String agent, Collection<T> tools) {
    return tools.stream().filter(t -> t.name().equals(normalise(t.name())) && decide(agent, t.name()).allowed())
        .toList();
  }

  /** The name with ASCII letters lower-cased, or null if it is not {@code [a-z0-9_]{1,64}} after that. */
  static String normalise(String requested) {
    if (requested == null || requested.length() > MAX_LOGGED) {
      return null;
    }
    String name = ToolPattern.asciiLower(requested);
    return NAME.matcher(name).matches() ? name : null;
  }

  /** At most 64 characters of the requested name, anything outside printable ASCII as {@code \\uXXXX}. */
  static String loggable(String requested) {
    if (requested == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    requested.codePoints().limit(MAX_LOGGED).forEach(c -> {
      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
        out.append((char) c);
      } else {
        out.append(String.format(Locale.ROOT, "\\u%04x", c));
      }
    });
    return requested.codePointCount(0, requested.length()) > MAX_LOGGED ? out + "..." : out.toString();
  }
}
