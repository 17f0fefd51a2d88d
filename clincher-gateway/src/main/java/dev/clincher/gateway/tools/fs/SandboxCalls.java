package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * What the sandbox tools share: reading their arguments, building their JSON schemas and running one command in the
 * caller's sandbox with model input passed only as argv or stdin (never spliced into a shell string).
 */
public final class SandboxCalls {
  static final ObjectMapper JSON = new ObjectMapper();

  private SandboxCalls() {}

  /** A bad argument; the message is for the model. */
  public static final class BadArgumentException extends Exception {
    public BadArgumentException(String message) {
      super(message);
    }
  }

  /** Runs argv in the caller's sandbox. */
  public static ExecResult run(ToolContext context, List<String> argv, byte[] stdin, Duration timeout, int cap)
      throws SandboxException, InterruptedException {
    return context.sandbox().exec(argv, stdin, timeout, cap);
  }

  /** A required string argument. */
  public static String string(JsonNode arguments, String name) throws BadArgumentException {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || !value.isTextual()) {
      throw new BadArgumentException("the argument '" + name + "' (a string) is required");
    }
    return value.asText();
  }

  /** An optional string argument. */
  public static String string(JsonNode arguments, String name, String fallback) throws BadArgumentException {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw new BadArgumentException("the argument '" + name + "' must be a string");
    }
    return value.asText();
  }

  /** An optional boolean argument. */
  public static boolean bool(JsonNode arguments, String name) throws BadArgumentException {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw new BadArgumentException("the argument '" + name + "' must be true or false");
    }
    return value.asBoolean();
  }

  /** An optional integer argument of at least {@code min}. */
  public static long integer(JsonNode arguments, String name, long fallback, long min) throws BadArgumentException {
    JsonNode value = arguments == null ? null : arguments.get(name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min) {
      throw new BadArgumentException("the argument '" + name + "' must be an integer of at least " + min);
    }
    return value.asLong();
  }

  /** An object schema; {@code properties} alternates name, type, description. */
  public static JsonNode schema(List<String> required, String... properties) {
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    for (int i = 0; i < properties.length; i += 3) {
      ObjectNode property = props.putObject(properties[i]).put("type", properties[i + 1])
          .put("description", properties[i + 2]);
      if (properties[i].equals("encoding")) {
        property.putArray("enum").add("utf-8").add("base64");
      }
    }
    required.forEach(schema.putArray("required")::add);
    schema.put("additionalProperties", false);
    return schema;
  }

  /** The command's stderr as text, for an error message, bounded. */
  public static String stderr(ExecResult result) {
    String text = new String(result.stderr(), StandardCharsets.UTF_8).trim();
    return text.length() > 2000 ? text.substring(0, 2000) + "…" : text;
  }
}
