package dev.clincher.app.deploy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clincher deploy}: the compose deployment of the whole topology (docs/deploy.md). */
@Command(name = "deploy", mixinStandardHelpOptions = true, subcommands = DeployCommand.Init.class,
    description = "Set up the hardened compose deployment: caddy, gateway, router, egress, socket-proxy, redis.")
public final class DeployCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code clincher deploy init [DIR]}: writes the deployment directory and says what to run next. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Write a deployment directory: docker-compose.yml, .env, config/, secrets/ (generated, 0600, "
          + "one owner each; never overwritten), data/ and the host firewall. Run it again at any time: configs and "
          + "secrets that exist are kept, the compose file and firewall script are refreshed.",
          "Needs root: each secret and data directory belongs to the one service user that uses it."})
  public static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "DIR", defaultValue = "clincher-deployment",
        description = "The deployment directory (default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--domain", paramLabel = "NAME", required = true,
        description = "The public host name, e.g. agent.example.com.")
    String domain;

    @Option(names = "--tls", paramLabel = "internal|EMAIL", defaultValue = "internal",
        description = "'internal' (caddy's own CA; local use) or your e-mail for ACME certificates (default: "
            + "${DEFAULT-VALUE}).")
    String tls;

    @Option(names = "--provider-key", paramLabel = "NAME=FILE", required = true,
        description = "A provider and the file holding its API key (repeatable; the first gives the model "
            + "'default'). NAME: anthropic, openai or groq. The key is copied into secrets/providers/.")
    List<String> providerKeys = new ArrayList<>();

    @Option(names = "--offline-images",
        description = "Use the Redis and Caddy images that `deploy/images/build --offline` builds from Debian "
            + "packages instead of the public ones.")
    boolean offlineImages;

    @Option(names = "--project", paramLabel = "NAME", defaultValue = "clincher",
        description = "The compose project name; also labels this deployment's sandboxes (default: ${DEFAULT-VALUE}).")
    String project;

    @Option(names = "--network-prefix", paramLabel = "A.B", defaultValue = "172.29",
        description = "First two octets of the four /24 networks (default: ${DEFAULT-VALUE}).")
    String networkPrefix;

    @Option(names = "--bridge-prefix", paramLabel = "NAME", defaultValue = "clincher",
        description = "Prefix of the bridge interface names the host firewall matches (default: ${DEFAULT-VALUE}).")
    String bridgePrefix;

    @Option(names = "--bind-address", paramLabel = "IP", defaultValue = "0.0.0.0",
        description = "Host address caddy's ports are published on (default: ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(names = "--https-port", paramLabel = "PORT", defaultValue = "443",
        description = "Published HTTPS port (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "80",
        description = "Published HTTP port, for ACME and the redirect to HTTPS (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--monitoring-from", paramLabel = "CIDR", split = ",",
        description = "The monitoring host's address range(s), e.g. 203.0.113.7/32 (repeatable or comma-separated): "
            + "caddy serves /metrics/<service> to them and to nobody else (default: nobody).")
    List<String> monitoringFrom = new ArrayList<>();

    @Option(names = "--docker-socket", paramLabel = "PATH", defaultValue = "/var/run/docker.sock",
        description = "The Docker socket the socket proxy mounts (default: ${DEFAULT-VALUE}).")
    Path dockerSocket;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      DeploymentSettings settings;
      try {
        settings = new DeploymentSettings(domain, tls, providerKeys.stream().map(ProviderKey::parse).toList(),
            offlineImages, project, networkPrefix, bridgePrefix, bindAddress, httpsPort, httpPort, dockerSocket,
            monitoringFrom);
      } catch (IllegalArgumentException e) {
        err.println("deploy init: " + e.getMessage());
        err.flush();
        return 2;
      }
      if (!isRoot()) {
        err.println("deploy init: run as root (sudo): each secret and data directory must belong to the service user "
            + "that uses it (users 10001-10006)");
        err.flush();
        return 1;
      }
      if (!Files.exists(dockerSocket)) {
        err.println("deploy init: no Docker socket at " + dockerSocket + " (install and start Docker, or give "
            + "--docker-socket)");
        err.flush();
        return 1;
      }
      int dockerGid = (Integer) Files.getAttribute(dockerSocket, "unix:gid");
      List<DeploymentWriter.Action> actions;
      try {
        actions = new DeploymentWriter(directory, true).write(settings, dockerGid);
      } catch (IOException e) {
        err.println("deploy init: " + e.getMessage());
        err.flush();
        return 1;
      }
      report(out, directory.toAbsolutePath().normalize(), settings, actions);
      return 0;
    }

    private static boolean isRoot() throws IOException {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    private static void report(PrintWriter out, Path directory, DeploymentSettings settings,
        List<DeploymentWriter.Action> actions) {
      out.println("deployment: " + directory);
      for (DeploymentWriter.Action action : actions) {
        out.printf("  %-32s %s%n", action.path(), action.what());
      }
      String build = settings.offlineImages() ? "deploy/images/build --offline" : "deploy/images/build";
      out.println();
      out.println("Next:");
      out.println("  1. images, once per host (from the repository):  " + build);
      out.println("  2. the host firewall (Docker before 25 lets internal networks reach the host):");
      out.println("       sudo " + directory.resolve("host-firewall") + " apply");
      out.println("       and at every boot: sudo cp " + directory.resolve("clincher-firewall.service")
          + " /etc/systemd/system/ && sudo systemctl enable clincher-firewall");
      out.println("  3. start:  cd " + directory + " && docker-compose up -d      (or: docker compose up -d)");
      out.println("  4. open " + settings.origin() + "/  with the token in " + directory.resolve("secrets/gateway_token"));
      out.println("  5. monitoring (docs/monitoring.md): copy secrets/*_metrics_token to the monitoring host"
          + (settings.monitoringFrom().isEmpty() ? " and set CLINCHER_MONITORING_FROM in .env to its address" : ""));
      out.flush();
    }
  }
}
