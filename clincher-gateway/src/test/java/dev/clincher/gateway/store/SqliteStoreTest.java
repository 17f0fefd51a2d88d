package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a SQLite file, plus what only SQLite has (file mode, journal settings). */
class SqliteStoreTest extends StoreContract {

  @TempDir
  Path dir;

  @Override
  protected StoreSettings settings() {
    return StoreSettings.sqlite(dir.resolve("sub/transcripts.db"));
  }

  @Override
  protected Connection rawConnection() throws SQLException {
    return DriverManager.getConnection(settings().jdbcUrl());
  }

  @Override
  protected void refuseEvents(String type) throws SQLException {
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TRIGGER refused_by_test BEFORE INSERT ON events WHEN NEW.type = '" + type + "'"
          + " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    }
  }

  @Override
  protected void allowEvents() throws SQLException {
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER refused_by_test");
    }
  }

  @Test
  void theDatabaseFileIsPrivateAndRunsInWalWithFullSync() throws Exception {
    Path file = dir.resolve("sub/transcripts.db");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (Connection c = rawConnection(); Statement s = c.createStatement();
        var rows = s.executeQuery("PRAGMA journal_mode")) {
      rows.next();
      assertThat(rows.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void refusesInMemoryAndOtherUrls() {
    assertThatThrownBy(() -> Stores.open(new StoreSettings("jdbc:sqlite::memory:", null, null, null, 4,
        StoreLimits.DEFAULTS))).isInstanceOf(StoreException.class).hasMessageContaining("plain file path");
    assertThatThrownBy(() -> Stores.open(new StoreSettings("jdbc:mysql://x/y", null, null, null, 4,
        StoreLimits.DEFAULTS))).isInstanceOf(IllegalArgumentException.class);
  }
}
