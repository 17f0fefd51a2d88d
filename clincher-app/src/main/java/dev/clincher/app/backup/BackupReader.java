package dev.clincher.app.backup;

import dev.clincher.app.backup.Manifest.Entry;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Opens a backup with its key: the manifest first (authenticated by its encryption), then each entry's blob, whose
 * size and SHA-256 must be the manifest's. Every refusal names the file and what is wrong with it.
 */
final class BackupReader {
  static final String MANIFEST = "manifest.enc";

  private final Path backup;
  private final BackupKey key;
  private final Manifest manifest;

  private BackupReader(Path backup, BackupKey key, Manifest manifest) {
    this.backup = backup;
    this.key = key;
    this.manifest = manifest;
  }

  static BackupReader open(Path backup, BackupKey key) throws IOException, BackupRefused {
    if (!Files.isDirectory(backup, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupRefused("backup.missing", backup + " is not a backup directory");
    }
    Path manifestFile = backup.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupRefused("manifest.missing", MANIFEST + " is missing from " + backup
          + ": not a complete backup");
    }
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(manifestFile))) {
      SealedFile.open(in, json, key, MANIFEST, MANIFEST);
    }
    return new BackupReader(backup, key, Manifest.fromJson(json.toByteArray()));
  }

  Manifest manifest() {
    return manifest;
  }

  Path directory() {
    return backup;
  }

  /** Decrypts {@code entry}'s blob into {@code plain}, and refuses it unless its size and checksum match. */
  void extract(Entry entry, OutputStream plain) throws IOException, BackupRefused {
    String name = entry.blob() + " (" + entry.path() + ")";
    Path blob = backup.resolve(entry.blob());
    if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)) {
      throw new BackupRefused("blob.missing", name + " is missing from the backup");
    }
    SealedFile.Digest digest;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(blob))) {
      digest = SealedFile.open(in, plain, key, blobContext(manifest.backupId(), entry.blob()), name);
    }
    if (digest.size() != entry.size() || !digest.sha256().equals(entry.sha256())) {
      throw new BackupRefused("blob.checksum", name + " decrypts to " + digest.size() + " bytes with SHA-256 "
          + digest.sha256() + ", the manifest says " + entry.size() + " bytes, " + entry.sha256());
    }
  }

  /** Decrypts {@code entry} into a new file {@code target} (0600). */
  void extractTo(Entry entry, Path target) throws IOException, BackupRefused {
    Files.createFile(target, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target))) {
      extract(entry, out);
    }
  }

  /** What a blob's encryption is bound to: this backup and the blob's name. */
  static String blobContext(String backupId, String blob) {
    return backupId + "/" + blob;
  }
}
