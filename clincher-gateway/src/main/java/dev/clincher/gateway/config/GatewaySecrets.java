package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import dev.clincher.gateway.auth.BearerToken;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's secrets, each from the file its config key names, else from {@code VAR} / {@code VAR_FILE} in the
 * environment; never inline in the config. The token and the router key are re-read by {@link #reload} (SIGHUP).
 *
 * @param gatewayToken the operators' bearer token ({@code auth.token_file}, {@code CLINCHER_GATEWAY_TOKEN}); the
 *                     replaced value keeps working for {@code auth.rotation_grace}
 * @param routerKey the key for the router ({@code router.api_key_file}, {@code LITELLM_MASTER_KEY}); the gateway
 *                  presents only the current value
 * @param databasePassword PostgreSQL's password ({@code storage.password_file}, {@code CLINCHER_GATEWAY_DB_PASSWORD})
 */
public record GatewaySecrets(RotatingSecret gatewayToken, RotatingSecret routerKey,
    Optional<Secret> databasePassword) {

  /** Reads every secret; a missing token or router key fails with its key. */
  public static GatewaySecrets read(String source, GatewayConfig config, Map<String, String> env)
      throws ConfigException {
    return read(source, config, env, Clock.systemUTC());
  }

  /** The same, with the clock that ends a replaced token's grace. */
  public static GatewaySecrets read(String source, GatewayConfig config, Map<String, String> env, Clock clock)
      throws ConfigException {
    Duration grace = config.auth().rotationGrace().value();
    RotatingSecret token = rotating("gateway_token", config.auth().tokenFile(), "CLINCHER_GATEWAY_TOKEN", env, grace,
        clock, BearerToken.RELOAD_CHECK)
        .orElseThrow(() -> new ConfigException(source, "auth.token_file",
            "a gateway token is required (auth.token_file or CLINCHER_GATEWAY_TOKEN_FILE)"));
    RotatingSecret routerKey = rotating("router_key", config.router().apiKeyFile(), "LITELLM_MASTER_KEY", env,
        Duration.ZERO, clock, RotatingSecret.Check.NONE)
        .orElseThrow(() -> new ConfigException(source, "router.api_key_file",
            "a router key is required (router.api_key_file or LITELLM_MASTER_KEY_FILE)"));
    return new GatewaySecrets(token, routerKey,
        secret(config.storage().passwordFile(), "CLINCHER_GATEWAY_DB_PASSWORD", env));
  }

  /** Re-reads the token and the router key from their files; each outcome is logged by {@link RotatingSecret}. */
  public List<RotatingSecret.Reload> reload() {
    return List.of(gatewayToken.reload(), routerKey.reload());
  }

  /** A secret from the file named in the config, else from {@code VAR} / {@code VAR_FILE}; re-readable from a file. */
  private static Optional<RotatingSecret> rotating(String name, String file, String variable, Map<String, String> env,
      Duration grace, Clock clock, RotatingSecret.Check check) throws ConfigException {
    if (file != null && !file.isBlank()) {
      return Optional.of(RotatingSecret.fromFile(name, Path.of(file), grace, clock, check));
    }
    return RotatingSecret.fromEnv(name, variable, env, grace, clock, check);
  }

  /** A secret from the file named in the config, else from {@code VAR} / {@code VAR_FILE} in the environment. */
  private static Optional<Secret> secret(String file, String variable, Map<String, String> env)
      throws ConfigException {
    if (file != null && !file.isBlank()) {
      return Optional.of(Secret.of(Secrets.readSecretFile(Path.of(file))));
    }
    return Secrets.fromEnv(variable, env).map(Secret::of);
  }
}
