package dev.clincher.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private JsonNode load(String yaml, Map<String, String> env) throws Exception {
    return new ConfigLoader(env).load(write(yaml));
  }

  @Test
  void expandsVariablesAndDefaults() throws Exception {
    JsonNode tree = load("""
        a: ${A}
        b: ${B:-fallback}
        c: ${C:-fallback}
        d: "x-${A}-${A}-y"
        e: price $5 and $$ stay
        """, Map.of("A", "alpha", "C", ""));
    assertThat(tree.get("a").textValue()).isEqualTo("alpha");
    assertThat(tree.get("b").textValue()).isEqualTo("fallback");
    assertThat(tree.get("c").textValue()).as("empty counts as unset for :-").isEqualTo("fallback");
    assertThat(tree.get("d").textValue()).isEqualTo("x-alpha-alpha-y");
    assertThat(tree.get("e").textValue()).isEqualTo("price $5 and $$ stay");
  }

  @Test
  void dollarDollarBraceIsALiteral() throws Exception {
    JsonNode tree = load("a: $${A} and ${A}\n", Map.of("A", "x"));
    assertThat(tree.get("a").textValue()).isEqualTo("${A} and x");
  }

  @Test
  void emptyValueWithoutDefaultStaysEmpty() throws Exception {
    assertThat(load("a: ${A}\n", Map.of("A", "")).get("a").textValue()).isEmpty();
  }

  @Test
  void valueWithNewlinesAndColonsCannotChangeStructure() throws Exception {
    JsonNode tree = load("a: ${A}\nb: 1\n", Map.of("A", "x\nadmin: true\n- [1, 2]"));
    assertThat(tree.size()).isEqualTo(2);
    assertThat(tree.has("admin")).isFalse();
    assertThat(tree.get("a").textValue()).isEqualTo("x\nadmin: true\n- [1, 2]");
    assertThat(tree.get("b").intValue()).isEqualTo(1);
  }

  @Test
  void expandedValuesAreNotExpandedAgain() throws Exception {
    JsonNode tree = load("a: ${A}\n", Map.of("A", "${B}", "B", "secret"));
    assertThat(tree.get("a").textValue()).isEqualTo("${B}");
  }

  @Test
  void keysAndNonStringScalarsAreLeftAlone() throws Exception {
    JsonNode tree = load("\"${A}\": 1\nn: 2\nt: true\n", Map.of("A", "x"));
    assertThat(tree.has("${A}")).isTrue();
    assertThat(tree.get("n").isInt()).isTrue();
    assertThat(tree.get("t").isBoolean()).isTrue();
  }

  @Test
  void unsetVariableNamesFileKeyPathAndVariable() throws Exception {
    Path file = write("""
        model_list:
          - model_name: gpt
            litellm_params:
              api_key: ${OPENAI_API_KEY}
        """);
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> {
          ConfigException c = (ConfigException) e;
          assertThat(c.source()).isEqualTo(file.toString());
          assertThat(c.key()).isEqualTo("model_list[0].litellm_params.api_key");
          assertThat(c.reason()).contains("OPENAI_API_KEY");
          assertThat(c.getMessage()).startsWith(file + ": model_list[0].litellm_params.api_key: ");
        });
  }

  @Test
  void fileVariableSuppliesTheValueWithoutItsTrailingNewline() throws Exception {
    Path secret = dir.resolve("key");
    Files.writeString(secret, "sk-from-file\n");
    JsonNode tree = load("k: ${API_KEY}\n", Map.of("API_KEY_FILE", secret.toString()));
    assertThat(tree.get("k").textValue()).isEqualTo("sk-from-file");
  }

  @Test
  void unreadableSecretFileNamesTheVariableAndKey() throws Exception {
    Path file = write("k: ${API_KEY}\n");
    String missing = dir.resolve("absent").toString();
    assertThatThrownBy(() -> new ConfigLoader(Map.of("API_KEY_FILE", missing)).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("API_KEY_FILE")
        .hasMessageContaining("does not exist")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("k"));
  }

  @Test
  void bothVariableAndFileVariableIsAnError() throws Exception {
    assertThatThrownBy(() -> load("k: ${API_KEY}\n", Map.of("API_KEY", "sk-123456", "API_KEY_FILE", "/x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("API_KEY_FILE")
        .hasMessageNotContaining("sk-123456");
  }

  @Test
  void malformedReferencesAreErrors() {
    assertThatThrownBy(() -> load("k: ${A\n", Map.of("A", "x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> load("k: ${1A}\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("invalid variable name");
    assertThatThrownBy(() -> load("k: ${A-B}\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("invalid variable name");
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThatThrownBy(() -> load("a: 1\nb: 2\na: 3\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate key")
        .hasMessageContaining("'a'")
        .hasMessageContaining("line 3");
  }

  @Test
  void nestedDuplicateKeysAreRejected() {
    assertThatThrownBy(() -> load("outer:\n  x: 1\n  x: 2\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("duplicate key");
  }

  @Test
  void severalDocumentsAreRejected() {
    assertThatThrownBy(() -> load("a: 1\n---\nb: 2\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("more than one YAML document");
  }

  @Test
  void topLevelMustBeAMapping() {
    assertThatThrownBy(() -> load("- a\n- b\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mapping");
  }

  @Test
  void emptyFileIsAnEmptyMapping() throws Exception {
    assertThat(load("", Map.of()).isObject()).isTrue();
    assertThat(load("# only a comment\n", Map.of()).size()).isZero();
  }

  @Test
  void oversizeFileIsRejected() throws Exception {
    Path file = dir.resolve("big.yaml");
    Files.writeString(file, "a: \"" + "x".repeat(ConfigLoader.MAX_FILE_BYTES) + "\"\n");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
        .isInstanceOf(ConfigException.class).hasMessageContaining("larger than");
  }

  @Test
  void invalidUtf8IsRejected() throws Exception {
    Path file = dir.resolve("latin1.yaml");
    Files.write(file, "a: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
        .isInstanceOf(ConfigException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void missingFileIsReported() {
    Path file = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": file does not exist");
  }

  @Test
  void yamlSyntaxErrorsDoNotQuoteTheDocument() {
    assertThatThrownBy(() -> load("a: 1\napi_key: \"sk-live-abcdef\n  b: [\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("invalid YAML at line")
        .hasMessageNotContaining("sk-live-abcdef");
  }

  @Test
  void aliasesAreRejectedNotReadAsTheirName() {
    assertThatThrownBy(() -> load("base: &base x\nother: *base\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("aliases (*base) are not supported")
        .hasMessageContaining("line 2");
  }

  @Test
  void starsInValuesAreFine() throws Exception {
    assertThat(load("domains: [\"*.example.com\"]\nglob: '*'\n", Map.of()).at("/domains/0").textValue())
        .isEqualTo("*.example.com");
  }

  @Test
  void deepNestingIsRejected() {
    assertThatThrownBy(() -> load("a: " + "[".repeat(2000) + "]".repeat(2000) + "\n", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("invalid YAML");
  }

  @Test
  void parseNamesItsSource() {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse("<inline>", "a: ${X}\n"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("<inline>: a: ");
  }
}
