package dev.clincher.app.backup;

import dev.clincher.app.Version;
import dev.clincher.app.backup.Manifest.Entry;
import dev.clincher.app.backup.Manifest.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code backup create}: takes every piece of a deployment's state ({@link StateLayout}) into a new backup directory
 * under a temporary name ({@code .NAME.partial}), and renames it to {@code clincher-backup-<UTC time>} only once every
 * blob and the manifest are written and synced, so a crash never leaves a half backup that looks whole.
 */
final class BackupWriter {
  private final BackupKey key;
  private final Path scratch;
  private final List<DatabaseDump> dumps;

  /**
   * @param scratch private directory for the plaintext database snapshots while they are encrypted (deleted after)
   * @param dumps   PostgreSQL databases the deployment's configs point at, dumped with pg_dump
   */
  BackupWriter(BackupKey key, Path scratch, List<DatabaseDump> dumps) {
    this.key = key;
    this.scratch = scratch;
    this.dumps = dumps;
  }

  /** Writes the backup of {@code layout} into {@code backups}; returns the finished backup's directory. */
  Path create(StateLayout layout, Path backups, Instant now) throws IOException, BackupRefused, SQLException {
    Path finished = backups.resolve(StoredBackup.nameFor(now));
    if (Files.exists(finished)) {
      throw new BackupRefused("backup.exists", finished + " exists already (one backup per second)");
    }
    Path partial = backups.resolve("." + finished.getFileName() + ".partial");
    Files.createDirectories(partial.resolve("blobs"));
    String backupId = UUID.randomUUID().toString();
    List<Entry> entries = new ArrayList<>();
    for (Path item : layout.items()) {
      entries.add(take(layout.directory(), item, partial, backupId, entries.size()));
    }
    for (DatabaseDump dump : dumps) {
      entries.add(dumpPostgres(dump, partial, backupId, entries.size()));
    }
    Manifest manifest = new Manifest(Manifest.FORMAT, backupId, now.toString(), Version.current(), layout.source(),
        layout.directory().toString(), List.copyOf(entries));
    seal(new ByteArrayInputStream(manifest.toJson()), partial.resolve(BackupReader.MANIFEST), BackupReader.MANIFEST);
    syncDirectory(partial.resolve("blobs"));
    syncDirectory(partial);
    Files.move(partial, finished, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(backups);
    return finished;
  }

  private Entry take(Path root, Path item, Path backup, String backupId, int index)
      throws IOException, SQLException {
    Path file = root.resolve(item);
    FileOwnership owner = FileOwnership.of(file);
    String path = item.toString();
    if (Files.isDirectory(file)) {
      return new Entry(path, Kind.DIRECTORY, null, null, null, owner.mode(), owner.uid(), owner.gid(), null);
    }
    String blob = blobName(index);
    if (!SqliteFiles.isDatabase(file)) {
      SealedFile.Digest digest = sealFile(file, backup, backupId, blob);
      return new Entry(path, Kind.FILE, blob, digest.size(), digest.sha256(), owner.mode(), owner.uid(),
          owner.gid(), null);
    }
    Path snapshot = scratch.resolve(index + ".db");
    try {
      SqliteFiles.snapshot(file, snapshot);
      Map<String, Long> counts = SqliteFiles.rowCounts(snapshot);
      SealedFile.Digest digest = sealFile(snapshot, backup, backupId, blob);
      return new Entry(path, Kind.SQLITE, blob, digest.size(), digest.sha256(), owner.mode(), owner.uid(),
          owner.gid(), counts);
    } finally {
      Files.deleteIfExists(snapshot);
    }
  }

  private Entry dumpPostgres(DatabaseDump dump, Path backup, String backupId, int index)
      throws IOException, BackupRefused {
    Path plain = scratch.resolve(index + ".dump");
    try {
      dump.dumpTo(plain);
      String blob = blobName(index);
      SealedFile.Digest digest = sealFile(plain, backup, backupId, blob);
      return new Entry("postgres/" + dump.service() + ".dump", Kind.POSTGRES, blob, digest.size(), digest.sha256(),
          "rw-------", null, null, null);
    } finally {
      Files.deleteIfExists(plain);
    }
  }

  private SealedFile.Digest sealFile(Path plain, Path backup, String backupId, String blob) throws IOException {
    try (InputStream in = Files.newInputStream(plain)) {
      return seal(in, backup.resolve(blob), BackupReader.blobContext(backupId, blob));
    }
  }

  private SealedFile.Digest seal(InputStream plain, Path target, String context) throws IOException {
    try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel))) {
      SealedFile.Digest digest = SealedFile.seal(plain, out, key, context);
      out.flush();
      channel.force(true);
      return digest;
    }
  }

  static String blobName(int index) {
    return "blobs/%04d.enc".formatted(index + 1);
  }

  private static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems cannot sync a directory; the rename is still atomic.
    }
  }
}
