package dev.clincher.app.audit;

import dev.clincher.app.KnownProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code clincher doctor}: is the deployment up, and if not, why and what to run. Docker answers; every service's
 * container runs and is healthy (its own health check: readiness of the service, Redis answering with a password);
 * the images are there; each provider is reachable through the egress proxy (or why not: the allowlist, DNS, the
 * connection); disk space; the clock's synchronisation. Bounded: one probe container, a few docker calls.
 */
public final class Doctor {
  static final List<String> SERVICES = List.of("egress", "socket-proxy", "redis", "router", "gateway", "caddy");
  private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
  private static final long LOW_DISK_BYTES = 2L << 30;
  private static final long FULL_DISK_BYTES = 256L << 20;

  private final Deployment deployment;
  private final String project;

  public Doctor(Deployment deployment) {
    this.deployment = deployment;
    this.project = deployment.env().getOrDefault("COMPOSE_PROJECT_NAME", "clincher");
  }

  public List<Finding> run() {
    if (deployment.kind() == Deployment.Kind.UP) {
      return new UpDoctor(deployment).run();
    }
    List<Finding> findings = new ArrayList<>();
    HostCommand.Output info = HostCommand.of(DOCKER_TIMEOUT, "docker", "info", "--format", "{{.DockerRootDir}}")
        .run();
    if (!info.ok()) {
      findings.add(Finding.critical("doctor.docker", "Docker does not answer: " + firstLine(info.err()),
          "nothing of the stack can run", "systemctl start docker (and run doctor as a user that may use it)"));
      return findings;
    }
    services(findings);
    images(findings);
    providers(findings);
    disk(findings);
    clock(findings);
    return findings;
  }

  private void services(List<Finding> findings) {
    for (String service : SERVICES) {
      HostCommand.Output state = HostCommand.of(DOCKER_TIMEOUT, "docker", "ps", "-a", "--filter",
          "label=com.docker.compose.project=" + project, "--filter", "label=com.docker.compose.service=" + service,
          "--format", "{{.ID}} {{.State}} {{.Status}}").run();
      String line = state.out().lines().findFirst().orElse("");
      if (line.isBlank()) {
        findings.add(Finding.critical("doctor.service.missing", service + " has no container",
            "the stack is not up", "cd " + deployment.directory() + " && docker-compose up -d"));
      } else if (!line.contains(" running ")) {
        findings.add(Finding.critical("doctor.service.stopped", service + " is not running (" + rest(line) + ")",
            "its layer is down", "cd " + deployment.directory() + " && docker-compose logs --tail=50 " + service
                + " && docker-compose up -d " + service));
      } else if (line.contains("(unhealthy)") || line.contains("(health: starting)")) {
        findings.add(Finding.critical("doctor.service.unhealthy", service + " is " + rest(line),
            "its health check (readiness) fails: " + lastHealth(line.substring(0, line.indexOf(' '))),
            "cd " + deployment.directory() + " && docker-compose logs --tail=50 " + service));
      } else {
        findings.add(Finding.info("doctor.service.healthy", service + ": " + rest(line)));
      }
    }
  }

  void images(List<Finding> findings) {
    Set<String> images = new LinkedHashSet<>(List.of(deployment.env().getOrDefault("CLINCHER_IMAGE",
        "clincher:latest")));
    deployment.gateway().value().ifPresent(config -> images.add(config.sandbox().image()));
    for (String image : images) {
      if (!HostCommand.of(DOCKER_TIMEOUT, "docker", "image", "inspect", image).run().ok()) {
        findings.add(Finding.critical("doctor.image.missing", "the image " + image + " is not on this host",
            image.contains("sandbox") ? "the agent's tools have no sandbox to run in" : "the services cannot start",
            "deploy/images/build --offline " + (image.contains("sandbox") ? "sandbox" : "clincher")));
      }
    }
  }

  /** Each provider host of the router's config, through the egress proxy, from the stack's own network. */
  private void providers(List<Finding> findings) {
    Set<String> hosts = providerHosts();
    if (hosts.isEmpty()) {
      return;
    }
    if (!HostCommand.of(DOCKER_TIMEOUT, "docker", "image", "inspect", LiveProbes.PROBE_IMAGE).run().ok()) {
      findings.add(Finding.warn("doctor.provider.unchecked", "the probe image is missing, so the providers' "
          + "reachability was not tried", "a provider the egress cannot reach fails every agent turn",
          "deploy/images/build --offline probe"));
      return;
    }
    StringBuilder shell = new StringBuilder();
    for (String host : hosts) {
      shell.append("a=$(curl -sS -o /dev/null --max-time 8 -w '%{http_connect}' -x http://egress:4750 https://")
          .append(host).append("/ 2>/dev/null); echo \"PROVIDER ").append(host).append(" ${a:-000}\"\n");
    }
    HostCommand.Output output = new HostCommand(List.of("docker", "run", "--rm", "--network",
        project + "_openclaw-net", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
        "--memory", "64m", "--pids-limit", "64", LiveProbes.PROBE_IMAGE, "sh", "-c", shell.toString()), Map.of(),
        PROBE_TIMEOUT).run();
    List<String> answers = output.out().lines().filter(line -> line.startsWith("PROVIDER ")).toList();
    if (answers.isEmpty()) {
      findings.add(Finding.warn("doctor.provider.unchecked", "the probe container on " + project + "_openclaw-net "
          + "did not run: " + firstLine(output.err()), "the providers' reachability was not tried",
          "start the stack first: cd " + deployment.directory() + " && docker-compose up -d"));
    }
    for (String line : answers) {
      String[] words = line.split(" ");
      findings.add(provider(words[1], words.length > 2 ? words[2] : "000"));
    }
  }

  private static Finding provider(String host, String connect) {
    return switch (connect) {
      case "200" -> Finding.info("doctor.provider.reachable", host + ": reachable through the egress proxy");
      case "403" -> Finding.critical("doctor.provider.allowlist", host + ": the egress proxy refuses it (not on "
          + "the allowlist, or a denied address)", "the router cannot call this provider", "config/egress-acl.yaml: "
          + "add " + host + " to allowed_domains (the egress re-reads the file within a second)");
      case "503" -> Finding.critical("doctor.provider.dns", host + ": the egress proxy cannot resolve it",
          "the router cannot call this provider", "check the host's DNS (resolv.conf of the egress container)");
      case "502", "504" -> Finding.critical("doctor.provider.connect", host + ": resolved, but the connection "
          + "failed (" + connect + ")", "the router cannot call this provider", "check the host's firewall and "
          + "route to the internet (the egress-net bridge)");
      default -> Finding.critical("doctor.provider.egress", host + ": the egress proxy did not answer ("
          + connect + ")", "no provider can be called", "docker-compose logs --tail=50 egress");
    };
  }

  static Finding providerAnswer(String host, String connect) {
    return provider(host, connect);
  }

  /**
   * The host each deployment of the router's config calls: its {@code api_base}'s, else its provider's by the model
   * prefix ({@code openai/…} → api.openai.com). Loopback hosts are left out: they are called directly, never through
   * the egress. Only host-name characters pass, since the host goes into the probe's shell.
   */
  Set<String> providerHosts() {
    Set<String> hosts = new LinkedHashSet<>();
    Object models = deployment.text(deployment.configPath("router.yaml", "router.yaml"))
        .flatMap(RouterChecks::parse).map(config -> config.get("model_list")).orElse(null);
    if (!(models instanceof List<?> list)) {
      return hosts;
    }
    for (Object model : list) {
      Map<String, Object> params = ComposeFile.mapping(ComposeFile.mapping(model).get("litellm_params"));
      String host = apiBaseHost(params.get("api_base")).orElseGet(() -> KnownProvider.ALL.stream()
          .filter(provider -> String.valueOf(params.get("model")).startsWith(provider.name() + "/"))
          .map(KnownProvider::apiHost).findFirst().orElse(""));
      if (host.matches("[A-Za-z0-9.-]+") && !host.equals("localhost") && !host.startsWith("127.")) {
        hosts.add(host.toLowerCase(java.util.Locale.ROOT));
      }
    }
    return hosts;
  }

  private static java.util.Optional<String> apiBaseHost(Object apiBase) {
    if (apiBase == null) {
      return java.util.Optional.empty();
    }
    try {
      String host = URI.create(String.valueOf(apiBase)).getHost();
      return java.util.Optional.of(host == null ? "" : host); // no host: the router's own checks say so
    } catch (IllegalArgumentException e) {
      return java.util.Optional.of(""); // not a URL: the router's own checks say so
    }
  }

  void disk(List<Finding> findings) {
    try {
      FileStore store = Files.getFileStore(deployment.directory());
      long free = store.getUsableSpace();
      String found = String.format(java.util.Locale.ROOT, "%.1f GiB free under %s", free / (double) (1L << 30),
          deployment.directory());
      if (free < FULL_DISK_BYTES) {
        findings.add(Finding.critical("doctor.disk", found, "the spend log, transcripts and Redis stop writing",
            "free space, or move data/ to a larger disk"));
      } else if (free < LOW_DISK_BYTES) {
        findings.add(Finding.warn("doctor.disk", found, "the stores will stop writing when it runs out",
            "free space, or move data/ to a larger disk"));
      } else {
        findings.add(Finding.info("doctor.disk", found));
      }
    } catch (IOException e) {
      findings.add(Finding.warn("doctor.disk", "free space unknown: " + e.getMessage(), "", ""));
    }
  }

  static void clock(List<Finding> findings) {
    HostCommand.Output synced = HostCommand.of(DOCKER_TIMEOUT, "timedatectl", "show", "-p", "NTPSynchronized",
        "--value").run();
    if (!synced.ok()) {
      findings.add(Finding.info("doctor.clock", "cannot tell whether the clock is synchronised (no timedatectl)"));
    } else if (!synced.out().strip().equals("yes")) {
      findings.add(Finding.warn("doctor.clock", "the system clock is not synchronised (NTP)", "budget windows, "
          + "token expiry and logs drift; TLS fails when it is far off", "timedatectl set-ntp true"));
    } else {
      findings.add(Finding.info("doctor.clock", "the system clock is synchronised (NTP)"));
    }
  }

  private static String lastHealth(String container) {
    HostCommand.Output log = HostCommand.of(DOCKER_TIMEOUT, "docker", "inspect", "-f",
        "{{with .State.Health}}{{range .Log}}{{.Output}}{{end}}{{end}}", container).run();
    List<String> lines = log.out().lines().filter(line -> !line.isBlank()).toList();
    return lines.isEmpty() ? "no output" : lines.getLast();
  }

  private static String rest(String line) {
    return line.substring(line.indexOf(' ') + 1);
  }

  private static String firstLine(String text) {
    return text.lines().findFirst().orElse("no output");
  }
}
