package dev.clincher.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterConfigReaderTest {
  static final Map<String, String> SEED_ENV = Map.of(
      "LITELLM_MASTER_KEY", "sk-master-seed",
      "ANTHROPIC_API_KEY", "sk-ant-secret",
      "OPENAI_API_KEY", "sk-openai-secret",
      "GROQ_API_KEY", "gsk-secret",
      "XAI_API_KEY", "xai-secret",
      "GEMINI_API_KEY", "gemini-secret",
      "VOYAGE_API_KEY", "voyage-secret");

  static String seedText() throws Exception {
    try (var in = RouterConfigReaderTest.class.getResourceAsStream("/seed-router-config.yaml")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void seedConfigLoadsUnchanged() throws Exception {
    RouterConfig config = RouterConfigReader.parse("seed", seedText(), SEED_ENV);

    assertThat(config.deployments()).hasSize(16);
    assertThat(config.masterKey().current().reveal()).isEqualTo("sk-master-seed");
    assertThat(config.routing().numRetries()).isEqualTo(2);
    assertThat(config.routing().retryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.routing().strategy()).isEqualTo(RoutingStrategy.USAGE_BASED_ROUTING_V2);

    DeploymentConfig haiku = byName(config, "anthropic/claude-haiku-4-5-20251001");
    assertThat(haiku.provider()).isEqualTo(ProviderKind.ANTHROPIC);
    assertThat(haiku.upstreamModel()).isEqualTo("claude-haiku-4-5-20251001");
    assertThat(haiku.rpm()).isEqualTo(300);
    assertThat(haiku.apiKey().orElseThrow().reveal()).isEqualTo("sk-ant-secret");

    DeploymentConfig gpt = byName(config, "openai/gpt-5.2");
    assertThat(gpt.provider()).isEqualTo(ProviderKind.OPENAI);
    assertThat(gpt.upstreamModel()).isEqualTo("gpt-5.2");
    assertThat(gpt.apiBase()).contains(URI.create("https://api.openai.com/v1"));
    assertThat(byName(config, "openai/o3-mini").provider()).isEqualTo(ProviderKind.OPENAI);

    DeploymentConfig scout = byName(config, "groq/meta-llama/llama-4-scout-17b-16e-instruct");
    assertThat(scout.provider()).isEqualTo(ProviderKind.GROQ);
    assertThat(scout.upstreamModel()).isEqualTo("meta-llama/llama-4-scout-17b-16e-instruct");
    assertThat(byName(config, "xai/grok-4").provider()).isEqualTo(ProviderKind.XAI);
    assertThat(byName(config, "gemini/gemini-2.5-pro").provider()).isEqualTo(ProviderKind.GEMINI);
    assertThat(byName(config, "voyage/voyage-3-lite").provider()).isEqualTo(ProviderKind.VOYAGE);
  }

  @Test
  void seedConfigReportsEachUnsupportedKeyOnceByName() throws Exception {
    RouterConfig config = RouterConfigReader.parse("seed", seedText(), SEED_ENV);

    assertThat(config.notices()).noneSatisfy(line -> assertThat(line).contains("max_budget"));
    assertThat(byName(config, "openai/gpt-4.1").cost().maxBudget()).hasValue(50.0);
    assertThat(byName(config, "openai/gpt-4.1").cost().period().text()).isEqualTo("1mo");
    assertThat(config.notices()).noneSatisfy(line -> assertThat(line).startsWith("litellm_settings.cache"));
    assertThat(config.notices()).noneSatisfy(line -> assertThat(line).contains("secret"));
    assertThat(config.notices()).doesNotHaveDuplicates();
  }

  @Test
  void sharedSeedConfigLoadsWhenPresent() throws Exception {
    Path shared = Path.of("../../shared/seed/examples/router-config.yaml");
    Assumptions.assumeTrue(Files.isRegularFile(shared), "the shared seed directory is not beside the repository");
    assertThat(RouterConfigReader.read(shared, SEED_ENV).deployments()).hasSize(16);
  }

  @Test
  void seedLoadsWithoutProviderKeysButNotesTheUnsetVariables() throws Exception {
    RouterConfig config = RouterConfigReader.parse("seed", seedText(), Map.of("LITELLM_MASTER_KEY", "sk-m"));

    assertThat(byName(config, "openai/gpt-4.1").apiKey()).isEmpty();
    assertThat(config.notices()).anySatisfy(line -> assertThat(line).startsWith("variable OPENAI_API_KEY"));
  }

  @Test
  void masterKeyIsRequired() {
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", "model_list: []\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("general_settings.master_key");
  }

  @Test
  void masterKeyFallsBackToLiteLlmVariableAndFileVariable(@TempDir Path directory) throws Exception {
    Path secret = directory.resolve("master");
    Files.writeString(secret, "sk-from-file\n");
    RouterConfig config = RouterConfigReader.parse("c.yaml", "model_list: []\n",
        Map.of("LITELLM_MASTER_KEY_FILE", secret.toString()));
    assertThat(config.masterKey().current().reveal()).isEqualTo("sk-from-file");
  }

  @Test
  void typoFailsWithFileKeyAndReason() {
    String yaml = """
        router_settings:
          num_retires: 2
        """;
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml, Map.of("LITELLM_MASTER_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("c.yaml: router_settings.num_retires: unknown key");
  }

  @Test
  void keysWhoseAbsenceWouldChangeSecurityOrCostFail() {
    for (String yaml : new String[] {
        "general_settings:\n  allowed_ips: [\"10.0.0.1\"]\n",
        "router_settings:\n  provider_budget_config: {}\n"}) {
      assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml, Map.of("LITELLM_MASTER_KEY", "k")))
          .as(yaml).isInstanceOf(ConfigException.class).hasMessageContaining("refusing");
    }
  }

  @Test
  void theGlobalBudgetIsReadAndBadValuesNameTheirKey() throws Exception {
    RouterConfig config = RouterConfigReader.parse("c.yaml",
        "litellm_settings:\n  max_budget: 25.5\n  budget_duration: 30d\n", Map.of("LITELLM_MASTER_KEY", "k"));
    assertThat(config.spend().global()).hasValueSatisfying(global -> {
      assertThat(global.maxBudget()).isEqualTo(25.5);
      assertThat(global.period().map(p -> p.text())).contains("30d");
    });
    assertThat(RouterConfigReader.parse("c.yaml", "litellm_settings:\n  max_budget: 3\n",
        Map.of("LITELLM_MASTER_KEY", "k")).spend().global().orElseThrow().period()).as("for all time").isEmpty();
    assertThat(RouterConfigReader.parse("c.yaml", "general_settings:\n  spend_log_durability: router_crash\n",
        Map.of("LITELLM_MASTER_KEY", "k")).spend().durability())
        .isEqualTo(dev.clincher.router.spendlog.Durability.ROUTER_CRASH);
    assertThat(RouterConfigReader.parse("c.yaml", "model_list: []\n", Map.of("LITELLM_MASTER_KEY", "k")).spend()
        .durability()).as("by default every row survives a power loss")
        .isEqualTo(dev.clincher.router.spendlog.Durability.POWER_LOSS);
    Map<String, String> bad = Map.of(
        "litellm_settings:\n  max_budget: 0\n", "litellm_settings.max_budget: must be more than 0",
        "litellm_settings:\n  max_budget: -5\n", "litellm_settings.max_budget: expected a number >= 0",
        "litellm_settings:\n  budget_duration: 30d\n", "litellm_settings.budget_duration: needs litellm_settings.max_budget",
        "litellm_settings:\n  max_budget: 5\n  budget_duration: fortnight\n", "litellm_settings.budget_duration: expected",
        "model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-4.1, max_budget: 0}\n",
        "model_list[0].litellm_params.max_budget: must be more than 0",
        "model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-4.1}\n    model_info: {max_output_tokens: 0}\n",
        "model_list[0].model_info.max_output_tokens: must be at least 1",
        "general_settings:\n  spend_log_durability: sometimes\n",
        "general_settings.spend_log_durability: expected power_loss");
    bad.forEach((yaml, message) -> assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml,
        Map.of("LITELLM_MASTER_KEY", "k"))).as(yaml).isInstanceOf(ConfigException.class)
        .hasMessageContaining(message));
  }

  @Test
  void tuningKeysAreNotedNotFatal() throws Exception {
    String yaml = """
        router_settings:
          routing_strategy: cost-based-routing
          allowed_fails_policy: {"RateLimitErrorAllowedFails": 2}
        litellm_settings:
          drop_params: true
        """;
    RouterConfig config = RouterConfigReader.parse("c.yaml", yaml, Map.of("LITELLM_MASTER_KEY", "k"));
    assertThat(config.routing().strategy()).isEqualTo(RoutingStrategy.SIMPLE_SHUFFLE);
    assertThat(config.notices()).hasSize(3);
  }

  @Test
  void readsLiteLlmParamsAndSettings() throws Exception {
    String yaml = """
        model_list:
          - model_name: local
            litellm_params:
              model: openai/llama3
              api_base: http://127.0.0.1:8080/v1
              api_key: os.environ/LOCAL_KEY
              rpm: 10
              tpm: 1000
              weight: 3
              timeout: 2.5
              stream_timeout: 1
              max_parallel_requests: 4
            model_info:
              id: local-1
          - model_name: local
            litellm_params:
              model: hosted_vllm/llama3
              api_base: http://10.0.0.2:8000/v1
        router_settings:
          num_retries: 3
          allowed_fails: 2
          cooldown_time: 7
        litellm_settings:
          request_timeout: 30
        general_settings:
          master_key: sk-inline
          max_request_size_mb: 1
          max_parallel_requests: 50
        """;
    RouterConfig config = RouterConfigReader.parse("c.yaml", yaml, Map.of("LOCAL_KEY", "sk-local"));

    DeploymentConfig first = config.deployments().get(0);
    assertThat(first.id()).isEqualTo("local-1");
    assertThat(first.provider()).isEqualTo(ProviderKind.OPENAI);
    assertThat(first.upstreamModel()).isEqualTo("llama3");
    assertThat(first.apiKey().orElseThrow().reveal()).isEqualTo("sk-local");
    assertThat(first.rpm()).isEqualTo(10);
    assertThat(first.tpm()).isEqualTo(1000);
    assertThat(first.weight()).isEqualTo(3.0);
    assertThat(first.timeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(first.streamTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(first.maxParallelRequests()).isEqualTo(4);
    DeploymentConfig second = config.deployments().get(1);
    assertThat(second.id()).isEqualTo("local#1");
    assertThat(second.provider()).isEqualTo(ProviderKind.HOSTED_VLLM);
    assertThat(second.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(second.streamTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.routing().numRetries()).isEqualTo(3);
    assertThat(config.routing().allowedFails()).isEqualTo(2);
    assertThat(config.routing().cooldownTime()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.maxRequestBytes()).isEqualTo(1024 * 1024);
    assertThat(config.maxParallelRequests()).isEqualTo(50);
    assertThat(config.masterKey().current().toString()).isEqualTo("****");
  }

  @Test
  void fallbacksMustNameModelGroups() throws Exception {
    String base = "model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n"
        + "  - model_name: b\n    litellm_params: {model: gpt-4o-mini}\n";
    RouterConfig config = RouterConfigReader.parse("c.yaml", base
        + "router_settings:\n  fallbacks: [{\"a\": [\"b\"]}]\nlitellm_settings:\n  context_window_fallbacks: [{\"b\": [\"a\"]}]\n",
        Map.of("LITELLM_MASTER_KEY", "k"));
    assertThat(config.fallbacks().general()).containsEntry("a", java.util.List.of("b"));
    assertThat(config.fallbacks().contextWindow()).containsEntry("b", java.util.List.of("a"));
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", base + "router_settings:\n  fallbacks: [{\"a\": [\"zz\"]}]\n",
        Map.of("LITELLM_MASTER_KEY", "k")))
        .hasMessageContaining("router_settings.fallbacks[0]: 'zz' is not a model_name");
  }

  @Test
  void providerMustBeKnownOrInferable() {
    String yaml = "model_list:\n  - model_name: a\n    litellm_params:\n      model: mystery-model\n";
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml, Map.of("LITELLM_MASTER_KEY", "k")))
        .hasMessageContaining("model_list[0].litellm_params.model: cannot infer the provider");
    String azure = "model_list:\n  - model_name: a\n    litellm_params:\n      model: azure/gpt-4o\n";
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", azure, Map.of("LITELLM_MASTER_KEY", "k")))
        .hasMessageContaining("provider 'azure' is not supported");
  }

  @Test
  void apiBaseWithCredentialsIsRefusedWithoutEchoingIt() {
    String yaml = "model_list:\n  - model_name: a\n    litellm_params:\n      model: gpt-4o\n"
        + "      api_base: https://user:hunter2@example.com/v1\n";
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml, Map.of("LITELLM_MASTER_KEY", "k")))
        .hasMessageContaining("must not contain credentials")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void badValueErrorsNeverShowTheValue() {
    String yaml = "model_list:\n  - model_name: a\n    litellm_params:\n      model: gpt-4o\n"
        + "      rpm: os.environ/SECRETISH\n";
    assertThatThrownBy(() -> RouterConfigReader.parse("c.yaml", yaml,
        Map.of("LITELLM_MASTER_KEY", "k", "SECRETISH", "sk-very-secret")))
        .hasMessageContaining("model_list[0].litellm_params.rpm: expected a whole number")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-very-secret"));
  }

  private static DeploymentConfig byName(RouterConfig config, String name) {
    return config.deployments().stream().filter(d -> d.modelName().equals(name)).findFirst().orElseThrow();
  }
}
