package dev.clincher.gateway.store;

import static org.junit.jupiter.api.Assertions.fail;

import dev.clincher.common.config.Secret;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The real PostgreSQL the tests use ({@code clincher-gateway/ci-setup-postgres.sh} installs and starts it). Read
 * from {@code CLINCHER_TEST_POSTGRES_URL}, {@code _USER} and {@code _PASSWORD}, with the script's defaults. Missing
 * server: the test is skipped locally and fails under {@code CI}.
 */
final class PostgresSupport {
  static final String URL = env("CLINCHER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/clincher_test");
  static final String USER = env("CLINCHER_TEST_POSTGRES_USER", "clincher_test");
  static final String PASSWORD = env("CLINCHER_TEST_POSTGRES_PASSWORD", "clincher_test");

  private PostgresSupport() {}

  /** Skips (locally) or fails (under CI) when PostgreSQL does not answer. */
  static void requireServer() {
    try (Connection c = connect()) {
      c.isValid(2);
    } catch (SQLException e) {
      String message = "PostgreSQL not reachable at " + URL + " (run clincher-gateway/ci-setup-postgres.sh): "
          + e.getMessage();
      if (System.getenv("CI") != null) {
        fail(message);
      }
      Assumptions.abort(message);
    }
  }

  static Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, USER, PASSWORD);
  }

  /** Settings on a fresh schema of its own, so tests never see each other's rows. */
  static StoreSettings freshSchema() {
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    return StoreSettings.postgres(URL, USER, Secret.of(PASSWORD)).withSchema(schema);
  }

  static void dropSchema(String schema) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
