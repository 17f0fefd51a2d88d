package dev.clincher.router.keys;

import dev.clincher.common.config.Secret;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.flywaydb.core.Flyway;

/**
 * The router's own database (virtual keys, the spend log): one Flyway migration set in {@code db/router} for SQLite and
 * PostgreSQL, and connections that carry the credentials apart from the URL.
 */
public final class RouterDatabase {
  private RouterDatabase() {}

  /** Brings the schema up to date (idempotent; every store that opens the database calls it). */
  public static void migrate(DatabaseUrl url) {
    Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user().orElse(null), url.password().map(Secret::reveal).orElse(null))
        .locations("classpath:db/router").table("clincher_router_schema_history").load().migrate();
  }

  /** A new connection; {@code driverProperties} are the driver's settings (the credentials are added here). */
  public static Connection connect(DatabaseUrl url, Properties driverProperties) throws SQLException {
    Properties properties = new Properties();
    properties.putAll(driverProperties);
    url.user().ifPresent(user -> properties.setProperty("user", user));
    url.password().ifPresent(password -> properties.setProperty("password", password.reveal()));
    return DriverManager.getConnection(url.jdbcUrl(), properties);
  }

  /** Whether {@code url} names a PostgreSQL database (else SQLite). */
  public static boolean isPostgres(DatabaseUrl url) {
    return url.jdbcUrl().startsWith("jdbc:postgresql:");
  }
}
