package dev.clincher.app.rotate;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One secret file of a deployment, rewritten in place. Docker bind-mounts a single file by its inode, so a file
 * replaced by a rename would never be seen inside the container: the new value is written into the same file (same
 * inode, owner and mode 0600). Before that, the old value is kept in {@code <name>.previous} (mode 0600, same owner),
 * written and synced first, so a crash in between leaves the old value on disk: restore it from there. The file is
 * overwritten from its start and only then cut to the new length, so it is never empty.
 */
record SecretFile(Path path) {

  /** The value in the file now (one trailing newline removed), checked as a service reads it. */
  String read() throws IOException {
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(path + " is not a regular file (a symbolic link or missing); refusing to rotate it");
    }
    try {
      return Secrets.readSecretFile(path);
    } catch (ConfigException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Where the old value is kept. */
  Path previous() {
    return path.resolveSibling(path.getFileName() + ".previous");
  }

  /** Keeps the current value in {@link #previous()}, then writes {@code value} into the file in place. */
  void replace(String value) throws IOException {
    keepPrevious(read());
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer, buffer.position());
      }
      channel.truncate(bytes.length);
      channel.force(true);
    }
  }

  private void keepPrevious(String old) throws IOException {
    Path temporary = path.resolveSibling("." + path.getFileName() + ".previous.new");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(old.getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    }
    copyOwner(path, temporary);
    Files.move(temporary, previous(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Gives {@code to} the owner of {@code from} when they differ (possible as root; the deployment's case). */
  private static void copyOwner(Path from, Path to) throws IOException {
    for (String attribute : new String[] {"unix:uid", "unix:gid"}) {
      Object owner = Files.getAttribute(from, attribute, LinkOption.NOFOLLOW_LINKS);
      if (!owner.equals(Files.getAttribute(to, attribute, LinkOption.NOFOLLOW_LINKS))) {
        Files.setAttribute(to, attribute, owner, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }
}
