package dev.clincher.app.backup;

import dev.clincher.app.backup.Manifest.Entry;
import dev.clincher.app.backup.Manifest.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code backup restore}: puts a backup back into a stopped deployment, in three steps so nothing is half done.
 * <ol>
 *   <li>Check: every path in the manifest stays inside the target (no {@code ..}, no absolute path, no symbolic link
 *       on the way), and the services are stopped ({@link RunningCheck}).</li>
 *   <li>Stage: every blob is decrypted and checked (checksums; each SQLite database passes integrity_check and has the
 *       manifest's row counts) into {@code .restore-staging-<time>/} inside the target. A refusal here changes
 *       nothing.</li>
 *   <li>Swap: each file that will be replaced (and a database's -wal/-shm/-journal, which would otherwise be replayed
 *       onto the restored database) is moved to {@code .pre-restore-<time>/}, the staged file is moved in, and its
 *       mode and owner are set; PostgreSQL dumps are restored with pg_restore after a dump of what they replace.</li>
 * </ol>
 */
final class Restorer {
  /** What was done: where the replaced files are, and notes (owners not set, checks skipped). */
  record Result(Path aside, int files, int databases, List<String> notes) {}

  private final BackupReader reader;
  private final Path root;
  private final Map<String, DatabaseDump> postgres;

  /** @param postgres the target's PostgreSQL databases by service, as its configs name them now */
  Restorer(BackupReader reader, Path root, Map<String, DatabaseDump> postgres) {
    this.reader = reader;
    this.root = root.toAbsolutePath().normalize();
    this.postgres = postgres;
  }

  Result restore(StateLayout target, Instant now) throws IOException, BackupRefused, SQLException {
    List<Entry> entries = reader.manifest().entries();
    Files.createDirectories(root);
    List<Path> databases = new ArrayList<>();
    for (Entry entry : entries) {
      Path destination = inside(entry.path());
      if (entry.kind() == Kind.SQLITE) {
        databases.add(destination);
      }
      if (entry.kind() == Kind.POSTGRES && !postgres.containsKey(serviceOf(entry))) {
        throw new BackupRefused("restore.postgres_target", "the backup holds the " + serviceOf(entry)
            + " PostgreSQL database, and the target's config names no PostgreSQL database for it");
      }
    }
    List<String> notes = new ArrayList<>();
    RunningCheck.requireStopped(target, databases).ifPresent(notes::add);
    String stamp = StoredBackup.nameFor(now).substring(StoredBackup.PREFIX.length());
    Path staging = root.resolve(StateLayout.STAGING + stamp);
    Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      List<Path> staged = stage(entries, staging);
      Path aside = root.resolve(StateLayout.PRE_RESTORE + stamp);
      return swap(entries, staged, aside, notes);
    } finally {
      deleteTree(staging);
    }
  }

  /** Decrypts and checks every blob into {@code staging}; the list follows the entries (null for a directory). */
  private List<Path> stage(List<Entry> entries, Path staging) throws IOException, BackupRefused, SQLException {
    List<Path> staged = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      if (entry.kind() == Kind.DIRECTORY) {
        staged.add(null);
        continue;
      }
      Path file = staging.resolve("%04d".formatted(i));
      reader.extractTo(entry, file);
      if (entry.kind() == Kind.SQLITE) {
        Verifier.checkRestored(entry, file);
      }
      staged.add(file);
    }
    return staged;
  }

  private Result swap(List<Entry> entries, List<Path> staged, Path aside, List<String> notes)
      throws IOException, BackupRefused {
    int files = 0;
    int databases = 0;
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      switch (entry.kind()) {
        case DIRECTORY -> Files.createDirectories(inside(entry.path()));
        case FILE, SQLITE -> {
          Path destination = inside(entry.path());
          Files.createDirectories(destination.getParent());
          moveAside(destination, aside);
          if (entry.kind() == Kind.SQLITE) {
            for (String sidecar : SqliteFiles.SIDECARS) {
              moveAside(destination.resolveSibling(destination.getFileName() + sidecar), aside);
            }
            databases++;
          } else {
            files++;
          }
          Files.move(staged.get(i), destination, StandardCopyOption.ATOMIC_MOVE);
          setOwnership(entry, destination, notes);
        }
        case POSTGRES -> {
          DatabaseDump database = postgres.get(serviceOf(entry));
          Path previous = aside.resolve(entry.path());
          Files.createDirectories(previous.getParent());
          database.dumpTo(previous);
          database.restoreFrom(staged.get(i));
          databases++;
        }
        default -> throw new IllegalStateException("unreachable: " + entry.kind());
      }
    }
    // Directories last, deepest first, so a 0700 directory owned by a service user is closed only when filled.
    List<Entry> directories = new ArrayList<>(entries.stream().filter(e -> e.kind() == Kind.DIRECTORY).toList());
    directories.sort(Comparator.comparing((Entry e) -> e.path().length()).reversed());
    for (Entry directory : directories) {
      setOwnership(directory, inside(directory.path()), notes);
    }
    return new Result(aside, files, databases, notes);
  }

  private void moveAside(Path file, Path aside) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path kept = aside.resolve(root.relativize(file));
    Files.createDirectories(kept.getParent());
    Files.move(file, kept, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void setOwnership(Entry entry, Path file, List<String> notes) throws IOException {
    if (!FileOwnership.apply(file, entry.mode(), entry.uid(), entry.gid())) {
      notes.add("owner of " + entry.path() + " not set to " + entry.uid() + ":" + entry.gid()
          + " (only root can): set it with chown");
    }
  }

  /**
   * The entry's place in the target: refused when the manifest's path is not a plain relative path, or when an
   * existing directory on the way is a symbolic link (which could lead the write outside the target).
   */
  private Path inside(String path) throws BackupRefused {
    Path relative = Manifest.safePath(path);
    Path destination = root.resolve(relative).normalize();
    if (!destination.startsWith(root) || destination.equals(root)) {
      throw new BackupRefused("manifest.path", "manifest names path '" + path + "' outside the deployment");
    }
    for (Path step = destination.getParent(); !step.equals(root); step = step.getParent()) {
      if (Files.isSymbolicLink(step)) {
        throw new BackupRefused("restore.symlink", step + " is a symbolic link: restore writes only inside "
            + root + " (remove the link first)");
      }
    }
    return destination;
  }

  private static String serviceOf(Entry entry) {
    String name = entry.path().substring(entry.path().lastIndexOf('/') + 1);
    return name.endsWith(".dump") ? name.substring(0, name.length() - ".dump".length()) : name;
  }

  static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(directory)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
