package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.clincher.gateway.config.GatewayConfig;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The effective gateway configuration as the control page shows it: every key with its value after defaults, by its
 * YAML name, with secrets taken out. The config holds no secret values itself (secrets come from files), but a value
 * can still carry one by mistake, so: a key naming a password, secret, token or key (not a {@code *_file} path) shows
 * {@code ****}; credentials in a URL ({@code user:pass@}) and {@code password=}/{@code token=}/{@code key=} query
 * parameters are replaced by {@code ****}.
 */
public final class RedactedConfig {
  static final String MASK = "****";
  private static final List<String> SECRET_WORDS = List.of("password", "secret", "token", "api_key", "apikey");
  private static final Pattern URL_USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]+@");
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile("(?i)([?&;](?:password|passwd|pwd|token|key|secret|api_key)=)[^&;\\s]*");

  private RedactedConfig() {}

  public static ObjectNode of(GatewayConfig config, ObjectMapper json) {
    ObjectMapper snake = json.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    ObjectNode tree = snake.valueToTree(config);
    redact(tree);
    return tree;
  }

  static void redact(JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> names = new java.util.ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode value = object.get(name);
        if (value.isValueNode() && !value.isNull() && isSecretKey(name)) {
          object.put(name, MASK);
        } else if (value.isTextual()) {
          object.set(name, new TextNode(redactText(value.asText())));
        } else {
          redact(value);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode item = node.get(i);
        if (item.isTextual()) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, new TextNode(redactText(item.asText())));
        } else {
          redact(item);
        }
      }
    }
  }

  static boolean isSecretKey(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return !lower.endsWith("_file") && SECRET_WORDS.stream().anyMatch(lower::contains);
  }

  static String redactText(String text) {
    String withoutUser = URL_USERINFO.matcher(text).replaceAll("$1" + MASK + "@");
    return SECRET_PARAMETER.matcher(withoutUser).replaceAll("$1" + MASK);
  }
}
