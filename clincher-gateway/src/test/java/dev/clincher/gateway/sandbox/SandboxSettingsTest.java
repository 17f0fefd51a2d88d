package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SandboxSettingsTest {

  @Test
  void keysFollowTheScopeAndAreSafeNames() {
    SandboxSettings session = SandboxSettings.defaults();
    String key = session.key("Main Agent", "../../etc;rm -rf /");
    assertThat(key).matches("s-main-agent-[0-9a-f]{16}");
    assertThat(session.key("Main Agent", "other")).isNotEqualTo(key);
    assertThat(session.key("a", "b-c")).isNotEqualTo(session.key("a-b", "c"));
    SandboxSettings agent = session.withScope(SandboxSettings.Scope.AGENT, 8);
    assertThat(agent.key("main", "s1")).isEqualTo(agent.key("main", "s2")).startsWith("a-main-");
    assertThat(session.withScope(SandboxSettings.Scope.SHARED, 8).key("x", "y")).isEqualTo("shared");
  }

  @Test
  void hashChangesWithTheContainerShapeOnly() {
    SandboxSettings settings = SandboxSettings.defaults();
    assertThat(settings.withInstance("other").containerHash()).isEqualTo(settings.containerHash());
    assertThat(settings.withImage("clincher-sandbox:2").containerHash()).isNotEqualTo(settings.containerHash());
    assertThat(settings.withLimits(2L << 30, 3L << 30, 512).containerHash()).isNotEqualTo(settings.containerHash());
  }

  @Test
  void refusesRootAndNonsense() {
    SandboxSettings d = SandboxSettings.defaults();
    assertThatThrownBy(() -> new SandboxSettings(d.image(), d.scope(), "0:0", d.memoryBytes(), d.memorySwapBytes(),
        d.nanoCpus(), d.pidsLimit(), d.nofile(), d.tmpBytes(), d.volumePrefix(), d.idleTimeout(), d.maxAge(),
        d.maxSandboxes(), d.execTimeout(), d.maxExecTimeout(), d.outputCap(), d.instance(), d.dockerTimeout()))
        .hasMessageContaining("not root");
    assertThatThrownBy(() -> d.withInstance("Bad/Name")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withLimits(1L << 30, 1L << 29, 10)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theImageIsAReferenceThatIsSafeInARequestPath() {
    SandboxSettings d = SandboxSettings.defaults();
    for (String ok : new String[] {"clincher-sandbox", "registry.example:5000/team/clincher-sandbox:1.0",
        "clincher-sandbox@sha256:" + "a".repeat(64)}) {
      assertThat(d.withImage(ok).image()).isEqualTo(ok);
    }
    for (String bad : new String[] {"", "../x", "clincher-sandbox/../x", "x//y", "x/", "/x", "a b", "x?y", "x#y",
        "x%2Fy", "x\\y", "clincher-sandbox\n", "-x", "x".repeat(513)}) {
      assertThatThrownBy(() -> d.withImage(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sandbox.image");
    }
  }

  @Test
  void describeNamesEveryConfigKey() {
    assertThat(SandboxSettings.defaults().describe()).containsEntry("sandbox.scope", "session")
        .containsEntry("sandbox.user", "1000:1000").containsEntry("sandbox.max_sandboxes", "8")
        .containsEntry("sandbox.idle_timeout", "PT12H").containsEntry("sandbox.max_age", "PT72H").hasSize(18);
  }

  @Test
  void containerSpecIsTheHardenedShape() {
    var body = ContainerSpec.body(SandboxSettings.defaults(), "k", "a", "s", Instant.EPOCH);
    var host = body.path("HostConfig");
    assertThat(host.path("CapDrop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(host.path("NetworkMode").asText()).isEqualTo("none");
    assertThat(host.path("ReadonlyRootfs").asBoolean()).isTrue();
    assertThat(host.has("Binds")).isFalse();
    assertThat(host.path("Mounts").get(0).path("Type").asText()).isEqualTo("volume");
    assertThat(body.path("Labels").path("clincher.sandbox").asText()).isEqualTo("1");
  }
}
