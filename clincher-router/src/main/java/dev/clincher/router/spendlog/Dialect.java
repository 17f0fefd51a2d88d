package dev.clincher.router.spendlog;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.RouterDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.sqlite.SQLiteConfig;

/** What differs between SQLite and PostgreSQL for the spend log: how connections are made durable and transactions begun. */
enum Dialect {
  SQLITE("BEGIN IMMEDIATE", "BEGIN"),
  POSTGRESQL("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");

  private static final long SOCKET_SLACK_SECONDS = 10;

  private final String beginWrite;
  private final String beginRead;

  Dialect(String beginWrite, String beginRead) {
    this.beginWrite = beginWrite;
    this.beginRead = beginRead;
  }

  static Dialect of(DatabaseUrl url) {
    return RouterDatabase.isPostgres(url) ? POSTGRESQL : SQLITE;
  }

  /** Starts a write transaction (SQLite: takes the write lock now, waiting at most the busy timeout). */
  String beginWrite() {
    return beginWrite;
  }

  /** Starts a read transaction that sees one snapshot. */
  String beginRead() {
    return beginRead;
  }

  /**
   * The writer's connection, as durable as {@code settings} say. SQLite: WAL with {@code synchronous=FULL} (a commit
   * returns after the WAL is fsynced) or {@code NORMAL} (after it is written), and {@code busy_timeout}; PostgreSQL:
   * {@code synchronous_commit} {@code on} or {@code off} whatever the server's default, and {@code lock_timeout}.
   */
  Connection openWriter(DatabaseUrl url, SpendLogSettings settings) throws SQLException {
    boolean fsync = settings.durability() == Durability.POWER_LOSS;
    Connection connection = open(url, settings, "clincher-spend-log-writer");
    try {
      if (this == SQLITE) {
        requireSync(connection, fsync);
      } else {
        try (Statement statement = connection.createStatement()) {
          statement.execute("SET synchronous_commit TO " + (fsync ? "on" : "off"));
          statement.execute("SET lock_timeout = " + settings.lockTimeout().toMillis());
        }
      }
      return connection;
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** A connection for queries. */
  Connection openReader(DatabaseUrl url, SpendLogSettings settings) throws SQLException {
    return open(url, settings, "clincher-spend-log-reader");
  }

  /**
   * Bounds a statement by the statement timeout on PostgreSQL (the server cancels it). Not on SQLite: its driver
   * would turn the query timeout into the connection's busy timeout, replacing the lock timeout; SQLite statements run
   * in-process, so only a lock can stall them, and the busy timeout bounds that.
   */
  void bound(Statement statement, SpendLogSettings settings) throws SQLException {
    if (this == POSTGRESQL) {
      statement.setQueryTimeout((int) settings.statementTimeout().toSeconds());
    }
  }

  /** Whether {@code e} says the connection is gone (so a statement that failed before COMMIT may be retried). */
  boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return this == POSTGRESQL && state != null
        && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
  }

  private Connection open(DatabaseUrl url, SpendLogSettings settings, String name) throws SQLException {
    Properties properties;
    if (this == SQLITE) {
      SQLiteConfig config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(settings.durability() == Durability.POWER_LOSS ? SQLiteConfig.SynchronousMode.FULL
          : SQLiteConfig.SynchronousMode.NORMAL);
      config.setBusyTimeout((int) settings.lockTimeout().toMillis());
      properties = config.toProperties();
    } else {
      properties = new Properties();
      long seconds = settings.statementTimeout().toSeconds();
      properties.setProperty("ApplicationName", name);
      properties.setProperty("connectTimeout", Long.toString(seconds));
      properties.setProperty("socketTimeout", Long.toString(seconds + SOCKET_SLACK_SECONDS));
      properties.setProperty("tcpKeepAlive", "true");
    }
    return RouterDatabase.connect(url, properties);
  }

  private static void requireSync(Connection connection, boolean fsync) throws SQLException {
    int expected = fsync ? 2 : 1; // FULL, NORMAL
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA synchronous")) {
      if (!rows.next() || rows.getInt(1) != expected) {
        throw new SQLException("SQLite did not accept synchronous=" + (fsync ? "FULL" : "NORMAL")
            + "; the spend log would not be as durable as configured");
      }
    }
  }
}
