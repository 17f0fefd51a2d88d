package dev.clincher.common.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File-based secrets, the Docker/Kubernetes way: a value comes either from the variable {@code NAME} or, when that is
 * unset, from the file named by {@code NAME_FILE}. Secret values never appear in exception messages or logs;
 * only variable names and file paths do.
 */
public final class Secrets {
  /** Largest secret file read, in bytes. */
  public static final int MAX_SECRET_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(Secrets.class);
  private static final Set<PosixFilePermission> READABLE_BY_OTHERS =
      Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

  private Secrets() {}

  /**
   * The value of {@code name} from {@code env}; if unset, the content of the file named by {@code name + "_FILE"};
   * empty if neither is set.
   *
   * @throws ConfigException naming the variable if both are set, or if the file cannot be read
   */
  public static Optional<String> fromEnv(String name, Map<String, String> env) throws ConfigException {
    String fileVariable = name + "_FILE";
    String direct = env.get(name);
    String file = env.get(fileVariable);
    if (direct != null && file != null) {
      throw new ConfigException(name, "", "both " + name + " and " + fileVariable + " are set; set only one");
    }
    if (direct != null) {
      return Optional.of(direct);
    }
    if (file == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(readSecretFile(Path.of(file)));
    } catch (ConfigException e) {
      throw new ConfigException(fileVariable, "", e.getMessage(), e);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ConfigException(fileVariable, "", "not a valid file path");
    }
  }

  /**
   * Reads a secret file: UTF-8, at most {@link #MAX_SECRET_BYTES}, one trailing newline ({@code \n} or {@code \r\n})
   * removed. A file readable by group or others is read but logged as a warning.
   *
   * @throws ConfigException naming the file (never its content) if it is missing, unreadable, too large or not UTF-8
   */
  public static String readSecretFile(Path file) throws ConfigException {
    byte[] bytes = readBounded(file);
    warnIfReadableByOthers(file);
    return stripOneTrailingNewline(decodeUtf8(file, bytes));
  }

  private static byte[] readBounded(Path file) throws ConfigException {
    if (Files.isDirectory(file)) {
      throw new ConfigException(file, "", "secret file is a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_SECRET_BYTES + 1);
      if (bytes.length > MAX_SECRET_BYTES) {
        throw new ConfigException(file, "", "secret file is larger than " + MAX_SECRET_BYTES + " bytes");
      }
      return bytes;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigException(file, "", "secret file does not exist");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new ConfigException(file, "", "secret file is not readable (permission denied)");
    } catch (IOException e) {
      throw new ConfigException(file, "", "cannot read secret file (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static String decodeUtf8(Path file, byte[] bytes) throws ConfigException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, "", "secret file is not valid UTF-8");
    }
  }

  static String stripOneTrailingNewline(String text) {
    if (text.endsWith("\r\n")) {
      return text.substring(0, text.length() - 2);
    }
    if (text.endsWith("\n")) {
      return text.substring(0, text.length() - 1);
    }
    return text;
  }

  private static void warnIfReadableByOthers(Path file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.stream().anyMatch(READABLE_BY_OTHERS::contains)) {
        log.atWarn()
            .setMessage("secret.file.permissive")
            .addKeyValue("path", file.toString())
            .addKeyValue("permissions", java.nio.file.attribute.PosixFilePermissions.toString(permissions))
            .addKeyValue("hint", "chmod 600 (or 400) the file")
            .log();
      }
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system, or the attributes cannot be read: nothing to warn about.
    }
  }
}
