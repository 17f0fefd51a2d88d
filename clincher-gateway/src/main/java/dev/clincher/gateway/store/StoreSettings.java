package dev.clincher.gateway.store;

import dev.clincher.common.config.Secret;
import java.util.Locale;

/**
 * Where the transcript store lives.
 *
 * @param jdbcUrl {@code jdbc:sqlite:/path/file.db} (the default kind) or {@code jdbc:postgresql://host:port/db}
 * @param user database user (PostgreSQL; null for SQLite)
 * @param password database password (PostgreSQL; null for SQLite); never logged
 * @param schema PostgreSQL schema to create and use (null: the user's default); must be null for SQLite
 * @param maxConnections connection pool size (PostgreSQL; SQLite uses a few readers and one writer at a time)
 * @param limits the bounds to enforce
 * @param sqliteSync SQLite's {@code synchronous} setting: {@code FULL} (the default) fsyncs every commit, so an
 *     appended event survives power loss; {@code NORMAL} fsyncs only at WAL checkpoints, so it survives a crash of
 *     the gateway (kill -9) but an OS crash or power loss can lose the last commits (never corrupt the file)
 */
public record StoreSettings(
    String jdbcUrl, String user, Secret password, String schema, int maxConnections, StoreLimits limits,
    SqliteSync sqliteSync) {

  /** How often SQLite forces commits to disk (its {@code synchronous} pragma). */
  public enum SqliteSync { FULL, NORMAL }

  /** Settings with SQLite's default of this store, {@link SqliteSync#FULL}. */
  public StoreSettings(String jdbcUrl, String user, Secret password, String schema, int maxConnections,
      StoreLimits limits) {
    this(jdbcUrl, user, password, schema, maxConnections, limits, SqliteSync.FULL);
  }

  public StoreSettings {
    sqliteSync = sqliteSync == null ? SqliteSync.FULL : sqliteSync;
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw new IllegalArgumentException("jdbcUrl is required");
    }
    if (maxConnections < 1 || maxConnections > 64) {
      throw new IllegalArgumentException("maxConnections must be between 1 and 64");
    }
    if (schema != null && !schema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("schema must match [a-z_][a-z0-9_]{0,62}");
    }
    if (limits == null) {
      throw new IllegalArgumentException("limits are required");
    }
  }

  /** A SQLite file with default limits. */
  public static StoreSettings sqlite(java.nio.file.Path file) {
    return new StoreSettings("jdbc:sqlite:" + file.toAbsolutePath(), null, null, null, 4, StoreLimits.DEFAULTS);
  }

  /** A PostgreSQL database with default limits and a pool of 8 connections. */
  public static StoreSettings postgres(String jdbcUrl, String user, Secret password) {
    return new StoreSettings(jdbcUrl, user, password, null, 8, StoreLimits.DEFAULTS);
  }

  /** The same settings with another PostgreSQL schema. */
  public StoreSettings withSchema(String newSchema) {
    return new StoreSettings(jdbcUrl, user, password, newSchema, maxConnections, limits, sqliteSync);
  }

  /** The same settings with another SQLite sync mode. */
  public StoreSettings withSqliteSync(SqliteSync sync) {
    return new StoreSettings(jdbcUrl, user, password, schema, maxConnections, limits, sync);
  }

  /** The same settings with other limits. */
  public StoreSettings withLimits(StoreLimits newLimits) {
    return new StoreSettings(jdbcUrl, user, password, schema, maxConnections, newLimits, sqliteSync);
  }

  boolean isSqlite() {
    return jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:sqlite:");
  }

  boolean isPostgres() {
    return jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:");
  }

  @Override
  public String toString() {
    int query = jdbcUrl.indexOf('?');
    String shown = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?...";
    return "StoreSettings[jdbcUrl=" + shown + ", user=" + user + ", schema=" + schema + "]";
  }
}
