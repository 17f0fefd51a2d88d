package dev.clincher.common.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only their owner may read: secrets, databases and configs holding paths to secrets. Created with mode 0600
 * from the start (never created readable and narrowed later).
 */
public final class PrivateFiles {
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private PrivateFiles() {}

  /**
   * Creates {@code file} empty with mode 0600 (and its missing parent directories) unless it exists; an existing
   * file keeps its mode. SQLite gives its {@code -wal} and {@code -shm} files the database file's mode.
   */
  public static void createIfAbsent(Path file) throws IOException {
    Path absolute = file.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    try {
      Files.createFile(absolute, OWNER_ONLY);
    } catch (FileAlreadyExistsException e) {
      // kept as it is
    }
  }

  /** Writes {@code text} to {@code file} as a new file with mode 0600, replacing one that exists. */
  public static Path write(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, OWNER_ONLY);
    Files.writeString(file, text);
    return file;
  }
}
