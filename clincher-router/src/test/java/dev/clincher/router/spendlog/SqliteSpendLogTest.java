package dev.clincher.router.spendlog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.router.keys.DatabaseUrl;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spend log on a SQLite file. */
class SqliteSpendLogTest extends SpendLogContract {
  @TempDir
  Path directory;

  @Override
  protected DatabaseUrl url() {
    return DatabaseUrl.sqlite(directory.resolve("router.db"));
  }

  /** {@code BEGIN IMMEDIATE} takes SQLite's one write lock; the writer waits for it up to its busy timeout. */
  @Override
  protected AutoCloseable holdWriteLock() throws SQLException {
    Connection locker = DriverManager.getConnection(url().jdbcUrl());
    try (Statement statement = locker.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
    }
    return () -> {
      try (locker; Statement statement = locker.createStatement()) {
        statement.execute("ROLLBACK");
      }
    };
  }

  @Test
  void theFileIsInWalMode() throws Exception {
    open(SpendLogSettings.DEFAULTS);
    try (Connection connection = DriverManager.getConnection(url().jdbcUrl());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
      rows.next();
      assertThat(rows.getString(1)).isEqualTo("wal");
    }
  }
}
