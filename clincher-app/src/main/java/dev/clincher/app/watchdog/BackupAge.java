package dev.clincher.app.watchdog;

import dev.clincher.app.backup.StoredBackup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The newest backup's age, found the way {@code clincher backup list} finds backups. */
final class BackupAge {
  private BackupAge() {}

  static Optional<Finding> check(Path backups, Duration maxAge, Instant now) throws IOException {
    if (!Files.isDirectory(backups)) {
      return Optional.of(new Finding("backup:missing", "backup.age", "backup directory " + backups
          + " does not exist"));
    }
    List<StoredBackup> stored = StoredBackup.list(backups);
    if (stored.isEmpty()) {
      return Optional.of(new Finding("backup:missing", "backup.age", "no backup in " + backups));
    }
    Duration age = Duration.between(stored.getFirst().createdAt(), now);
    if (age.compareTo(maxAge) > 0) {
      return Optional.of(new Finding("backup:age", "backup.age", "the newest backup " + stored.getFirst().path()
          .getFileName() + " is " + age.toHours() + " h old (limit " + maxAge.toHours() + " h)"));
    }
    return Optional.empty();
  }
}
