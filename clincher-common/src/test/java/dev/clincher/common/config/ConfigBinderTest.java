package dev.clincher.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigBinderTest {
  enum Action { ENFORCE, REPORT, OPEN }

  record Params(String model, Secret apiKey, Integer timeoutSeconds) {}

  record Model(String modelName, Params litellmParams) {}

  record Root(List<Model> modelList, int port, Action action, boolean debug) {
    Root {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535");
      }
    }
  }

  private static Root bind(String yaml, Map<String, String> env) throws ConfigException {
    return ConfigBinder.bind(new ConfigLoader(env).parse("test.yaml", yaml), Root.class, "test.yaml");
  }

  private static final String VALID = """
      model_list:
        - model_name: gpt
          litellm_params:
            model: openai/gpt-4o
            api_key: ${OPENAI_API_KEY}
            timeout_seconds: 30
      port: ${PORT:-4000}
      action: Enforce
      debug: "true"
      """;

  @Test
  void bindsSnakeCaseKeysToRecordComponents() throws Exception {
    Root root = bind(VALID, Map.of("OPENAI_API_KEY", "sk-abc"));
    assertThat(root.port()).isEqualTo(4000);
    assertThat(root.action()).isEqualTo(Action.ENFORCE);
    assertThat(root.debug()).isTrue();
    Model model = root.modelList().get(0);
    assertThat(model.modelName()).isEqualTo("gpt");
    assertThat(model.litellmParams().apiKey().reveal()).isEqualTo("sk-abc");
    assertThat(model.litellmParams().timeoutSeconds()).isEqualTo(30);
    assertThat(root.toString()).doesNotContain("sk-abc");
  }

  @Test
  void unknownKeyNamesItsPath() {
    String yaml = VALID.replace("timeout_seconds: 30", "timeout_secs: 30");
    assertThatThrownBy(() -> bind(yaml, Map.of("OPENAI_API_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          ConfigException c = (ConfigException) e;
          assertThat(c.source()).isEqualTo("test.yaml");
          assertThat(c.key()).isEqualTo("model_list[0].litellm_params.timeout_secs");
          assertThat(c.reason()).startsWith("unknown key").contains("timeout_seconds");
        });
  }

  @Test
  void badNumberSaysWhatWasExpectedWithoutQuotingTheValue() {
    assertThatThrownBy(() -> bind(VALID, Map.of("OPENAI_API_KEY", "k", "PORT", "sk-secret-port")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("test.yaml: port: expected an integer")
        .hasMessageNotContaining("sk-secret-port");
  }

  @Test
  void fractionForAnIntegerIsRejected() {
    assertThatThrownBy(() -> bind(VALID.replace("timeout_seconds: 30", "timeout_seconds: 1.5"), Map.of("OPENAI_API_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model_list[0].litellm_params.timeout_seconds")
        .hasMessageContaining("expected an integer");
  }

  @Test
  void badEnumListsTheChoices() {
    assertThatThrownBy(() -> bind(VALID.replace("action: Enforce", "action: block"), Map.of("OPENAI_API_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("test.yaml: action: expected one of [enforce, report, open]");
  }

  @Test
  void wrongShapeSaysWhatWasExpected() {
    assertThatThrownBy(() -> bind(VALID.replace("model_list:", "model_list: 3\nignored:"), Map.of("OPENAI_API_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model_list")
        .hasMessageContaining("expected a list");
  }

  @Test
  void recordValidationBecomesTheReason() {
    assertThatThrownBy(() -> bind(VALID, Map.of("OPENAI_API_KEY", "k", "PORT", "70000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("port must be 0..65535");
  }

  @Test
  void nullForAPrimitiveIsRejected() {
    assertThatThrownBy(() -> bind(VALID.replace("debug: \"true\"", "debug: null"), Map.of("OPENAI_API_KEY", "k")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("debug");
  }

  @Test
  void describesTypesForOperators() {
    assertThat(ConfigBinder.describe(long.class)).isEqualTo("an integer");
    assertThat(ConfigBinder.describe(Boolean.class)).isEqualTo("true or false");
    assertThat(ConfigBinder.describe(Map.class)).isEqualTo("a mapping (key: value)");
    assertThat(ConfigBinder.describe(Double.class)).isEqualTo("a number");
  }
}
