package dev.clincher.app.backup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether the services of a deployment still run, so a restore never replaces files under them. Two tests, either
 * refuses:
 * <ol>
 *   <li>compose: {@code docker ps} lists a running container of the project ({@code COMPOSE_PROJECT_NAME} from
 *       {@code .env}, else the directory's name). Without a docker client, or a daemon, this test is skipped and said
 *       so.</li>
 *   <li>any process has one of the SQLite databases to be replaced open: in WAL mode every connection holds a shared
 *       lock on its {@code -shm} file for as long as it is open, and any transaction in progress holds a lock on the
 *       database's lock bytes; an exclusive lock on either is tried (and released) without opening the database.</li>
 * </ol>
 */
final class RunningCheck {
  /** SQLite's lock byte range in the database file (PENDING_BYTE, RESERVED_BYTE and the 510 SHARED bytes). */
  private static final long LOCK_BYTES = 0x40000000L;
  private static final long LOCK_LENGTH = 512;
  /** The byte of the {@code -shm} file every open connection holds a shared lock on (UNIX_SHM_DMS). */
  private static final long SHM_OPEN_BYTE = 128;

  private RunningCheck() {}

  /** A note for the operator when a test could not be made (e.g. no docker client). */
  static Optional<String> requireStopped(StateLayout layout, List<Path> databases) throws IOException, BackupRefused {
    for (Path database : databases) {
      requireClosed(database);
    }
    return layout.source().equals(StateLayout.COMPOSE) ? requireNoContainers(layout.directory()) : Optional.empty();
  }

  private static void requireClosed(Path database) throws IOException, BackupRefused {
    if (Files.isRegularFile(database) && !exclusive(database, LOCK_BYTES, LOCK_LENGTH)) {
      throw new BackupRefused("restore.running", database + " is open in a running process (it holds a lock on "
          + "the database's lock bytes): stop the services first");
    }
    Path shm = database.resolveSibling(database.getFileName() + "-shm");
    if (Files.isRegularFile(shm) && !exclusive(shm, SHM_OPEN_BYTE, 1)) {
      throw new BackupRefused("restore.running", database + " is open in a running process (its -shm file is "
          + "locked): stop the services first");
    }
  }

  private static boolean exclusive(Path file, long position, long length) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock(position, length, false)) {
      return lock != null;
    }
  }

  private static Optional<String> requireNoContainers(Path directory) throws IOException, BackupRefused {
    Map<String, String> env = dotEnv(directory.resolve(".env"));
    String project = env.getOrDefault("COMPOSE_PROJECT_NAME", directory.getFileName().toString());
    Process process;
    try {
      process = new ProcessBuilder("docker", "ps", "--quiet", "--filter",
          "label=com.docker.compose.project=" + project).redirectErrorStream(true).start();
    } catch (IOException e) {
      return Optional.of("no docker client: whether compose project " + project + " runs was not checked");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        return Optional.of("docker ps failed (" + output + "): whether compose project " + project
            + " runs was not checked");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (!output.isEmpty()) {
      throw new BackupRefused("restore.running", "compose project " + project + " has running containers ("
          + output.lines().count() + "): stop it first with: cd " + directory + " && docker-compose stop");
    }
    return Optional.empty();
  }

  private static Map<String, String> dotEnv(Path file) throws IOException {
    return Files.isRegularFile(file) ? dev.clincher.app.audit.Deployment.dotEnv(file) : Map.of();
  }
}
