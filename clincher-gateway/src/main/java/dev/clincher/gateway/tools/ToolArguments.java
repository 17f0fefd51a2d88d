package dev.clincher.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Strict reading of a tool call's arguments object (the model's JSON). A bad argument raises
 * {@link BadArgumentException}, whose message the tool returns to the model as its error.
 */
public final class ToolArguments {

  private ToolArguments() {}

  /** The call cannot be done as asked (a bad argument, or what it names is unusable); the message is for the model. */
  public static final class BadArgumentException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadArgumentException(String message) {
      super(message);
    }
  }

  /** A required string, empty allowed. */
  public static String string(JsonNode arguments, String name) throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || !value.isTextual()) {
      throw new BadArgumentException("the argument '" + name + "' (a string) is required");
    }
    return value.asText();
  }

  /** An optional string, {@code fallback} when absent. */
  public static String string(JsonNode arguments, String name, String fallback) throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw new BadArgumentException("the argument '" + name + "' must be a string");
    }
    return value.asText();
  }

  /** A required non-blank string of at most {@code maxChars} characters. */
  public static String text(JsonNode arguments, String name, int maxChars) throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new BadArgumentException("'" + name + "' is required and must be a non-empty string");
    }
    String text = value.asText();
    if (text.length() > maxChars) {
      throw new BadArgumentException("'" + name + "' is " + text.length() + " characters; the limit is " + maxChars
          + ", shorten it");
    }
    return text;
  }

  /** An optional boolean, false when absent. */
  public static boolean bool(JsonNode arguments, String name) throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw new BadArgumentException("the argument '" + name + "' must be true or false");
    }
    return value.asBoolean();
  }

  /** An optional integer of at least {@code min}, {@code fallback} when absent. */
  public static long integer(JsonNode arguments, String name, long fallback, long min) throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min) {
      throw new BadArgumentException("the argument '" + name + "' must be an integer of at least " + min);
    }
    return value.asLong();
  }

  /** An optional integer in [{@code min}, {@code max}], {@code fallback} when absent. */
  public static long integer(JsonNode arguments, String name, long fallback, long min, long max)
      throws BadArgumentException {
    JsonNode value = value(arguments, name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.canConvertToExactIntegral() || !value.canConvertToLong()
        || value.asLong() < min || value.asLong() > max) {
      throw new BadArgumentException("'" + name + "' must be an integer from " + min + " to " + max);
    }
    return value.asLong();
  }

  private static JsonNode value(JsonNode arguments, String name) {
    return arguments == null ? null : arguments.get(name);
  }
}
