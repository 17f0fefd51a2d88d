package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code clincher sandbox}: explain and build without Docker; list and recreate against dockerd via the proxy. */
class SandboxCommandTest {
  private static final Path SOCKET = Path.of(System.getenv().getOrDefault("CLINCHER_TEST_DOCKER_SOCKET",
      "/var/run/docker.sock"));

  private static MainTest.Run run(SandboxSettings settings, String... args) {
    CommandLine commandLine = new CommandLine(new SandboxCommand(settings));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(args);
    return new MainTest.Run(exit, out.toString(), err.toString());
  }

  @Test
  void explainPrintsEveryConfigKey() {
    MainTest.Run run = run(SandboxSettings.defaults(), "--docker-host", "tcp://127.0.0.1:2375", "explain");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("sandbox.image: clincher-sandbox:latest", "sandbox.scope: session",
        "sandbox.user: 1000:1000", "sandbox.memory: 1073741824 bytes", "sandbox.max_sandboxes: 8",
        "docker host: tcp://127.0.0.1:2375", "settings hash");
  }

  @Test
  void explainReadsTheGatewayConfig(@org.junit.jupiter.api.io.TempDir Path directory) throws Exception {
    Path config = directory.resolve("gateway.yaml");
    Files.writeString(config, """
        docker: {host: "tcp://10.0.0.7:2375"}
        sandbox: {memory: 2g, cpus: 0.5, scope: agent}
        tools: {exec: {max_output: 8k}}
        agents: {main: {model: m}}
        """);
    MainTest.Run run = run(SandboxSettings.defaults(), "explain", "--config", config.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("sandbox.memory: 2147483648 bytes", "sandbox.cpus: 0.5", "sandbox.scope: agent",
        "tools.exec.max_output: 8192 bytes", "docker host: tcp://10.0.0.7:2375");
  }

  @Test
  void buildRunsDockerBuildWithArgvOnly() {
    SandboxCommand command = new SandboxCommand(SandboxSettings.defaults());
    assertThat(command.buildCommand(Path.of("deploy/images/sandbox")))
        .containsExactly("docker", "build", "-t", "clincher-sandbox:latest", "deploy/images/sandbox");
  }

  @Test
  void listAndRecreateThroughTheSocketProxy() throws Exception {
    DockerClient direct = new DockerClient(DockerHost.parse("unix://" + SOCKET), Duration.ofSeconds(10));
    boolean reachable = Files.exists(SOCKET) && direct.ping();
    if (!reachable && System.getenv("CI") != null) {
      throw new AssertionError("CI is set but no Docker daemon answers on " + SOCKET);
    }
    assumeTrue(reachable, "no Docker daemon answers on " + SOCKET);
    Path policy = Files.createTempFile("policy", ".yaml");
    Files.writeString(policy, "images: [\"clincher-sandbox*\"]\nlabel: clincher.sandbox\nallowed_bind_paths: []\n"
        + "allowed_volumes: [\"clincher-ws-*\"]\nallow_root_exec: false\n");
    String instance = "c" + UUID.randomUUID().toString().substring(0, 8);
    SandboxSettings settings = SandboxSettings.defaults().withImage("clincher-sandbox-test:latest")
        .withInstance(instance);
    try (SocketProxyServer proxy = SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0)
        .withDockerSocket(SOCKET).withProfile(SocketProxySettings.Profile.SANDBOX).withPolicyFile(policy))) {
      String host = "tcp://127.0.0.1:" + proxy.address().getPort();
      SandboxManager manager = new SandboxManager(new DockerClient(DockerHost.parse(host), Duration.ofSeconds(30)),
          settings, Clock.systemUTC(), new SimpleMeterRegistry());
      String id = manager.open("main", "cli-session").containerId();
      String key = settings.key("main", "cli-session");

      MainTest.Run list = run(settings, "--docker-host", host, "list");
      assertThat(list.exit()).isZero();
      assertThat(list.out()).contains(key, id.substring(0, 12), "running", "main/cli-session");

      MainTest.Run recreate = run(settings, "--docker-host", host, "recreate", key);
      assertThat(recreate.exit()).as(recreate.err()).isZero();
      assertThat(direct.inspectContainer(id)).isEmpty();
      assertThat(run(settings, "--docker-host", host, "list").out()).doesNotContain(key);
    } finally {
      for (var container : direct.listContainers(Map.of("clincher.instance", instance))) {
        direct.removeContainer(container.path("Id").asText(), true);
      }
      new ProcessBuilder(List.of("sh", "-c", "docker volume ls -q --filter name=clincher-ws-" + instance
          + " | xargs -r docker volume rm")).start().waitFor();
    }
  }
}
