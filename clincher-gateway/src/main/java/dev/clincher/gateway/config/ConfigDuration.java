package dev.clincher.gateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration as the config writes it ({@code 250ms}, {@code 30s}, {@code 10m}, {@code 12h}, {@code 3d}), parsed when
 * the file is loaded: a bad value fails the load with its key ({@code sandbox.idle_timeout: expected a duration …}).
 * Shown back (e.g. on the control page) as written.
 */
public record ConfigDuration(String text, Duration value) {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  /**
   * What the binder calls with the YAML value: a string or a plain number ({@code 65536}, {@code 30}) read as written.
   * The message of the {@link IllegalArgumentException} is the reason; the binder adds the key.
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static ConfigDuration fromYaml(JsonNode value) {
    return parse(value.isValueNode() ? value.asText() : "");
  }

  /** Parses {@code text}, or throws {@link IllegalArgumentException} with the reason. */
  public static ConfigDuration parse(String text) {
    Matcher matcher = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException("expected a duration like 30s, 10m, 12h or 3d");
    }
    long amount = Long.parseLong(matcher.group(1));
    Duration value = switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
    return new ConfigDuration(text, value);
  }

  @JsonValue
  @Override
  public String text() {
    return text;
  }
}
