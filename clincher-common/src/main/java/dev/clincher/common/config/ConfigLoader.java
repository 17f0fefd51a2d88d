package dev.clincher.common.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Loads one YAML config file into a Jackson tree and expands environment variables in it.
 *
 * <p>Steps: read at most {@link #MAX_FILE_BYTES} of strict UTF-8; parse YAML (duplicate keys, aliases, several documents
 * and a non-mapping top level are errors); then expand {@code ${VAR}}, {@code ${VAR:-default}} and {@code $${} in
 * <em>string scalars only</em>. Expansion happens on the parsed tree, so a value containing newlines or colons can
 * never change the structure. Variables come from the environment map given to the constructor, with the
 * {@code VAR_FILE} rule of {@link Secrets#fromEnv}. Every error is a {@link ConfigException} naming file, key path
 * and reason, never a value.
 */
public final class ConfigLoader {
  /** Largest config file accepted, in bytes (1 MiB). */
  public static final int MAX_FILE_BYTES = 1024 * 1024;

  private final Map<String, String> env;
  private final YAMLMapper yaml = newYamlMapper();

  /** A loader that resolves variables from {@code env} (pass {@code System.getenv()} in production). */
  public ConfigLoader(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** A loader over this process's environment. */
  public static ConfigLoader withSystemEnvironment() {
    return new ConfigLoader(System.getenv());
  }

  /** Reads, parses and expands {@code file}; an empty file gives an empty mapping. */
  public JsonNode load(Path file) throws ConfigException {
    return parse(file.toString(), readUtf8(file));
  }

  /** Loads {@code file} and binds it to {@code type} with {@link ConfigBinder}. */
  public <T> T load(Path file, Class<T> type) throws ConfigException {
    return ConfigBinder.bind(load(file), type, file.toString());
  }

  /** Parses and expands YAML text; {@code source} names it in errors (a file name, or e.g. {@code <inline>}). */
  public JsonNode parse(String source, String text) throws ConfigException {
    return expand(mapping(source, text), "", new Interpolator(env, source));
  }

  /**
   * Reads and parses {@code file} as strictly as {@link #load} but leaves {@code ${VAR}} as written: for a file whose
   * sections are handed on to other loaders, which expand them ({@code clincher.yaml}).
   */
  public JsonNode loadUnexpanded(Path file) throws ConfigException {
    return mapping(file.toString(), readUtf8(file));
  }

  private JsonNode mapping(String source, String text) throws ConfigException {
    if (text.length() > MAX_FILE_BYTES) {
      throw new ConfigException(source, "", "larger than " + MAX_FILE_BYTES + " bytes");
    }
    JsonNode tree = parseYaml(source, text);
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!tree.isObject()) {
      throw new ConfigException(source, "", "expected a mapping (key: value) at the top level");
    }
    return tree;
  }

  private JsonNode parseYaml(String source, String text) throws ConfigException {
    JsonNode tree;
    try {
      tree = yaml.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source, "", "invalid YAML" + where(e.getLocation()) + ": " + YamlErrors.problem(e));
    }
    YamlErrors.rejectAliases(source, text, limits());
    return tree;
  }

  private static String where(JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /** Returns a copy of {@code node} with every string scalar expanded. */
  private static JsonNode expand(JsonNode node, String path, Interpolator interpolator) throws ConfigException {
    if (node.isTextual()) {
      return TextNode.valueOf(interpolator.expand(node.textValue(), path));
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        copy.set(field.getKey(), expand(field.getValue(), childPath, interpolator));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < node.size(); i++) {
        copy.add(expand(node.get(i), path + "[" + i + "]", interpolator));
      }
      return copy;
    }
    return node;
  }

  private static String readUtf8(Path file) throws ConfigException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "", "file does not exist");
    } catch (IOException e) {
      throw new ConfigException(file, "", "cannot read file (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new ConfigException(file, "", "larger than " + MAX_FILE_BYTES + " bytes");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, "", "not valid UTF-8");
    }
  }

  private static LoaderOptions limits() {
    LoaderOptions limits = new LoaderOptions();
    limits.setCodePointLimit(MAX_FILE_BYTES);
    limits.setNestingDepthLimit(64);
    limits.setMaxAliasesForCollections(50);
    limits.setAllowDuplicateKeys(false);
    return limits;
  }

  private static YAMLMapper newYamlMapper() {
    YAMLFactory factory = YAMLFactory.builder()
        .loaderOptions(limits())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    return YAMLMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }
}
