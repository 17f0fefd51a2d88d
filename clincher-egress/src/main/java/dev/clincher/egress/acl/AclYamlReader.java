package dev.clincher.egress.acl;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.clincher.common.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Smokescreen's ACL YAML into an {@link Acl}, strictly: every problem becomes a {@link ConfigException} naming
 * the source, the key path ({@code services[2].allowed_domains[0]}) and the reason.
 *
 * <p>The keys are Smokescreen's ({@code pkg/smokescreen/acl/v1/yaml_loader.go}): top level {@code version} (must be
 * {@code v1}), {@code services} (required, may be {@code []}), {@code default}, {@code global_allow_list},
 * {@code global_deny_list}; per rule {@code name}, {@code project}, {@code action}, {@code allowed_domains}.
 * Smokescreen ignores unknown keys; Clincher rejects them, and rejects Smokescreen's MITM and external-proxy keys
 * rather than silently not doing what they ask.
 */
final class AclYamlReader {
  private static final String VERSION = "v1";
  private static final Set<String> TOP_KEYS =
      Set.of("version", "services", "default", "global_allow_list", "global_deny_list");
  private static final List<String> TOP_KEY_ORDER =
      List.of("version", "services", "default", "global_allow_list", "global_deny_list");
  private static final List<String> RULE_KEY_ORDER = List.of("name", "project", "action", "allowed_domains");
  private static final Set<String> RULE_KEYS = Set.copyOf(RULE_KEY_ORDER);
  private static final Set<String> UNSUPPORTED_RULE_KEYS = Set.of("mitm_domains", "allowed_external_proxies");

  private static final YAMLMapper MAPPER =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final String source;

  private AclYamlReader(String source) {
    this.source = source;
  }

  /** The file's bytes, refusing files over {@link Acl#MAX_FILE_BYTES}. */
  static byte[] read(Path file) throws ConfigException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] content = in.readNBytes(Acl.MAX_FILE_BYTES + 1);
      if (content.length > Acl.MAX_FILE_BYTES) {
        throw new ConfigException(file, "", "file is larger than " + Acl.MAX_FILE_BYTES + " bytes");
      }
      return content;
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "", "file does not exist");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "", "cannot read file: " + e, e);
    }
  }

  /** Parses and validates ACL YAML. */
  static Acl parse(byte[] content, String source) throws ConfigException {
    if (content.length > Acl.MAX_FILE_BYTES) {
      throw new ConfigException(source, "", "file is larger than " + Acl.MAX_FILE_BYTES + " bytes");
    }
    AclYamlReader reader = new AclYamlReader(source);
    return reader.toAcl(reader.readTree(content));
  }

  private JsonNode readTree(byte[] content) throws ConfigException {
    try (JsonParser parser = MAPPER.createParser(content)) {
      JsonNode root = MAPPER.readTree(parser);
      if (root == null || root.isMissingNode() || root.isNull()) {
        throw fail("", "file is empty; an ACL starts with version: v1");
      }
      if (parser.nextToken() != null) {
        throw fail("", "file holds more than one YAML document");
      }
      return root;
    } catch (JacksonException e) {
      throw yamlError(e);
    } catch (IOException e) {
      throw new ConfigException(source, "", "cannot parse YAML: " + e.getMessage(), e);
    }
  }

  private Acl toAcl(JsonNode root) throws ConfigException {
    requireMapping(root, "");
    checkKeys(root, "", TOP_KEYS, TOP_KEY_ORDER);
    checkVersion(root);
    List<AclRule> services = services(root);
    AclRule defaultRule = defaultRule(root);
    List<DomainGlob> globalAllow = globs(root, "global_allow_list", "");
    List<DomainGlob> globalDeny = globs(root, "global_deny_list", "");
    return new Acl(source, services, defaultRule, globalAllow, globalDeny);
  }

  private void checkVersion(JsonNode root) throws ConfigException {
    String version = optionalString(root, "version", "");
    if (version == null) {
      throw fail("version", "missing; Smokescreen ACL files declare version: v1");
    }
    if (!version.equals(VERSION)) {
      throw fail("version", "expected \"" + VERSION + "\", got \"" + version + "\"");
    }
  }

  private List<AclRule> services(JsonNode root) throws ConfigException {
    JsonNode list = root.get("services");
    if (list == null || list.isNull()) {
      throw fail("services", "missing; write services: [] when every client uses the default rule");
    }
    if (!list.isArray()) {
      throw fail("services", "expected a list of rules, got " + describe(list));
    }
    List<AclRule> rules = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String path = "services[" + i + "]";
      AclRule rule = rule(list.get(i), path, null);
      Integer earlier = seen.putIfAbsent(rule.name(), i);
      if (earlier != null) {
        throw fail(path + ".name", "duplicate service name '" + rule.name() + "' (first at services[" + earlier + "])");
      }
      rules.add(rule);
    }
    return rules;
  }

  private AclRule defaultRule(JsonNode root) throws ConfigException {
    JsonNode node = root.get("default");
    if (node == null || node.isNull()) {
      return null;
    }
    return rule(node, "default", Acl.DEFAULT_ROLE);
  }

  /** One rule; {@code defaultName} is used when {@code name} is absent, and {@code null} makes it required. */
  private AclRule rule(JsonNode node, String path, String defaultName) throws ConfigException {
    requireMapping(node, path);
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (UNSUPPORTED_RULE_KEYS.contains(key)) {
        throw fail(join(path, key), "Smokescreen's " + key + " is not supported by clincher egress; remove it");
      }
    }
    checkKeys(node, path, RULE_KEYS, RULE_KEY_ORDER);
    String name = optionalString(node, "name", path);
    if (name == null || name.isEmpty()) {
      if (defaultName == null) {
        throw fail(join(path, "name"), "missing; every service needs a name (the role it applies to)");
      }
      name = defaultName;
    }
    String project = optionalString(node, "project", path);
    AclAction action = action(node, path);
    List<DomainGlob> allowed = globs(node, "allowed_domains", path);
    return new AclRule(name, project, action, allowed);
  }

  private AclAction action(JsonNode rule, String path) throws ConfigException {
    String text = optionalString(rule, "action", path);
    if (text == null) {
      throw fail(join(path, "action"), "missing; expected enforce, report or open");
    }
    return AclAction.fromYaml(text).orElseThrow(
        () -> fail(join(path, "action"), "unknown action '" + text + "'; expected enforce, report or open"));
  }

  private List<DomainGlob> globs(JsonNode parent, String key, String parentPath) throws ConfigException {
    String path = join(parentPath, key);
    JsonNode list = parent.get(key);
    if (list == null || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw fail(path, "expected a list of domain globs, got " + describe(list));
    }
    List<DomainGlob> globs = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String itemPath = path + "[" + i + "]";
      JsonNode item = list.get(i);
      if (!item.isTextual()) {
        throw fail(itemPath, "expected a domain glob string, got " + describe(item));
      }
      try {
        globs.add(DomainGlob.parse(item.textValue()));
      } catch (IllegalArgumentException e) {
        throw fail(itemPath, "invalid domain glob '" + item.textValue() + "': " + e.getMessage());
      }
    }
    return globs;
  }

  private String optionalString(JsonNode parent, String key, String parentPath) throws ConfigException {
    JsonNode value = parent.get(key);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw fail(join(parentPath, key), "expected a string, got " + describe(value) + " (quote it)");
    }
    return value.textValue();
  }

  private void requireMapping(JsonNode node, String path) throws ConfigException {
    if (!node.isObject()) {
      throw fail(path, "expected a mapping of keys, got " + describe(node));
    }
  }

  private void checkKeys(JsonNode node, String path, Set<String> known, List<String> order)
      throws ConfigException {
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!known.contains(key)) {
        throw fail(join(path, key), "unknown key; expected one of " + String.join(", ", order));
      }
    }
  }

  private ConfigException yamlError(JacksonException e) {
    String reason = summary(e.getOriginalMessage());
    JsonLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      reason += " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
    return new ConfigException(source, keyPath(e), reason, e);
  }

  /** The key path the parser was at, e.g. {@code services[0].name}, or empty when unknown. */
  private static String keyPath(JacksonException e) {
    if (!(e.getProcessor() instanceof JsonParser parser)) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext context = parser.getParsingContext(); context != null; context = context.getParent()) {
      if (context.inObject() && context.getCurrentName() != null) {
        parts.addFirst("." + context.getCurrentName());
      } else if (context.inArray()) {
        parts.addFirst("[" + Math.max(0, context.getCurrentIndex()) + "]");
      }
    }
    String path = String.join("", parts);
    return path.startsWith(".") ? path.substring(1) : path;
  }

  /**
   * The YAML parser's message without its source excerpts: SnakeYAML indents the excerpt and position lines and
   * leaves the context and problem lines flush left.
   */
  private static String summary(String message) {
    if (message == null) {
      return "invalid YAML";
    }
    List<String> lines = message.lines().filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
        .map(String::strip).toList();
    return lines.isEmpty() ? message.strip() : String.join("; ", lines);
  }

  private static String describe(JsonNode node) {
    if (node.isNull()) {
      return "nothing (null)";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    if (node.isBoolean()) {
      return "the boolean " + node.asText();
    }
    return "'" + node.asText() + "'";
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private ConfigException fail(String key, String reason) {
    return new ConfigException(source, key, reason);
  }
}
