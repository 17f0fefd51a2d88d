package dev.clincher.router.metering;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LiteLLM {@code budget_duration}: {@code 30s}, {@code 30m}, {@code 24h}, {@code 30d}, {@code 1w} or {@code 1mo}.
 * Spend is counted in consecutive UTC windows of that length: months start on the 1st at 00:00 UTC (every
 * {@code N} months counted from January 1970), the others are fixed-length windows counted from the Unix epoch (so
 * {@code 1d} resets at 00:00 UTC). LiteLLM counts non-month windows from when the key was created instead.
 */
public record BudgetPeriod(String text, long amount, ChronoUnit unit) {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,6})(s|m|h|d|w|mo)");
  /** The default for {@code model_info.max_budget} without {@code budget_duration}: one calendar month. */
  public static final BudgetPeriod MONTHLY = new BudgetPeriod("1mo", 1, ChronoUnit.MONTHS);

  public BudgetPeriod {
    if (amount < 1) {
      throw new IllegalArgumentException("a budget period is at least 1 unit");
    }
  }

  /** Parses LiteLLM's notation; empty when {@code text} is not one. */
  public static Optional<BudgetPeriod> parse(String text) {
    Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
      return Optional.empty();
    }
    ChronoUnit unit = switch (m.group(2)) {
      case "s" -> ChronoUnit.SECONDS;
      case "m" -> ChronoUnit.MINUTES;
      case "h" -> ChronoUnit.HOURS;
      case "d" -> ChronoUnit.DAYS;
      case "w" -> ChronoUnit.WEEKS;
      default -> ChronoUnit.MONTHS;
    };
    return Optional.of(new BudgetPeriod(m.group(1) + m.group(2), Long.parseLong(m.group(1)), unit));
  }

  /** The window {@code now} falls in. */
  public Window window(Instant now) {
    if (unit == ChronoUnit.MONTHS) {
      LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
      long monthIndex = (day.getYear() - 1970L) * 12 + day.getMonthValue() - 1;
      long first = Math.floorDiv(monthIndex, amount) * amount;
      LocalDate start = LocalDate.of(1970, 1, 1).plusMonths(first);
      Instant startAt = start.atStartOfDay(ZoneOffset.UTC).toInstant();
      Instant end = start.plusMonths(amount).atStartOfDay(ZoneOffset.UTC).toInstant();
      return new Window(text + "@" + start, startAt, end);
    }
    long length = unit.getDuration().getSeconds() * amount;
    long index = Math.floorDiv(now.getEpochSecond(), length);
    Instant start = Instant.ofEpochSecond(index * length);
    return new Window(text + "@" + start.getEpochSecond(), start, start.plusSeconds(length));
  }

  /**
   * One window of spend.
   *
   * @param id    names the window in counter keys (period and start)
   * @param start first instant in it
   * @param end   first instant after it (the budget resets then)
   */
  public record Window(String id, Instant start, Instant end) {
    /** Time left until {@link #end} from {@code now}, at least one second. */
    public Duration remaining(Instant now) {
      Duration left = Duration.between(now, end);
      return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
    }
  }
}
