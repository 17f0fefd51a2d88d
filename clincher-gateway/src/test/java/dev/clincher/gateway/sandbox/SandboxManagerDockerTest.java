package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The sandbox manager against the real dockerd through the real socket proxy (sandbox profile). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxManagerDockerTest {
  private DockerTestSupport docker;
  private SandboxManager manager;
  private Sandbox sandbox;

  @BeforeAll
  void start() throws Exception {
    docker = DockerTestSupport.start();
    manager = docker.manager(docker.settings(), Clock.systemUTC());
    sandbox = manager.open("main", "session-1");
  }

  @AfterAll
  void stop() throws Exception {
    if (docker != null) {
      docker.close();
    }
  }

  static ExecResult sh(Sandbox sandbox, String command) throws Exception {
    return sandbox.exec(new ExecRequest(List.of("sh", "-c", command), null, Duration.ofSeconds(20), 1 << 20, null));
  }

  static String out(ExecResult result) {
    return new String(result.stdout(), StandardCharsets.UTF_8);
  }

  @Test
  void createsOnFirstUseAndReusesPerSession() throws Exception {
    assertThat(manager.open("main", "session-1").containerId()).isEqualTo(sandbox.containerId());
    Sandbox other = manager.open("main", "session-2");
    assertThat(other.containerId()).isNotEqualTo(sandbox.containerId());
    manager.remove(docker.settings().key("main", "session-2"));
    assertThat(docker.direct.inspectContainer(other.containerId())).isEmpty();
  }

  @Test
  void aSessionMovingBetweenTwoGatewaysOfOneInstanceLabelGetsAWorkingSandboxOnEachWithItsWorkspace()
      throws Exception {
    SandboxManager other = docker.manager(docker.settings(), Clock.systemUTC()); // a second gateway process
    Sandbox first = manager.open("main", "session-moving");
    sh(first, "echo moved > /workspace/note");
    Sandbox onOther = other.open("main", "session-moving"); // replaces the container of the same name
    assertThat(onOther.containerId()).isNotEqualTo(first.containerId());
    assertThat(docker.direct.inspectContainer(first.containerId())).isEmpty();
    Sandbox back = manager.open("main", "session-moving"); // the stale container is noticed, not exec'd into
    assertThat(back.containerId()).isNotEqualTo(first.containerId()).isNotEqualTo(onOther.containerId());
    assertThat(out(sh(back, "cat /workspace/note"))).isEqualTo("moved\n");
    manager.remove(docker.settings().key("main", "session-moving"));
  }

  @Test
  void containerReallyHasTheHardening() throws Exception {
    JsonNode inspect = docker.inspect(sandbox.containerId());
    JsonNode host = inspect.path("HostConfig");
    assertThat(host.path("CapDrop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(host.path("SecurityOpt").toString()).contains("no-new-privileges");
    assertThat(host.path("NetworkMode").asText()).isEqualTo("none");
    assertThat(host.path("ReadonlyRootfs").asBoolean()).isTrue();
    assertThat(host.path("Privileged").asBoolean()).isFalse();
    assertThat(host.path("Memory").asLong()).isEqualTo(1L << 30);
    assertThat(host.path("MemorySwap").asLong()).isEqualTo(1536L << 20);
    assertThat(host.path("NanoCpus").asLong()).isEqualTo(1_000_000_000L);
    assertThat(host.path("PidsLimit").asLong()).isEqualTo(512);
    assertThat(host.path("Ulimits").toString()).contains("nofile").contains("4096");
    assertThat(host.path("Tmpfs").path("/tmp").asText()).contains("size=");
    assertThat(inspect.path("Config").path("User").asText()).isEqualTo("1000:1000");
    JsonNode labels = inspect.path("Config").path("Labels");
    assertThat(labels.path("clincher.sandbox").asText()).isEqualTo("1");
    assertThat(labels.path("clincher.session").asText()).isEqualTo("session-1");
    assertThat(labels.path("clincher.settings-hash").asText()).isEqualTo(docker.settings().containerHash());
    assertThat(inspect.path("Mounts").get(0).path("Name").asText())
        .isEqualTo("clincher-ws-" + docker.instance + "-" + docker.settings().key("main", "session-1"));
    assertThat(inspect.path("Mounts").get(0).path("Destination").asText()).isEqualTo("/workspace");
  }

  @Test
  void notRootReadOnlyRootTmpWritable() throws Exception {
    assertThat(out(sh(sandbox, "id -u")).trim()).isEqualTo("1000");
    ExecResult root = sh(sandbox, "touch /etc/owned");
    assertThat(root.exitCode()).isNotZero();
    assertThat(new String(root.stderr(), StandardCharsets.UTF_8)).containsIgnoringCase("read-only");
    assertThat(sh(sandbox, "echo hi > /tmp/x && cat /tmp/x").exitCode()).isZero();
    assertThat(sh(sandbox, "echo hi > /workspace/x && cat /workspace/x && rm /workspace/x").exitCode()).isZero();
  }

  @Test
  void cannotReachTheNetwork() throws Exception {
    try (var listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(1);
      String hostIp = firstNonLoopbackAddress();
      ExecResult wget = sh(sandbox, "wget -T 3 -q -O- http://" + hostIp + ":" + listener.getLocalPort()
          + "/ ; echo exit=$?; wget -T 3 -q -O- http://127.0.0.1:" + listener.getLocalPort() + "/ ; echo exit=$?");
      assertThat(out(wget)).doesNotContain("exit=0");
      assertThatThrownBy(listener::accept).isInstanceOf(java.net.SocketTimeoutException.class);
    }
    String interfaces = out(sh(sandbox, "ls /sys/class/net"));
    assertThat(interfaces.trim()).isEqualTo("lo");
  }

  @Test
  void timeoutKillsTheCommandAndItsChildren() throws Exception {
    ExecResult result = sandbox.exec(new ExecRequest(List.of("sh", "-c", "sleep 101 & sleep 102; echo late"),
        null, Duration.ofSeconds(1), 1024, null));
    assertThat(result.timedOut()).isTrue();
    assertThat(result.exitCode()).isEqualTo(-1);
    assertThat(result.took()).isLessThan(Duration.ofSeconds(10));
    assertThat(out(result)).doesNotContain("late");
    String ps = out(sh(sandbox, "ps -o args"));
    assertThat(ps).doesNotContain("sleep 101").doesNotContain("sleep 102");
  }

  @Test
  void outputIsCappedAndCounted() throws Exception {
    ExecResult result = sandbox.exec(new ExecRequest(List.of("sh", "-c",
        "head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2; exit 7"), null, Duration.ofSeconds(20), 1000, null));
    assertThat(result.stdout()).hasSize(1000);
    assertThat(result.stderr()).hasSize(1000);
    assertThat(result.droppedBytes()).isEqualTo(299_000 + 4_000);
    assertThat(result.exitCode()).isEqualTo(7);
    assertThat(result.timedOut()).isFalse();
  }

  @Test
  void stdinReachesTheCommand() throws Exception {
    byte[] input = new byte[3 << 20];
    new java.util.Random(1).nextBytes(input);
    ExecResult result = sandbox.exec(new ExecRequest(List.of("sh", "-c", "wc -c"), input, Duration.ofSeconds(30),
        1024, null));
    assertThat(out(result).trim()).isEqualTo(Integer.toString(input.length));
  }

  @Test
  void anAbortedCommandIsKilledAndInterruptionPropagates() throws Exception {
    var failure = new java.util.concurrent.CompletableFuture<Throwable>();
    Thread thread = Thread.ofVirtual().start(() -> {
      try {
        sh(sandbox, "sleep 103");
        failure.complete(null);
      } catch (Throwable e) {
        failure.complete(e);
      }
    });
    for (int i = 0; i < 100 && !out(sh(sandbox, "ps -o args")).contains("sleep 103"); i++) {
      Thread.sleep(50);
    }
    thread.interrupt();
    assertThat(failure.get(15, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(out(sh(sandbox, "ps -o args"))).doesNotContain("sleep 103");
  }

  @Test
  void worksStraightOverTheUnixSocketToo() throws Exception {
    SandboxManager unix = new SandboxManager(docker.direct, docker.settings(), Clock.systemUTC(),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    Sandbox direct = unix.open("unix", "session");
    ExecResult result = direct.exec(new ExecRequest(List.of("cat"), "over unix".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(10), 100, null));
    assertThat(out(result)).isEqualTo("over unix");
    unix.remove(docker.settings().key("unix", "session"));
  }

  private static String firstNonLoopbackAddress() throws Exception {
    return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(nic -> java.util.Collections.list(nic.getInetAddresses()).stream())
        .filter(address -> address instanceof java.net.Inet4Address && !address.isLoopbackAddress())
        .map(java.net.InetAddress::getHostAddress).findFirst().orElse("10.0.0.1");
  }
}
