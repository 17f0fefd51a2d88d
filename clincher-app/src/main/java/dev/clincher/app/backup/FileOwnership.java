package dev.clincher.app.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A file's mode and owner, as recorded in the manifest and put back on restore. */
record FileOwnership(String mode, int uid, int gid) {
  static FileOwnership of(Path file) throws IOException {
    return new FileOwnership(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)),
        (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS),
        (Integer) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS));
  }

  /**
   * Sets the mode, then the owner when it differs; returns false when the owner could not be set (only root may give
   * a file away: a restore as another user keeps the modes and says so).
   */
  static boolean apply(Path file, String mode, Integer uid, Integer gid) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    if (uid == null || gid == null) {
      return true;
    }
    try {
      if (!uid.equals(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
        Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      }
      if (!gid.equals(Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS))) {
        Files.setAttribute(file, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      }
      return true;
    } catch (java.nio.file.FileSystemException e) {
      return false;
    }
  }
}
