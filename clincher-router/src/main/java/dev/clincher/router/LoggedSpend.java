package dev.clincher.router;

import dev.clincher.router.spend.SpendHistory;
import dev.clincher.router.spendlog.Dimension;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogException;
import dev.clincher.router.spendlog.SumRow;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The spend log as the history counters are rebuilt from at start-up. */
final class LoggedSpend implements SpendHistory {
  private final SpendLog log;

  LoggedSpend(SpendLog log) {
    this.log = log;
  }

  @Override
  public Map<String, Long> costSince(Instant since, By by) {
    Dimension dimension = switch (by) {
      case KEY -> Dimension.KEY;
      case TEAM -> Dimension.TEAM;
      case DEPLOYMENT -> Dimension.DEPLOYMENT;
      case END_USER -> Dimension.USER;
    };
    Map<String, Long> costs = new HashMap<>();
    for (SumRow row : sums(since, Set.of(dimension))) {
      String value = row.group().getOrDefault(dimension, "");
      if (!value.isEmpty() && row.since().costNanos() > 0) {
        costs.put(value, row.since().costNanos());
      }
    }
    return costs;
  }

  @Override
  public long totalSince(Instant since) {
    return sums(since, Set.of()).stream().mapToLong(row -> row.since().costNanos()).sum();
  }

  private List<SumRow> sums(Instant since, Set<Dimension> by) {
    try {
      return log.sums(since, by);
    } catch (SpendLogException e) {
      throw new IllegalStateException("the spend log cannot be read: " + e.getMessage(), e);
    }
  }
}
