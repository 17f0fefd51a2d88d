package dev.clincher.app.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code clincher audit --deep}: the running stack probed the way an attacker inside it would try, from a
 * short-lived {@code clincher/probe} container on the stack's own networks (no capabilities, read-only, removed
 * after): the egress proxy must refuse a private address, the metadata address and a name off the allowlist; the
 * socket proxy a privileged container, a bind of the host's root and an exec into a container that is not a
 * sandbox, with nothing created; the gateway a call without its token, with the token in the URL and from a foreign
 * origin; the router a call without a key; every metrics endpoint a scrape without its token. The sandboxes of this
 * deployment must have no network and no capabilities. Every probe is bounded in time; the gateway's token reaches
 * the probe by environment name, never on a command line.
 */
public final class LiveProbes {
  static final String PROBE_IMAGE = "clincher/probe:latest";
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(20);
  private static final String CURL = "curl -sS -o /dev/null --max-time 8 ";

  /** One attempt: the shell that makes it, and the answers that mean it was refused. */
  record Probe(String id, String network, String shell, Set<String> refused, String attempt, String why,
      String fix) {}

  /** Marks what a probe's create would make, so exactly that is found and removed again. */
  static final String PROBE_LABEL = "clincher.audit.probe";

  private final Deployment deployment;
  private final String project;
  private final String run = Long.toHexString(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);

  public LiveProbes(Deployment deployment) {
    this.deployment = deployment;
    this.project = deployment.env().getOrDefault("COMPOSE_PROJECT_NAME", "clincher");
  }

  public List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    if (!HostCommand.of(DOCKER_TIMEOUT, "docker", "image", "inspect", PROBE_IMAGE).run().ok()) {
      findings.add(Finding.critical("deep.unavailable", "the probe image " + PROBE_IMAGE + " is not on this host "
          + "(or Docker does not answer)", "without probes the audit can only read settings, not show that the "
          + "layers hold", "deploy/images/build --offline probe"));
      return findings;
    }
    Optional<String> gateway = container("gateway");
    List<Probe> probes = probes(gateway.orElse("no-gateway-container"));
    Map<String, String> answers = new LinkedHashMap<>();
    answers.putAll(runOn("openclaw-net", probes, Map.of()));
    Optional<String> token = deployment.secretFile("gateway", "/run/secrets/gateway_token")
        .flatMap(SecretChecks::read);
    answers.putAll(runOn("proxy-net", probes, token.map(t -> Map.of("GATEWAY_TOKEN", t)).orElse(Map.of())));
    answers.putAll(runOn("metrics-net", probes, Map.of()));
    for (Probe probe : probes) {
      String answer = answers.getOrDefault(probe.id(), "no answer");
      if (probe.refused().contains(answer)) {
        findings.add(Finding.info(probe.id(), probe.attempt() + ": refused (" + answer + ")"));
      } else {
        findings.add(Finding.critical(probe.id(), probe.attempt() + ": answered " + answer + ", not "
            + String.join(" or ", probe.refused()), probe.why(), probe.fix()));
      }
    }
    List<String> created = probeContainers();
    if (!created.isEmpty()) {
      for (String id : created) { // the probe got through: take away what it made
        HostCommand.of(DOCKER_TIMEOUT, "docker", "rm", "-f", id).run();
      }
      findings.add(Finding.critical("deep.socket_proxy.nothing_created", created.size() + " container(s) made by "
          + "the probes went through the socket proxy (removed again: " + String.join(", ", created) + ")",
          "a create the socket proxy should refuse went through", "services.socket-proxy.command: "
          + "--profile=sandbox; config/socket-proxy.yaml as deploy init writes it"));
    }
    sandboxes(findings);
    findings.addAll(new ProcessSecrets(deployment).check());
    return findings;
  }

  private List<Probe> probes(String gatewayContainer) {
    String egress = CURL + "-w '%{http_connect}' -x http://egress:4750 ";
    String create = CURL + "-w '%{http_code}' -X POST -H 'Content-Type: application/json' --data ";
    String sandbox = "\"Image\":\"clincher-sandbox:latest\",\"Labels\":{\"clincher.sandbox\":\"1\",\""
        + PROBE_LABEL + "\":\"" + run + "\"}";
    String withToken = "printf 'header = \"Authorization: Bearer %s\"\\n' \"$GATEWAY_TOKEN\" | " + CURL
        + "-K - -w '%{http_code}' ";
    String egressFix = "config/egress-acl.yaml: action: enforce; no --allow-range for private blocks";
    String socketFix = "services.socket-proxy.command: --profile=sandbox; config/socket-proxy.yaml as deploy init "
        + "writes it";
    return List.of(
        new Probe("deep.egress.private", "openclaw-net", egress + "https://10.0.0.1/", Set.of("403"),
            "CONNECT to 10.0.0.1 through the egress proxy", "private addresses are the host's and the LAN's "
            + "services (SSRF)", egressFix),
        new Probe("deep.egress.metadata", "openclaw-net", egress + "https://169.254.169.254/", Set.of("403"),
            "CONNECT to the cloud metadata address 169.254.169.254", "the metadata service hands out the "
            + "server's cloud credentials", egressFix),
        new Probe("deep.egress.allowlist", "openclaw-net", egress + "https://not-on-the-allowlist.invalid/",
            Set.of("403"), "CONNECT to a name off the allowlist", "a host off the allowlist is where a "
            + "prompt-injected agent sends what it read", egressFix),
        new Probe("deep.socket_proxy.privileged", "openclaw-net", create + "'{" + sandbox
            + ",\"HostConfig\":{\"Privileged\":true}}' http://socket-proxy:2375/v1.41/containers/create",
            Set.of("403"), "a privileged sandbox container through the socket proxy", "a privileged container is "
            + "root on the host", socketFix),
        new Probe("deep.socket_proxy.bind", "openclaw-net", create + "'{" + sandbox
            + ",\"HostConfig\":{\"Binds\":[\"/:/host\"]}}' http://socket-proxy:2375/v1.41/containers/create",
            Set.of("403"), "a sandbox with the host's / bound in", "the host's files in the agent's hands",
            socketFix),
        new Probe("deep.socket_proxy.exec", "openclaw-net", create + "'{\"Cmd\":[\"id\"]}' http://socket-proxy:2375"
            + "/v1.41/containers/" + gatewayContainer + "/exec", Set.of("403", "404"), "an exec into the gateway's "
            + "container", "exec into a service container is that service's secrets and network", socketFix),
        new Probe("deep.socket_proxy.inspect_service", "openclaw-net", CURL + "-w '%{http_code}' http://"
            + "socket-proxy:2375/v1.41/containers/" + gatewayContainer + "/json", Set.of("403", "404"),
            "an inspect of the gateway's container (its environment, mounts, networks)", "a proxy open to every "
            + "container also lets code read, stop or remove the services themselves", socketFix),
        new Probe("deep.router.no_key", "openclaw-net", CURL + "-w '%{http_code}' -X POST -H 'Content-Type: "
            + "application/json' --data '{\"model\":\"default\",\"messages\":[]}' http://router:4000/v1/chat/"
            + "completions", Set.of("401"), "a chat completion without a key", "anyone on the network spends the "
            + "provider keys", "config/router.yaml: general_settings.master_key"),
        new Probe("deep.router.metrics", "openclaw-net", CURL + "-w '%{http_code}' http://router:4000/metrics",
            Set.of("401"), "a scrape of the router's /metrics without a token", "metrics name keys, teams and "
            + "models", "the router's metrics need their token"),
        new Probe("deep.gateway.no_token", "proxy-net", CURL + "-w '%{http_code}' http://gateway:18789/v1/sessions",
            Set.of("401"), "the gateway's API without a token", "anyone who reaches the gateway runs the agent",
            "config/gateway.yaml: auth.token_file"),
        new Probe("deep.gateway.token_in_url", "proxy-net", "printf 'url = \"http://gateway:18789/v1/sessions"
            + "?token=%s\"\\n' \"$GATEWAY_TOKEN\" | " + CURL + "-K - -w '%{http_code}'", Set.of("401"),
            "the gateway's API with the token in the URL", "URLs end up in logs, histories and Referer headers",
            "the gateway must accept the token only in the Authorization header"),
        new Probe("deep.gateway.foreign_origin", "proxy-net", withToken + "-X POST -H 'Origin: https://evil.example' "
            + "-H 'Content-Type: application/json' --data '{}' http://gateway:18789/v1/sessions", Set.of("403"),
            "a session created from the origin https://evil.example", "any page the operator visits could drive "
            + "the gateway", "config/gateway.yaml: auth.allowed_origins: the deployment's origin only"),
        new Probe("deep.gateway.metrics", "proxy-net", CURL + "-w '%{http_code}' http://gateway:18789/metrics",
            Set.of("401"), "a scrape of the gateway's /metrics without a token", "metrics describe sessions and "
            + "tools", "the gateway's metrics need their token"),
        new Probe("deep.metrics_net.socket_proxy", "metrics-net", CURL + "-w '%{http_code}' "
            + "http://socket-proxy:2375/_ping", Set.of("000"), "the socket proxy from metrics-net (where caddy is)",
            "a taken-over reverse proxy would drive Docker", "only caddy and metrics-relay on metrics-net; the "
            + "socket proxy on openclaw-net only"),
        new Probe("deep.metrics_relay.other_request", "metrics-net", CURL + "-w '%{http_code}' -X POST "
            + "http://metrics-relay:9180/metrics/socket-proxy", Set.of("404"), "a POST through the metrics relay",
            "the relay would pass more than metrics reads to the services", "config/metrics-relay.Caddyfile as "
            + "deploy init writes it"));
  }

  /** Runs the probes of one network in one probe container; answers by probe id. */
  private Map<String, String> runOn(String network, List<Probe> probes, Map<String, String> env) {
    StringBuilder shell = new StringBuilder();
    for (Probe probe : probes) {
      if (probe.network().equals(network)) {
        shell.append("a=$(").append(probe.shell()).append(" 2>/dev/null); echo \"PROBE ").append(probe.id())
            .append(" ${a:-000}\"\n");
      }
    }
    List<String> argv = new ArrayList<>(List.of("docker", "run", "--rm", "--network", project + "_" + network,
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only", "--tmpfs", "/tmp",
        "--memory", "64m", "--pids-limit", "64", "--label", "clincher.audit.probe=1"));
    env.keySet().forEach(name -> argv.addAll(List.of("-e", name)));
    argv.addAll(List.of(PROBE_IMAGE, "sh", "-c", shell.toString()));
    HostCommand.Output output = new HostCommand(argv, env, PROBE_TIMEOUT).run();
    Map<String, String> answers = new LinkedHashMap<>();
    output.out().lines().filter(line -> line.startsWith("PROBE ")).forEach(line -> {
      String[] words = line.split(" ");
      answers.put(words[1], words.length > 2 ? words[2] : "000");
    });
    if (answers.isEmpty()) {
      probes.stream().filter(probe -> probe.network().equals(network)).forEach(probe -> answers.put(probe.id(),
          "nothing (the probe container on " + network + " failed: " + firstLine(output.err()) + ")"));
    }
    return answers;
  }

  private void sandboxes(List<Finding> findings) {
    HostCommand.Output ids = HostCommand.of(DOCKER_TIMEOUT, "docker", "ps", "-q", "--filter",
        "label=clincher.sandbox=1", "--filter", "label=clincher.instance=" + project).run();
    List<String> running = ids.out().lines().filter(line -> !line.isBlank()).toList();
    if (running.isEmpty()) {
      findings.add(Finding.info("deep.sandbox.isolated", "no sandbox of this deployment is running to inspect"));
      return;
    }
    for (String id : running) {
      String settings = HostCommand.of(DOCKER_TIMEOUT, "docker", "inspect", "-f", "{{.HostConfig.NetworkMode}} "
          + "{{.HostConfig.Privileged}} {{json .HostConfig.CapDrop}} {{json .HostConfig.CapAdd}}", id).run().out()
          .strip();
      boolean isolated = settings.startsWith("none false") && settings.contains("\"ALL\"")
          && settings.endsWith("null");
      findings.add(isolated ? Finding.info("deep.sandbox.isolated", "sandbox " + id + ": " + settings)
          : Finding.critical("deep.sandbox.isolated", "sandbox " + id + " runs with network, privileges or "
              + "capabilities: " + settings, "the sandbox is where the agent's commands run",
              "recreate it (clincher sandbox prune) after checking the gateway's sandbox settings"));
    }
  }

  private Optional<String> container(String service) {
    HostCommand.Output output = HostCommand.of(DOCKER_TIMEOUT, "docker", "ps", "-q", "--filter",
        "label=com.docker.compose.project=" + project, "--filter", "label=com.docker.compose.service=" + service)
        .run();
    return output.out().lines().filter(line -> !line.isBlank()).findFirst();
  }

  /** Containers carrying this run's probe label: made by a create the socket proxy should have refused. */
  private List<String> probeContainers() {
    return HostCommand.of(DOCKER_TIMEOUT, "docker", "ps", "-aq", "--filter", "label=" + PROBE_LABEL + "=" + run)
        .run().out().lines().filter(line -> !line.isBlank()).toList();
  }

  private static String firstLine(String text) {
    return text.lines().findFirst().orElse("no output");
  }
}
