package dev.clincher.gateway.sandbox;

import dev.clincher.cache.testing.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Limits, reaping, orphans and concurrency of the sandbox manager against the real dockerd through the proxy. */
class SandboxLifecycleDockerTest {
  private DockerTestSupport docker;

  @BeforeEach
  void start() throws Exception {
    docker = DockerTestSupport.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (docker != null) {
      docker.close();
    }
  }

  @Test
  void theNinthSandboxIsRefusedAndCounted() throws Exception {
    SandboxManager manager = docker.manager(docker.settings(), Clock.systemUTC());
    List<Future<Sandbox>> opened = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 8; i++) {
        String session = "s" + i;
        opened.add(pool.submit(() -> manager.open("main", session)));
      }
    }
    for (Future<Sandbox> future : opened) {
      assertThat(future.get().containerId()).isNotBlank();
    }
    assertThatThrownBy(() -> manager.open("main", "s8")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("all 8 sandboxes are in use");
    assertThat(manager.refusedCount()).isEqualTo(1);
    assertThat(docker.containers()).hasSize(8);
    assertThat(manager.open("main", "s3").containerId()).isEqualTo(opened.get(3).get().containerId());
    manager.remove(docker.settings().key("main", "s0"));
    assertThat(manager.open("main", "s8").containerId()).isNotBlank();
  }

  @Test
  void concurrentFirstUseCreatesExactlyOneContainer() throws Exception {
    SandboxManager manager = docker.manager(docker.settings(), Clock.systemUTC());
    Set<String> ids = ConcurrentHashMap.newKeySet();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> calls = new ArrayList<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 12; i++) {
        calls.add(pool.submit(() -> {
          go.await();
          ids.add(manager.open("main", "same").containerId());
          return null;
        }));
      }
      go.countDown();
    }
    for (Future<?> call : calls) {
      call.get();
    }
    assertThat(ids).hasSize(1);
    assertThat(docker.containers()).hasSize(1);
    assertThat(manager.active()).isEqualTo(1);
  }

  @Test
  void reaperRemovesIdleAndOldSandboxesButKeepsTheWorkspace() throws Exception {
    ManualClock clock = new ManualClock();
    SandboxManager manager = docker.manager(docker.settings(), clock);
    Sandbox idle = manager.open("main", "idle");
    SandboxManagerDockerTest.sh(idle, "echo kept > /workspace/file");
    Sandbox busy = manager.open("main", "busy");
    clock.advance(Duration.ofHours(11));
    SandboxManagerDockerTest.sh(busy, "true");
    assertThat(manager.reap()).isEmpty();
    clock.advance(Duration.ofHours(2));
    assertThat(manager.reap()).containsExactly(docker.settings().key("main", "idle"));
    assertThat(docker.direct.inspectContainer(idle.containerId())).isEmpty();
    assertThat(docker.direct.inspectContainer(busy.containerId())).isPresent();
    Sandbox again = manager.open("main", "idle");
    assertThat(again.containerId()).isNotEqualTo(idle.containerId());
    assertThat(SandboxManagerDockerTest.out(SandboxManagerDockerTest.sh(again, "cat /workspace/file")))
        .isEqualTo("kept\n");
    for (int hour = 0; hour < 3 * 24; hour += 6) {
      clock.advance(Duration.ofHours(6));
      SandboxManagerDockerTest.sh(manager.open("main", "busy"), "true");
      manager.reap();
    }
    assertThat(docker.direct.inspectContainer(busy.containerId())).as("older than max age").isEmpty();
    assertThat(manager.open("main", "busy").containerId()).isNotEqualTo(busy.containerId());
  }

  @Test
  void orphansAreAdoptedWhenCurrentAndRemovedWhenTheSettingsChanged() throws Exception {
    SandboxManager first = docker.manager(docker.settings(), Clock.systemUTC());
    String kept = first.open("main", "kept").containerId();
    String stopped = first.open("main", "stopped").containerId();
    docker.run("docker", "kill", stopped);
    SandboxManager restarted = docker.manager(docker.settings(), Clock.systemUTC());
    assertThat(restarted.adoptOrphans()).isEqualTo(2);
    assertThat(restarted.open("main", "kept").containerId()).isEqualTo(kept);
    Sandbox revived = restarted.open("main", "stopped");
    assertThat(revived.containerId()).isEqualTo(stopped);
    assertThat(SandboxManagerDockerTest.sh(revived, "true").exitCode()).isZero();
    assertThat(restarted.list()).extracting(SandboxInfo::current).containsOnly(true);

    SandboxSettings changed = docker.settings().withLimits(512L << 20, 768L << 20, 256);
    assertThat(changed.containerHash()).isNotEqualTo(docker.settings().containerHash());
    SandboxManager upgraded = docker.manager(changed, Clock.systemUTC());
    assertThat(upgraded.adoptOrphans()).isZero();
    assertThat(docker.containers()).isEmpty();
    Sandbox fresh = upgraded.open("main", "kept");
    JsonNode host = docker.inspect(fresh.containerId()).path("HostConfig");
    assertThat(host.path("Memory").asLong()).isEqualTo(512L << 20);
    assertThat(host.path("PidsLimit").asLong()).isEqualTo(256);
  }

  @Test
  void recreateKeepsTheWorkspaceAndRemoveWipesIt() throws Exception {
    SandboxManager manager = docker.manager(docker.settings(), Clock.systemUTC());
    String key = docker.settings().key("main", "ws");
    Sandbox sandbox = manager.open("main", "ws");
    SandboxManagerDockerTest.sh(sandbox, "echo data > /workspace/f");
    manager.recreate(key);
    assertThat(docker.containers()).isEmpty();
    Sandbox recreated = manager.open("main", "ws");
    assertThat(SandboxManagerDockerTest.out(SandboxManagerDockerTest.sh(recreated, "cat /workspace/f")))
        .isEqualTo("data\n");
    manager.remove(key);
    assertThat(docker.containers()).isEmpty();
    assertThat(SandboxManagerDockerTest.out(SandboxManagerDockerTest.sh(manager.open("main", "ws"),
        "ls -A /workspace | wc -l")).trim()).isEqualTo("0");
  }

  @Test
  void aContainerRemovedBehindTheManagersBackIsReplaced() throws Exception {
    SandboxManager manager = docker.manager(docker.settings(), Clock.systemUTC());
    Sandbox sandbox = manager.open("main", "vanish");
    docker.run("docker", "rm", "-f", sandbox.containerId());
    assertThatThrownBy(() -> SandboxManagerDockerTest.sh(sandbox, "true")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("gone");
    Sandbox replaced = manager.open("main", "vanish");
    assertThat(replaced.containerId()).isNotEqualTo(sandbox.containerId());
    assertThat(SandboxManagerDockerTest.sh(replaced, "true").exitCode()).isZero();
  }

  @Test
  void execStartOnAStoppedContainerReportsTheRefusalWithItsBody() throws Exception {
    SandboxManager manager = docker.manager(docker.settings(), Clock.systemUTC());
    Sandbox stopping = manager.open("main", "stopping");
    String id = stopping.containerId();
    String exec = docker.proxied.createExec(id, List.of("true"), "1000:1000", null, false);
    docker.run("docker", "kill", id);
    assertThatThrownBy(() -> docker.proxied.startExec(exec, null, 100, Duration.ofSeconds(10)))
        .isInstanceOf(dev.clincher.gateway.sandbox.docker.DockerException.class)
        .hasMessageContaining("Docker answered 403").hasMessageContaining("(rule not_a_sandbox)");
    // a tool call already holding the sandbox finds it stopped; the next open notices and creates it again
    assertThatThrownBy(() -> SandboxManagerDockerTest.sh(stopping, "true")).hasMessageContaining("gone or stopped");
    assertThat(SandboxManagerDockerTest.sh(manager.open("main", "stopping"), "true").exitCode()).isZero();
  }

  @Test
  void deletingASessionRemovesOnlyASessionScopedSandbox() throws Exception {
    SandboxManager perAgent = docker.manager(docker.settings().withScope(SandboxSettings.Scope.AGENT, 8),
        Clock.systemUTC());
    String shared = perAgent.open("main", "one").containerId();
    assertThat(perAgent.open("main", "two").containerId()).isEqualTo(shared);
    perAgent.sessionDeleted("main", "one");
    assertThat(docker.direct.inspectContainer(shared)).isPresent();
    SandboxManager perSession = docker.manager(docker.settings(), Clock.systemUTC());
    String own = perSession.open("main", "three").containerId();
    perSession.sessionDeleted("main", "three");
    assertThat(docker.direct.inspectContainer(own)).isEmpty();
  }

  @Test
  void theProxyRefusesAnUnhardenedOrForeignImageSandbox() throws Exception {
    SandboxManager manager = docker.manager(docker.settings().withImage("busybox:latest"), Clock.systemUTC());
    assertThatThrownBy(() -> manager.open("main", "x")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("403");
    assertThat(manager.active()).isZero();
  }
}
