package dev.clincher.app;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Reads durations the way Go flags write them (Smokescreen's flags are Go's): {@code 500ms}, {@code 10s}, {@code 1h30m}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    Matcher matcher = PART.matcher(value);
    Duration total = Duration.ZERO;
    int position = 0;
    while (position < value.length() && matcher.find(position) && matcher.start() == position) {
      long amount = Long.parseLong(matcher.group(1));
      total = total.plus(switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      });
      position = matcher.end();
    }
    if (value.isEmpty() || position != value.length()) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 500ms, 10s, 5m or 1h");
    }
    return total;
  }
}
