package dev.clincher.app.manage;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import dev.clincher.router.RouterServer;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.router.keys.DatabaseUrl;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which key database a management command works on: the router's own, found as the router finds it. */
final class RouterDatabaseOption {
  @Option(names = "--config", paramLabel = "FILE",
      description = "The router's config (LiteLLM config.yaml): its general_settings.database_url, else "
          + "DATABASE_URL, else the router's default SQLite file clincher-router-keys.db in the working directory.")
  Path config;

  /** The database, as the router started with {@link #config} would use it. */
  DatabaseUrl url(Map<String, String> env) throws ConfigException {
    Optional<Secret> url = config != null ? RouterConfigReader.databaseUrl(config, env)
        : Secrets.fromEnv("DATABASE_URL", env).filter(text -> !text.isBlank()).map(Secret::of);
    return RouterServer.keyDatabase(url);
  }
}
