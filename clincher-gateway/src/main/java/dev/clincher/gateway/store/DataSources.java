package dev.clincher.gateway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.clincher.common.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens the connection pool for {@link StoreSettings}: durable SQLite settings, or a bounded PostgreSQL pool. */
final class DataSources {
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
  private static final long CONNECTION_TIMEOUT_MS = 10_000;

  private DataSources() {}

  static HikariDataSource open(StoreSettings settings, Dialect dialect) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("clincher-transcripts");
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    config.setMaximumPoolSize(settings.maxConnections());
    config.setMinimumIdle(1);
    if (dialect == Dialect.SQLITE) {
      config.setDataSource(sqlite(settings.jdbcUrl(), settings.sqliteSync()));
    } else {
      config.setJdbcUrl(settings.jdbcUrl());
      config.setUsername(settings.user());
      if (settings.password() != null) {
        config.setPassword(settings.password().reveal());
      }
      if (settings.schema() != null) {
        config.setSchema(settings.schema());
      }
    }
    return new HikariDataSource(config);
  }

  /**
   * WAL with {@code synchronous=FULL} (default): a commit returns after the WAL is fsynced, so an appended event
   * survives kill -9 and power loss; with {@code NORMAL} it survives kill -9 (the WAL is in the OS's page cache). Foreign keys on; write transactions take the write lock at BEGIN (IMMEDIATE).
   */
  private static SQLiteDataSource sqlite(String jdbcUrl, StoreSettings.SqliteSync sync) {
    createPrivateFile(jdbcUrl.substring("jdbc:sqlite:".length()));
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(sync == StoreSettings.SqliteSync.NORMAL ? SQLiteConfig.SynchronousMode.NORMAL
        : SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource dataSource = new SQLiteDataSource(config);
    dataSource.setUrl(jdbcUrl);
    return dataSource;
  }

  /** Creates the database file readable by its owner only (SQLite gives the -wal and -shm files the same mode). */
  private static void createPrivateFile(String location) {
    if (location.isEmpty() || location.startsWith(":") || location.startsWith("file:") || location.contains("?")) {
      throw new StoreException("SQLite store needs a plain file path (jdbc:sqlite:/path/file.db)");
    }
    Path file = Path.of(location).toAbsolutePath();
    try {
      PrivateFiles.createIfAbsent(file);
    } catch (IOException | UnsupportedOperationException e) {
      throw new StoreException("cannot create SQLite store " + file + ": " + e.getMessage(), e);
    }
  }
}
