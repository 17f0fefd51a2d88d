package dev.clincher.router.spendlog;

import java.util.Map;
import java.util.Objects;

/**
 * One group of {@link SpendLog#sums}: what a counter is rebuilt from.
 *
 * @param group   the value of each dimension grouped by ({@code ""} where a record has none); empty for the global sum
 * @param since   the sums of the group's records at or after the given instant (a budget window)
 * @param allTime the sums of all the group's records (a {@code :total} counter)
 */
public record SumRow(Map<Dimension, String> group, Totals since, Totals allTime) {
  public SumRow {
    group = Map.copyOf(group);
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(allTime, "allTime");
  }
}
