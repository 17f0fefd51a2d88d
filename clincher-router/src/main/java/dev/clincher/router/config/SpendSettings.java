package dev.clincher.router.config;

import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.router.metering.GlobalBudget;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the router keeps virtual keys and counters.
 *
 * @param databaseUrl {@code general_settings.database_url}, else {@code DATABASE_URL}; empty = the SQLite default
 * @param redis       {@code router_settings.redis_host}/{@code redis_port}/{@code redis_password}, else
 *                    {@code REDIS_HOST}/{@code REDIS_PORT}/{@code REDIS_PASSWORD}; empty = counters in memory
 * @param global      {@code litellm_settings.max_budget} and {@code budget_duration}: a budget over every call
 * @param endUser     {@code litellm_settings.max_end_user_budget}: USD per end user (the requests' {@code user}) and
 *                    calendar month
 * @param spendLogs   whether the spend log is written; {@code general_settings.disable_spend_logs: true} turns it off
 * @param durability  what a committed spend-log row survives: {@code general_settings.spend_log_durability}
 *                    ({@code power_loss}, the default, or {@code router_crash})
 */
public record SpendSettings(Optional<Secret> databaseUrl, Optional<Redis> redis,
    Optional<GlobalBudget> global, java.util.OptionalDouble endUser, boolean spendLogs,
    dev.clincher.router.spendlog.Durability durability) {
  public static final SpendSettings NONE = new SpendSettings(Optional.empty(), Optional.empty(), Optional.empty(),
      java.util.OptionalDouble.empty(), true, dev.clincher.router.spendlog.Durability.POWER_LOSS);

  public SpendSettings {
    Objects.requireNonNull(databaseUrl, "databaseUrl");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(global, "global");
    Objects.requireNonNull(endUser, "endUser");
    Objects.requireNonNull(durability, "durability");
  }


  /** A Redis server; a password from {@code REDIS_PASSWORD_FILE} is re-read on SIGHUP (for new connections). */
  public record Redis(String host, int port, Optional<RotatingSecret> password) {}
}
