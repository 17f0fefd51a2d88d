package dev.clincher.socketproxy.policy;

import dev.clincher.common.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The variable-driven mode: a drop-in for docker-socket-proxy's environment variables, with its defaults
 * ({@code EVENTS}, {@code PING} and {@code VERSION} open, everything else closed, {@code POST=0} read-only), but
 * matched per method and anchored path instead of by path prefix.
 *
 * <p>A row of {@link Endpoints} is open when its section variable is 1 and, for state-changing rows, {@code POST=1};
 * or when one of its own grant variables is 1 ({@code ALLOW_START}, {@code ALLOW_STOP}, {@code ALLOW_RESTARTS}
 * open just those operations, also with {@code POST=0}).
 */
public final class CompatPolicy implements Policy {
  /** The docker-socket-proxy variables, and Clincher's narrower ALLOW_* ones, with their defaults. */
  public static final Map<String, Boolean> DEFAULTS = defaults();

  private static final Set<String> TRUE = Set.of("1", "true", "yes", "on");
  private static final Set<String> FALSE = Set.of("0", "false", "no", "off", "");

  private final Map<String, Boolean> variables;
  private final InspectionPolicy inspection;

  private CompatPolicy(Map<String, Boolean> variables, InspectionPolicy inspection) {
    this.variables = Map.copyOf(variables);
    this.inspection = inspection;
  }

  /**
   * Reads the known variables from {@code env} (others are ignored).
   *
   * @throws ConfigException naming the variable when a value is not 0/1 (or true/false, yes/no, on/off)
   */
  public static CompatPolicy fromEnvironment(Map<String, String> env, InspectionPolicy inspection)
      throws ConfigException {
    Map<String, Boolean> values = new LinkedHashMap<>(DEFAULTS);
    for (String name : DEFAULTS.keySet()) {
      String raw = env.get(name);
      if (raw != null) {
        values.put(name, parse(name, raw));
      }
    }
    return new CompatPolicy(values, inspection);
  }

  /** Whether any of the known variables is set in {@code env}: that selects this mode. */
  public static boolean anySet(Map<String, String> env) {
    return DEFAULTS.keySet().stream().anyMatch(env::containsKey);
  }

  /** Whether a variable is on. */
  public boolean enabled(String name) {
    return variables.getOrDefault(name, false);
  }

  @Override
  public String profile() {
    return "compat";
  }

  @Override
  public InspectionPolicy inspection() {
    return inspection;
  }

  @Override
  public boolean confinesToSandboxes() {
    return false;
  }

  @Override
  public Verdict decide(String method, ApiPath path) {
    return Policy.decideWith(method, path, this::decide);
  }

  private Verdict decide(Endpoint endpoint) {
    for (String grant : endpoint.grants()) {
      if (enabled(grant)) {
        return Verdict.allow(endpoint, grant);
      }
    }
    if (!enabled(endpoint.section())) {
      return Verdict.deny(endpoint, endpoint.section(),
          endpoint.op() + " needs " + endpoint.section() + "=1");
    }
    if (endpoint.write() && !enabled("POST")) {
      return Verdict.deny(endpoint, "POST", "POST=0 makes the API read-only; " + endpoint.op() + " changes state");
    }
    return Verdict.allow(endpoint, endpoint.section());
  }

  private static Boolean parse(String name, String raw) throws ConfigException {
    String value = raw.trim().toLowerCase(Locale.ROOT);
    if (TRUE.contains(value)) {
      return true;
    }
    if (FALSE.contains(value)) {
      return false;
    }
    throw new ConfigException("environment", name, "expected 0 or 1");
  }

  private static Map<String, Boolean> defaults() {
    Map<String, Boolean> defaults = new LinkedHashMap<>();
    for (String on : List.of("EVENTS", "PING", "VERSION")) {
      defaults.put(on, true);
    }
    for (String off : List.of("AUTH", "BUILD", "COMMIT", "CONFIGS", "CONTAINERS", "DISTRIBUTION", "EXEC", "GRPC",
        "IMAGES", "INFO", "NETWORKS", "NODES", "PLUGINS", "POST", "SECRETS", "SERVICES", "SESSION", "SWARM",
        "SYSTEM", "TASKS", "VOLUMES", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS", "ALLOW_ARCHIVE",
        "ALLOW_EXPORT", "ALLOW_ATTACH", "ALLOW_UPDATE", "ALLOW_PRUNE")) {
      defaults.put(off, false);
    }
    return java.util.Collections.unmodifiableMap(defaults);
  }
}
