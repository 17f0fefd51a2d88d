package dev.clincher.app.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clincher.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code clincher backup} on real SQLite files: a compose deployment's layout (docs/deploy.md) with the gateway's
 * events and the router's spend log written to while {@code create} runs, then wiped and restored; and every way a
 * backup or a key can be wrong.
 */
class BackupTest {
  @TempDir
  Path temp;

  private Path deployment;
  private Path backups;
  private Path keyFile;

  /** What a command printed and returned. */
  record Run(int code, String out, String err) {}

  @BeforeEach
  void deployment() throws Exception {
    deployment = temp.resolve("clincher");
    backups = temp.resolve("backups");
    keyFile = temp.resolve("backup.key");
    Files.createDirectories(deployment.resolve("config"));
    Files.createDirectories(deployment.resolve("data/gateway"));
    Files.createDirectories(deployment.resolve("data/router"));
    Files.createDirectories(deployment.resolve("data/redis"));
    Files.createDirectory(deployment.resolve("secrets"), mode("rwx------"));
    Files.writeString(deployment.resolve("docker-compose.yml"), "services: {}\n");
    Files.writeString(deployment.resolve(".env"), "COMPOSE_PROJECT_NAME=t" + UUID.randomUUID().toString()
        .substring(0, 8) + "\n");
    Files.writeString(deployment.resolve("config/gateway.yaml"), "storage:\n  url: jdbc:sqlite:/var/lib/x.db\n"
        + "agents:\n  main:\n    model: default\n");
    Files.writeString(deployment.resolve("data/redis/appendonly.aof"), "not taken\n");
    Files.createFile(deployment.resolve("secrets/gateway_token"), mode("rw-------"));
    Files.writeString(deployment.resolve("secrets/gateway_token"), "0123abcd\n");
    execute(deployment.resolve("data/gateway/gateway.db"),
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, "
            + "PRIMARY KEY (session_id, seq)) WITHOUT ROWID");
    execute(deployment.resolve("data/router/router-keys.db"),
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE spend_logs (request_id TEXT NOT NULL PRIMARY KEY, cost_nanos BIGINT NOT NULL)");
    assertEquals(0, backup("keygen", keyFile.toString()).code());
  }

  @Test
  void keygenWritesThirtyTwoBytesOwnerOnlyAndLoadRefusesAnyOtherMode() throws Exception {
    assertEquals(32, Files.size(keyFile));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    Run again = backup("keygen", keyFile.toString());
    assertEquals(1, again.code());
    assertTrue(again.err().contains("never overwritten"), again.err());

    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
    Run refused = create();
    assertEquals(1, refused.code());
    assertTrue(refused.err().contains("has mode rw-r--r--; only its owner may read it: chmod 600"), refused.err());
    assertFalse(Files.exists(backups) && Files.list(backups).findAny().isPresent(), "nothing written");
  }

  @Test
  void createUnderWriteLoadThenWipeAndRestoreBringsBackEveryRowCommittedBeforeTheSnapshot() throws Exception {
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong committed = new AtomicLong();
    Thread writer = Thread.ofPlatform().start(() -> writeUntilStopped(writing, committed));
    while (committed.get() < 200) {
      Thread.sleep(5);
    }
    long committedBeforeSnapshot = committed.get();
    Run created = create();
    long committedAfterSnapshot = committed.get();
    writing.set(false);
    writer.join();
    assertEquals(0, created.code(), created.err());
    assertTrue(committedAfterSnapshot > committedBeforeSnapshot, "the writer went on during create");

    Path backup = onlyBackup();
    Run verified = backup("verify", backup.toString(), "--key-file", keyFile.toString());
    assertEquals(0, verified.code(), verified.err());
    assertTrue(verified.out().startsWith("OK "), verified.out());

    wipe();
    Run restored = backup("restore", backup.toString(), "--key-file", keyFile.toString(), "--deploy",
        deployment.toString());
    assertEquals(0, restored.code(), restored.err());

    for (String[] table : new String[][] {{"data/gateway/gateway.db", "events", "seq"},
        {"data/router/router-keys.db", "spend_logs", "CAST(substr(request_id, 5) AS INTEGER)"}}) {
      Path database = deployment.resolve(table[0]);
      assertEquals("ok", SqliteFiles.integrityCheck(database));
      long missing = count(database, "SELECT count(*) FROM generate WHERE n NOT IN (SELECT " + table[2] + " FROM "
          + table[1] + ")", committedBeforeSnapshot);
      assertEquals(0, missing, table[1] + ": rows committed before the snapshot are missing");
    }
    assertEquals("0123abcd\n", Files.readString(deployment.resolve("secrets/gateway_token")));
    assertEquals("rw-------", modeOf(deployment.resolve("secrets/gateway_token")));
    assertEquals("rwx------", modeOf(deployment.resolve("secrets")));
    assertFalse(Files.exists(deployment.resolve("data/redis/appendonly.aof")), "redis's data is not taken");
  }

  @Test
  void verifyRefusesATamperedByteATruncatedFileAMissingFileAndAWrongKeyNamingEach() throws Exception {
    assertEquals(0, create().code());
    Path backup = onlyBackup();
    Path blob = backup.resolve("blobs/0001.enc");

    byte[] original = Files.readAllBytes(blob);
    byte[] tampered = original.clone();
    tampered[tampered.length / 2] ^= 1;
    Files.write(blob, tampered);
    assertRefused(backup, keyFile, "blobs/0001.enc (.env) was changed or damaged: chunk 0 fails authentication");

    Files.write(blob, java.util.Arrays.copyOf(original, original.length - 30));
    assertRefused(backup, keyFile, "blobs/0001.enc (.env) is truncated");

    Files.delete(blob);
    assertRefused(backup, keyFile, "blobs/0001.enc (.env) is missing from the backup");
    Files.write(blob, original);

    Path manifest = backup.resolve("manifest.enc");
    byte[] sealed = Files.readAllBytes(manifest);
    Files.write(manifest, java.util.Arrays.copyOf(sealed, sealed.length - 1));
    assertRefused(backup, keyFile, "manifest.enc is truncated");
    Files.delete(manifest);
    assertRefused(backup, keyFile, "manifest.enc is missing");
    Files.write(manifest, sealed);

    Path otherKey = temp.resolve("other.key");
    assertEquals(0, backup("keygen", otherKey.toString()).code());
    assertRefused(backup, otherKey, "wrong key: manifest.enc was encrypted with key "
        + BackupKey.load(keyFile).id() + ", the key file given is key " + BackupKey.load(otherKey).id());

    assertEquals(0, backup("verify", backup.toString(), "--key-file", keyFile.toString()).code(), "whole again");
  }

  @Test
  void verifyRefusesABlobMovedFromAnotherBackup() throws Exception {
    assertEquals(0, create().code());
    Path first = onlyBackup();
    Path second = temp.resolve("second");
    Files.move(first, second);
    Thread.sleep(1100);
    assertEquals(0, create().code());
    Files.copy(second.resolve("blobs/0001.enc"), onlyBackup().resolve("blobs/0001.enc"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertRefused(onlyBackup(), keyFile, "blobs/0001.enc (.env) was changed or damaged");
  }

  @Test
  void restoreRefusesWhileAnotherProcessHasADatabaseOpen() throws Exception {
    assertEquals(0, create().code());
    Path database = deployment.resolve("data/router/router-keys.db");
    Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), HoldDatabaseOpen.class.getName(), database.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertEquals("open", new java.io.BufferedReader(new java.io.InputStreamReader(service.getInputStream(),
          StandardCharsets.UTF_8)).readLine());
      byte[] before = Files.readAllBytes(database);
      Run refused = backup("restore", onlyBackup().toString(), "--key-file", keyFile.toString(), "--deploy",
          deployment.toString());
      assertEquals(1, refused.code());
      assertTrue(refused.err().contains(database + " is open in a running process"), refused.err());
      assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(database)), "nothing replaced");
      try (Stream<Path> left = Files.list(deployment)) {
        assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".")
            && !p.getFileName().toString().equals(".env")), "no staging or pre-restore directory");
      }
    } finally {
      service.destroyForcibly().waitFor();
    }
  }

  @Test
  void restoreKeepsReplacedFilesAsideAndRefusesAManifestPathOutsideTheDeployment() throws Exception {
    assertEquals(0, create().code());
    Path backup = onlyBackup();
    Files.writeString(deployment.resolve("config/gateway.yaml"), "changed after the backup\n");
    Run restored = backup("restore", backup.toString(), "--key-file", keyFile.toString(), "--deploy",
        deployment.toString());
    assertEquals(0, restored.code(), restored.err());
    try (Stream<Path> aside = Files.list(deployment).filter(p -> p.getFileName().toString()
        .startsWith(".pre-restore-"))) {
      Path kept = aside.findFirst().orElseThrow();
      assertEquals("changed after the backup\n", Files.readString(kept.resolve("config/gateway.yaml")));
    }

    byte[] sound = Files.readAllBytes(backup.resolve(BackupReader.MANIFEST));
    for (String evil : List.of("../outside.txt", "/tmp/outside-" + UUID.randomUUID(), "config/../../outside.txt")) {
      rewriteManifest(backup, ".env", evil);
      Run refused = backup("restore", backup.toString(), "--key-file", keyFile.toString(), "--deploy",
          deployment.toString());
      assertEquals(1, refused.code());
      assertTrue(refused.err().contains("manifest names path '" + evil + "'"), refused.err());
      assertFalse(Files.exists(temp.resolve("outside.txt")));
      assertFalse(Files.exists(Path.of(evil)) && evil.startsWith("/"));
      Files.write(backup.resolve(BackupReader.MANIFEST), sound);
    }
  }

  @Test
  void retentionKeepsTheNewestBackupOfEachOfTheNewestDays() throws Exception {
    Files.createDirectories(backups);
    Instant day = Instant.parse("2025-03-20T03:00:00Z");
    for (int i = 0; i < 20; i++) {
      Files.createDirectory(backups.resolve(StoredBackup.nameFor(day.minusSeconds(86_400L * i))));
    }
    Files.createDirectory(backups.resolve(StoredBackup.nameFor(day.plusSeconds(3600)))); // a second one that day
    Files.createDirectory(backups.resolve(".clincher-backup-20250320T050000Z.partial"));
    Run pruned = backup("prune", "--to", backups.toString(), "--keep-daily", "14");
    assertEquals(0, pruned.code(), pruned.err());
    List<StoredBackup> left = StoredBackup.list(backups);
    assertEquals(14, left.size());
    assertEquals(day.plusSeconds(3600), left.getFirst().createdAt());
    assertEquals(day.minusSeconds(86_400L * 13), left.getLast().createdAt());
    assertTrue(StoredBackup.unfinished(backups).isEmpty());
    Run listed = backup("list", "--to", backups.toString());
    assertEquals(14, listed.out().lines().count());
  }

  // --- helpers

  private Run create() {
    return backup("create", "--deploy", deployment.toString(), "--key-file", keyFile.toString(), "--to",
        backups.toString());
  }

  private void assertRefused(Path backup, Path key, String message) {
    Run run = backup("verify", backup.toString(), "--key-file", key.toString());
    assertEquals(1, run.code(), run.out());
    assertTrue(run.err().contains(message), "expected «" + message + "» in: " + run.err());
  }

  static Run backup(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setOut(new PrintWriter(out, true));
    command.setErr(new PrintWriter(err, true));
    String[] full = new String[args.length + 1];
    full[0] = "backup";
    System.arraycopy(args, 0, full, 1, args.length);
    int code = command.execute(full);
    return new Run(code, out.toString(), err.toString());
  }

  private Path onlyBackup() throws IOException {
    List<StoredBackup> list = StoredBackup.list(backups);
    assertEquals(1, list.size());
    return list.getFirst().path();
  }

  /** Re-encrypts the manifest with one path changed: what an attacker holding the key could do. */
  private void rewriteManifest(Path backup, String from, String to) throws Exception {
    BackupKey key = BackupKey.load(keyFile);
    Manifest manifest = BackupReader.open(backup, key).manifest();
    List<Manifest.Entry> entries = new ArrayList<>();
    for (Manifest.Entry e : manifest.entries()) {
      entries.add(e.path().equals(from) ? new Manifest.Entry(to, e.kind(), e.blob(), e.size(), e.sha256(), e.mode(),
          e.uid(), e.gid(), e.rowCounts()) : e);
    }
    Manifest changed = new Manifest(manifest.format(), manifest.backupId(), manifest.createdAt(),
        manifest.clincherVersion(), manifest.source(), manifest.directory(), entries);
    ByteArrayOutputStream sealed = new ByteArrayOutputStream();
    SealedFile.seal(new java.io.ByteArrayInputStream(changed.toJson()), sealed, key, BackupReader.MANIFEST);
    Files.write(backup.resolve(BackupReader.MANIFEST), sealed.toByteArray());
  }

  private void wipe() throws IOException {
    Restorer.deleteTree(deployment.resolve("data"));
    Restorer.deleteTree(deployment.resolve("secrets"));
    Restorer.deleteTree(deployment.resolve("config"));
  }

  private void writeUntilStopped(AtomicBoolean writing, AtomicLong committed) {
    try (Connection gateway = DriverManager.getConnection("jdbc:sqlite:" + deployment.resolve(
            "data/gateway/gateway.db"));
        Connection router = DriverManager.getConnection("jdbc:sqlite:" + deployment.resolve(
            "data/router/router-keys.db"));
        PreparedStatement event = gateway.prepareStatement("INSERT INTO events VALUES ('s1', ?, 'payload')");
        PreparedStatement spend = router.prepareStatement("INSERT INTO spend_logs VALUES (?, 42)")) {
      busyTimeout(gateway);
      busyTimeout(router);
      for (long n = 1; writing.get(); n++) {
        event.setLong(1, n);
        event.executeUpdate();
        spend.setString(1, "req-" + n);
        spend.executeUpdate();
        committed.set(n); // both rows up to n are committed (autocommit)
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void busyTimeout(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 30000");
    }
  }

  /** Runs {@code query} with a table {@code generate(n)} of 1..upTo. */
  private static long count(Path database, String query, long upTo) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        PreparedStatement statement = connection.prepareStatement(
            "WITH RECURSIVE generate(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM generate WHERE n < ?) " + query)) {
      statement.setLong(1, upTo);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static void execute(Path database, String... statements) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private static String modeOf(Path file) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private static java.nio.file.attribute.FileAttribute<?> mode(String mode) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode));
  }
}
