package dev.clincher.router.keys;

import dev.clincher.common.config.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Where virtual keys are stored, from LiteLLM's {@code database_url} / {@code DATABASE_URL}:
 * {@code postgresql://user:password@host:5432/db} (or {@code postgres://}), {@code sqlite:///path/keys.db}, or any
 * {@code jdbc:sqlite:} / {@code jdbc:postgresql:} URL. Credentials are kept apart from the URL so they never appear in
 * logs or errors.
 *
 * @param jdbcUrl  the JDBC URL without credentials
 * @param user     the user, if any
 * @param password the password, if any
 */
public record DatabaseUrl(String jdbcUrl, Optional<String> user, Optional<Secret> password) {
  public DatabaseUrl {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  /** A SQLite file. */
  public static DatabaseUrl sqlite(java.nio.file.Path file) {
    return new DatabaseUrl("jdbc:sqlite:" + file, Optional.empty(), Optional.empty());
  }

  /** The file of a SQLite database given by a plain path (not {@code :memory:}, a {@code file:} URI or options). */
  public Optional<java.nio.file.Path> sqliteFile() {
    if (!jdbcUrl.startsWith("jdbc:sqlite:")) {
      return Optional.empty();
    }
    String location = jdbcUrl.substring("jdbc:sqlite:".length());
    return location.isEmpty() || location.startsWith(":") || location.startsWith("file:") || location.contains("?")
        ? Optional.empty() : Optional.of(java.nio.file.Path.of(location));
  }

  /**
   * Reads one of the accepted forms.
   *
   * @throws IllegalArgumentException naming what is wrong (never echoing the URL, which may hold a password)
   */
  public static DatabaseUrl parse(String text) {
    String url = text.trim();
    if (url.startsWith("jdbc:sqlite:") || url.startsWith("jdbc:postgresql:")) {
      return new DatabaseUrl(url, Optional.empty(), Optional.empty());
    }
    if (url.startsWith("sqlite://")) {
      String path = url.substring("sqlite://".length());
      // SQLAlchemy's form: sqlite:///relative.db, sqlite:////absolute/path.db
      return new DatabaseUrl("jdbc:sqlite:" + (path.startsWith("/") ? path.substring(1) : path), Optional.empty(),
          Optional.empty());
    }
    if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
      return postgres(url);
    }
    throw new IllegalArgumentException(
        "expected postgresql://user:password@host:port/db, sqlite:///path or a jdbc:sqlite:/jdbc:postgresql: URL");
  }

  private static DatabaseUrl postgres(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().length() < 2) {
        throw new IllegalArgumentException("a PostgreSQL URL needs a host and a database name");
      }
      Optional<String> user = Optional.empty();
      Optional<Secret> password = Optional.empty();
      String userInfo = uri.getRawUserInfo();
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
        if (colon >= 0) {
          password = Optional.of(Secret.of(decode(userInfo.substring(colon + 1))));
        }
      }
      String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
      String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
      return new DatabaseUrl("jdbc:postgresql://" + uri.getHost() + port + uri.getRawPath() + query, user, password);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid PostgreSQL URL");
    }
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }
}
