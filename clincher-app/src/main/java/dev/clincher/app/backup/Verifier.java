package dev.clincher.app.backup;

import dev.clincher.app.backup.Manifest.Entry;
import dev.clincher.app.backup.Manifest.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code backup verify}: decrypts every blob and checks it against the manifest, restores each SQLite database into a
 * scratch directory and requires {@code PRAGMA integrity_check} to pass and every table to hold the manifest's row
 * count, and has pg_restore read each PostgreSQL dump.
 */
final class Verifier {
  /** What was checked. */
  record Report(int files, int databases, long rows, long bytes) {}

  private Verifier() {}

  static Report verify(BackupReader reader, Path scratch) throws IOException, BackupRefused, SQLException {
    int files = 0;
    int databases = 0;
    long rows = 0;
    long bytes = 0;
    for (Entry entry : reader.manifest().entries()) {
      if (entry.kind() == Kind.DIRECTORY) {
        continue;
      }
      bytes += entry.size();
      switch (entry.kind()) {
        case FILE -> {
          reader.extract(entry, OutputStream.nullOutputStream());
          files++;
        }
        case SQLITE -> {
          rows += checkDatabase(reader, entry, scratch.resolve("verify-" + databases + ".db"));
          databases++;
        }
        case POSTGRES -> {
          Path dump = scratch.resolve("verify-" + databases + ".dump");
          try {
            reader.extractTo(entry, dump);
            DatabaseDump.checkReadable(dump);
          } finally {
            Files.deleteIfExists(dump);
          }
          databases++;
        }
        default -> throw new IllegalStateException("unreachable: " + entry.kind());
      }
    }
    return new Report(files, databases, rows, bytes);
  }

  /** Restores {@code entry} to {@code copy}, checks it, and returns its rows. */
  static long checkDatabase(BackupReader reader, Entry entry, Path copy)
      throws IOException, BackupRefused, SQLException {
    try {
      reader.extractTo(entry, copy);
      return checkRestored(entry, copy);
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  /** A restored SQLite file passes {@code integrity_check} and has the manifest's row counts. */
  static long checkRestored(Entry entry, Path copy) throws BackupRefused, SQLException {
    String integrity = SqliteFiles.integrityCheck(copy);
    if (!integrity.equals("ok")) {
      throw new BackupRefused("database.integrity", entry.path() + " restored fails PRAGMA integrity_check: "
          + integrity);
    }
    Map<String, Long> counted = SqliteFiles.rowCounts(copy);
    if (!counted.equals(entry.rowCounts())) {
      throw new BackupRefused("database.rows", entry.path() + " restored has rows " + counted
          + ", the manifest says " + entry.rowCounts());
    }
    return counted.values().stream().mapToLong(Long::longValue).sum();
  }
}
