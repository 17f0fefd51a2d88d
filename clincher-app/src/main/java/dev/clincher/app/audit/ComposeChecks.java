package dev.clincher.app.audit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The compose topology: every service hardened (read-only root, no capabilities, no-new-privileges, limits, a
 * non-root user), no host namespaces, ports only on the reverse proxy, the Docker socket only in the socket proxy,
 * the internal networks internal and each network holding only the services it is for, no secret as an
 * environment value. Reads {@code docker-compose.yml} and {@code docker-compose.override.yml}: a setting of the
 * override wins, and a dangerous one in either is reported.
 */
public final class ComposeChecks implements Check {
  static final String PROXY = "caddy";
  static final String SOCKET_PROXY = "socket-proxy";
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(KEY|TOKEN|PASSWORD|SECRET|PASSWD).*");
  /** Which services each network may hold. */
  private static final Map<String, Set<String>> NETWORK_MEMBERS = Map.of(
      "egress-net", Set.of("egress"),
      "proxy-net", Set.of(PROXY, "gateway"),
      "edge-net", Set.of(PROXY),
      "metrics-net", Set.of(PROXY, "metrics-relay"));
  private static final List<String> INTERNAL_NETWORKS = List.of("openclaw-net", "proxy-net", "metrics-net");

  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    if (deployment.kind() != Deployment.Kind.COMPOSE) {
      return findings; // ./clincher up: processes on loopback, no containers
    }
    for (String name : serviceNames(deployment)) {
      List<Map<String, Object>> parts = deployment.service(name);
      hardening(name, parts, findings);
      hostAccess(name, parts, findings);
      secretsInEnvironment(name, parts, findings);
    }
    networks(deployment, findings);
    return findings;
  }

  private static Set<String> serviceNames(Deployment deployment) {
    Set<String> names = new LinkedHashSet<>();
    deployment.composeFiles().forEach(file -> names.addAll(file.services().keySet()));
    return names;
  }

  /** The value the last file that sets {@code key} gives it. */
  static Optional<Object> last(List<Map<String, Object>> parts, String key) {
    Optional<Object> value = Optional.empty();
    for (Map<String, Object> part : parts) {
      if (part.containsKey(key)) {
        value = Optional.ofNullable(part.get(key));
      }
    }
    return value;
  }

  private static void hardening(String name, List<Map<String, Object>> parts, List<Finding> findings) {
    if (!last(parts, "read_only").map(Boolean.TRUE::equals).orElse(false)) {
      findings.add(Finding.critical("compose.service.read_only", "service " + name + " has a writable root "
          + "filesystem", "code that gets a shell in the container can change the service's own files and "
          + "persist", "services." + name + ".read_only: true (writable paths as tmpfs or volumes)"));
    }
    if (!last(parts, "cap_drop").map(ComposeFile::strings).orElse(List.of()).contains("ALL")) {
      findings.add(Finding.critical("compose.service.cap_drop", "service " + name + " keeps Docker's default "
          + "capabilities", "NET_RAW, CHOWN, SETUID and the rest are there for whoever runs code in it",
          "services." + name + ".cap_drop: [ALL]"));
    }
    if (last(parts, "security_opt").map(ComposeFile::strings).orElse(List.of()).stream()
        .noneMatch(option -> option.equals("no-new-privileges:true") || option.equals("no-new-privileges"))) {
      findings.add(Finding.critical("compose.service.no_new_privileges", "service " + name + " may gain "
          + "privileges through setuid programs", "a setuid binary in the image becomes a way to root",
          "services." + name + ".security_opt: [\"no-new-privileges:true\"]"));
    }
    if (last(parts, "mem_limit").isEmpty() || last(parts, "pids_limit").isEmpty()) {
      findings.add(Finding.warn("compose.service.limits", "service " + name + " has no memory or pids limit",
          "a runaway or hostile process can starve the host and every other service",
          "services." + name + ".mem_limit and pids_limit (the seed's values are in deploy/compose)"));
    }
    String user = last(parts, "user").map(String::valueOf).orElse("");
    if (user.isEmpty() || user.equals("root") || user.startsWith("0:") || user.equals("0")) {
      findings.add(Finding.warn("compose.service.user", "service " + name + " runs as root",
          "root in a container is one kernel bug from root on the host", "services." + name
              + ".user: a uid of its own (deploy init uses 10001-10006)"));
    }
  }

  private static void hostAccess(String name, List<Map<String, Object>> parts, List<Finding> findings) {
    for (Map<String, Object> part : parts) {
      if (Boolean.TRUE.equals(part.get("privileged"))) {
        findings.add(Finding.critical("compose.service.privileged", "service " + name + " is privileged",
            "a privileged container is root on the host", "remove services." + name + ".privileged"));
      }
      if (!ComposeFile.strings(part.get("cap_add")).isEmpty()) {
        findings.add(Finding.critical("compose.service.cap_add", "service " + name + " adds capabilities "
            + ComposeFile.strings(part.get("cap_add")), "each capability is kernel power for whoever runs code "
            + "in it; no Clincher service needs one", "remove services." + name + ".cap_add"));
      }
      for (String namespace : List.of("network_mode", "pid", "ipc", "userns_mode")) {
        if ("host".equals(String.valueOf(part.get(namespace)))) {
          findings.add(Finding.critical("compose.service.host_namespace", "service " + name + " shares the "
              + "host's " + namespace, "it sees and reaches what the host does: no network isolation is left",
              "remove services." + name + "." + namespace));
        }
      }
      if (!name.equals(PROXY) && !ComposeFile.strings(part.get("ports")).isEmpty()) {
        findings.add(Finding.critical("compose.ports.only_proxy", "service " + name + " publishes ports "
            + ComposeFile.strings(part.get("ports")), "only the reverse proxy may face the network; anything else "
            + "bypasses TLS, origin checks and its rate limits", "remove services." + name + ".ports"));
      }
      if (!name.equals(SOCKET_PROXY) && ComposeFile.strings(part.get("volumes")).stream()
          .anyMatch(volume -> volume.contains("docker.sock"))) {
        findings.add(Finding.critical("compose.docker_socket.only_socket_proxy", "service " + name + " mounts the "
            + "Docker socket", "the Docker socket is root on the host; only the socket proxy may hold it",
            "remove the docker.sock volume from services." + name));
      }
    }
  }

  private static void secretsInEnvironment(String name, List<Map<String, Object>> parts, List<Finding> findings) {
    for (Map<String, Object> part : parts) {
      ComposeFile.environmentOf(part).forEach((variable, value) -> {
        if (SECRET_NAME.matcher(variable).matches() && !variable.endsWith("_FILE") && !value.isBlank()) {
          findings.add(Finding.critical("compose.secret.in_environment", "service " + name + " gets " + variable
              + " as an environment value", "environment values show in docker inspect, /proc/*/environ and "
              + "crash reports", "services." + name + ": put it in a file under secrets/ (mode 0600) and pass "
              + variable + "_FILE"));
        }
      });
    }
  }

  private static void networks(Deployment deployment, List<Finding> findings) {
    Map<String, Map<String, Object>> networks = new java.util.LinkedHashMap<>();
    deployment.composeFiles().forEach(file -> file.networks().forEach(
        (name, settings) -> networks.merge(name, settings, (a, b) -> {
          Map<String, Object> merged = new java.util.LinkedHashMap<>(a);
          merged.putAll(b);
          return merged;
        })));
    for (String name : INTERNAL_NETWORKS) {
      if (!Boolean.TRUE.equals(networks.getOrDefault(name, Map.of()).get("internal"))) {
        findings.add(Finding.critical("compose.network.internal", "network " + name + " is not internal",
            "its containers get a route out that bypasses the egress proxy's allowlist",
            "networks." + name + ".internal: true"));
      }
    }
    for (String service : serviceNames(deployment)) {
      for (Map<String, Object> part : deployment.service(service)) {
        for (String network : ComposeFile.networksOf(part)) {
          Set<String> members = NETWORK_MEMBERS.get(network);
          if (members != null && !members.contains(service)) {
            findings.add(Finding.critical("compose.network.membership", "service " + service + " joins "
                + network + " (for " + String.join(", ", members) + " only)", network.equals("egress-net")
                ? "egress-net is a way out: whoever joins it skips the allowlist"
                : "it reaches services it has no business reaching", "remove " + network + " from services."
                + service + ".networks"));
          }
        }
      }
    }
  }
}
