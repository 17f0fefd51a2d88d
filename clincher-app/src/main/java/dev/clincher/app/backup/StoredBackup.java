package dev.clincher.app.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A finished backup in a backup directory, named {@code clincher-backup-YYYYMMDDTHHMMSSZ} (UTC); and retention:
 * which ones {@code --keep-daily N} keeps.
 */
public record StoredBackup(Path path, Instant createdAt) {
  static final String PREFIX = "clincher-backup-";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  static String nameFor(Instant time) {
    return PREFIX + STAMP.format(time);
  }

  /** The finished backups in {@code backups}, newest first; anything else there is ignored. */
  public static List<StoredBackup> list(Path backups) throws IOException {
    List<StoredBackup> found = new ArrayList<>();
    try (Stream<Path> children = Files.list(backups)) {
      for (Path child : children.toList()) {
        parse(child).ifPresent(found::add);
      }
    }
    found.sort(Comparator.comparing(StoredBackup::createdAt).reversed());
    return found;
  }

  /** Backups written under a temporary name ({@code .clincher-backup-….partial}) that never finished. */
  static List<Path> unfinished(Path backups) throws IOException {
    try (Stream<Path> children = Files.list(backups)) {
      return children.filter(child -> child.getFileName().toString().startsWith("." + PREFIX)
          && child.getFileName().toString().endsWith(".partial")).sorted().toList();
    }
  }

  private static Optional<StoredBackup> parse(Path child) {
    String name = child.getFileName().toString();
    if (!name.startsWith(PREFIX) || !Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new StoredBackup(child, Instant.from(STAMP.parse(name.substring(PREFIX.length())))));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * What {@code --keep-daily N} keeps from {@code newestFirst}: the newest backup of each of the N most recent UTC days
   * that have one. Everything else is to be pruned.
   */
  static List<StoredBackup> toPrune(List<StoredBackup> newestFirst, int keepDaily) {
    Set<LocalDate> keptDays = new HashSet<>();
    List<StoredBackup> prune = new ArrayList<>();
    for (StoredBackup backup : newestFirst) {
      LocalDate day = LocalDate.ofInstant(backup.createdAt(), ZoneOffset.UTC);
      if (keptDays.size() < keepDaily && keptDays.add(day)) {
        continue;
      }
      prune.add(backup);
    }
    return prune;
  }

  /** The bytes the backup takes on disk. */
  long bytes() throws IOException {
    try (Stream<Path> files = Files.walk(path)) {
      long total = 0;
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        total += Files.size(file);
      }
      return total;
    }
  }
}
