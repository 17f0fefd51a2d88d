package dev.clincher.router.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.clincher.common.config.Secret;
import dev.clincher.router.keys.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL for tests ({@code clincher-gateway/ci-setup-postgres.sh} installs and starts one), from
 * {@code CLINCHER_TEST_POSTGRES_URL}, {@code _USER} and {@code _PASSWORD} (defaults
 * {@code jdbc:postgresql://127.0.0.1:5432/clincher_test}, {@code clincher_test}/{@code clincher_test}). Without a
 * server the test is skipped, or fails under {@code CI} or when the URL variable is set. Each test works in a schema
 * of its own.
 */
public final class TestPostgres {
  public static final String URL = env("CLINCHER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/clincher_test");
  public static final String USER = env("CLINCHER_TEST_POSTGRES_USER", "clincher_test");
  public static final String PASSWORD = env("CLINCHER_TEST_POSTGRES_PASSWORD", "clincher_test");

  /**
   * A schema made for one test, dropped with everything in it on {@link #close}.
   *
   * @param name the schema's name
   * @param url  the database with that schema as its current one
   */
  public record Schema(String name, DatabaseUrl url) implements AutoCloseable {
    @Override
    public void close() throws SQLException {
      try (Connection admin = connect(); Statement statement = admin.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      }
    }
  }

  private TestPostgres() {}

  /** A new empty schema named {@code prefix} plus a random suffix; skips or fails when PostgreSQL does not answer. */
  public static Schema freshSchema(String prefix) throws SQLException {
    String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = connectOrSkip(); Statement statement = admin.createStatement()) {
      statement.execute("CREATE SCHEMA " + name);
    }
    String jdbc = URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + name;
    return new Schema(name, new DatabaseUrl(jdbc, Optional.of(USER), Optional.of(Secret.of(PASSWORD))));
  }

  /** A plain connection to the test database (its default schema). */
  public static Connection connect() throws SQLException {
    return DriverManager.getConnection(URL, USER, PASSWORD);
  }

  private static Connection connectOrSkip() throws SQLException {
    try {
      return connect();
    } catch (SQLException e) {
      String message = "no PostgreSQL at " + URL + " (" + e.getSQLState()
          + "; run clincher-gateway/ci-setup-postgres.sh as root)";
      if (System.getenv("CI") != null || System.getenv("CLINCHER_TEST_POSTGRES_URL") != null) {
        fail(message);
      }
      Assumptions.abort(message);
      throw e;
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
