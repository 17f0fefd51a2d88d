package dev.clincher.app.backup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Run as its own process by the tests: a "running service" that keeps a SQLite database open until killed. */
public final class HoldDatabaseOpen {
  private HoldDatabaseOpen() {}

  public static void main(String[] args) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT count(*) FROM sqlite_master");
      System.out.println("open");
      System.out.flush();
      Thread.sleep(120_000);
    }
  }
}
