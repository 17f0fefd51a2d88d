package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code clincher sandbox prune} against the real dockerd: an instance's sandboxes and its agents' go, with their
 * workspace volumes; a neighbour whose name merely starts the same, and another instance, stay.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxPruneDockerTest {
  private DockerTestSupport docker;
  private String neighbour;
  private String other;

  @BeforeAll
  void start() throws Exception {
    docker = DockerTestSupport.start();
    neighbour = docker.instance + "x"; // shares the prefix, is not the instance
    other = docker.instance.replace('t', 'u');
  }

  @AfterAll
  void stop() throws Exception {
    if (docker != null) {
      for (String instance : List.of(neighbour, other)) {
        SandboxPrune.prune(docker.direct, instance, "clincher-ws-", true);
      }
      docker.close();
    }
  }

  private void open(String instance, String agent) throws Exception {
    SandboxManager manager = docker.manager(docker.settings().withInstance(instance), Clock.systemUTC());
    SandboxManagerDockerTest.sh(manager.open(agent, "s1"), "echo kept > /workspace/file");
  }

  @Test
  void removesTheInstanceAndItsAgentsButNoNeighbour() throws Exception {
    open(docker.instance, "main");
    open(docker.instance + "-coder", "coder"); // an agent with its own sandbox settings
    open(neighbour, "main");
    open(other, "main");

    SandboxPrune.Pruned pruned = SandboxPrune.prune(docker.direct, docker.instance, "clincher-ws-", true);

    assertThat(pruned.containers()).hasSize(2);
    assertThat(pruned.volumes()).hasSize(2).allMatch(v -> v.startsWith("clincher-ws-" + docker.instance + "-"));
    assertThat(docker.containers()).isEmpty();
    assertThat(docker.direct.listVolumes("clincher-ws-" + docker.instance + "-")).isEmpty();
    assertThat(docker.direct.listContainers(java.util.Map.of("clincher.instance", neighbour))).hasSize(1);
    assertThat(docker.direct.listVolumes("clincher-ws-" + neighbour + "-")).hasSize(1);
    assertThat(docker.direct.listContainers(java.util.Map.of("clincher.instance", other))).hasSize(1);
    assertThat(SandboxPrune.prune(docker.direct, docker.instance, "clincher-ws-", true).containers()).isEmpty();
  }

  @Test
  void theSocketProxyRefusesToRemoveVolumes() throws Exception {
    open(docker.instance, "main");
    assertThatThrownBy(() -> SandboxPrune.prune(docker.proxied, docker.instance, "clincher-ws-", true))
        .isInstanceOf(IOException.class);
    assertThat(docker.direct.listVolumes("clincher-ws-" + docker.instance + "-")).hasSize(1);
    SandboxPrune.prune(docker.direct, docker.instance, "clincher-ws-", true);
  }
}
