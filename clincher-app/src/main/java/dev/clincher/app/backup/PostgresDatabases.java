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

  /**
   * By service ({@code gateway}, {@code router}); empty when both use SQLite or the configs are not there. A config
   * that is there but cannot be read is refused: a backup must never leave out a database silently.
   */
  static Map<String, DatabaseDump> toBackUp(StateLayout layout) throws IOException, BackupRefused {
    return of(layout, true);
  }

  /**
   * The databases a restore writes into, from the target's configs as they are now. A gateway config that cannot be
   * read (it may be what the restore replaces) names no database; a backup holding a dump then needs a target, which
   * the restore refuses with its own rule.
   */
  static Map<String, DatabaseDump> toRestoreInto(StateLayout layout) throws IOException, BackupRefused {
    return of(layout, false);
  }

  private static Map<String, DatabaseDump> of(StateLayout layout, boolean refuseUnreadable)
      throws IOException, BackupRefused {
    Deployment deployment = read(layout);
    Map<String, DatabaseDump> databases = new LinkedHashMap<>();
    if (deployment == null) {
      return databases;
    }
    gateway(deployment, refuseUnreadable).ifPresent(dump -> databases.put("gateway", dump));
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

  private static Optional<DatabaseDump> gateway(Deployment deployment, boolean refuseUnreadable)
      throws BackupRefused {
    Deployment.Loaded<GatewayConfig> config = deployment.gateway();
    if (config.value().isEmpty()) {
      if (!refuseUnreadable
          || !Files.isRegularFile(deployment.file(deployment.configPath("gateway.yaml", "gateway.yaml")))) {
        return Optional.empty();
      }
      // A config that names a PostgreSQL database and cannot be read must not give a backup without that database.
      throw new BackupRefused("postgres.config", "the gateway's config cannot be read, so whether its database is "
          + "PostgreSQL is unknown: " + config.error());
    }
    GatewayConfig.Storage storage = config.value().get().storage();
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
