package dev.clincher.router.spendlog;

import java.util.Locale;
import java.util.Optional;

/**
 * What a committed spend-log row survives ({@code general_settings.spend_log_durability}): the price of each is the
 * time a commit takes before an answer's last byte.
 */
public enum Durability {
  /**
   * The default: a commit waits until the row is on disk (SQLite: WAL with {@code synchronous=FULL}, fsync per
   * commit; PostgreSQL: {@code synchronous_commit=on}), so it survives a crash of the router, of the database and a
   * power loss (with a disk that honours fsync).
   */
  POWER_LOSS,
  /**
   * A commit waits until the row is handed to the operating system (SQLite: WAL with {@code synchronous=NORMAL}, no
   * fsync per commit) or to the database server (PostgreSQL: {@code synchronous_commit=off}): it survives a crash or
   * {@code kill -9} of the router, not a crash of the machine (SQLite) or of the database server (PostgreSQL), which
   * may lose the last moments of rows (their counters in Redis keep the spend).
   */
  ROUTER_CRASH;

  /** The name in the config file. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code power_loss} or {@code router_crash}. */
  public static Optional<Durability> parse(String text) {
    for (Durability durability : values()) {
      if (durability.configName().equals(text.trim())) {
        return Optional.of(durability);
      }
    }
    return Optional.empty();
  }
}
