package dev.clincher.app.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A compose file as docker-compose sees it: YAML with anchors and merge keys ({@code <<: *hardened}) resolved, and
 * {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR-default}}, {@code ${VAR:?message}} and {@code $$} in every
 * string replaced from the deployment's {@code .env}. Only read; nothing is validated beyond what the checks ask.
 */
public final class ComposeFile {
  private static final int MAX_BYTES = 1 << 20;
  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\\}|\\$([A-Za-z_][A-Za-z0-9_]*)");

  private final String name;
  private final Map<String, Object> root;

  private ComposeFile(String name, Map<String, Object> root) {
    this.name = name;
    this.root = root;
  }

  /** Reads {@code file}, interpolated with {@code env}. */
  public static ComposeFile read(Path file, Map<String, String> env) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file.getFileName() + " is larger than " + MAX_BYTES + " bytes");
    }
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(100);
    Object parsed = new Yaml(new SafeConstructor(options)).load(Files.readString(file, StandardCharsets.UTF_8));
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new IOException(file.getFileName() + " is not a YAML mapping");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> root = (Map<String, Object>) interpolate(map, env);
    return new ComposeFile(file.getFileName().toString(), root);
  }

  public String name() {
    return name;
  }

  /** The whole file, interpolated. */
  public Map<String, Object> root() {
    return root;
  }

  /** The services by name, in file order. */
  public Map<String, Map<String, Object>> services() {
    Map<String, Map<String, Object>> services = new LinkedHashMap<>();
    mapping(root.get("services")).forEach((key, value) -> services.put(key, mapping(value)));
    return services;
  }

  /** The top-level networks by name. */
  public Map<String, Map<String, Object>> networks() {
    Map<String, Map<String, Object>> networks = new LinkedHashMap<>();
    mapping(root.get("networks")).forEach((key, value) -> networks.put(key, mapping(value)));
    return networks;
  }

  /** A mapping, or an empty one for null or anything else. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> mapping(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /** A list of strings: a YAML list of scalars, a single scalar, or empty. */
  public static List<String> strings(Object value) {
    List<String> strings = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(item -> strings.add(String.valueOf(item)));
    } else if (value != null && !(value instanceof Map<?, ?>)) {
      strings.add(String.valueOf(value));
    }
    return strings;
  }

  /** The names of the networks a service joins (list or mapping form). */
  public static List<String> networksOf(Map<String, Object> service) {
    Object networks = service.get("networks");
    return networks instanceof Map<?, ?> map ? map.keySet().stream().map(String::valueOf).toList() : strings(networks);
  }

  /** A service's environment as a map (mapping or {@code NAME=value} list form). */
  public static Map<String, String> environmentOf(Map<String, Object> service) {
    Map<String, String> environment = new LinkedHashMap<>();
    Object value = service.get("environment");
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> environment.put(String.valueOf(key), item == null ? "" : String.valueOf(item)));
    } else {
      for (String entry : strings(value)) {
        int equals = entry.indexOf('=');
        environment.put(equals < 0 ? entry : entry.substring(0, equals), equals < 0 ? "" : entry.substring(equals + 1));
      }
    }
    return environment;
  }

  private static Object interpolate(Object value, Map<String, String> env) {
    if (value instanceof String text) {
      return substitute(text, env);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((key, item) -> copy.put(String.valueOf(key), interpolate(item, env)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(item -> interpolate(item, env)).toList();
    }
    return value;
  }

  static String substitute(String text, Map<String, String> env) {
    Matcher matcher = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement(matcher, env)));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private static String replacement(Matcher matcher, Map<String, String> env) {
    if (matcher.group().equals("$$")) {
      return "$";
    }
    String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(4);
    Optional<String> set = Optional.ofNullable(env.get(name));
    String operator = matcher.group(2);
    if (operator == null) {
      return set.orElse("");
    }
    boolean emptyCounts = operator.startsWith(":");
    boolean missing = set.isEmpty() || (emptyCounts && set.get().isEmpty());
    if (operator.endsWith("-")) {
      return missing ? matcher.group(3) : set.get();
    }
    return set.orElse(""); // ${VAR:?message}: docker-compose stops there; the audit reads on
  }
}
