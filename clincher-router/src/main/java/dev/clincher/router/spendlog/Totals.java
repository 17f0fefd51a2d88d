package dev.clincher.router.spendlog;

/**
 * Sums over a set of spend-log records.
 *
 * @param requests         how many records
 * @param promptTokens     their prompt tokens
 * @param completionTokens their completion tokens
 * @param costNanos        their cost in nano-dollars
 */
public record Totals(long requests, long promptTokens, long completionTokens, long costNanos) {
  public static final Totals ZERO = new Totals(0, 0, 0, 0);

  /** These plus one record's. */
  public Totals plus(SpendRecord record) {
    return new Totals(requests + 1, promptTokens + record.promptTokens(),
        completionTokens + record.completionTokens(), costNanos + record.costNanos());
  }

  /** These plus {@code other}. */
  public Totals plus(Totals other) {
    return new Totals(requests + other.requests, promptTokens + other.promptTokens,
        completionTokens + other.completionTokens, costNanos + other.costNanos);
  }

  /** Prompt plus completion tokens. */
  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
