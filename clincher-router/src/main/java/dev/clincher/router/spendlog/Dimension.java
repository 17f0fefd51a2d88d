package dev.clincher.router.spendlog;

import java.time.LocalDate;

/** What reports and sums group by. A record without the value (the master key, no team, no user) groups as {@code ""}. */
public enum Dimension {
  /** The UTC day, as {@code 2026-03-01}. */
  DAY("logged_at / 86400000"),
  /** The model group. */
  MODEL("COALESCE(model_group, '')"),
  /** The virtual key's SHA-256; {@code ""} for the master key. */
  KEY("COALESCE(key_hash, '')"),
  /** The key's team. */
  TEAM("COALESCE(team, '')"),
  /** The end user. */
  USER("COALESCE(end_user, '')"),
  /** The deployment id ({@code cache} for cache hits). */
  DEPLOYMENT("COALESCE(deployment, '')");

  private final String column;

  Dimension(String column) {
    this.column = column;
  }

  /**
   * The SQL expression grouped by (the same text in SQLite and PostgreSQL). An expression rather than the bare column,
   * so SQLite scans the table once and sorts, instead of walking the column's index and looking up every row, which
   * took three to five times longer on a million rows.
   */
  String column() {
    return column;
  }

  /** A grouped value as reports show it. */
  String text(Object value) {
    return this == DAY ? LocalDate.ofEpochDay(((Number) value).longValue()).toString() : value.toString();
  }
}
