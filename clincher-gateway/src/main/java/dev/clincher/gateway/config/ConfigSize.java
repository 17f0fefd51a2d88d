package dev.clincher.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes as the config writes it ({@code 65536}, {@code 64k}, {@code 512m}, {@code 1.5g}; binary units),
 * parsed when the file is loaded: a bad value fails the load with its key ({@code sandbox.memory: expected a size …}).
 * Shown back (e.g. on the control page) as written.
 */
public record ConfigSize(String text, long bytes) {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,3})?)([kmg]?)b?");

  /**
   * What the binder calls with the YAML value: a string or a plain number ({@code 65536}, {@code 30}) read as written.
   * The message of the {@link IllegalArgumentException} is the reason; the binder adds the key.
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static ConfigSize fromYaml(JsonNode value) {
    return parse(value.isValueNode() ? value.asText() : "");
  }

  /** Parses {@code text}, or throws {@link IllegalArgumentException} with the reason. */
  public static ConfigSize parse(String text) {
    Matcher matcher = SIZE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException("expected a size like 65536, 64k, 512m or 1.5g");
    }
    double amount = Double.parseDouble(matcher.group(1));
    long unit = switch (matcher.group(2)) {
      case "k" -> 1024L;
      case "m" -> 1024L * 1024;
      case "g" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return new ConfigSize(text, Math.round(amount * unit));
  }

  /** A size of exactly {@code bytes}, written as the number. */
  public static ConfigSize ofBytes(long bytes) {
    return parse(Long.toString(bytes));
  }

  /** The size capped at {@link Integer#MAX_VALUE}, for limits held in an {@code int}. */
  public int bytesAsInt() {
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  @JsonValue
  @Override
  public String text() {
    return text;
  }
}
