package dev.clincher.app.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** SQLite databases as files: telling one apart, an online snapshot, its row counts and its integrity. */
final class SqliteFiles {
  private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  /** The files SQLite keeps beside a database while it is open or after a crash; never copied, moved aside on restore. */
  static final List<String> SIDECARS = List.of("-wal", "-shm", "-journal");

  private SqliteFiles() {}

  /** Whether {@code file} starts with SQLite's header. */
  static boolean isDatabase(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(HEADER.length), HEADER);
    }
  }

  /** Whether {@code file} is the write-ahead log, shared memory or journal of a database beside it. */
  static boolean isSidecar(Path file) {
    String name = file.getFileName().toString();
    return SIDECARS.stream().anyMatch(suffix -> name.endsWith(suffix)
        && Files.exists(file.resolveSibling(name.substring(0, name.length() - suffix.length()))));
  }

  /**
   * Copies {@code database} to {@code target} with {@code VACUUM INTO}: one read transaction, so the copy is
   * consistent while the services go on writing (in WAL mode they are not even held up).
   */
  static void snapshot(Path database, Path target) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 30000");
      statement.execute("VACUUM INTO '" + target.toString().replace("'", "''") + "'");
    }
  }

  /** Rows per table (SQLite's own tables left out). */
  static Map<String, Long> rowCounts(Path database) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      Map<String, Long> counts = new TreeMap<>();
      for (String table : tables) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM \"" + table.replace("\"", "\"\"") + "\"")) {
          rows.next();
          counts.put(table, rows.getLong(1));
        }
      }
      return counts;
    }
  }

  /** {@code PRAGMA integrity_check}: "ok", or SQLite's first complaint. */
  static String integrityCheck(Path database) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
      return rows.next() ? rows.getString(1) : "no answer";
    }
  }
}
