package dev.clincher.router.config;

import dev.clincher.common.config.Secret;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the router keeps virtual keys and counters.
 *
 * @param databaseUrl {@code general_settings.database_url}, else {@code DATABASE_URL}; empty = the SQLite default
 * @param redis       {@code router_settings.redis_host}/{@code redis_port}/{@code redis_password}, else
 *                    {@code REDIS_HOST}/{@code REDIS_PORT}/{@code REDIS_PASSWORD}; empty = counters in memory
 */
public record SpendSettings(Optional<Secret> databaseUrl, Optional<Redis> redis) {
  public static final SpendSettings NONE = new SpendSettings(Optional.empty(), Optional.empty());

  public SpendSettings {
    Objects.requireNonNull(databaseUrl, "databaseUrl");
    Objects.requireNonNull(redis, "redis");
  }

  /** A Redis server. */
  public record Redis(String host, int port, Optional<Secret> password) {}
}
