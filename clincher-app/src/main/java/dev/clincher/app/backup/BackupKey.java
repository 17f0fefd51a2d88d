package dev.clincher.app.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key a backup is encrypted under: a file of exactly 32 random bytes, mode 0600 (or 0400), never on a command
 * line. {@link #id()} names the key without revealing it, so a wrong key file is told apart from a damaged backup.
 */
public record BackupKey(SecretKey secret, String id) {
  static final int LENGTH = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  /** Writes a new random key to {@code file} (created 0600; an existing file is refused, never overwritten). */
  public static BackupKey generate(Path file) throws IOException, BackupRefused {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupRefused("key.exists", file + " exists; a key file is never overwritten (move it away first)");
    }
    byte[] bytes = new byte[LENGTH];
    new SecureRandom().nextBytes(bytes);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.write(file, bytes);
    return of(bytes);
  }

  /** Reads a key file: refused unless it is a regular file of 32 bytes that only its owner may read. */
  public static BackupKey load(Path file) throws IOException, BackupRefused {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupRefused("key.missing", "key file " + file + " does not exist or is not a regular file");
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    if (!OWNER_ONLY.containsAll(permissions)) {
      throw new BackupRefused("key.mode", "key file " + file + " has mode "
          + PosixFilePermissions.toString(permissions) + "; only its owner may read it: chmod 600 " + file);
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != LENGTH) {
      throw new BackupRefused("key.length", "key file " + file + " holds " + bytes.length + " bytes, not "
          + LENGTH + " (make one with: clincher backup keygen FILE)");
    }
    return of(bytes);
  }

  private static BackupKey of(byte[] bytes) {
    return new BackupKey(new SecretKeySpec(bytes, "AES"), fingerprint(bytes));
  }

  /** The first 8 bytes of SHA-256 over a fixed label and the key, as hex: names a key, reveals nothing of it. */
  private static String fingerprint(byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("clincher-backup-key-id\0".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest(key), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "BackupKey[" + id + "]";
  }
}
