package dev.clincher.router.spendlog;

import java.util.Map;
import java.util.Objects;

/**
 * One group of a {@link SpendLog#report}.
 *
 * @param group  the value of each dimension grouped by ({@link Dimension#text}: {@code ""} where a record has none)
 * @param totals the sums of the group's records in the report's range
 */
public record ReportRow(Map<Dimension, String> group, Totals totals) {
  public ReportRow {
    group = Map.copyOf(group);
    Objects.requireNonNull(totals, "totals");
  }
}
