package dev.clincher.app.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a backup holds, stored encrypted (so authenticated) beside the files as {@code manifest.enc}: every file's path
 * in the deployment, its blob, size, SHA-256 of the plaintext, mode and owner, and for databases their row counts.
 *
 * @param format          the layout's version (1)
 * @param backupId        random; bound into every blob's encryption, so blobs cannot be swapped between backups
 * @param createdAt       when the snapshot started (UTC, ISO-8601)
 * @param clincherVersion the version that made it
 * @param source          {@code compose} (a {@code deploy init} directory) or {@code up} (a state directory)
 * @param directory       the directory it was taken from (for people; restore goes where it is told)
 * @param entries         directories first (parents before children), then files and databases
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(int format, String backupId, String createdAt, String clincherVersion, String source,
    String directory, List<Entry> entries) {
  static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BLOB = Pattern.compile("blobs/[0-9]{4,6}\\.enc");

  /** How an entry is taken and put back. */
  public enum Kind { DIRECTORY, FILE, SQLITE, POSTGRES }

  /**
   * One piece of state.
   *
   * @param path      relative to the deployment directory ({@code data/gateway/gateway.db}); for a PostgreSQL dump
   *                  {@code postgres/<service>.dump}, restored with pg_restore rather than as a file
   * @param kind      how it was taken
   * @param blob      the encrypted file in the backup ({@code blobs/0001.enc}); none for a directory
   * @param size      plaintext bytes
   * @param sha256    of the plaintext, hex
   * @param mode      POSIX permissions ({@code rw-------})
   * @param uid       owner
   * @param gid       group
   * @param rowCounts rows per table of a database, counted in the snapshot itself
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String path, Kind kind, String blob, Long size, String sha256, String mode, Integer uid,
      Integer gid, Map<String, Long> rowCounts) {}

  byte[] toJson() throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
  }

  /** Reads a decrypted manifest and refuses one whose paths or blob names could reach outside their directory. */
  static Manifest fromJson(byte[] json) throws BackupRefused {
    Manifest manifest;
    try {
      manifest = JSON.readValue(json, Manifest.class);
    } catch (IOException e) {
      throw new BackupRefused("manifest.format", "manifest.enc decrypts but is not a manifest: " + e.getMessage());
    }
    if (manifest.format != FORMAT || manifest.entries == null) {
      throw new BackupRefused("manifest.format", "manifest format " + manifest.format + " is not " + FORMAT
          + " (made by clincher " + manifest.clincherVersion + ")");
    }
    for (Entry entry : manifest.entries) {
      safePath(entry.path());
      if (entry.kind() != Kind.DIRECTORY && (entry.blob() == null || !BLOB.matcher(entry.blob()).matches())) {
        throw new BackupRefused("manifest.path", "manifest names blob '" + entry.blob() + "' for " + entry.path()
            + "; blobs are blobs/NNNN.enc");
      }
    }
    return manifest;
  }

  /** A relative path with no {@code ..}, {@code .} or empty segment; anything else is refused by name. */
  static Path safePath(String path) throws BackupRefused {
    if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0
        || path.indexOf('\0') >= 0) {
      throw new BackupRefused("manifest.path", "manifest names path '" + path + "': only relative paths inside "
          + "the deployment are restored");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new BackupRefused("manifest.path", "manifest names path '" + path + "': '..', '.' and empty "
            + "segments are refused (nothing is written outside the deployment)");
      }
    }
    return Path.of(path);
  }
}
