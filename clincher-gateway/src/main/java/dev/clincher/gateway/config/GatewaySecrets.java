package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's secrets, each from the file its config key names, else from {@code VAR} / {@code VAR_FILE} in the
 * environment; never inline in the config.
 *
 * @param gatewayToken the operators' bearer token ({@code auth.token_file}, {@code CLINCHER_GATEWAY_TOKEN})
 * @param routerKey the key for the router ({@code router.api_key_file}, {@code LITELLM_MASTER_KEY})
 * @param databasePassword PostgreSQL's password ({@code storage.password_file}, {@code CLINCHER_GATEWAY_DB_PASSWORD})
 */
public record GatewaySecrets(Secret gatewayToken, Secret routerKey, Optional<Secret> databasePassword) {

  /** Reads every secret; a missing token or router key fails with its key. */
  public static GatewaySecrets read(String source, GatewayConfig config, Map<String, String> env)
      throws ConfigException {
    Secret token = secret(config.auth().tokenFile(), "CLINCHER_GATEWAY_TOKEN", env)
        .orElseThrow(() -> new ConfigException(source, "auth.token_file",
            "a gateway token is required (auth.token_file or CLINCHER_GATEWAY_TOKEN_FILE)"));
    Secret routerKey = secret(config.router().apiKeyFile(), "LITELLM_MASTER_KEY", env)
        .orElseThrow(() -> new ConfigException(source, "router.api_key_file",
            "a router key is required (router.api_key_file or LITELLM_MASTER_KEY_FILE)"));
    return new GatewaySecrets(token, routerKey,
        secret(config.storage().passwordFile(), "CLINCHER_GATEWAY_DB_PASSWORD", env));
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
