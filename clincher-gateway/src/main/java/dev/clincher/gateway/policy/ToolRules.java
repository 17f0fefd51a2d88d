package dev.clincher.gateway.policy;

import dev.clincher.common.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One layer of the tool policy: an allow list and a deny list of {@link ToolPattern}s. A name is allowed by the
 * layer when some allow entry covers it and no deny entry does (deny wins).
 *
 * @param allow entries that allow
 * @param deny entries that deny, checked first
 */
public record ToolRules(List<ToolPattern> allow, List<ToolPattern> deny) {

  /**
   * The seed's dangerous tools, denied by default at both layers: they reach the host, the Docker daemon, other
   * sessions, devices or the gateway itself.
   */
  public static final List<String> DANGEROUS = List.of("process", "browser", "nodes", "gateway", "sessions_spawn",
      "sessions_send", "elevated", "host_exec", "docker", "camera", "canvas", "cron");

  public ToolRules {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  /**
   * Parses a layer from config.
   *
   * @param key the key of the layer, e.g. {@code agents.main.tools}; entries are reported as {@code key.allow[i]}
   * @param allow the allow entries, or null for the default {@code ["*"]}
   * @param deny the deny entries, or null for the default {@link #DANGEROUS}
   * @throws ConfigException naming the entry that is not a valid name, glob or known group
   */
  public static ToolRules parse(String source, String key, List<String> allow, List<String> deny)
      throws ConfigException {
    return new ToolRules(patterns(source, key + ".allow", allow == null ? List.of("*") : allow),
        patterns(source, key + ".deny", deny == null ? DANGEROUS : deny));
  }

  /** The gateway-wide layer: only a deny list (null for the default {@link #DANGEROUS}); everything else passes. */
  public static ToolRules gateway(String source, String key, List<String> deny) throws ConfigException {
    return parse(source, key, List.of("*"), deny);
  }

  /** The default for both layers: allow {@code *}, deny {@link #DANGEROUS}. */
  public static ToolRules defaults() {
    try {
      return parse("defaults", "tools", null, null);
    } catch (ConfigException e) {
      throw new IllegalStateException("the built-in defaults are valid", e);
    }
  }

  /** The deny entry covering {@code name}, if any. */
  public Optional<ToolPattern> denying(String name) {
    return deny.stream().filter(p -> p.matches(name)).findFirst();
  }

  /** The allow entry covering {@code name}, if any. */
  public Optional<ToolPattern> allowing(String name) {
    return allow.stream().filter(p -> p.matches(name)).findFirst();
  }

  private static List<ToolPattern> patterns(String source, String key, List<String> entries)
      throws ConfigException {
    List<ToolPattern> patterns = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      patterns.add(ToolPattern.parse(source, key + "[" + i + "]", entries.get(i)));
    }
    return patterns;
  }
}
