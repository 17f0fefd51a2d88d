package dev.clincher.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** model_group_alias, retry_policy, model_group_retry_policy, default_fallbacks and content_policy_fallbacks. */
class ReliabilitySettingsReaderTest {
  static final Map<String, String> ENV = Map.of("LITELLM_MASTER_KEY", "k");
  static final String GROUPS = """
      model_list:
        - model_name: a
          litellm_params: {model: gpt-4o}
        - model_name: b
          litellm_params: {model: gpt-4o-mini}
        - model_name: c
          litellm_params: {model: claude-sonnet-4-20250514}
      """;

  static RouterConfig parse(String routerSettings) throws ConfigException {
    return RouterConfigReader.parse("c.yaml", GROUPS + "router_settings:\n" + routerSettings.indent(2), ENV);
  }

  static void assertFails(String routerSettings, String message) {
    assertThatThrownBy(() -> parse(routerSettings)).as(routerSettings)
        .isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void aliasesInBothShapesResolveThroughChainsToTheirGroup() throws Exception {
    RouterConfig config = parse("""
        model_group_alias:
          gpt-4: a
          secret: {model: b, hidden: true}
          shown: {model: c}
          old-gpt-4: gpt-4
        """);
    ModelAliases aliases = config.aliases();
    assertThat(aliases.group("gpt-4")).contains("a");
    assertThat(aliases.group("secret")).contains("b");
    assertThat(aliases.group("old-gpt-4")).contains("a");
    assertThat(aliases.group("a")).isEmpty();
    assertThat(aliases.listed()).containsExactly("gpt-4", "old-gpt-4", "shown");
    assertThat(config.notices()).noneSatisfy(line -> assertThat(line).contains("model_group_alias"));
  }

  @Test
  void badAliasesFailNamingTheAlias() {
    assertFails("model_group_alias: {x: zz}",
        "router_settings.model_group_alias.x: 'zz' is neither a model_name of model_list nor another alias");
    assertFails("model_group_alias: {x: y, y: z, z: x}", "router_settings.model_group_alias.x: aliases form a cycle: "
        + "x -> y -> z -> x");
    assertFails("model_group_alias: {x: x}", "aliases form a cycle: x -> x");
    assertFails("model_group_alias: {a: b}", "router_settings.model_group_alias.a: 'a' is a model_name");
    assertFails("model_group_alias: [a]", "router_settings.model_group_alias: expected a mapping");
    assertFails("model_group_alias: {x: [a]}", "router_settings.model_group_alias.x: expected a model_name or");
    assertFails("model_group_alias: {x: {model: a, hiden: true}}",
        "router_settings.model_group_alias.x.hiden: unknown key");
    assertFails("model_group_alias: {x: {hidden: true}}", "router_settings.model_group_alias.x.model: required");
    assertFails("model_group_alias: {x: {model: a, hidden: maybe}}",
        "router_settings.model_group_alias.x.hidden: expected true or false");
  }

  @Test
  void retryPolicyOverridesPerKindAndGroupPolicyOverridesThat() throws Exception {
    RouterConfig config = parse("""
        num_retries: 1
        retry_policy:
          RateLimitErrorRetries: 2
          BadRequestErrorRetries: 0
          ContentPolicyViolationErrorRetries: 1
        model_group_retry_policy:
          b: {RateLimitErrorRetries: 5, TimeoutErrorRetries: 3}
        """);
    RouterConfig.RoutingSettings routing = config.routing();
    assertThat(routing.policyRetries("a", ErrorKind.RATE_LIMIT)).isEqualTo(OptionalInt.of(2));
    assertThat(routing.policyRetries("a", ErrorKind.BAD_REQUEST)).isEqualTo(OptionalInt.of(0));
    assertThat(routing.policyRetries("a", ErrorKind.CONTENT_POLICY)).isEqualTo(OptionalInt.of(1));
    assertThat(routing.policyRetries("a", ErrorKind.TIMEOUT)).isEmpty();
    assertThat(routing.policyRetries("b", ErrorKind.RATE_LIMIT)).isEqualTo(OptionalInt.of(5));
    assertThat(routing.policyRetries("b", ErrorKind.TIMEOUT)).isEqualTo(OptionalInt.of(3));
    assertThat(routing.policyRetries("b", ErrorKind.BAD_REQUEST)).isEqualTo(OptionalInt.of(0));
    assertThat(routing.numRetries()).isEqualTo(1);
    assertThat(config.notices()).isEmpty();
  }

  @Test
  void everyLiteLlmRetryPolicyKeyIsRead() throws Exception {
    RouterConfig config = parse("""
        retry_policy: {"BadRequestErrorRetries": 1, "AuthenticationErrorRetries": 2, "TimeoutErrorRetries": 3,
          "RateLimitErrorRetries": 4, "ContentPolicyViolationErrorRetries": 5, "InternalServerErrorRetries": 6}
        """);
    assertThat(config.routing().retryPolicy().retries()).containsExactlyInAnyOrderEntriesOf(Map.of(
        ErrorKind.BAD_REQUEST, 1, ErrorKind.AUTHENTICATION, 2, ErrorKind.TIMEOUT, 3, ErrorKind.RATE_LIMIT, 4,
        ErrorKind.CONTENT_POLICY, 5, ErrorKind.INTERNAL_SERVER, 6));
  }

  @Test
  void badRetryPoliciesFailNamingTheKey() {
    assertFails("retry_policy: {RateLimitRetries: 2}", "router_settings.retry_policy.RateLimitRetries: unknown key");
    assertFails("retry_policy: {RateLimitErrorRetries: two}",
        "router_settings.retry_policy.RateLimitErrorRetries: expected a whole number");
    assertFails("retry_policy: {RateLimitErrorRetries: -1}",
        "router_settings.retry_policy.RateLimitErrorRetries: must not be negative");
    assertFails("retry_policy: {TimeoutErrorRetries: 11}", "router_settings.retry_policy.TimeoutErrorRetries: at most 10");
    assertFails("retry_policy: 3", "router_settings.retry_policy: expected a mapping");
    assertFails("model_group_retry_policy: {zz: {RateLimitErrorRetries: 1}}",
        "router_settings.model_group_retry_policy.zz: 'zz' is not a model_name");
    assertFails("model_group_retry_policy: {a: {Bogus: 1}}", "router_settings.model_group_retry_policy.a.Bogus: unknown key");
    assertFails("model_group_retry_policy: {a: 2}", "router_settings.model_group_retry_policy.a: expected a mapping");
  }

  @Test
  void defaultAndContentPolicyFallbacksAreRead() throws Exception {
    RouterConfig config = parse("""
        fallbacks: [{"a": ["b"]}]
        default_fallbacks: ["c", "b", "c"]
        content_policy_fallbacks: [{"a": ["c"]}]
        """);
    assertThat(config.fallbacks().defaults()).containsExactly("c", "b");
    assertThat(config.fallbacks().contentPolicy()).containsExactly(Map.entry("a", List.of("c")));
    assertThat(config.fallbacks().general()).containsExactly(Map.entry("a", List.of("b")));
    assertThat(config.notices()).isEmpty();

    RouterConfig fromLitellm = RouterConfigReader.parse("c.yaml",
        GROUPS + "litellm_settings:\n  content_policy_fallbacks: [{\"b\": [\"a\"]}]\n", ENV);
    assertThat(fromLitellm.fallbacks().contentPolicy()).containsExactly(Map.entry("b", List.of("a")));
  }

  @Test
  void badFallbacksFailNamingTheKey() {
    assertFails("default_fallbacks: [zz]", "router_settings.default_fallbacks[0]: 'zz' is not a model_name");
    assertFails("default_fallbacks: c", "router_settings.default_fallbacks: expected a list of model_names");
    assertFails("default_fallbacks: [[c]]", "router_settings.default_fallbacks[0]:");
    assertFails("content_policy_fallbacks: [{\"a\": [\"zz\"]}]",
        "router_settings.content_policy_fallbacks[0]: 'zz' is not a model_name");
    assertFails("content_policy_fallbacks: {\"a\": [\"b\"]}",
        "router_settings.content_policy_fallbacks: expected a list of {model_name: [fallback model_names]}");
    assertFails("content_policy_fallbacks: [{\"a\": \"b\"}]",
        "router_settings.content_policy_fallbacks[0]: expected a list of fallback model_names for 'a'");
    assertFails("content_policy_fallbacks: [{\"a\": []}]", "expected a non-empty list");
  }

  @Test
  void theDocumentedExampleLoads() throws Exception {
    String example = docsYaml("### Aliases, retry policies and more fallbacks");
    String models = """
        model_list:
          - {model_name: gpt-4.1, litellm_params: {model: openai/gpt-4.1}}
          - {model_name: claude-sonnet, litellm_params: {model: anthropic/claude-sonnet-4-20250514}}
          - {model_name: local-llama, litellm_params: {model: hosted_vllm/llama, api_base: "http://vllm:8000/v1"}}
        """;
    RouterConfig config = RouterConfigReader.parse("router.md", models + example, ENV);
    assertThat(config.aliases().group("legacy-gpt")).contains("gpt-4.1");
    assertThat(config.routing().policyRetries("claude-sonnet", ErrorKind.TIMEOUT)).isEqualTo(OptionalInt.of(2));
    assertThat(config.fallbacks().defaults()).containsExactly("local-llama");
    assertThat(config.notices()).isEmpty();
  }

  @Test
  void theDocumentedFullConfigLoads() throws Exception {
    RouterConfig config = RouterConfigReader.parse("router.md", docsYaml("## Configuration: LiteLLM's"), ENV);
    assertThat(config.aliases().group("legacy")).contains("gpt-4.1");
    assertThat(config.fallbacks().contentPolicy()).containsKey("gpt-4.1");
  }

  /** The first YAML block after {@code heading} in docs/router.md (the test is skipped without the docs). */
  static String docsYaml(String heading) throws Exception {
    Path docs = Path.of("../docs/router.md");
    Assumptions.assumeTrue(Files.isRegularFile(docs), "docs not beside the module");
    String text = Files.readString(docs);
    int section = text.indexOf(heading);
    assertThat(section).as(heading).isNotNegative();
    int start = text.indexOf("```yaml\n", section) + "```yaml\n".length();
    return text.substring(start, text.indexOf("```", start));
  }

  @Test
  void theImplementedKeysAreNoLongerNoticedAsUnsupported() throws Exception {
    RouterConfig config = parse("""
        model_group_alias: {x: a}
        retry_policy: {RateLimitErrorRetries: 1}
        model_group_retry_policy: {a: {RateLimitErrorRetries: 1}}
        default_fallbacks: [b]
        content_policy_fallbacks: [{"a": ["c"]}]
        """);
    assertThat(config.notices()).isEmpty();
  }
}
