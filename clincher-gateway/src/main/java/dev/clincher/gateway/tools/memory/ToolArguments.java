package dev.clincher.gateway.tools.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Strict reading of a tool call's arguments object (the model's JSON), and capping of text given back to it. A bad
 * argument raises {@link Invalid}, whose message the tool returns to the model as its error.
 */
public final class ToolArguments {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ToolArguments() {}

  /** The argument was missing, of the wrong type or out of bounds; the message says which and how. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    public Invalid(String message) {
      super(message);
    }
  }

  /** A JSON schema written as text (parsed once, at tool construction). */
  public static JsonNode schema(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad schema: " + e.getOriginalMessage(), e);
    }
  }

  /** A required non-blank string of at most {@code maxChars} characters. */
  public static String text(JsonNode arguments, String name, int maxChars) throws Invalid {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new Invalid("'" + name + "' is required and must be a non-empty string");
    }
    String text = value.asText();
    if (text.length() > maxChars) {
      throw new Invalid("'" + name + "' is " + text.length() + " characters; the limit is " + maxChars
          + ", shorten it");
    }
    return text;
  }

  /** An optional integer in [{@code min}, {@code max}], {@code fallback} when absent. */
  public static long integer(JsonNode arguments, String name, long fallback, long min, long max) throws Invalid {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.canConvertToExactIntegral() || !value.canConvertToLong()
        || value.asLong() < min || value.asLong() > max) {
      throw new Invalid("'" + name + "' must be an integer from " + min + " to " + max);
    }
    return value.asLong();
  }

  /** {@code text} cut to {@code maxChars} with a visible notice when it was longer. */
  public static String capped(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    return text.substring(0, maxChars) + "…[truncated, " + (text.length() - maxChars) + " more characters]";
  }

  /** The JSON text of a tree built for the model. */
  public static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** A fresh object node. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A fresh array node. */
  public static ArrayNode array() {
    return JSON.createArrayNode();
  }
}
