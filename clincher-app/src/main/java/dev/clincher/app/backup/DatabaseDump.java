package dev.clincher.app.backup;

import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL database of a service, taken with a real {@code pg_dump} (custom format: consistent, one snapshot) and
 * put back with {@code pg_restore}. The password goes through a 0600 password file ({@code PGPASSFILE}), never the
 * command line or the environment of the client.
 *
 * @param service  {@code gateway} or {@code router}
 * @param jdbcUrl  {@code jdbc:postgresql://host:port/db}, optionally {@code ?currentSchema=NAME}
 * @param user     the role, if the URL's owner gave one
 * @param password its password, if any
 */
record DatabaseDump(String service, String jdbcUrl, Optional<String> user, Optional<Secret> password) {
  private static final long TIMEOUT_MINUTES = 60;

  /** {@code pg_dump --format=custom} of the database (or its schema) into {@code target}. */
  void dumpTo(Path target) throws IOException, BackupRefused {
    List<String> command = new ArrayList<>(List.of("pg_dump", "--format=custom", "--no-password",
        "--file=" + target));
    command.addAll(connectionArguments());
    run(command, target.resolveSibling(target.getFileName() + ".pgpass"), "pg_dump");
  }

  /** {@code pg_restore --clean --if-exists} of {@code dump} into the database, in one transaction. */
  void restoreFrom(Path dump) throws IOException, BackupRefused {
    List<String> command = new ArrayList<>(List.of("pg_restore", "--clean", "--if-exists", "--no-owner",
        "--single-transaction", "--exit-on-error", "--no-password"));
    command.addAll(connectionArguments());
    command.add(dump.toString());
    run(command, dump.resolveSibling(dump.getFileName() + ".pgpass"), "pg_restore");
  }

  /** {@code pg_restore --list}: the dump is a whole archive pg_restore can read. */
  static void checkReadable(Path dump) throws IOException, BackupRefused {
    Process process = new ProcessBuilder("pg_restore", "--list", dump.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(false).start();
    String error = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (waitFor(process) != 0) {
      throw new BackupRefused("postgres.unreadable", "the PostgreSQL dump is not readable by pg_restore: " + error);
    }
  }

  private List<String> connectionArguments() {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    List<String> arguments = new ArrayList<>(List.of("--host=" + uri.getHost(),
        "--port=" + (uri.getPort() < 0 ? 5432 : uri.getPort()), "--dbname=" + uri.getPath().substring(1)));
    user.ifPresent(name -> arguments.add("--username=" + name));
    schema(uri.getQuery()).ifPresent(schema -> arguments.add("--schema=" + schema));
    return arguments;
  }

  private static Optional<String> schema(String query) {
    if (query == null) {
      return Optional.empty();
    }
    for (String parameter : query.split("&")) {
      if (parameter.startsWith("currentSchema=")) {
        return Optional.of(parameter.substring("currentSchema=".length()));
      }
    }
    return Optional.empty();
  }

  private void run(List<String> command, Path passFile, String tool) throws IOException, BackupRefused {
    Files.deleteIfExists(passFile);
    Files.createFile(passFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      // host:port:database:username:password, with ':' and '\' escaped; '*' matches what the arguments name.
      String secret = password.map(Secret::reveal).orElse("").replace("\\", "\\\\").replace(":", "\\:");
      Files.writeString(passFile, "*:*:*:*:" + secret + "\n", StandardCharsets.UTF_8);
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      builder.environment().put("PGPASSFILE", passFile.toString());
      builder.environment().remove("PGPASSWORD");
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new BackupRefused("postgres.client_missing", "the " + service + " database is PostgreSQL and "
            + tool + " cannot be run (install postgresql-client): " + e.getMessage());
      }
      String error = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (waitFor(process) != 0) {
        throw new BackupRefused("postgres." + tool, tool + " of the " + service + " database failed: " + error);
      }
    } finally {
      Files.deleteIfExists(passFile);
    }
  }

  private static int waitFor(Process process) throws IOException {
    try {
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IOException("gave up after " + TIMEOUT_MINUTES + " minutes");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "DatabaseDump[" + service + " " + jdbcUrl + "]";
  }
}
