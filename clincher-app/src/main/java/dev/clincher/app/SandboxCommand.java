package dev.clincher.app;

import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxInfo;
import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxPrune;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher sandbox}: operate the agent sandboxes. A thin layer over {@link SandboxManager}: {@code build}
 * the image ({@link SandboxBuild}), {@code list} the containers, {@code explain} the effective settings,
 * {@code recreate} one key's container. The gateway's wiring passes its settings with {@link #SandboxCommand(SandboxSettings)}; the no-argument
 * constructor uses the defaults.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
    description = "Build, list, explain, recreate and prune the agent sandbox containers.")
public final class SandboxCommand implements Runnable {
  private SandboxSettings settings;

  @Spec
  CommandSpec spec;

  @Option(names = "--docker-host", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "tcp://HOST:PORT (the socket proxy) or unix:///PATH; default: $DOCKER_HOST, else "
          + "unix:///var/run/docker.sock.")
  String dockerHost;

  @Option(names = "--config", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "The gateway YAML: its sandbox, tools.exec and docker sections (default: built-in defaults).")
  Path config;

  /** The environment of the build's commands (tests give their own {@code PATH}). */
  Map<String, String> environment = System.getenv();

  public SandboxCommand() {
    this(SandboxSettings.defaults());
  }

  public SandboxCommand(SandboxSettings settings) {
    this.settings = settings;
  }

  @Override
  public void run() {
    spec.commandLine().usage(out());
  }

  @Command(name = "build", mixinStandardHelpOptions = true, description = "Build the sandbox image on the Docker host with its docker CLI (the "
      + "socket proxy refuses builds). In the repository this runs deploy/images/build [--offline] sandbox; with "
      + "another --context or a --base-image, docker build [--build-arg BASE_IMAGE=...] -t <image> <context>.")
  int build(
      @Option(names = "--context", paramLabel = "DIR", defaultValue = "deploy/images/sandbox",
          description = "Build context with the Dockerfile (default: ${DEFAULT-VALUE}).") Path context,
      @Option(names = "--offline", description = "Build the Debian base image from packages first (mmdebstrap, "
          + "docker import), so no image registry is needed; needs deploy/images/build beside the context. "
          + "Without it the base (debian:bookworm-slim) is pulled from a registry.")
      boolean offline,
      @Option(names = "--base-image", paramLabel = "IMAGE",
          description = "The image to build on (build argument BASE_IMAGE; default debian:bookworm-slim).")
      String baseImage,
      @Option(names = "--image", paramLabel = "NAME",
          description = "The image to build (default: sandbox.image of --config, else clincher-sandbox:latest).")
      String image) throws Exception {
    loadConfig();
    SandboxBuild.Plan plan = SandboxBuild.plan(context, image != null ? image : settings.image(), offline,
        baseImage);
    plan = plan.withDocker(SandboxBuild.checkDocker(environment));
    PrintWriter err = spec.commandLine().getErr();
    err.println("sandbox build: " + String.join(" ", plan.argv()) + " " + plan.env());
    err.flush();
    ProcessBuilder builder = new ProcessBuilder(plan.argv()).inheritIO();
    builder.environment().putAll(environment);
    builder.environment().putAll(plan.env());
    int exit = builder.start().waitFor();
    if (exit != 0 && !offline) {
      err.println("sandbox build: failed (exit " + exit + "). " + SandboxBuild.OFFLINE_HINT);
      err.flush();
    }
    return exit;
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List this instance's sandbox containers.")
  int list() throws Exception {
    List<SandboxInfo> sandboxes = manager().list();
    PrintWriter out = out();
    out.printf("%-40s %-12s %-8s %-8s %-20s %s%n", "KEY", "CONTAINER", "STATE", "CURRENT", "CREATED", "AGENT/SESSION");
    for (SandboxInfo info : sandboxes) {
      out.printf("%-40s %-12s %-8s %-8s %-20s %s/%s%n", info.key(), info.containerId().substring(0, 12), info.state(),
          info.current() ? "yes" : "no", info.createdAt().toString().substring(0, 19), info.agent(), info.session());
    }
    out.flush();
    return 0;
  }

  @Command(name = "explain", mixinStandardHelpOptions = true,
      description = "Print the effective sandbox settings with their config keys.")
  int explain() throws Exception {
    loadConfig();
    PrintWriter out = out();
    for (Map.Entry<String, String> entry : settings.describe().entrySet()) {
      out.println(entry.getKey() + ": " + entry.getValue());
    }
    out.println("# settings hash (label clincher.settings-hash): " + settings.containerHash());
    out.println("# docker host: " + host());
    out.flush();
    return 0;
  }

  @Command(name = "recreate", mixinStandardHelpOptions = true, description = "Remove the container of KEY (its "
      + "workspace volume stays); the next tool call of that key creates a fresh one with the current settings.")
  int recreate(@Parameters(paramLabel = "KEY", description = "the sandbox key, as `list` shows it") String key)
      throws Exception {
    manager().recreate(key);
    out().println("removed the container of " + key + "; the next use creates a new one");
    out().flush();
    return 0;
  }

  @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove every sandbox container of an "
      + "instance (and its agents'), e.g. after `docker-compose down`; with --volumes also their workspace volumes, "
      + "which needs the host's Docker (--docker-host unix:///var/run/docker.sock), not the socket proxy.")
  int prune(
      @Option(names = "--instance", paramLabel = "NAME",
          description = "The gateway instance (sandbox.instance; a compose deployment's project name; default: "
              + "that of --config, else 'default').") String instance,
      @Option(names = "--volumes", description = "Also remove the instance's workspace volumes (their files are "
          + "gone for good).") boolean volumes) throws Exception {
    loadConfig();
    String name = instance != null ? instance : settings.instance();
    SandboxPrune.Pruned pruned = SandboxPrune.prune(new DockerClient(host(), settings.dockerTimeout()), name,
        settings.volumePrefix(), volumes);
    out().println("instance " + name + ": removed " + pruned.containers().size() + " container(s)"
        + (volumes ? " and " + pruned.volumes().size() + " workspace volume(s)" : "")
        + (pruned.containers().isEmpty() ? "" : " " + pruned.containers())
        + (pruned.volumes().isEmpty() ? "" : " " + pruned.volumes()));
    out().flush();
    return 0;
  }

  /** With {@code --config}, the settings and Docker host come from the gateway's config file. */
  private void loadConfig() throws Exception {
    if (config != null) {
      GatewaySettings gateway = new GatewaySettings(config, Optional.empty(), Optional.empty(), System.getenv());
      settings = GatewayServer.sandboxSettings(gateway);
      if (dockerHost == null) {
        dockerHost = GatewayServer.dockerHost(gateway).toString();
      }
    }
  }

  private SandboxManager manager() throws Exception {
    loadConfig();
    return new SandboxManager(new DockerClient(host(), settings.dockerTimeout()), settings, Clock.systemUTC(),
        new SimpleMeterRegistry());
  }

  DockerHost host() {
    String value = dockerHost != null ? dockerHost : System.getenv("DOCKER_HOST");
    return DockerHost.parse(value == null || value.isBlank() ? "unix:///var/run/docker.sock" : value);
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
