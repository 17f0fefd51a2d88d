package dev.clincher.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigBinder;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.json.JsonMappers;
import dev.clincher.gateway.api.RedactedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatewayConfigTest {
  private static final String AGENT = "agents: {main: {model: m}}\n";

  private static GatewayConfig load(String yaml) throws ConfigException {
    return ConfigBinder.bind(new ConfigLoader(Map.of()).parse("gateway.yaml", yaml), GatewayConfig.class,
        "gateway.yaml");
  }

  @Test
  void durationsAndSizesAreParsedWhenTheFileIsLoaded() throws ConfigException {
    GatewayConfig config = load(AGENT + """
        auth: {failure_window: 90s}
        router: {timeout: 2m}
        sandbox: {memory: 2g, idle_timeout: 1h, tmp_size: 65536}
        tools: {exec: {max_output: 8k}, web_fetch: {timeout: 250ms}}
        """);
    assertThat(config.auth().failureWindow().value()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.auth().lockout().value()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.router().timeout().value()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.sandbox().memory().bytes()).isEqualTo(2L << 30);
    assertThat(config.sandbox().memorySwap().bytes()).isEqualTo(3L << 30);
    assertThat(config.sandbox().tmpSize().bytes()).isEqualTo(65536);
    assertThat(config.sandbox().idleTimeout().value()).isEqualTo(Duration.ofHours(1));
    assertThat(config.tools().exec().maxOutput().bytes()).isEqualTo(8192);
    assertThat(config.tools().webFetch().timeout().value()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.agents().get("main").runTimeout().value()).isEqualTo(Duration.ofMinutes(10));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "auth: {failure_window: 5x}|auth.failure_window: expected a duration like 30s, 10m, 12h or 3d",
      "router: {timeout: soon}|router.timeout: expected a duration like 30s, 10m, 12h or 3d",
      "sandbox: {idle_timeout: 5x}|sandbox.idle_timeout: expected a duration like 30s, 10m, 12h or 3d",
      "sandbox: {memory: lots}|sandbox.memory: expected a size like 65536, 64k, 512m or 1.5g",
      "tools: {exec: {max_output: 1t}}|tools.exec.max_output: expected a size like 65536, 64k, 512m or 1.5g",
      "tools: {web_fetch: {timeout: 30}}|tools.web_fetch.timeout: expected a duration like 30s, 10m, 12h or 3d"})
  void aBadDurationOrSizeFailsTheLoadNamingItsKey(String section, String message) {
    assertThatThrownBy(() -> load(AGENT + section + "\n"))
        .isInstanceOf(ConfigException.class).hasMessage("gateway.yaml: " + message);
  }

  @Test
  void aRouterTimeoutUnderOneSecondFailsTheLoad() throws Exception {
    assertThatThrownBy(() -> load(AGENT + "router: {timeout: 0s}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("timeout must be at least 1s");
    assertThat(load(AGENT + "router: {timeout: 1s}\n").router().timeout().value()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theKubernetesManifestsGatewayConfigSelectsTheKubernetesBackend() throws Exception {
    String yaml = Files.readString(Path.of("../deploy/k8s/overlays/example/config/gateway.yaml"));
    GatewayConfig config = ConfigBinder.bind(new ConfigLoader(Map.of("CLINCHER_SANDBOX_INSTANCE", "gateway-6d4f-abcde"))
        .parse("gateway.yaml", yaml), GatewayConfig.class, "gateway.yaml");
    assertThat(config.sandbox().backend()).isEqualTo(GatewayConfig.Sandbox.KUBERNETES);
    var kubernetes = config.sandbox().kubernetes().toSettings();
    assertThat(kubernetes.namespace()).isEqualTo("clincher-sandbox");
    assertThat(kubernetes.runtimeClass()).isEqualTo("gvisor");
    assertThat(kubernetes.startTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.sandboxSettings("gateway.yaml").instance()).isEqualTo("gateway-6d4f-abcde");
    assertThat(load(AGENT).sandbox().backend()).as("the default").isEqualTo(GatewayConfig.Sandbox.DOCKER);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "sandbox: {backend: podman}|backend must be docker or kubernetes",
      "sandbox: {backend: kubernetes, kubernetes: {namespace: Kube_System}}|sandbox.kubernetes.namespace",
      "sandbox: {kubernetes: {runtime_class: 'runc privileged'}}|sandbox.kubernetes.runtime_class",
      "sandbox: {kubernetes: {start_timeout: 0s}}|durations must be positive",
      "sandbox: {kubernetes: {privileged: true}}|privileged"})
  void aBadKubernetesSandboxSettingFailsTheLoad(String section, String message) {
    assertThatThrownBy(() -> load(AGENT + section + "\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void anAgentsRunTimeoutErrorNamesTheAgent() {
    assertThatThrownBy(() -> load("agents: {main: {model: m, run_timeout: 10 minutes}}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.yaml: agents.main.run_timeout: expected a duration like 30s, 10m, 12h or 3d");
  }

  @Test
  void settingsBuiltFromTheConfigNameTheirKeyWhenTheyFail() throws ConfigException {
    GatewayConfig config = load("agents: {main: {model: m, sandbox: {memory: 1k}}}\ndocker: {host: http://x:1}\n");
    assertThatThrownBy(() -> config.agentSandboxSettings("gateway.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.yaml: agents.main.sandbox: ");
    assertThatThrownBy(() -> config.docker().toDockerHost("gateway.yaml", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.yaml: docker.host: ");
    assertThat(load(AGENT).docker().toDockerHost("gateway.yaml", Map.of("DOCKER_HOST", "tcp://proxy:2375")))
        .hasToString("tcp://proxy:2375");
  }

  @Test
  void aMissingTokenOrRouterKeyNamesItsKey() throws ConfigException {
    GatewayConfig config = load(AGENT);
    assertThatThrownBy(() -> GatewaySecrets.read("gateway.yaml", config, Map.of("LITELLM_MASTER_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.yaml: auth.token_file: ");
    assertThatThrownBy(() -> GatewaySecrets.read("gateway.yaml", config, Map.of("CLINCHER_GATEWAY_TOKEN", "t")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("gateway.yaml: router.api_key_file: ");
  }

  @Test
  void aTooLargeSystemPromptFileNamesItsKey(@TempDir Path directory) throws Exception {
    Files.writeString(directory.resolve("prompt.md"), "x".repeat((int) AgentDefinitions.MAX_PROMPT_BYTES + 1));
    GatewayConfig config = load("agents: {main: {model: m, system_prompt_file: prompt.md}}\n");
    assertThatThrownBy(() -> AgentDefinitions.read("gateway.yaml", config, directory.resolve("gateway.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("gateway.yaml: agents.main.system_prompt_file: larger than 262144 bytes");
  }

  @Test
  void theControlPageShowsDurationsAndSizesAsWritten() throws ConfigException {
    GatewayConfig config = load(AGENT + "sandbox: {memory: 2g}\n");
    var shown = RedactedConfig.of(config, JsonMappers.newMapper());
    assertThat(shown.at("/sandbox/memory").asText()).isEqualTo("2g");
    assertThat(shown.at("/sandbox/memory_swap").asText()).isEqualTo(Long.toString(3L << 30));
    assertThat(shown.at("/auth/failure_window").asText()).isEqualTo("60s");
  }
}
