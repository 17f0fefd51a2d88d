package dev.clincher.gateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human-friendly values of the gateway config: durations ({@code 90s}, {@code 12h}) and sizes ({@code 1.5g}). */
public final class ConfigValues {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12}(?:\\.\\d{1,3})?)([kmg]?)b?");

  private ConfigValues() {}

  /** {@code 250ms}, {@code 30s}, {@code 10m}, {@code 12h}, {@code 3d}. */
  public static Duration duration(String text, String key) {
    Matcher matcher = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(key + ": expected a duration like 30s, 10m, 12h or 3d");
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }

  /** Bytes: {@code 65536}, {@code 64k}, {@code 512m}, {@code 1.5g} (binary units). */
  public static long bytes(String text, String key) {
    Matcher matcher = SIZE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(key + ": expected a size like 65536, 64k, 512m or 1.5g");
    }
    double amount = Double.parseDouble(matcher.group(1));
    long unit = switch (matcher.group(2)) {
      case "k" -> 1024L;
      case "m" -> 1024L * 1024;
      case "g" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return Math.round(amount * unit);
  }
}
