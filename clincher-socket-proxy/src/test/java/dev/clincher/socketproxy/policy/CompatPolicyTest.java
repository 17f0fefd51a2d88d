package dev.clincher.socketproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompatPolicyTest {

  private static CompatPolicy policy(Map<String, String> env) throws ConfigException {
    return CompatPolicy.fromEnvironment(env, InspectionPolicy.defaults());
  }

  private static Verdict decide(CompatPolicy policy, String method, String path) throws Exception {
    return policy.decide(method, ApiPath.parse(path));
  }

  @Test
  void defaultsMatchDockerSocketProxy() throws Exception {
    CompatPolicy policy = policy(Map.of());
    assertThat(decide(policy, "GET", "/_ping").allowed()).isTrue();
    assertThat(decide(policy, "HEAD", "/_ping").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/v1.41/version").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/events").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/containers/json").rule()).isEqualTo("CONTAINERS");
    assertThat(decide(policy, "GET", "/info").rule()).isEqualTo("INFO");
    assertThat(decide(policy, "GET", "/secrets").rule()).isEqualTo("SECRETS");
  }

  @Test
  void theSeedsSettingsWorkUnchanged() throws Exception {
    CompatPolicy policy = policy(seedEnvironment());
    assertThat(CompatPolicy.anySet(seedEnvironment())).isTrue();
    assertThat(decide(policy, "GET", "/v1.41/containers/json").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/v1.41/images/json").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/v1.41/info").allowed()).isTrue();
    assertThat(decide(policy, "GET", "/v1.41/exec/abc/json").allowed()).isTrue();
    Verdict create = decide(policy, "POST", "/v1.41/containers/create");
    assertThat(create.allowed()).isFalse();
    assertThat(create.rule()).isEqualTo("POST");
    assertThat(decide(policy, "POST", "/v1.41/build").rule()).isEqualTo("BUILD");
    assertThat(decide(policy, "GET", "/v1.41/volumes").rule()).isEqualTo("VOLUMES");
  }

  @Test
  void containersDoesNotOpenEverythingUnderContainers() throws Exception {
    CompatPolicy policy = policy(Map.of("CONTAINERS", "1", "POST", "1"));
    assertThat(decide(policy, "POST", "/containers/create").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/start").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/exec").rule()).isEqualTo("EXEC");
    assertThat(decide(policy, "GET", "/containers/x/archive").rule()).isEqualTo("ALLOW_ARCHIVE");
    assertThat(decide(policy, "PUT", "/containers/x/archive").rule()).isEqualTo("ALLOW_ARCHIVE");
    assertThat(decide(policy, "GET", "/containers/x/export").rule()).isEqualTo("ALLOW_EXPORT");
    assertThat(decide(policy, "POST", "/containers/x/attach").rule()).isEqualTo("ALLOW_ATTACH");
    assertThat(decide(policy, "POST", "/containers/x/update").rule()).isEqualTo("ALLOW_UPDATE");
    assertThat(decide(policy, "POST", "/containers/prune").rule()).isEqualTo("ALLOW_PRUNE");
    assertThat(decide(policy, "POST", "/containers/x/nonsense").rule()).isEqualTo("unknown_endpoint");
    assertThat(decide(policy, "POST", "/commit").rule()).isEqualTo("COMMIT");
  }

  @Test
  void namedOperationsOpenWhenNamed() throws Exception {
    CompatPolicy policy = policy(Map.of("POST", "1", "ALLOW_ARCHIVE", "1", "EXEC", "1"));
    assertThat(decide(policy, "PUT", "/containers/x/archive").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/exec").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/exec/abc/start").allowed()).isTrue();
  }

  @Test
  void startStopAndRestartGrantsWorkWithoutPost() throws Exception {
    CompatPolicy policy = policy(Map.of("ALLOW_START", "1", "ALLOW_RESTARTS", "1"));
    assertThat(decide(policy, "POST", "/containers/x/start").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/restart").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/kill").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/x/stop").allowed()).isTrue();
    assertThat(decide(policy, "POST", "/containers/create").allowed()).isFalse();
    assertThat(decide(policy, "DELETE", "/containers/x").allowed()).isFalse();
  }

  @Test
  void postZeroIsReadOnly() throws Exception {
    CompatPolicy policy = policy(Map.of("CONTAINERS", "1", "IMAGES", "1", "NETWORKS", "1", "VOLUMES", "1"));
    assertThat(decide(policy, "DELETE", "/containers/x").rule()).isEqualTo("POST");
    assertThat(decide(policy, "POST", "/images/create").rule()).isEqualTo("POST");
    assertThat(decide(policy, "POST", "/networks/create").rule()).isEqualTo("POST");
    assertThat(decide(policy, "POST", "/volumes/create").rule()).isEqualTo("POST");
  }

  @Test
  void badValuesFailFast() {
    assertThatThrownBy(() -> policy(Map.of("POST", "maybe"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("POST");
  }

  @Test
  void unrelatedVariablesDoNotSelectCompat() {
    assertThat(CompatPolicy.anySet(Map.of("PATH", "/bin", "HOME", "/root"))).isFalse();
  }

  /** The seed's socket-proxy.env (a copy in test resources of ../shared/seed/examples/socket-proxy.env). */
  static Map<String, String> seedEnvironment() throws IOException {
    Map<String, String> env = new HashMap<>();
    String text;
    try (var in = CompatPolicyTest.class.getResourceAsStream("/seed-socket-proxy.env")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    for (String line : text.split("\n")) {
      String trimmed = line.trim();
      if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
        String[] parts = trimmed.split("=", 2);
        env.put(parts[0], parts[1]);
      }
    }
    return env;
  }
}
