package dev.clincher.gateway.sandbox;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real dockerd behind a real socket proxy (sandbox profile) started in-process, as production runs it. Each
 * test class gets its own {@code instance} label so it only sees and removes its own containers and volumes.
 * Under {@code CI} a missing daemon fails the tests instead of skipping them.
 */
public final class DockerTestSupport implements AutoCloseable {
  public static final Path SOCKET = Path.of(System.getenv().getOrDefault("CLINCHER_TEST_DOCKER_SOCKET",
      "/var/run/docker.sock"));
  public static final String IMAGE = "clincher-sandbox-test:latest";

  public final String instance = "t" + UUID.randomUUID().toString().substring(0, 8);
  public final DockerClient direct = new DockerClient(DockerHost.parse("unix://" + SOCKET), Duration.ofSeconds(30));
  private final SocketProxyServer proxy;
  public final DockerClient proxied;

  private DockerTestSupport(Path policy) throws Exception {
    proxy = SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0).withDockerSocket(SOCKET)
        .withProfile(SocketProxySettings.Profile.SANDBOX).withPolicyFile(policy));
    proxied = new DockerClient(DockerHost.parse("tcp://127.0.0.1:" + proxy.address().getPort()),
        Duration.ofSeconds(30));
  }

  /** Skips (or under CI fails) without a daemon, checks the test image, and starts the proxy. */
  public static DockerTestSupport start() throws Exception {
    boolean reachable = Files.exists(SOCKET)
        && new DockerClient(DockerHost.parse("unix://" + SOCKET), Duration.ofSeconds(5)).ping();
    if (!reachable && System.getenv("CI") != null) {
      throw new AssertionError("CI is set but no Docker daemon answers on " + SOCKET
          + "; .ci/run starts one with clincher-socket-proxy/ci-setup.sh");
    }
    assumeTrue(reachable, "no Docker daemon answers on " + SOCKET + " (run clincher-socket-proxy/ci-setup.sh)");
    Path policy = Files.createTempFile("clincher-proxy-policy", ".yaml");
    Files.writeString(policy, "images: [\"clincher-sandbox*\"]\nlabel: clincher.sandbox\nallowed_bind_paths: []\n"
        + "allowed_volumes: [\"clincher-ws-*\"]\nallow_root_exec: false\n");
    DockerTestSupport support = new DockerTestSupport(policy);
    String version = support.run("docker", "image", "inspect", "-f",
        "{{ index .Config.Labels \"clincher.test-image\" }}/{{ index .Config.Labels \"clincher.test-runner\" }}",
        IMAGE).trim();
    if (!version.equals("2/2")) {
      support.close();
      throw new AssertionError(IMAGE + " is missing or outdated (labels clincher.test-image/clincher.test-runner=" + version
          + "); run clincher-socket-proxy/ci-setup.sh");
    }
    return support;
  }

  /** Default settings on the test image, this class's instance, smaller limits where a test needs them. */
  public SandboxSettings settings() {
    return SandboxSettings.defaults().withImage(IMAGE).withInstance(instance);
  }

  public SandboxManager manager(SandboxSettings settings, Clock clock) {
    return new SandboxManager(proxied, settings, clock, new SimpleMeterRegistry());
  }

  /** This instance's containers, straight from the Docker socket. */
  public List<JsonNode> containers() throws IOException {
    return direct.listContainers(Map.of("clincher.instance", instance));
  }

  public JsonNode inspect(String id) throws IOException {
    return direct.inspectContainer(id).orElseThrow();
  }

  /** Runs a host command against the Docker socket; returns its stdout. */
  public String run(String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("DOCKER_HOST", "unix://" + SOCKET);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new String(out, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Removes this instance's containers and workspace volumes, and stops the proxy. */
  @Override
  public void close() throws Exception {
    try {
      for (JsonNode container : containers()) {
        direct.removeContainer(container.path("Id").asText(), true);
      }
      for (String volume : run("docker", "volume", "ls", "-q", "--filter", "name=clincher-ws-" + instance)
          .lines().filter(line -> !line.isBlank()).toList()) {
        run("docker", "volume", "rm", "-f", volume);
      }
    } finally {
      proxy.close();
    }
  }
}
