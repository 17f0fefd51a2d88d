package dev.clincher.app.backup;

import dev.clincher.app.audit.ComposeFile;
import dev.clincher.app.audit.Deployment;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.router.RouterServer;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.router.keys.DatabaseUrl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL databases a deployment's configs point at, read with the services' own loaders: the gateway's
 * {@code storage.url} and the router's {@code general_settings.database_url}. SQLite databases are files under the
 * deployment and are taken as files; only {@code jdbc:postgresql:} ones are listed here.
 */
final class PostgresDatabases {
  private PostgresDatabases() {}

  /** By service ({@code gateway}, {@code router}); empty when both use SQLite or the configs are not there. */
  static Map<String, DatabaseDump> of(StateLayout layout) throws IOException, BackupRefused {
    Deployment deployment = read(layout);
    Map<String, DatabaseDump> databases = new LinkedHashMap<>();
    if (deployment == null) {
      return databases;
    }
    gateway(deployment).ifPresent(dump -> databases.put("gateway", dump));
    router(deployment).ifPresent(dump -> databases.put("router", dump));
    return databases;
  }

  private static Deployment read(StateLayout layout) throws IOException {
    boolean compose = layout.source().equals(StateLayout.COMPOSE);
    Path marker = layout.directory().resolve(compose ? "docker-compose.yml" : "generated");
    if (!Files.exists(marker)) {
      return null;
    }
    return compose ? Deployment.read(layout.directory()) : Deployment.readUp(layout.directory());
  }

  private static Optional<DatabaseDump> gateway(Deployment deployment) throws BackupRefused {
    if (deployment.gateway().value().isEmpty()) {
      return Optional.empty();
    }
    GatewayConfig.Storage storage = deployment.gateway().value().get().storage();
    if (!storage.url().startsWith("jdbc:postgresql:")) {
      return Optional.empty();
    }
    Optional<Secret> password = Optional.empty();
    if (storage.passwordFile() != null) {
      Path file = deployment.secretFile("gateway", storage.passwordFile()).orElseThrow(() -> new BackupRefused(
          "postgres.password", "the gateway's storage.password_file " + storage.passwordFile()
              + " is not a secret the compose file mounts"));
      password = Optional.of(Secret.of(readSecret(file)));
    }
    return Optional.of(new DatabaseDump("gateway", storage.url(), Optional.ofNullable(storage.user()), password));
  }

  private static Optional<DatabaseDump> router(Deployment deployment) throws BackupRefused {
    Map<String, String> env = new LinkedHashMap<>(deployment.env());
    deployment.service("router").forEach(part -> env.putAll(ComposeFile.environmentOf(part)));
    Path config = deployment.file(deployment.configPath("router.yaml", "router.yaml"));
    if (!Files.isRegularFile(config)) {
      return Optional.empty();
    }
    try {
      DatabaseUrl url = RouterServer.keyDatabase(RouterConfigReader.databaseUrl(config, env));
      if (!url.jdbcUrl().startsWith("jdbc:postgresql:")) {
        return Optional.empty();
      }
      return Optional.of(new DatabaseDump("router", url.jdbcUrl(), url.user(), url.password()));
    } catch (ConfigException | IllegalArgumentException e) {
      throw new BackupRefused("postgres.config", "the router's database_url in " + config + " cannot be read: "
          + e.getMessage());
    }
  }

  private static String readSecret(Path file) throws BackupRefused {
    try {
      return Secrets.readSecretFile(file);
    } catch (ConfigException e) {
      throw new BackupRefused("postgres.password", e.getMessage());
    }
  }
}
