package dev.clincher.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.config.ConfigException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One mapping of the config file with typed getters that name the key path in every error, and a check of its keys
 * against what the router supports ({@link KeyPolicy} decides about the rest).
 */
final class ConfigSection {
  private final JsonNode node;
  private final String path;
  private final String policySection;
  private final ConfigContext context;

  /**
   * @param node          the mapping (a missing node reads as empty)
   * @param path          its key path in the file, e.g. {@code model_list[2].litellm_params}
   * @param policySection its name in {@link KeyPolicy}, e.g. {@code litellm_params}
   */
  ConfigSection(JsonNode node, String path, String policySection, ConfigContext context) throws ConfigException {
    if (node != null && !node.isMissingNode() && !node.isNull() && !node.isObject()) {
      throw context.error(path, "expected a mapping (key: value)");
    }
    this.node = node == null || node.isNull() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
    this.path = path;
    this.policySection = policySection;
    this.context = context;
  }

  /**
   * Checks every key: supported ones pass, known-but-unsupported ones are noted or fail per {@link KeyPolicy}, and
   * unknown ones fail as typos.
   */
  void checkKeys(Set<String> supported) throws ConfigException {
    if (!node.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = field.getKey();
      if (supported.contains(key)) {
        continue;
      }
      Optional<KeyPolicy.Entry> entry = KeyPolicy.lookup(policySection, key);
      if (entry.isEmpty()) {
        throw context.error(childPath(key), "unknown key (supported here: " + String.join(", ", new TreeSet<>(supported)) + ")");
      }
      if (entry.get().verdict() == KeyPolicy.Verdict.FAIL) {
        throw context.error(childPath(key), entry.get().reason());
      }
      context.notice(genericPath(key), entry.get().reason());
    }
  }

  boolean has(String key) {
    JsonNode value = node.get(key);
    return value != null && !value.isNull();
  }

  JsonNode raw(String key) {
    return node.path(key);
  }

  String childPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The key path with list indexes replaced by {@code [*]}, so notices about many entries collapse into one. */
  String genericPath(String key) {
    return childPath(key).replaceAll("\\[\\d+]", "[*]");
  }

  ConfigSection section(String key, String policyName) throws ConfigException {
    return new ConfigSection(node.get(key), childPath(key), policyName, context);
  }

  /** A string value, with {@code os.environ/VAR} resolved (empty when the variable is unset). */
  Optional<String> string(String key) throws ConfigException {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isValueNode()) {
      throw context.error(childPath(key), "expected a string");
    }
    return context.resolve(childPath(key), value.asText());
  }

  String requiredString(String key) throws ConfigException {
    return string(key).filter(text -> !text.isBlank())
        .orElseThrow(() -> context.error(childPath(key), "required (a non-empty string)"));
  }

  long wholeNumber(String key, long fallback) throws ConfigException {
    Optional<String> text = string(key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(text.get().trim());
      if (value < 0) {
        throw context.error(childPath(key), "must not be negative");
      }
      return value;
    } catch (NumberFormatException e) {
      throw context.error(childPath(key), "expected a whole number");
    }
  }

  double number(String key, double fallback) throws ConfigException {
    Optional<String> text = string(key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      double value = Double.parseDouble(text.get().trim());
      if (value < 0 || !Double.isFinite(value)) {
        throw context.error(childPath(key), "expected a number >= 0");
      }
      return value;
    } catch (NumberFormatException e) {
      throw context.error(childPath(key), "expected a number");
    }
  }

  boolean bool(String key, boolean fallback) throws ConfigException {
    Optional<String> text = string(key);
    if (text.isEmpty()) {
      return fallback;
    }
    return switch (text.get().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw context.error(childPath(key), "expected true or false");
    };
  }

  /** Seconds (a number, fractions allowed) as a duration. */
  java.time.Duration seconds(String key, java.time.Duration fallback) throws ConfigException {
    double value = number(key, -1);
    if (value < 0) {
      return fallback;
    }
    return java.time.Duration.ofMillis(Math.round(value * 1000));
  }
}
