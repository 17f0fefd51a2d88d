package dev.clincher.app.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clincher backup} of a deployment whose gateway keeps its transcripts in a real PostgreSQL (the test cluster
 * of {@code clincher-gateway/ci-setup-postgres.sh}): {@code pg_dump} while a writer commits, the schema dropped, then
 * {@code pg_restore} brings back every row committed before the snapshot. The password reaches the clients through a
 * 0600 password file, never argv. Each run uses a schema of its own in the shared test database.
 */
class PostgresBackupTest {
  private static final String URL = System.getenv().getOrDefault("CLINCHER_TEST_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:5432/clincher_test");
  private static final String USER = System.getenv().getOrDefault("CLINCHER_TEST_POSTGRES_USER", "clincher_test");
  private static final String PASSWORD = System.getenv().getOrDefault("CLINCHER_TEST_POSTGRES_PASSWORD",
      "clincher_test");

  @TempDir
  Path temp;

  private final String schema = "backup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private Path deployment;
  private Path backups;
  private Path keyFile;

  @BeforeEach
  void deployment() throws Exception {
    deployment = temp.resolve("clincher");
    backups = temp.resolve("backups");
    keyFile = temp.resolve("backup.key");
    Files.createDirectories(deployment.resolve("config"));
    Files.createDirectory(deployment.resolve("secrets"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Files.writeString(deployment.resolve(".env"), "COMPOSE_PROJECT_NAME=pg" + schema + "\n");
    Files.writeString(deployment.resolve("docker-compose.yml"), """
        services:
          gateway:
            secrets:
              - source: gateway_db_password
                target: gateway_db_password
        secrets:
          gateway_db_password:
            file: ./secrets/gateway_db_password
        """);
    Files.writeString(deployment.resolve("secrets/gateway_db_password"), PASSWORD + "\n");
    Files.setPosixFilePermissions(deployment.resolve("secrets/gateway_db_password"),
        PosixFilePermissions.fromString("rw-------"));
    Files.writeString(deployment.resolve("config/gateway.yaml"), "storage:\n"
        + "  url: " + URL + "?currentSchema=" + schema + "\n"
        + "  user: " + USER + "\n"
        + "  password_file: /run/secrets/gateway_db_password\n"
        + "agents:\n  main:\n    model: default\n");
    sql("CREATE SCHEMA " + schema,
        "CREATE TABLE " + schema + ".events (session_id TEXT NOT NULL, seq BIGINT NOT NULL, payload TEXT NOT NULL, "
            + "PRIMARY KEY (session_id, seq))");
    assertEquals(0, backup("keygen", keyFile.toString()).code());
  }

  @AfterEach
  void dropSchema() throws SQLException {
    sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  @Test
  void dumpUnderWriteLoadThenDropAndRestoreBringsBackEveryRowCommittedBeforeTheSnapshot() throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong committed = new AtomicLong();
    Thread writer = Thread.ofPlatform().start(() -> writeUntilStopped(writing, committed));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (committed.get() < 200 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long committedBeforeSnapshot = committed.get();
    BackupTest.Run created = backup("create", "--deploy", deployment.toString(), "--key-file", keyFile.toString(),
        "--to", backups.toString());
    long committedAfterSnapshot = committed.get();
    writing.set(false);
    writer.join(30_000);
    assertEquals(0, created.code(), created.err());
    assertTrue(committedBeforeSnapshot >= 200, "the writer committed rows before the snapshot");
    assertTrue(committedAfterSnapshot > committedBeforeSnapshot, "the writer went on during create");

    List<StoredBackup> stored = StoredBackup.list(backups);
    assertEquals(1, stored.size());
    Path backup = stored.getFirst().path();
    BackupTest.Run verified = backup("verify", backup.toString(), "--key-file", keyFile.toString());
    assertEquals(0, verified.code(), verified.err());
    Manifest manifest = BackupReader.open(backup, BackupKey.load(keyFile)).manifest();
    assertTrue(manifest.entries().stream().anyMatch(e -> e.path().equals("postgres/gateway.dump")),
        "the gateway's database is in the backup as a pg_dump archive: " + manifest.entries());

    sql("DROP TABLE " + schema + ".events");
    BackupTest.Run restored = backup("restore", backup.toString(), "--key-file", keyFile.toString(), "--deploy",
        deployment.toString());
    assertEquals(0, restored.code(), restored.err());

    long restoredRows = count("SELECT count(*) FROM " + schema + ".events");
    long missing = count("SELECT count(*) FROM generate_series(1, " + committedBeforeSnapshot + ") AS n "
        + "WHERE n NOT IN (SELECT seq FROM " + schema + ".events)");
    assertEquals(0, missing, "rows committed before the snapshot are missing");
    assertTrue(restoredRows <= committedAfterSnapshot, "no row the writer never committed: " + restoredRows);
    assertEquals(PASSWORD + "\n", Files.readString(deployment.resolve("secrets/gateway_db_password")));
    assertTrue(Files.list(temp).noneMatch(p -> p.getFileName().toString().endsWith(".pgpass")),
        "no password file is left behind");
  }

  @Test
  void aWrongDatabasePasswordFailsTheBackupNamingPgDumpAndNeverPrintsThePassword() throws Exception {
    Files.writeString(deployment.resolve("secrets/gateway_db_password"), "wrong-secret-value\n");
    BackupTest.Run created = backup("create", "--deploy", deployment.toString(), "--key-file", keyFile.toString(),
        "--to", backups.toString());
    assertEquals(1, created.code(), created.out());
    assertTrue(created.err().contains("pg_dump of the gateway database failed"), created.err());
    assertTrue(!created.err().contains("wrong-secret-value") && !created.out().contains("wrong-secret-value"),
        "the password is never printed");
    assertTrue(!Files.exists(backups) || StoredBackup.list(backups).isEmpty(), "no partial backup is listed");
  }

  @Test
  void aGatewayConfigThatCannotBeReadRefusesTheBackupInsteadOfLeavingOutItsDatabase() throws Exception {
    // Before this was tested, an unreadable config made create succeed without the PostgreSQL dump.
    Files.writeString(deployment.resolve("config/gateway.yaml"), Files.readString(deployment.resolve(
        "config/gateway.yaml")).replace("agents:", "agentz:"));
    BackupTest.Run created = backup("create", "--deploy", deployment.toString(), "--key-file", keyFile.toString(),
        "--to", backups.toString());
    assertEquals(1, created.code(), created.out());
    assertTrue(created.err().contains("the gateway's config cannot be read"), created.err());
    assertTrue(!Files.exists(backups) || StoredBackup.list(backups).isEmpty(), "no backup without the database");
  }

  private void writeUntilStopped(AtomicBoolean writing, AtomicLong committed) {
    try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
        PreparedStatement event = connection.prepareStatement(
            "INSERT INTO " + schema + ".events VALUES ('s1', ?, 'payload')")) {
      for (long n = 1; writing.get() && n < 1_000_000; n++) {
        event.setLong(1, n);
        event.executeUpdate();
        committed.set(n); // autocommit: every row up to n is committed
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BackupTest.Run backup(String... args) {
    return BackupTest.backup(args);
  }

  private static void sql(String... statements) throws SQLException {
    try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
        Statement statement = connection.createStatement()) {
      for (String s : statements) {
        statement.execute(s);
      }
    }
  }

  private static long count(String query) throws SQLException {
    try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
